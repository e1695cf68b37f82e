#!/usr/bin/env python3
"""A HyperSearch command trial with no dependencies: a synthetic learning curve shaped by its parameters.

The protocol (docs/command-trials.md), in short:
  in:  HYPERSEARCH_PARAMS_FILE (a JSON object of parameters), HYPERSEARCH_PARAM_<NAME>, HYPERSEARCH_SEED,
       HYPERSEARCH_CHECKPOINT_DIR, HYPERSEARCH_RESUME (1/0), HYPERSEARCH_MODE (train/test)
  out: one JSON object per line on stdout, {"epoch": n, "val_accuracy": ..., ...}; logs go to stderr
  stop: SIGTERM means "exit now"; SIGKILL follows after the grace period

Run it by hand:  python3 train.py   (defaults apply when no parameters file is given)
"""
import json
import math
import os
import random
import signal
import sys
import time


def on_sigterm(signum, frame):
    # Each epoch is checkpointed before it is reported, so leaving mid-epoch loses only unreported work.
    print("stopped by SIGTERM", file=sys.stderr)
    sys.exit(0)


def load_parameters():
    path = os.environ.get("HYPERSEARCH_PARAMS_FILE")
    params = {"learning_rate": 1e-3, "dropout": 0.3, "epochs": 5, "seconds_per_epoch": 0.0}
    if path:
        with open(path, encoding="utf-8") as f:
            params.update(json.load(f))
    return params


def peak_accuracy(params):
    """Best reachable accuracy: highest at learning_rate 1e-3 and dropout 0.3, lower the further away."""
    lr_miss = abs(math.log10(float(params["learning_rate"])) + 3.0)
    dropout_miss = abs(float(params["dropout"]) - 0.3)
    return 0.93 - 0.08 * lr_miss ** 2 - 0.3 * dropout_miss ** 2


def val_accuracy(params, epoch, rng):
    speed = 1.5 * float(params["learning_rate"]) / 1e-3
    curve = peak_accuracy(params) * (1.0 - math.exp(-speed * epoch))
    return max(0.0, min(1.0, curve + rng.gauss(0.0, 0.004)))


def checkpoint_path():
    return os.path.join(os.environ.get("HYPERSEARCH_CHECKPOINT_DIR", "."), "checkpoint.json")


def save_checkpoint(epoch, accuracy):
    path = checkpoint_path()
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"epoch": epoch, "val_accuracy": accuracy}, f)
    os.replace(path + ".tmp", path)


def load_checkpoint():
    try:
        with open(checkpoint_path(), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def report(**metrics):
    print(json.dumps(metrics), flush=True)


def train(params, rng):
    epochs = int(params["epochs"])
    start = 1
    saved = load_checkpoint() if os.environ.get("HYPERSEARCH_RESUME") == "1" else None
    if saved:
        start = saved["epoch"] + 1
        print(f"resuming after epoch {saved['epoch']}", file=sys.stderr)
    for epoch in range(start, epochs + 1):
        began = time.monotonic()
        time.sleep(float(params.get("seconds_per_epoch", 0.0)))
        accuracy = val_accuracy(params, epoch, rng)
        save_checkpoint(epoch, accuracy)
        report(epoch=epoch, val_accuracy=accuracy, val_loss=-math.log(max(accuracy, 1e-6)),
               train_accuracy=min(1.0, accuracy + 0.02), epoch_seconds=time.monotonic() - began)


def test(params, rng):
    saved = load_checkpoint()
    accuracy = saved["val_accuracy"] if saved else val_accuracy(params, int(params["epochs"]), rng)
    test_accuracy = max(0.0, accuracy - 0.005)
    report(test_accuracy=test_accuracy, test_loss=-math.log(max(test_accuracy, 1e-6)), count=10000)


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    params = load_parameters()
    rng = random.Random(int(os.environ.get("HYPERSEARCH_SEED", "0")))
    if os.environ.get("HYPERSEARCH_MODE") == "test":
        test(params, rng)
    else:
        train(params, rng)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The chaos and full-restart tests' workload: a HyperSearch command trial (docs/command-trials.md) that sleeps
through each epoch, checkpoints after every epoch and appends what it does to $CHAOS_EVENTS (one JSON object per
line), so the test can count redone epochs, resumed attempts and trials that trained to the end twice.

It behaves like an in-process trainer when its silo is SIGKILLed: it notices it was orphaned (its parent changed)
and exits without saving or reporting anything more. A silo that is only paused (SIGSTOP) does not orphan it: it
goes on as a zombie attempt would. Every epoch line and checkpoint names the attempt (lease token) that wrote it,
so a test can tell whose report or checkpoint survived. In test mode it sleeps CHAOS_TEST_SECONDS (default 0)
first, so a test can kill its silo mid-evaluation.
"""
import json
import math
import os
import signal
import sys
import time

PARENT = os.getppid()
TRIAL = int(os.environ.get("HYPERSEARCH_TRIAL", "0"))
ATTEMPT = int(os.environ.get("HYPERSEARCH_ATTEMPT", "1"))
EVENTS = os.environ.get("CHAOS_EVENTS")


def event(kind, **fields):
    if not EVENTS:
        return
    line = json.dumps(dict(kind=kind, trial=TRIAL, attempt=ATTEMPT, pid=os.getpid(), parent=PARENT, time=time.time(), **fields))
    fd = os.open(EVENTS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def orphaned():
    return os.getppid() != PARENT


def on_sigterm(signum, frame):
    event("sigterm")
    sys.exit(0)


def params():
    with open(os.environ["HYPERSEARCH_PARAMS_FILE"], encoding="utf-8") as f:
        return json.load(f)


def accuracy(p, epoch):
    peak = 0.93 - 0.08 * (math.log10(float(p["learning_rate"])) + 3.0) ** 2 - 0.3 * (float(p["dropout"]) - 0.3) ** 2
    return max(0.0, min(1.0, peak * (1.0 - math.exp(-0.8 * epoch))))


def checkpoint_path():
    return os.path.join(os.environ["HYPERSEARCH_CHECKPOINT_DIR"], "checkpoint.json")


def load_checkpoint():
    try:
        with open(checkpoint_path(), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def save_checkpoint(epoch, value, history):
    path = checkpoint_path()
    try:
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump({"epoch": epoch, "val_accuracy": value, "history": history, "attempt": ATTEMPT}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(path + ".tmp", path)
    except OSError as e:
        # A trial that cannot checkpoint must not go on as if it could: fail, saying why.
        event("save_failed", epoch=epoch, error=str(e))
        print(f"cannot save the epoch {epoch} checkpoint to {path}: {e.strerror or e}", file=sys.stderr, flush=True)
        sys.exit(1)


def report(epoch, value):
    print(json.dumps({"epoch": epoch, "val_accuracy": value, "val_loss": -math.log(max(value, 1e-6)), "attempt": ATTEMPT}), flush=True)


def train(p):
    epochs = int(p["epochs"])
    seconds = float(p.get("seconds_per_epoch", 1.0))
    saved = load_checkpoint() if os.environ.get("HYPERSEARCH_RESUME") == "1" else None
    start = 1
    history = []
    if saved:
        event("resume", from_epoch=saved["epoch"])
        start = saved["epoch"] + 1
        history = saved.get("history", [])
        # The last attempt may have died between checkpointing an epoch and reporting it: report the restored
        # epochs again (the coordinator keys epochs by number, so repeats replace rather than add).
        for epoch, value in enumerate(history, start=1):
            report(epoch, value)
        event("rereport", epochs=len(history))
        if start > epochs:
            return
    event("attempt", start=start, resume=os.environ.get("HYPERSEARCH_RESUME") == "1")
    for epoch in range(start, epochs + 1):
        if orphaned():
            event("orphaned", epoch=epoch)
            return
        event("epoch_start", epoch=epoch)
        time.sleep(seconds)
        if orphaned():
            event("orphaned", epoch=epoch)
            return
        value = accuracy(p, epoch)
        history.append(value)
        save_checkpoint(epoch, value, history)
        event("epoch_done", epoch=epoch, final=epoch == epochs, dir=os.environ["HYPERSEARCH_CHECKPOINT_DIR"])
        report(epoch, value)


def test(p):
    event("test_start")
    time.sleep(float(os.environ.get("CHAOS_TEST_SECONDS", "0")))
    if orphaned():
        event("orphaned", epoch=0)
        return
    saved = load_checkpoint()
    value = saved["val_accuracy"] if saved else accuracy(p, int(p["epochs"]))
    print(json.dumps({"test_accuracy": max(0.0, value - 0.005), "count": 1000}), flush=True)
    event("test_done", checkpoint_attempt=saved.get("attempt") if saved else None)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_sigterm)
    if os.environ.get("HYPERSEARCH_MODE") == "test":
        test(params())
    else:
        train(params())

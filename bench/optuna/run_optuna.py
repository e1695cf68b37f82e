"""Optuna peer for `HyperSearch.Bench algorithms`.

Reads one JSON object on stdin:
  {"objectives": [...], "methods": [...], "seeds": [...], "max_epochs": R, "budget_epochs": B,
   "reduction_factor": 3, "checks": [{"objective", "params", "epoch", "seed", "trial"}, ...]}
and prints one JSON object: {"optuna_version", "checks": [values...], "runs": [{"objective", "method", "seed",
"regret", "trials", "epochs", "seconds"}, ...]}.

Each run is the same sequential loop as the C# side: ask, report epoch by epoch until pruned or the last epoch,
and start new trials while fewer than B epochs were spent. The incumbent is the completed trial (all R epochs)
with the best observed final value; regret = final(x) - optimum, without noise.
"""
import json
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import optuna  # noqa: E402

from objectives import OBJECTIVES  # noqa: E402


def suggest(trial, space):
    x = {}
    for name, spec in space.items():
        if spec[0] == "choice":
            x[name] = trial.suggest_categorical(name, spec[1])
        elif spec[0] == "uniform":
            x[name] = trial.suggest_float(name, spec[1], spec[2])
        elif spec[0] == "loguniform":
            x[name] = trial.suggest_float(name, spec[1], spec[2], log=True)
        else:
            raise ValueError(f"unknown domain {spec[0]}")
    return x


def make_study(name, method, seed, max_epochs, eta):
    # A fixed study name: HyperbandPruner picks a trial's bracket from a hash of the study name and trial number,
    # and the default name is a random UUID, which would make runs irreproducible.
    if method == "optuna_random":
        return optuna.create_study(study_name=name, direction="minimize",
                                   sampler=optuna.samplers.RandomSampler(seed=seed), pruner=optuna.pruners.NopPruner())
    sampler = optuna.samplers.TPESampler(seed=seed)
    if method == "optuna_tpe":
        pruner = optuna.pruners.NopPruner()
    elif method == "optuna_tpe_asha":
        pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=eta)
    elif method == "optuna_tpe_hyperband":
        pruner = optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max_epochs, reduction_factor=eta)
    else:
        raise ValueError(f"unknown method {method}")
    return optuna.create_study(study_name=name, direction="minimize", sampler=sampler, pruner=pruner)


def run(objective, method, seed, max_epochs, budget, eta):
    started = time.perf_counter()
    study = make_study(f"{objective.name}-{method}-{seed}", method, seed, max_epochs, eta)
    used = 0
    best = None  # (observed final value, trial number, x)
    while used < budget:
        trial = study.ask()
        x = suggest(trial, objective.space)
        value = None
        pruned = False
        for epoch in range(1, max_epochs + 1):
            value = objective.value(x, epoch, max_epochs, seed, trial.number)
            used += 1
            trial.report(value, epoch)
            if epoch < max_epochs and trial.should_prune():
                pruned = True
                break
        if pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, value)
            if best is None or value < best[0]:
                best = (value, trial.number, x)
    regret = objective.final(best[2]) - objective.optimum if best is not None else None
    return {"regret": regret, "trials": len(study.trials), "epochs": used, "seconds": time.perf_counter() - started}


def main():
    args = json.load(sys.stdin)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    checks = [OBJECTIVES[c["objective"]].value(c["params"], c["epoch"], args["max_epochs"], c["seed"], c["trial"])
              for c in args.get("checks", [])]
    runs = []
    for name in args["objectives"]:
        for method in args["methods"]:
            for seed in args["seeds"]:
                result = run(OBJECTIVES[name], method, seed, args["max_epochs"], args["budget_epochs"],
                             args.get("reduction_factor", 3))
                runs.append({"objective": name, "method": method, "seed": seed, **result})
    json.dump({"optuna_version": optuna.__version__, "checks": checks, "runs": runs}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""Optuna peer for `HyperSearch.Bench multi-objective`.

Reads one JSON object on stdin:
  {"objectives": [...], "methods": [...], "seeds": [...], "max_epochs": R, "budget_epochs": B, "population_size": P,
   "checks": [{"objective", "params", "epoch", "seed", "trial"}, ...]}
and prints one JSON object: {"optuna_version", "checks": [[f1, f2], ...], "runs": [{"objective", "method", "seed",
"finals": [[f1, f2], ...], "trials", "epochs", "seconds"}, ...]}.

Optuna cannot prune a multi-objective study (Trial.report raises), so every trial runs all R epochs and is told the
objective vector observed at the last epoch; trials start while fewer than B epochs were spent, as on the C# side.
"finals" are the noise-free final vectors of the completed trials, from which the caller computes the hypervolume.
"""
import json
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import optuna  # noqa: E402

from mo_objectives import MO_OBJECTIVES  # noqa: E402
from run_optuna import suggest  # noqa: E402


def make_sampler(method, seed, population):
    if method == "optuna_nsga2":
        return optuna.samplers.NSGAIISampler(population_size=population, seed=seed)
    if method == "optuna_motpe":
        return optuna.samplers.TPESampler(seed=seed)
    if method == "optuna_random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"unknown method {method}")


def run(objective, method, seed, max_epochs, budget, population):
    started = time.perf_counter()
    study = optuna.create_study(study_name=f"{objective.name}-{method}-{seed}", directions=["minimize", "minimize"],
                                sampler=make_sampler(method, seed, population))
    used = 0
    finals = []
    while used < budget:
        trial = study.ask()
        x = suggest(trial, objective.space)
        values = objective.value(x, max_epochs, max_epochs, seed, trial.number)
        used += max_epochs
        study.tell(trial, values)
        finals.append(objective.final(x))
    return {"finals": finals, "trials": len(study.trials), "epochs": used, "seconds": time.perf_counter() - started}


def main():
    args = json.load(sys.stdin)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    checks = [MO_OBJECTIVES[c["objective"]].value(c["params"], c["epoch"], args["max_epochs"], c["seed"], c["trial"])
              for c in args.get("checks", [])]
    runs = []
    for name in args["objectives"]:
        for method in args["methods"]:
            for seed in args["seeds"]:
                result = run(MO_OBJECTIVES[name], method, seed, args["max_epochs"], args["budget_epochs"],
                             args["population_size"])
                runs.append({"objective": name, "method": method, "seed": seed, **result})
    json.dump({"optuna_version": optuna.__version__, "checks": checks, "runs": runs}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The chaos test's verdict (scripts/chaos.sh): reads the run's work directory and prints one JSON object.

Recovery, per kill (the bound is RECOVERY_BOUND seconds):
  - each trial attempt that was training on the killed silo: seconds from the SIGKILL to the next epoch trained
    and checkpointed by a later attempt of that trial (events.jsonl), or, when the killed attempt had checkpointed
    its last epoch, to the later attempt's re-report of them;
  - when the killed silo hosted the search's coordinator or the search registry: seconds until a new activation
    of it on another silo logged that it is active (it serves the call that activated it at once).
Silo logs carry UTC timestamps (scripts/cluster/lib.sh); kills.tsv has one line per kill: time, silo index, start
number of the process killed, why it was chosen.
"""
import glob
import json
import os
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone

(work, search_id, kills_n, max_trials, epochs, concurrent, elapsed, finished, leaks, cli_exits, bound, ended_at) = sys.argv[1:13]
kills_n, max_trials, epochs, concurrent, elapsed, leaks, cli_exits = map(int, (kills_n, max_trials, epochs, concurrent, elapsed, leaks, cli_exits))
bound, ended_at = float(bound), float(ended_at)


def load(path, default):
    try:
        with open(path) as f:
            text = f.read().strip().splitlines()
        return json.loads(text[-1]) if text else default
    except (OSError, ValueError):
        return default


trials = load(f"{work}/trials.json", [])
status = load(f"{work}/status.json", {})
events = []
with open(f"{work}/events.jsonl") as f:
    for line in f:
        try:
            events.append(json.loads(line))
        except ValueError:
            pass

kills = []  # (time, silo index, start number, reason, pid)
if os.path.exists(f"{work}/kills.tsv"):
    with open(f"{work}/kills.tsv") as f:
        for line in f:
            t, i, start, reason, pid = line.split()
            kills.append((float(t), int(i), int(start), reason, pid))

# Activations: (time, silo index, start number) of the coordinator of this search and of the registry.
stamp = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z ")
activations = {"coordinator": [], "registry": []}
for path in glob.glob(f"{work}/logs/silo-*.log"):
    index, start = map(int, re.match(r".*silo-(\d+)\.(\d+)\.log$", path).groups())
    with open(path, errors="replace") as f:
        for line in f:
            m = stamp.match(line)
            if not m:
                continue
            t = datetime.fromisoformat(m.group(1)).replace(tzinfo=timezone.utc).timestamp()
            if f"search {search_id}: coordinator active on silo" in line:
                activations["coordinator"].append((t, index, start))
            elif "search registry active on silo" in line:
                activations["registry"].append((t, index, start))
for a in activations.values():
    a.sort()

recoveries = []  # dicts: kill, what, seconds (None: never recovered)


def host_at(kind, t):
    before = [a for a in activations[kind] if a[0] <= t]
    return before[-1] if before else None


moves = 0
for k, (t, index, start, reason, pid) in enumerate(kills, start=1):
    for kind in ("coordinator", "registry"):
        host = host_at(kind, t)
        if host and (host[1], host[2]) == (index, start):
            later = [a for a in activations[kind] if a[0] > t]
            seconds = round(later[0][0] - t, 1) if later else None
            if later and kind == "coordinator" and (later[0][1], later[0][2]) != (index, start):
                moves += 1
            if seconds is None and ended_at - t < bound:
                continue  # the run ended before anything needed it again
            recoveries.append({"kill": k, "what": kind, "seconds": seconds})
    # Attempts training on the killed process: started there, not finished or orphaned before the kill. A dead
    # process spawns nothing, so every attempt whose parent is the killed pid was spawned before the SIGKILL, even
    # one whose first event (written once the Python child is up) comes a fraction of a second after it.
    live = {}
    for e in events:
        key = (e["trial"], e["attempt"])
        if str(e.get("parent")) == pid and e["kind"] == "attempt":
            live[key] = True
        elif e["time"] <= t and key in live and (
                e["kind"] in ("orphaned", "sigterm") or (e["kind"] == "epoch_done" and e.get("final"))):
            del live[key]
    for trial, attempt in sorted(live):
        later = [e for e in events if e["trial"] == trial and e["attempt"] > attempt and e["time"] > t]
        nxt = [e["time"] for e in later if e["kind"] == "epoch_done"]
        # A killed attempt may have checkpointed its last epoch just as its silo died: its successor then has nothing
        # to train and only re-reports the checkpointed epochs, which completes the trial.
        nxt = nxt or [e["time"] for e in later if e["kind"] == "rereport" and e["epochs"] >= epochs]
        seconds = round(min(nxt) - t, 1) if nxt else None
        recoveries.append({"kill": k, "what": f"trial {trial}", "seconds": seconds})

terminal = {"completed", "pruned", "failed", "cancelled"}
numbers = Counter(t["number"] for t in trials)
params = Counter(json.dumps(t["parameters"], sort_keys=True) for t in trials)
completed = sum(1 for t in trials if t["state"] == "completed")
ended = sum(1 for n in numbers if any(t["number"] == n and t["state"] in terminal for t in trials))
# A trial whose final epoch was trained to its end by two different attempts ran twice.
finals = defaultdict(set)
for e in events:
    if e["kind"] == "epoch_done" and e.get("final"):
        finals[e["trial"]].add(e["attempt"])
duplicates = sum(c - 1 for c in numbers.values()) + sum(c - 1 for c in params.values()) + sum(len(a) - 1 for a in finals.values() if len(a) > 1)
starts = sum(1 for e in events if e["kind"] == "epoch_start")
done = {(e["trial"], e["epoch"]) for e in events if e["kind"] == "epoch_done"}
epochs_redone = starts - len(done)
killed_attempts = sum(1 for r in recoveries if r["what"].startswith("trial"))
resumed = sum(1 for e in events if e["kind"] == "resume" and e["from_epoch"] >= 1)
lost = max_trials - ended if status.get("state") == "completed" else max_trials - completed
record_epochs_ok = all(len(t["epochs"]) == epochs and [m["epoch"] for m in t["epochs"]] == list(range(1, epochs + 1))
                       for t in trials if t["state"] == "completed")
seconds = [r["seconds"] for r in recoveries]
worst = None if any(s is None for s in seconds) else max(seconds, default=0.0)
reasons = [k[3] for k in kills]
result = {
    "kills": kills_n,
    "kill_targets": reasons,
    "trials": len(trials),
    "completed": completed,
    "lost": lost,
    "duplicates": duplicates,
    "epochs_redone": epochs_redone,
    "killed_attempts": killed_attempts,
    "resumed_from_checkpoint": resumed,
    "max_concurrent": concurrent,
    "search_state": status.get("state"),
    "coordinator_moves": moves,
    "cli_exits_before_end": cli_exits,
    "seconds": elapsed,
    "password_in_logs": leaks,
    "epoch_records_whole": record_epochs_ok,
    "cli_finished": finished == "1",
    "recovery": recoveries,
    "recovery_seconds": seconds,
    "max_recovery_seconds": worst,
}
# The aimed kills must have found their targets, and killing the coordinator's silo must have moved it.
targeted = not any(r.endswith("-unknown") for r in reasons) and ("coordinator" not in reasons or moves >= 1)
result["aimed_kills_found_their_targets"] = targeted
ok = (finished == "1" and status.get("state") == "completed" and len(trials) >= 12 and lost == 0 and duplicates == 0
      and epochs_redone <= killed_attempts and (kills_n == 0 or resumed > 0) and kills_n >= 1 and leaks == 0
      and record_epochs_ok and cli_exits == 0 and worst is not None and worst <= bound and targeted)
result["passed"] = ok
print(json.dumps(result))
sys.exit(0 if ok else 1)

#!/usr/bin/env bash
# Chaos test of cluster mode (docs/cluster.md): a private redis-server and 3 silo processes with Redis clustering,
# grain storage and reminders; one CLI client runs a search of command trials (scripts/cluster/trial.py, which
# checkpoints every epoch); every 20-40 s a random silo (one running a trial mid-way when there is one) is killed
# with SIGKILL and started again. A CLI that loses the cluster re-attaches with `search watch ID`. The last line
# printed is one JSON object:
#   kills, trials, completed, lost (must be 0), duplicates (must be 0), epochs_redone (at most kills x max_concurrent),
#   resumed_from_checkpoint (> 0), plus timing and the Redis-password leak check.
# Exit 0 only when every condition holds. Bounded in time (CHAOS_LIMIT seconds of search, default 200).
#   CHAOS_TRIALS (16) CHAOS_EPOCHS (6) CHAOS_SECONDS_PER_EPOCH (2.5) CHAOS_SEED (random) KEEP_WORK=1 keeps the temp dir.
set -uo pipefail
# shellcheck source=cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster/lib.sh"

TRIALS=${CHAOS_TRIALS:-16}
EPOCHS=${CHAOS_EPOCHS:-6}
SECONDS_PER_EPOCH=${CHAOS_SECONDS_PER_EPOCH:-2.5}
LIMIT=${CHAOS_LIMIT:-200}
CONCURRENT=3
SILOS=3
KILL_MIN=20
KILL_MAX=40
RANDOM=${CHAOS_SEED:-$$}
LEASE_TIMEOUT=10

# Failure detection well inside the default 30 s bound: a silent lease expires after 10 s; Orleans declares a silo
# dead after 2 missed 2 s probes (a restarted silo on the same endpoint supersedes its old generation at once).
SILO_ARGS=(
    --HyperSearch:Coordinator:LeaseTimeout=00:00:$LEASE_TIMEOUT
    --HyperSearch:Coordinator:HeartbeatInterval=00:00:02
    --HyperSearch:Membership:ProbeTimeout=00:00:02
    --HyperSearch:Membership:NumMissedProbesLimit=2
    --HyperSearch:Membership:TableRefreshTimeout=00:00:05
    --HyperSearch:Membership:IAmAliveTablePublishTimeout=00:00:10
)

cluster_init chaos || exit 1
start_redis || exit 1
allocate_silos $SILOS
for ((i = 0; i < SILOS; i++)); do start_silo $i; done
for ((i = 0; i < SILOS; i++)); do wait_ready $i 120 || exit 1; done

spec="$work/chaos.yaml"
write_spec "$spec" chaos "$TRIALS" "$EPOCHS" "$SECONDS_PER_EPOCH" "$CONCURRENT"
search_id="chaos-$$"
began=$(date +%s)
attaches=1
cli search start "$spec" --id "$search_id" --wait --json >"$work/logs/cli.1.log" 2>&1 &
cli_pids=($!)
log "search $search_id started by CLI pid ${cli_pids[0]}"

# busy_silos: indexes of silos whose trial process has finished an epoch and is still running.
busy_silos() {
    "$PYTHON" - "$CHAOS_EVENTS" "${silo_pids[@]}" <<'PY'
import json, sys
pids = sys.argv[2:]
live = {}
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    key = (e["trial"], e["attempt"])
    if e["kind"] == "epoch_done" and not e.get("final"):
        live[key] = str(e.get("parent"))
    elif e["kind"] in ("epoch_done", "orphaned", "sigterm"):
        live.pop(key, None)
print(" ".join(str(i) for i, pid in enumerate(pids) if pid and pid in live.values()))
PY
}

kills=0
next_kill=$((began + KILL_MIN + RANDOM % (KILL_MAX - KILL_MIN + 1)))
finished=0
while true; do
    now=$(date +%s)
    if ((now - began > LIMIT)); then
        log "time limit of ${LIMIT}s reached"
        break
    fi
    if ! kill -0 "${cli_pids[0]}" 2>/dev/null; then
        wait "${cli_pids[0]}"
        rc=$?
        if grep -qE '"state":"(completed|failed|cancelled)"' "$work/logs/cli.$attaches.log"; then
            log "CLI saw the search finish (exit $rc)"
            finished=1
            break
        fi
        attaches=$((attaches + 1))
        log "CLI exited ($rc) before the search ended; re-attaching with watch (attach #$attaches)"
        cli search watch "$search_id" --json >"$work/logs/cli.$attaches.log" 2>&1 &
        cli_pids=($!)
    fi
    if ((now >= next_kill)); then
        # A random silo among those running a trial that has checkpointed an epoch (killing an idle or just-started
        # silo shows nothing); any silo when none is.
        read -r -a candidates <<<"$(busy_silos)"
        ((${#candidates[@]} > 0)) || candidates=($(seq 0 $((SILOS - 1))))
        victim=${candidates[RANDOM % ${#candidates[@]}]}
        log "SIGKILL silo $victim (pid ${silo_pids[victim]})"
        kill_silo $victim KILL
        kills=$((kills + 1))
        start_silo $victim
        next_kill=$((now + KILL_MIN + RANDOM % (KILL_MAX - KILL_MIN + 1)))
    fi
    sleep 1
done
elapsed=$(($(date +%s) - began))

cli search trials "$search_id" --json >"$work/trials.json" 2>"$work/logs/cli.trials.log" || log "could not read the trials"
cli search status "$search_id" --json >"$work/status.json" 2>"$work/logs/cli.status.log" || log "could not read the status"
leaks=$(password_leaks)

"$PYTHON" - "$work" "$kills" "$TRIALS" "$EPOCHS" "$CONCURRENT" "$elapsed" "$finished" "$leaks" "$attaches" <<'PY'
import json, sys
from collections import Counter, defaultdict
work, kills, max_trials, epochs, concurrent, elapsed, finished, leaks, attaches = sys.argv[1:]
kills, max_trials, epochs, concurrent, elapsed, leaks, attaches = map(int, (kills, max_trials, epochs, concurrent, elapsed, leaks, attaches))

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
resumed = sum(1 for e in events if e["kind"] == "resume" and e["from_epoch"] >= 1)
lost = max_trials - ended if status.get("state") == "completed" else max_trials - completed
record_epochs_ok = all(len(t["epochs"]) == epochs and [m["epoch"] for m in t["epochs"]] == list(range(1, epochs + 1))
                       for t in trials if t["state"] == "completed")
result = {
    "kills": kills,
    "trials": len(trials),
    "completed": completed,
    "lost": lost,
    "duplicates": duplicates,
    "epochs_redone": epochs_redone,
    "resumed_from_checkpoint": resumed,
    "max_concurrent": concurrent,
    "search_state": status.get("state"),
    "cli_attaches": attaches,
    "seconds": elapsed,
    "password_in_logs": leaks,
    "epoch_records_whole": record_epochs_ok,
    "cli_finished": finished == "1",
}
ok = (finished == "1" and status.get("state") == "completed" and len(trials) >= 12 and lost == 0 and duplicates == 0
      and epochs_redone <= kills * concurrent and (kills == 0 or resumed > 0) and kills >= 1 and leaks == 0 and record_epochs_ok)
result["passed"] = ok
print(json.dumps(result))
sys.exit(0 if ok else 1)
PY

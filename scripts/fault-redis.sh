#!/usr/bin/env bash
# Fault scenario (docs/cluster.md, "Failure semantics"): redis-server (membership, grain state, reminders) is killed
# with SIGKILL mid-search, stays down REDIS_DOWN seconds (5), then starts again from its append-only file (fsynced on
# every write) on the same port. Passes when the silos ride it out (none exits), the restarted Redis reloaded the
# search's state, the search completes under the same id with every trial completed once (no trial lost or run
# twice; trials completed before the kill keep their results), and the CLI following it never exits early.
# Last line: one JSON object. KEEP_WORK=1 keeps the temp dir.
set -uo pipefail
# shellcheck source=cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster/lib.sh"

TRIALS=8
EPOCHS=5
DOWN=${REDIS_DOWN:-5}
export REDIS_AOF=1
SILO_ARGS=(
    --HyperSearch:Coordinator:LeaseTimeout=00:00:10
    --HyperSearch:Coordinator:HeartbeatInterval=00:00:02
    --HyperSearch:Membership:ProbeTimeout=00:00:02
    --HyperSearch:Membership:NumMissedProbesLimit=2
)

cluster_init redis || exit 1
start_redis || exit 1
allocate_silos 2
for i in 0 1; do start_silo $i; done
for i in 0 1; do wait_ready $i 120 || exit 1; done

spec="$work/redis.yaml"
write_spec "$spec" redis-fault "$TRIALS" "$EPOCHS" 2 2
search_id="redis-$$"
follow_search "$spec" "$search_id"

# Mid-search: two trials trained to the end, another one mid-way.
wait_until 150 has_events 2 'e["kind"] == "epoch_done" and e.get("final")' || { log "the search made no progress"; exit 1; }
wait_until 60 has_events 1 'e["kind"] == "epoch_done" and not e.get("final") and e["trial"] >= 2' || { log "no trial mid-way"; exit 1; }
killed_at=$(date +%s.%N)
log "SIGKILL redis-server (pid $redis_pid) for ${DOWN}s"
disown "$redis_pid"   # no job notice for it
kill -KILL "$redis_pid"
wait_until 10 eval '! kill -0 "$redis_pid" 2>/dev/null'
sleep "$DOWN"
restart_redis
wait_until 30 eval 'REDISCLI_AUTH="$REDIS_SECRET" redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG' || { log "redis did not restart"; exit 1; }
keys=$(REDISCLI_AUTH="$REDIS_SECRET" redis-cli -p "$redis_port" dbsize 2>/dev/null)
log "redis back (pid $redis_pid) with $keys keys"
search_results "$search_id" 150
finished=$?
alive=0
for i in 0 1; do kill -0 "${silo_pids[i]}" 2>/dev/null && alive=$((alive + 1)); done

PYTHONPATH="$repo/scripts/cluster" "$PYTHON" - "$work" "$TRIALS" "$finished" "$alive" "${keys:-0}" "$killed_at" <<'PY'
import json, sys
from collections import Counter
work, trials_n, finished, alive, keys = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "0", int(sys.argv[4]), int(sys.argv[5])
killed_at = float(sys.argv[6])

from results import load

trials, status, events = load(work)
finals = Counter(e["trial"] for e in events if e["kind"] == "epoch_done" and e.get("final"))
# Trained to the end before the kill: still completed afterwards, and never started again.
before = {e["trial"] for e in events if e["kind"] == "epoch_done" and e.get("final") and e["time"] < killed_at}
restarted = {e["trial"] for e in events if e["kind"] in ("attempt", "resume") and e["time"] > killed_at}
after = {t["number"]: t for t in trials}
kept = all(n in after and after[n]["state"] == "completed" and n not in restarted for n in before)
# Mid-search: some trial trained epochs after Redis came back.
epochs_after = sum(1 for e in events if e["kind"] == "epoch_done" and e["time"] > killed_at)
result = {
    "completed_before_kill": len(before),
    "epochs_trained_after_kill": epochs_after,
    "redis_keys_after_restart": keys,
    "silos_alive": alive,
    "trials": len(trials),
    "completed": sum(1 for t in trials if t["state"] == "completed"),
    "trained_twice": sum(1 for c in finals.values() if c > 1),
    "results_kept": kept,
    "search_state": status.get("state"),
    "cli_finished": finished,
}
ok = (finished and alive == 2 and keys > 0 and len(before) >= 2 and len(before) < trials_n and epochs_after > 0 and kept and status.get("state") == "completed"
      and len(trials) == trials_n and len({t["number"] for t in trials}) == trials_n
      and result["completed"] == trials_n and result["trained_twice"] == 0)
result["passed"] = ok
print(json.dumps(result))
sys.exit(0 if ok else 1)
PY

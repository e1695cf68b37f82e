#!/usr/bin/env bash
# Fault scenario (docs/cluster.md, "Failure semantics"): the silo running the winner's single test evaluation is
# killed with SIGKILL mid-evaluation (scripts/cluster/trial.py sleeps CHAOS_TEST_SECONDS in test mode) and started
# again. Passes when the evaluation is redone once (exactly two evaluation starts, by different attempts), finished
# once (one result, by the second attempt), never skipped (the search completes with a test accuracy), and the
# redo came within the recovery bound. Last line: one JSON object. KEEP_WORK=1 keeps the temp dir.
set -uo pipefail
# shellcheck source=cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster/lib.sh"

LEASE_TIMEOUT=10
RECOVERY_BOUND=$((2 * LEASE_TIMEOUT))
export CHAOS_TEST_SECONDS=10
SILO_ARGS=(
    --HyperSearch:Coordinator:LeaseTimeout=00:00:$LEASE_TIMEOUT
    --HyperSearch:Coordinator:HeartbeatInterval=00:00:02
    --HyperSearch:Membership:ProbeTimeout=00:00:02
    --HyperSearch:Membership:NumMissedProbesLimit=2
)

cluster_init evaluation || exit 1
start_redis || exit 1
allocate_silos 2
for i in 0 1; do start_silo $i; done
for i in 0 1; do wait_ready $i 120 || exit 1; done

spec="$work/evaluation.yaml"
write_spec "$spec" evaluation 3 2 1 2
search_id="evaluation-$$"
follow_search "$spec" "$search_id"

wait_until 150 has_events 1 'e["kind"] == "test_start"' || { log "no test evaluation started"; exit 1; }
pid=$("$PYTHON" -c 'import json,sys; print(next(e["parent"] for e in map(json.loads, open(sys.argv[1])) if e["kind"] == "test_start"))' "$CHAOS_EVENTS")
victim=$(silo_of_pid "$pid")
[[ -n "$victim" ]] || { log "the evaluation's silo (pid $pid) is not one of ours"; exit 1; }
killed_at=$(date +%s.%N)
log "SIGKILL silo $victim (pid $pid) during the test evaluation"
kill_silo "$victim" KILL
start_silo "$victim"
search_results "$search_id" 120
finished=$?

"$PYTHON" - "$work" "$killed_at" "$RECOVERY_BOUND" "$finished" <<'PY'
import json, sys
work, killed_at, bound, finished = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "0"
events = [json.loads(l) for l in open(f"{work}/events.jsonl") if l.strip()]
try:
    status = json.loads(open(f"{work}/status.json").read().strip().splitlines()[-1])
except (OSError, ValueError, IndexError):
    status = {}
starts = [e for e in events if e["kind"] == "test_start"]
done = [e for e in events if e["kind"] == "test_done"]
redo = [e for e in starts if e["time"] > killed_at]
result = {
    "evaluation_starts": len(starts),
    "evaluation_results": len(done),
    "attempts": [e["attempt"] for e in starts],
    "redo_after_seconds": round(redo[0]["time"] - killed_at, 1) if redo else None,
    "search_state": status.get("state"),
    "test_accuracy": status.get("test_accuracy"),
    "cli_finished": finished,
}
ok = (len(starts) == 2 and len({e["attempt"] for e in starts}) == 2 and len(done) == 1
      and done[0]["attempt"] == starts[1]["attempt"] and redo and redo[0]["time"] - killed_at <= bound
      and status.get("state") == "completed" and status.get("test_accuracy") is not None and finished)
result["passed"] = bool(ok)
print(json.dumps(result))
sys.exit(0 if ok else 1)
PY

#!/usr/bin/env bash
# Fault scenario (docs/cluster.md, "Failure semantics"): a silo running a trial mid-way (hosting neither the
# coordinator nor the search registry) is paused with SIGSTOP for longer than the lease but shorter than Orleans'
# failure detection (3 missed 10 s probes), so the coordinator requeues the trial and a successor attempt trains it
# on an idle silo; then SIGCONT. The paused silo's trial process was never paused: it trained on as a real zombie
# attempt, and once its silo runs again that silo relays the zombie's reports. Passes when the successor trained,
# the paused silo logged the zombie's reports refused, the stored curve holds only the successor's epochs, no two
# attempts ever wrote the same checkpoint folder, the promoted checkpoint is the successor's, and the search
# completes with every trial completed once. Last line: one JSON object.
# KEEP_WORK=1 keeps the temp dir.
set -uo pipefail
# shellcheck source=cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster/lib.sh"

TRIALS=6
EPOCHS=8
# The victim is paused two or three epochs in: 5 s epochs leave its zombie 25 s or more of training, well past the
# lease and the successor's start, so the successor adopts a partial checkpoint and trains epochs of its own. (With 2 s
# epochs the zombie could checkpoint its last epoch first; the successor then adopts a finished trial and trains
# nothing, which is correct but leaves this scenario nothing to check.)
SECONDS_PER_EPOCH=5
LEASE_TIMEOUT=10
SILO_ARGS=(
    --HyperSearch:Coordinator:LeaseTimeout=00:00:$LEASE_TIMEOUT
    --HyperSearch:Coordinator:HeartbeatInterval=00:00:02
    --HyperSearch:Coordinator:KeepCheckpoints=-1
    --HyperSearch:Membership:ProbeTimeout=00:00:10
    --HyperSearch:Membership:NumMissedProbesLimit=3
)

cluster_init pause || exit 1
start_redis || exit 1
allocate_silos 4
for i in 0 1 2 3; do start_silo $i; done
for i in 0 1 2 3; do wait_ready $i 120 || exit 1; done

spec="$work/pause.yaml"
write_spec "$spec" pause-fault "$TRIALS" "$EPOCHS" "$SECONDS_PER_EPOCH" 3
search_id="pause-$$"
follow_search "$spec" "$search_id"

# A trial two epochs in, on a silo that hosts neither the coordinator (a paused coordinator requeues nothing) nor the
# search registry (idle slots lease their work through it: paused, it would hold every successor until failure
# detection). Four silos of one slot and three trials at a time: the avoided silos hold at most two of them, so one
# always runs on a silo that may be paused (slots on the coordinator's and the registry's silos lease first, their
# calls being local, so with two at a time both often ran there), and the fourth silo is idle for the successor.
wait_until 150 has_events 2 'e["kind"] == "epoch_done" and e["epoch"] == 2' || { log "the search made no progress"; exit 1; }
coordinator=$(host_of "search $search_id: coordinator active on silo")
registry=$(host_of "search registry active on silo")
avoid="${silo_pids[${coordinator:-0}]} ${silo_pids[${registry:-0}]}"
# pick_victim: "trial attempt silo-pid" of a running attempt two or more epochs in, off the avoided silos.
pick_victim() {
    "$PYTHON" - "$CHAOS_EVENTS" "$avoid" "$EPOCHS" <<'PY'
import json, sys
avoid, epochs = set(sys.argv[2].split()), int(sys.argv[3])
latest, ended = {}, set()
for e in (json.loads(l) for l in open(sys.argv[1]) if l.strip()):
    if e["kind"] != "epoch_done":
        continue
    if e.get("final") or e["epoch"] >= epochs:
        ended.add(e["trial"])
    else:
        latest[(e["trial"], e["attempt"], str(e["parent"]))] = e["epoch"]
running = sorted((epoch, key) for key, epoch in latest.items() if epoch >= 2 and key[0] not in ended and key[2] not in avoid)
if not running:
    sys.exit(1)
print(*running[0][1])
PY
}
wait_until 150 pick_victim >/dev/null \
    || { log "no trial reached epoch 2 on a silo hosting neither the coordinator nor the registry"; exit 1; }
read -r trial attempt pid < <(pick_victim)
victim=$(silo_of_pid "$pid")
[[ -n "$victim" ]] || { log "trial $trial's silo (pid $pid) is not one of ours"; exit 1; }
paused_at=$(date +%s.%N)
log "SIGSTOP silo $victim (pid $pid), running trial $trial attempt $attempt"
kill -STOP "$pid"
# Until the successor attempt has trained an epoch (it cannot before the lease expires), well inside the 30 s
# failure detection.
wait_until 25 has_events 1 "e['kind'] == 'epoch_done' and e['trial'] == $trial and e['attempt'] > $attempt" \
    || log "no successor attempt of trial $trial trained an epoch while silo $victim was paused"
log "SIGCONT silo $victim"
kill -CONT "$pid"
resumed_at=$(date +%s.%N)
search_results "$search_id" 180
finished=$?
refused=$(grep -cE "trial $search_id/$trial lease $attempt( was fenced off|: outcome refused)" "$work/logs/silo-$victim.1.log" 2>/dev/null || true)
alive=$(kill -0 "${silo_pids[victim]}" 2>/dev/null && echo 1 || echo 0)

PYTHONPATH="$repo/scripts/cluster" "$PYTHON" - "$work" "$search_id" "$TRIALS" "$trial" "$attempt" "$paused_at" "$resumed_at" "$finished" "$refused" "$alive" <<'PY'
import json, os, sys
from collections import defaultdict
work, search_id = sys.argv[1], sys.argv[2]
trials_n, trial, zombie, paused_at, resumed_at = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
finished, refused, alive = sys.argv[8] == "0", int(sys.argv[9] or 0), sys.argv[10] == "1"

from results import load

trials, status, events = load(work)
writers = defaultdict(set)
for e in events:
    if e["kind"] == "epoch_done":
        writers[e["dir"]].add(e["attempt"])
mine = [e for e in events if e["trial"] == trial]
successors = sorted({e["attempt"] for e in mine if e["kind"] == "epoch_done" and e["attempt"] > zombie})
zombie_epochs = [e["epoch"] for e in mine if e["kind"] == "epoch_done" and e["attempt"] == zombie and e["time"] > paused_at]
record = next((t for t in trials if t["number"] == trial), {})
curve_attempts = sorted({int(m["values"].get("attempt", -1)) for m in record.get("epochs", [])})
try:
    promoted = json.load(open(os.path.join(work, "checkpoints", search_id, f"trial-{trial:04d}", "checkpoint.json")))
except (OSError, ValueError):
    promoted = {}
result = {
    "paused_trial": trial,
    "zombie_attempt": zombie,
    "successor_attempts": successors,
    "zombie_epochs_while_paused": zombie_epochs,
    "stored_curve_attempts": curve_attempts,
    "promoted_checkpoint_attempt": promoted.get("attempt"),
    "folders_shared_by_attempts": sum(1 for a in writers.values() if len(a) > 1),
    "zombie_reports_refused": refused,
    "paused_silo_alive": alive,
    "paused_seconds": round(resumed_at - paused_at, 1),
    "search_state": status.get("state"),
    "completed": sum(1 for t in trials if t["state"] == "completed"),
    "cli_finished": finished,
}
ok = (finished and successors and refused >= 1 and zombie_epochs and status.get("state") == "completed" and result["completed"] == trials_n
      and len({t["number"] for t in trials}) == trials_n and result["folders_shared_by_attempts"] == 0
      and zombie not in curve_attempts and len(curve_attempts) == 1 and curve_attempts[0] in successors
      and promoted.get("attempt") == curve_attempts[0])
result["passed"] = bool(ok)
print(json.dumps(result))
sys.exit(0 if ok else 1)
PY

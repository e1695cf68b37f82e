#!/usr/bin/env bash
# Fault scenario (docs/cluster.md, "Failure semantics"): the checkpoint folder runs out of space mid-search. The
# checkpoint root is a 1 MiB tmpfs (mounted here as root, or in a private user and mount namespace otherwise); once
# trials are mid-way a ballast file fills it, and it is removed again once a checkpoint save has failed. Passes when
# every trial that could not save failed with a reason naming the lack of space, was not retried, and the search went
# on and completed with every other trial completed. Last line: one JSON object. KEEP_WORK=1 keeps the temp dir
# (not the tmpfs's contents).
set -uo pipefail
if [[ $(id -u) != 0 && -z "${FAULT_DISK_NAMESPACE:-}" ]]; then
    # Mounting a tmpfs needs privilege: take it in a user namespace of our own.
    exec env FAULT_DISK_NAMESPACE=1 unshare --user --map-root-user --mount "$0" "$@"
fi
# shellcheck source=cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster/lib.sh"

TRIALS=8
EPOCHS=6
SILO_ARGS=(
    --HyperSearch:Coordinator:LeaseTimeout=00:00:10
    --HyperSearch:Coordinator:HeartbeatInterval=00:00:02
    --HyperSearch:Membership:ProbeTimeout=00:00:02
    --HyperSearch:Membership:NumMissedProbesLimit=2
)

cluster_init disk || exit 1
mount -t tmpfs -o size=1m hypersearch-fault-disk "$work/checkpoints" || { log "cannot mount a tmpfs on $work/checkpoints"; exit 1; }
trap 'umount -l "$work/checkpoints" 2>/dev/null; cluster_cleanup' EXIT
start_redis || exit 1
allocate_silos 2
for i in 0 1; do start_silo $i; done
for i in 0 1; do wait_ready $i 120 || exit 1; done

spec="$work/disk.yaml"
write_spec "$spec" disk-fault "$TRIALS" "$EPOCHS" 1.5 2 "$TRIALS"
search_id="disk-$$"
follow_search "$spec" "$search_id"

wait_until 150 has_events 2 'e["kind"] == "epoch_done" and e["epoch"] == 2' || { log "the search made no progress"; exit 1; }
log "filling the checkpoint volume"
head -c 2M /dev/zero >"$work/checkpoints/ballast" 2>/dev/null
df -h "$work/checkpoints" | tail -n 1 >&2
wait_until 60 has_events 1 'e["kind"] == "save_failed"' || log "no checkpoint save failed"
rm -f "$work/checkpoints/ballast"
log "space freed"
search_results "$search_id" 150
finished=$?

PYTHONPATH="$repo/scripts/cluster" "$PYTHON" - "$work" "$TRIALS" "$finished" <<'PY'
import json, sys
work, trials_n, finished = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "0"

from results import load

trials, status, events = load(work)
save_failed = sorted({e["trial"] for e in events if e["kind"] == "save_failed"})
failed = [t for t in trials if t["state"] == "failed"]
clear = all("No space left on device" in (t.get("failure_reason") or "") for t in failed)
result = {
    "trials_whose_save_failed": save_failed,
    "failed": [t["number"] for t in failed],
    "reasons": [(t.get("failure_reason") or "").strip().splitlines()[-1] for t in failed],
    "reasons_name_the_lack_of_space": clear,
    "retried": [t["number"] for t in failed if t.get("attempt", 1) > 1],
    "completed": sum(1 for t in trials if t["state"] == "completed"),
    "search_state": status.get("state"),
    "cli_finished": finished,
}
ok = (finished and save_failed and failed and clear and not result["retried"]
      and set(save_failed) <= {t["number"] for t in failed}
      and result["completed"] + len(failed) == trials_n and result["completed"] >= 1 and status.get("state") == "completed")
result["passed"] = bool(ok)
print(json.dumps(result))
sys.exit(0 if ok else 1)
PY

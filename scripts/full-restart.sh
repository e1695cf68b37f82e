#!/usr/bin/env bash
# Full-restart test of cluster mode (docs/cluster.md): a private redis-server and 3 silo processes run a search of
# command trials (scripts/cluster/trial.py); once some trials have completed and others are mid-way, every silo and
# the CLI are killed with SIGKILL, then the silos start again and a new CLI re-attaches with `search watch ID`.
# Passes when the same search (one registry entry, same creation time) completes, one silo's graceful stop hands
# back at least one running trial, no trial completed before the restart runs again, trials
# that were running resume from their checkpoints, and nothing is lost or duplicated. Last line: one JSON object.
#   RESTART_TRIALS (10) RESTART_EPOCHS (5) RESTART_SECONDS_PER_EPOCH (2) RESTART_LIMIT (180) KEEP_WORK=1
set -uo pipefail
# shellcheck source=cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster/lib.sh"

TRIALS=${RESTART_TRIALS:-10}
EPOCHS=${RESTART_EPOCHS:-5}
SECONDS_PER_EPOCH=${RESTART_SECONDS_PER_EPOCH:-2}
LIMIT=${RESTART_LIMIT:-180}
CONCURRENT=3
SILOS=3
SILO_ARGS=(
    --HyperSearch:Coordinator:LeaseTimeout=00:00:10
    --HyperSearch:Coordinator:HeartbeatInterval=00:00:02
    --HyperSearch:Membership:ProbeTimeout=00:00:02
    --HyperSearch:Membership:NumMissedProbesLimit=2
)

cluster_init restart || exit 1
start_redis || exit 1
allocate_silos $SILOS
for ((i = 0; i < SILOS; i++)); do start_silo $i; done
for ((i = 0; i < SILOS; i++)); do wait_ready $i 120 || exit 1; done

spec="$work/restart.yaml"
write_spec "$spec" full-restart "$TRIALS" "$EPOCHS" "$SECONDS_PER_EPOCH" "$CONCURRENT"
search_id="restart-$$"
began=$(date +%s)
cli search start "$spec" --id "$search_id" --json >"$work/logs/cli.start.log" 2>&1 || { log "search start failed"; cat "$work/logs/cli.start.log" >&2; exit 1; }
cli search watch "$search_id" --json >"$work/logs/cli.1.log" 2>&1 &
cli_pids=($!)
# What proves, after the restart, that it is the same search: the registry's one entry and its creation time
# (taken now, while the search runs, so that no CLI call delays the kills below).
cli search list --json >"$work/list-before.json" 2>"$work/logs/cli.list-before.log" || { log "could not list searches"; exit 1; }

# Wait for at least 3 trials trained to the end and another one mid-way (its checkpoint exists).
count() { grep -c "$1" "$CHAOS_EVENTS" 2>/dev/null || true; }
while true; do
    finals=$(count '"final": true')
    if ((finals >= 3)) && (($(count '"epoch_done"') > finals * EPOCHS)); then break; fi
    if (($(date +%s) - began > LIMIT / 2)); then log "the search made no progress"; exit 1; fi
    sleep 0.5
done
# Graceful shutdown first (a rolling update's SIGTERM): the silo's running trial must be handed back before the
# process exits, not left to the lease timeout. The silo stopped is one that runs a trial not in its last epoch,
# so there is always something to hand back (the check below requires at least one).
training_on() {  # training_on PID: a trial process of that silo is before its last epoch
    "$PYTHON" - "$CHAOS_EVENTS" "$EPOCHS" $(pgrep -P "$1" 2>/dev/null) <<'PY'
import json, sys
events, epochs, children = sys.argv[1], int(sys.argv[2]), {int(p) for p in sys.argv[3:]}
last = {}
with open(events) as f:
    for line in f:
        if line.strip():
            e = json.loads(line)
            last[e["pid"]] = e
ok = any(p in last and last[p]["kind"] in ("attempt", "resume", "epoch_start", "epoch_done") and last[p].get("epoch", 0) < epochs - 1 for p in children)
sys.exit(0 if ok else 1)
PY
}
g=""
chosen_by=$(($(date +%s) + 60))
while [[ -z "$g" ]]; do
    for ((i = 0; i < SILOS; i++)); do
        if training_on "${silo_pids[i]}"; then g=$i; break; fi
    done
    if [[ -z "$g" ]] && (($(date +%s) > chosen_by)); then log "no silo ran a trial before its last epoch within 60 s"; exit 1; fi
    [[ -n "$g" ]] || sleep 0.2
done
graceful_mark=$(wc -l <"$CHAOS_EVENTS")
term_began=$(date +%s%N)
kill -TERM "${silo_pids[g]}" 2>/dev/null
sleep 60 &
sleeper=$!
wait -n "${silo_pids[g]}" "$sleeper" 2>/dev/null   # whichever ends first: the silo, or 60 s
kill "$sleeper" 2>/dev/null
wait "$sleeper" 2>/dev/null
kill_silo "$g" KILL   # reaps it; SIGKILL only if it is still there after 60 s
graceful_ms=$((($(date +%s%N) - term_began) / 1000000))
cli search trials "$search_id" --json >"$work/after-term.json" 2>"$work/logs/cli.after-term.log" || { log "could not read trials"; exit 1; }
log "silo $g left gracefully in ${graceful_ms} ms"
# Before the SIGKILL, every trial that reported its last epoch must show as completed in the coordinator's
# storage (the check afterwards is that none of them runs again): wait for that, not for a fixed time.
finals_stored() {
    "$PYTHON" - "$CHAOS_EVENTS" "$work/before.json" <<'PY'
import json, sys
# HYPERSEARCH_ATTEMPT is the coordinator's token, generation × 10000 + attempt; the trials list has the attempt.
with open(sys.argv[1]) as f:
    finals = {(e["trial"], e["attempt"] % 10000) for e in map(json.loads, filter(str.strip, f)) if e.get("final")}
try:
    with open(sys.argv[2]) as f:
        trials = json.loads(f.read().strip().splitlines()[-1])
except (OSError, ValueError, IndexError):
    sys.exit(1)
done = {(t["number"], t["attempt"]) for t in trials if t["state"] == "completed"}
sys.exit(0 if finals <= done else 1)
PY
}
# The list just read usually shows them all already; each further CLI call lets more of the search finish
# before the kill (a search with nothing left running tests no resume).
cp "$work/after-term.json" "$work/before.json"
stored_by=$(($(date +%s) + 60))
while ! finals_stored; do
    if (($(date +%s) > stored_by)); then log "finished trials not stored as completed within 60 s"; exit 1; fi
    sleep 0.2
    cli search trials "$search_id" --json >"$work/before.json" 2>"$work/logs/cli.before.log" || { log "could not read trials"; exit 1; }
done
marker=$(wc -l <"$CHAOS_EVENTS")
log "killing every silo and the CLI (SIGKILL) after $marker trial events"
kill -9 "${cli_pids[0]}" 2>/dev/null; wait "${cli_pids[0]}" 2>/dev/null; cli_pids=()
for ((i = 0; i < SILOS; i++)); do kill_silo $i KILL; done
killed_at=$(date +%s)
sleep 3
for ((i = 0; i < SILOS; i++)); do start_silo $i; done
for ((i = 0; i < SILOS; i++)); do wait_ready $i 120 || exit 1; done
log "cluster back after $(($(date +%s) - killed_at))s; re-attaching"

remaining=$((LIMIT - ($(date +%s) - began)))
((remaining > 10)) || remaining=10
timeout "$remaining" dotnet "$CLI_DLL" search watch "$search_id" --json --redis "127.0.0.1:$redis_port" \
    --redis-password-file "$work/secrets/redis-password" --cluster-id "$CLUSTER_ID" --connect-timeout 30 \
    >"$work/logs/cli.2.log" 2>&1 &
cli_pids=($!)
wait "${cli_pids[0]}"
watch_rc=$?
cli_pids=()
elapsed=$(($(date +%s) - began))
cli search trials "$search_id" --json >"$work/trials.json" 2>"$work/logs/cli.trials.log" || log "could not read the trials"
cli search status "$search_id" --json >"$work/status.json" 2>"$work/logs/cli.status.log" || log "could not read the status"
cli search list --json >"$work/list-after.json" 2>"$work/logs/cli.list-after.log" || log "could not list searches"
leaks=$(password_leaks)

"$PYTHON" - "$work" "$search_id" "$TRIALS" "$marker" "$watch_rc" "$elapsed" "$leaks" "$graceful_mark" "$graceful_ms" <<'PY'
import json, sys
from collections import Counter
work, search_id, max_trials, marker, watch_rc, elapsed, leaks, graceful_mark, graceful_ms = sys.argv[1:]
max_trials, marker, elapsed, leaks, graceful_mark = int(max_trials), int(marker), int(elapsed), int(leaks), int(graceful_mark)

def load(path, default):
    try:
        with open(path) as f:
            lines = f.read().strip().splitlines()
        return json.loads(lines[-1]) if lines else default
    except (OSError, ValueError):
        return default

before = load(f"{work}/before.json", [])
trials = load(f"{work}/trials.json", [])
status = load(f"{work}/status.json", {})
listed_before = load(f"{work}/list-before.json", [])
listed_after = load(f"{work}/list-after.json", [])
with open(f"{work}/events.jsonl") as f:
    events = [json.loads(l) for l in f if l.strip()]
after = events[marker:]
# Trials stopped by the graceful shutdown: none may still be running under the stopped attempt once the silo is gone.
# The events carry HYPERSEARCH_ATTEMPT, the coordinator's token (generation × 10000 + attempt); the trials list
# has the attempt itself, so they are compared modulo 10000.
stopped = {(e["trial"], e["attempt"] % 10000) for e in events[graceful_mark:marker] if e["kind"] == "sigterm"}
after_term = load(f"{work}/after-term.json", [])
not_handed_back = sorted(n for n, a in stopped if any(t["number"] == n and t["state"] == "running" and t["attempt"] == a for t in after_term))
completed_before = {t["number"] for t in before if t["state"] == "completed"}
running_before = {t["number"] for t in before if t["state"] == "running"}
rerun = sorted({e["trial"] for e in after if e["trial"] in completed_before and e["kind"] in ("attempt", "epoch_start", "resume")})
resumed = sorted({e["trial"] for e in after if e["kind"] == "resume" and e["from_epoch"] >= 1})
numbers = Counter(t["number"] for t in trials)
duplicates = sum(c - 1 for c in numbers.values())
completed = sum(1 for t in trials if t["state"] == "completed")
terminal = sum(1 for t in trials if t["state"] in ("completed", "pruned", "failed", "cancelled"))
same_before = all(any(t["number"] == n and t["state"] == "completed" and t["attempt"] == b["attempt"] for t in trials)
                  for n in completed_before for b in before if b["number"] == n)
result = {
    "search_id": search_id,
    "search_state": status.get("state"),
    # Not the status fetched by this id (that names the id it was asked for): the cluster's registry lists exactly
    # this one search before and after, with the creation time it had before the SIGKILL (a search made anew
    # under the same id would have a new one).
    "same_search": len(listed_before) == 1 and len(listed_after) == 1 and listed_before[0].get("search_id") == search_id
                   and listed_after[0].get("search_id") == search_id and listed_after[0].get("started_at") == listed_before[0].get("started_at"),
    "trials": len(trials),
    "completed": completed,
    "completed_before_restart": len(completed_before),
    "running_at_restart": len(running_before),
    "rerun_after_restart": len(rerun),
    "resumed_from_checkpoint": len(resumed),
    "lost": max_trials - terminal,
    "duplicates": duplicates,
    "graceful_stopped_trials": len(stopped),
    "graceful_not_handed_back": len(not_handed_back),
    "graceful_exit_seconds": round(int(graceful_ms) / 1000, 1),
    "seconds": elapsed,
    "password_in_logs": leaks,
}
whole = all([m["epoch"] for m in t["epochs"]] == list(range(1, len(t["epochs"]) + 1)) and t["epochs"] for t in trials if t["state"] == "completed")
result["epoch_records_whole"] = whole
ok = (whole and len(stopped) >= 1 and not not_handed_back and status.get("state") == "completed" and result["same_search"] and len(completed_before) >= 1 and not rerun
      and same_before and result["lost"] == 0 and duplicates == 0 and len(resumed) > 0 and leaks == 0)
result["passed"] = ok
print(json.dumps(result))
sys.exit(0 if ok else 1)
PY

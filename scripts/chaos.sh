#!/usr/bin/env bash
# Chaos test of cluster mode (docs/cluster.md): a private redis-server and 3 silo processes with Redis clustering,
# grain storage and reminders; one CLI client follows a search of command trials (scripts/cluster/trial.py, which
# checkpoints every epoch) with `search watch`; every 15-30 s, once every silo is ready (one down at a time), a silo
# is killed with SIGKILL and started again. The first kills are aimed, so every run covers them: the silo hosting the
# coordinator (twice in a row, so also the one it moved to), one the watching CLI is connected to, the one hosting
# the search registry; then a random silo running a trial mid-way. The watching CLI must follow the search to its end through the remaining
# gateways (it is never restarted).
# The last line printed is one JSON object (scripts/cluster/chaos_verdict.py):
#   kills, trials, completed, lost (0), duplicates (0), epochs_redone (at most one per killed attempt: the epoch in
#   progress), resumed_from_checkpoint (> 0), coordinator_moves, recovery_seconds (per killed attempt: SIGKILL to
#   the trial's next checkpointed epoch; per kill of the coordinator's or registry's silo: SIGKILL to the new
#   activation) and max_recovery_seconds (<= RECOVERY_BOUND, two lease periods), plus the Redis-password leak check.
# Exit 0 only when every condition holds. The time limit derives from the ideal duration (trial waves x epochs x
# epoch time), plus one recovery bound and one epoch per kill, plus start-up slack; CHAOS_LIMIT overrides it.
#   CHAOS_TRIALS (16) CHAOS_EPOCHS (6) CHAOS_SECONDS_PER_EPOCH (2.5) CHAOS_SEED (15) CHAOS_MAX_KILLS (6)
#   KEEP_WORK=1 keeps the temp dir.
# scripts/chaos.sh --repeat N: N runs one after another (a soak; seeds CHAOS_SEED+1.., or random), each run's JSON
# line, then a summary line {"runs", "passed", "worst_recovery_seconds"}; CHAOS_SOAK_LOG=FILE appends every run's log
# there. Exit 0 only when every run passed.
set -uo pipefail

if [[ "${1:-}" == "--repeat" ]]; then
    runs=${2:?--repeat needs a count}
    base=${CHAOS_SEED:-$RANDOM}
    passed=0
    worst=0
    for ((r = 1; r <= runs; r++)); do
        line=$(CHAOS_SEED=$((base + r)) "$0" 2>>"${CHAOS_SOAK_LOG:-/dev/null}" | tail -n 1)
        echo "$line"
        if [[ "$line" == *'"passed": true'* ]]; then passed=$((passed + 1)); fi
        worst=$(printf '%s' "$line" | "${PYTHON:-python3}" -c '
import json, sys
try: w = json.loads(sys.stdin.read()).get("max_recovery_seconds")
except ValueError: w = None
print("null" if w is None else w)')
        worst_all=$("${PYTHON:-python3}" -c 'import sys; a, b = sys.argv[1:]; print("null" if "null" in (a, b) else max(float(a), float(b)))' "${worst_all:-0}" "$worst")
    done
    echo "{\"runs\": $runs, \"passed\": $passed, \"worst_recovery_seconds\": ${worst_all:-null}}"
    ((passed == runs))
    exit
fi

# shellcheck source=cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster/lib.sh"

TRIALS=${CHAOS_TRIALS:-16}
EPOCHS=${CHAOS_EPOCHS:-6}
SECONDS_PER_EPOCH=${CHAOS_SECONDS_PER_EPOCH:-2.5}
MAX_KILLS=${CHAOS_MAX_KILLS:-6}
CONCURRENT=3
SILOS=3
# Two slots per silo: after a kill the survivors still have a free slot, so a requeued trial starts at once rather
# than after the next trial ends or the killed silo is back (docs/cluster.md: recovery needs a free slot).
SILO_SLOTS=2
KILL_MIN=15
KILL_MAX=30
RANDOM=${CHAOS_SEED:-15}
LEASE_TIMEOUT=10
RECOVERY_BOUND=$((2 * LEASE_TIMEOUT))
# Ideal duration: trial waves over the slots, each epochs x epoch time; the evaluation and process starts are slack.
IDEAL=$("$PYTHON" -c "import math; print(math.ceil(math.ceil($TRIALS / $CONCURRENT) * $EPOCHS * $SECONDS_PER_EPOCH))")
PER_KILL=$("$PYTHON" -c "import math; print(math.ceil($RECOVERY_BOUND + $SECONDS_PER_EPOCH))")
SLACK=$((30 + IDEAL / 2))

# Failure detection well inside the default 30 s bound: a silent lease expires after 10 s; Orleans declares a silo
# dead after 2 missed 2 s probes (a restarted silo on the same endpoint supersedes its old generation at once), and
# the coordinator then requeues that silo's trials without waiting for their leases.
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
cli search start "$spec" --id "$search_id" --json >"$work/logs/cli.start.log" 2>&1 || { log "search start failed"; cat "$work/logs/cli.start.log" >&2; exit 1; }
cli search watch "$search_id" --json >"$work/logs/cli.log" 2>&1 &
cli_pids=($!)
began=$(date +%s)
log "search $search_id started, followed by \`search watch\` (pid ${cli_pids[0]}); ideal ${IDEAL}s, limit $((IDEAL + SLACK))s + ${PER_KILL}s per kill"

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

# gateway_of_cli: index of a silo (random among them) whose gateway the CLI process holds a connection to; empty if
# none. An Orleans client connects to every live gateway and sends through them in turn, so each one matters.
gateway_of_cli() {
    local i pid connected=()
    pid=$(pgrep -f -- "search watch $search_id" | head -n 1)
    [[ -n "$pid" ]] || return 0
    for ((i = 0; i < SILOS; i++)); do
        if ss -Htnp state established "( dport = :${gateway_ports[i]} )" 2>/dev/null | grep -q "pid=$pid,"; then
            connected+=("$i")
        fi
    done
    ((${#connected[@]} > 0)) && echo "${connected[RANDOM % ${#connected[@]}]}"
}

# all_ready: whether every silo answers /readyz. A kill waits for it: one silo down at a time, so the survivors can
# always out-vote the dead one (Orleans needs 2 votes to declare a silo dead), whatever a restart costs.
all_ready() {
    local i
    for ((i = 0; i < SILOS; i++)); do
        curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:${http_ports[i]}/readyz" 2>/dev/null || return 1
    done
}

plan=(coordinator coordinator gateway registry)
kills=0
cli_exits=0
next_kill=$((began + KILL_MIN + RANDOM % (KILL_MAX - KILL_MIN + 1)))
finished=0
while true; do
    now=$(date +%s)
    if ((now - began > ${CHAOS_LIMIT:-$((IDEAL + SLACK + kills * PER_KILL))})); then
        log "time limit reached after $((now - began))s"
        break
    fi
    if ! kill -0 "${cli_pids[0]}" 2>/dev/null; then
        wait "${cli_pids[0]}"
        rc=$?
        if grep -qE '"state":"(completed|failed|cancelled)"' "$work/logs/cli.log"; then
            log "CLI saw the search finish (exit $rc)"
            finished=1
        else
            log "CLI exited ($rc) before the search ended: it did not fail over to another gateway"
            tail -n 20 "$work/logs/cli.log" >&2
            cli_exits=1
        fi
        break
    fi
    if ((now >= next_kill && kills < MAX_KILLS)) && all_ready; then
        reason=${plan[kills]:-busy}
        case $reason in
            coordinator) victim=$(host_of "search $search_id: coordinator active on silo") ;;
            registry) victim=$(host_of "search registry active on silo") ;;
            gateway)
                # Right after a restart the CLI may be between gateway connections: look again for up to 10 s.
                for _ in {1..20}; do
                    victim=$(gateway_of_cli)
                    [[ -n "$victim" ]] && break
                    sleep 0.5
                done ;;
            *) victim="" ;;
        esac
        if [[ -z "$victim" ]]; then
            # A random silo among those running a trial that has checkpointed an epoch (killing an idle or
            # just-started silo shows nothing); any silo when none is.
            read -r -a candidates <<<"$(busy_silos)"
            ((${#candidates[@]} > 0)) || candidates=($(seq 0 $((SILOS - 1))))
            victim=${candidates[RANDOM % ${#candidates[@]}]}
            [[ "$reason" == busy ]] || reason="$reason-unknown"
        fi
        log "SIGKILL silo $victim (pid ${silo_pids[victim]}): $reason"
        printf '%s %s %s %s %s\n' "$(date +%s.%N)" "$victim" "${silo_starts[victim]}" "$reason" "${silo_pids[victim]}" >>"$work/kills.tsv"
        kill_silo "$victim" KILL
        kills=$((kills + 1))
        start_silo "$victim"
        next_kill=$((now + KILL_MIN + RANDOM % (KILL_MAX - KILL_MIN + 1)))
    fi
    sleep 1
done
ended_at=$(date +%s.%N)
elapsed=$(($(date +%s) - began))

cli search trials "$search_id" --json >"$work/trials.json" 2>"$work/logs/cli.trials.log" || log "could not read the trials"
cli search status "$search_id" --json >"$work/status.json" 2>"$work/logs/cli.status.log" || log "could not read the status"
leaks=$(password_leaks)

"$PYTHON" "$repo/scripts/cluster/chaos_verdict.py" "$work" "$search_id" "$kills" "$TRIALS" "$EPOCHS" "$CONCURRENT" \
    "$elapsed" "$finished" "$leaks" "$cli_exits" "$RECOVERY_BOUND" "$ended_at"

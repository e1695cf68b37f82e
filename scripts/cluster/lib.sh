# Shared by scripts/chaos.sh and scripts/full-restart.sh: a private Redis and HyperSearch silo processes on free
# 127.0.0.1 ports, the CLI against them, and cleanup of every process started here. Source it; it sets `repo`.
# shellcheck shell=bash

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SILO_DLL="$repo/silo/HyperSearch.Silo/bin/Release/net10.0/HyperSearch.Silo.dll"
CLI_DLL="$repo/client/HyperSearch.Cli/bin/Release/net10.0/hypersearch.dll"
PYTHON=$(command -v /usr/bin/python3 || command -v python3)

work=""
redis_pid=""
redis_port=""
declare -a silo_pids=() silo_ports=() gateway_ports=() http_ports=() silo_starts=()
declare -a cli_pids=()

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# free_ports N: N distinct free TCP ports on 127.0.0.1 (bound together, then released).
free_ports() {
    "$PYTHON" - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()
PY
}

cluster_init() {
    local name=$1
    command -v redis-server >/dev/null || { log "redis-server is not installed (scripts/install-deps.sh)"; return 1; }
    if [[ ! -f "$SILO_DLL" || ! -f "$CLI_DLL" ]]; then
        log "building silo and CLI (Release)"
        dotnet build "$repo/client/HyperSearch.Cli" -c Release -nologo -v q >/dev/null || return 1
    fi
    work=$(mktemp -d "${TMPDIR:-/tmp}/hypersearch-$name.XXXXXX")
    mkdir -p "$work/redis" "$work/logs" "$work/checkpoints" "$work/secrets"
    export CHAOS_EVENTS="$work/events.jsonl"
    : >"$CHAOS_EVENTS"
    # A random Redis password, from a secret file: the silos and the CLI read it there; no log may contain it.
    REDIS_SECRET=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(16))')
    (umask 077 && printf '%s\n' "$REDIS_SECRET" >"$work/secrets/redis-password")
    CLUSTER_ID="$name-$$"
    trap cluster_cleanup EXIT
    trap 'exit 130' INT TERM
}

cluster_cleanup() {
    local pid
    [[ -n "$work" && -n "${KEEP_WORK:-}" ]] && log "keeping $work"
    # The result line must stay the last line: silence the shell's notices about the jobs killed below.
    exec 2>/dev/null
    for pid in "${cli_pids[@]}" "${silo_pids[@]}"; do
        [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null
    done
    # Trial processes run in their own sessions (setsid); each exits by itself within an epoch once orphaned.
    [[ -n "$redis_pid" ]] && kill -9 "$redis_pid" 2>/dev/null
    wait 2>/dev/null
    if [[ -n "$work" && -z "${KEEP_WORK:-}" ]]; then
        rm -rf "$work"
    fi
}

# start_redis: a private redis-server on a free port, without persistence; with REDIS_AOF=1 it keeps an
# append-only file fsynced on every write (what a production Redis for HyperSearch should do), so restart_redis
# brings back everything it acknowledged.
start_redis() {
    redis_port=$(free_ports 1)
    launch_redis
}

# restart_redis: redis-server again on the same port and directory (reloading its append-only file, if any).
restart_redis() {
    launch_redis
}

launch_redis() {
    local persistence=(--appendonly no)
    [[ -n "${REDIS_AOF:-}" ]] && persistence=(--appendonly yes --appendfsync always)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' "${persistence[@]}" --daemonize no \
        --dir "$work/redis" --requirepass "$REDIS_SECRET" >>"$work/logs/redis.log" 2>&1 &
    redis_pid=$!
    local i
    for i in $(seq 1 50); do
        if REDISCLI_AUTH="$REDIS_SECRET" redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG; then
            log "redis on 127.0.0.1:$redis_port (pid $redis_pid)"
            return 0
        fi
        sleep 0.2
    done
    log "redis did not start"; cat "$work/logs/redis.log" >&2
    return 1
}

# allocate_silos N: fixed ports per silo slot, reused on restart (a restarted silo supersedes its old generation).
allocate_silos() {
    local n=$1 ports i
    read -r -a ports <<<"$(free_ports $((3 * n)))"
    for ((i = 0; i < n; i++)); do
        silo_ports[i]=${ports[3 * i]}
        gateway_ports[i]=${ports[3 * i + 1]}
        http_ports[i]=${ports[3 * i + 2]}
        silo_starts[i]=0
        silo_pids[i]=""
    done
}

# start_silo I: starts silo I (again) with Redis clustering, storage and reminders; one log line per entry, each
# starting with its UTC time (yyyy-mm-ddThh:mm:ss.fffZ). Training slots: SILO_SLOTS (1). Extra settings: SILO_ARGS.
start_silo() {
    local i=$1
    silo_starts[i]=$((silo_starts[i] + 1))
    local logfile="$work/logs/silo-$i.${silo_starts[i]}.log"
    # The checkpoint folder is in the command line so cleanup can find this run's processes.
    ASPNETCORE_ENVIRONMENT=Production DOTNET_gcServer=0 \
    dotnet "$SILO_DLL" --urls "http://127.0.0.1:${http_ports[i]}" \
        --HyperSearch:Clustering=redis \
        --HyperSearch:Redis:ConnectionString="127.0.0.1:$redis_port" \
        --HyperSearch:Redis:PasswordFile="$work/secrets/redis-password" \
        --HyperSearch:ClusterId="$CLUSTER_ID" \
        --HyperSearch:AdvertisedAddress=127.0.0.1 \
        --HyperSearch:SiloPort="${silo_ports[i]}" \
        --HyperSearch:GatewayPort="${gateway_ports[i]}" \
        --HyperSearch:CheckpointDirectory="$work/checkpoints" \
        --HyperSearch:Training:Slots="${SILO_SLOTS:-1}" \
        --Logging:Console:FormatterName=simple --Logging:Console:FormatterOptions:SingleLine=true \
        --Logging:Console:FormatterOptions:UseUtcTimestamp=true \
        "--Logging:Console:FormatterOptions:TimestampFormat=yyyy-MM-dd'T'HH:mm:ss.fff'Z' " \
        --HyperSearch:Security:CommandAllowList:0="$PYTHON" \
        "${SILO_ARGS[@]}" >"$logfile" 2>&1 &
    silo_pids[i]=$!
    log "silo $i start #${silo_starts[i]}: pid ${silo_pids[i]}, silo port ${silo_ports[i]}, gateway ${gateway_ports[i]}"
}

kill_silo() {
    local i=$1 signal=${2:-KILL}
    [[ -n "${silo_pids[i]}" ]] || return 0
    kill "-$signal" "${silo_pids[i]}" 2>/dev/null
    wait "${silo_pids[i]}" 2>/dev/null
    silo_pids[i]=""
}

# wait_ready I [SECONDS]: until silo I answers /readyz (or /healthz when readiness is not served).
wait_ready() {
    local i=$1 limit=${2:-60} t
    for ((t = 0; t < limit * 4; t++)); do
        if curl -sf -o /dev/null "http://127.0.0.1:${http_ports[i]}/readyz" 2>/dev/null; then return 0; fi
        if [[ -z "${silo_pids[i]}" ]] || ! kill -0 "${silo_pids[i]}" 2>/dev/null; then
            log "silo $i exited"; tail -n 30 "$work/logs/silo-$i.${silo_starts[i]}.log" >&2; return 1
        fi
        sleep 0.25
    done
    log "silo $i not ready after ${limit}s"; return 1
}

# cli ARGS...: the hypersearch CLI against this cluster, found through Redis (no gateway list).
cli() {
    dotnet "$CLI_DLL" "$@" --redis "127.0.0.1:$redis_port" --redis-password-file "$work/secrets/redis-password" \
        --cluster-id "$CLUSTER_ID" --connect-timeout 30
}

# write_spec FILE NAME TRIALS EPOCHS SECONDS CONCURRENT [MAX_FAILED]: a command-trial search over the chaos
# workload; MAX_FAILED (max_failed_trials) defaults to 0.
write_spec() {
    cat >"$1" <<YAML
name: $2
dataset: synthetic
search:
  sampler: random
  scheduler: none
  max_trials: $3
  max_concurrent: $6
  max_failed_trials: ${7:-0}
  time_budget: 10m
  seed: 7
training: { epochs: $4, seconds_per_epoch: $5 }
space:
  learning_rate: { loguniform: [1.0e-4, 1.0e-2] }
  dropout: { uniform: [0.1, 0.6] }
trainer:
  command: [$PYTHON, $repo/scripts/cluster/trial.py]
  stop_grace_period: 3s
YAML
}

# password_leaks: non-zero count when the Redis password appears in any log of this run.
password_leaks() {
    grep -rlF -- "$REDIS_SECRET" "$work/logs" 2>/dev/null | wc -l
}

# wait_until SECONDS COMMAND...: runs COMMAND every 0.5 s until it succeeds (returns 0) or SECONDS pass (returns 1).
wait_until() {
    local limit=$1 end
    shift
    end=$((SECONDS + limit))
    until "$@"; do
        ((SECONDS < end)) || return 1
        sleep 0.5
    done
}

# events PYTHON-EXPRESSION: how many trial events (dicts `e`, scripts/cluster/trial.py) satisfy the expression.
events() {
    "$PYTHON" - "$CHAOS_EVENTS" "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if eval(sys.argv[2], {}, {"e": e}):
        n += 1
print(n)
PY
}

# has_events MIN PYTHON-EXPRESSION: whether at least MIN events satisfy the expression (for wait_until).
has_events() { (($(events "$2") >= $1)); }

# silo_of_pid PID: index of the silo process PID (empty if none).
silo_of_pid() {
    local i
    for ((i = 0; i < ${#silo_pids[@]}; i++)); do
        [[ "${silo_pids[i]}" == "$1" ]] && { echo "$i"; return; }
    done
}

# follow_search SPEC ID: starts a CLI that starts the search and follows it to its end (`search start --wait`).
follow_search() {
    cli search start "$1" --id "$2" --wait --json >"$work/logs/cli.log" 2>&1 &
    cli_pids=($!)
    log "search $2 started by CLI pid ${cli_pids[0]}"
}

# search_results ID SECONDS: waits up to SECONDS for the following CLI to exit, then saves the search's trials and
# status as $work/trials.json and $work/status.json. Returns 1 when the CLI had not finished.
search_results() {
    local rc=0
    wait_until "$2" eval '! kill -0 "${cli_pids[0]}" 2>/dev/null' || { log "the CLI did not finish within $2 s"; rc=1; }
    cli search trials "$1" --json >"$work/trials.json" 2>"$work/logs/cli.trials.log" || log "could not read the trials"
    cli search status "$1" --json >"$work/status.json" 2>"$work/logs/cli.status.log" || log "could not read the status"
    return $rc
}

# host_of PATTERN: index of the live silo whose current log holds the latest line matching PATTERN (empty if none),
# e.g. "search ID: coordinator active on silo" or "search registry active on silo".
host_of() {
    local i best="" best_line="" line
    for ((i = 0; i < ${#silo_pids[@]}; i++)); do
        line=$(grep -F "$1" "$work/logs/silo-$i.${silo_starts[i]}.log" 2>/dev/null | tail -n 1 | cut -c1-24)
        if [[ -n "$line" && "$line" > "$best_line" ]]; then best=$i; best_line=$line; fi
    done
    echo "$best"
}

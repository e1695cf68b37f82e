#!/usr/bin/env bash
# Security probe of cluster mode (docs/security.md): a private redis-server and two silo processes joined over
# mutual TLS with certificates from scripts/make-certs.sh. Tries unauthorized actions, each of which must be refused
# for its own reason (the CLI's message or exit code, and the silos' refusal counter
# hypersearch_security_refusals_total{reason=...} read from their /metrics), then runs an operator's legitimate
# search to completion. Last line: one JSON object. SECURITY_LIMIT (180 s) KEEP_WORK=1
set -uo pipefail
# shellcheck source=cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster/lib.sh"

LIMIT=${SECURITY_LIMIT:-180}
began=$(date +%s)
attempts=0
refused=0
declare -a failures=()

cluster_init security || exit 1
certs="$work/certs"
"$repo/scripts/make-certs.sh" "$certs" --expired stale:operator 2>/dev/null || { log "make-certs.sh failed"; exit 1; }
"$repo/scripts/make-certs.sh" "$work/other-ca" --client rogue:operator 2>/dev/null || exit 1
SILO_ARGS=(
    --HyperSearch:Tls:CertificateFile="$certs/silo.crt"
    --HyperSearch:Tls:KeyFile="$certs/silo.key"
    --HyperSearch:Tls:CaFile="$certs/ca.crt"
    --HyperSearch:Training:Enabled=true
    --HyperSearch:Security:CommandAllowList:0="$PYTHON"
    --HyperSearch:Security:MaxSpecBytes=32768
)
start_redis || exit 1
allocate_silos 2
for i in 0 1; do start_silo "$i"; done
for i in 0 1; do wait_ready "$i" 120 || exit 1; done

# as CERT ARGS...: the CLI with the client certificate CERT (a path without .crt/.key), through silo 0's gateway.
as() {
    local cert=$1
    shift
    ${AS_TIMEOUT:+timeout "$AS_TIMEOUT"} dotnet "$CLI_DLL" "$@" --gateway "127.0.0.1:${gateway_ports[0]}" --cluster-id "$CLUSTER_ID" \
        --tls-cert "$cert.crt" --tls-key "$cert.key" --tls-ca "$certs/ca.crt" --connect-timeout 10
}

# refusals REASON: the refusal counter for REASON summed over both silos.
refusals() {
    local i total=0 value
    for i in 0 1; do
        value=$(curl -sf "http://127.0.0.1:${http_ports[i]}/metrics" | awk -v r="reason=\"$1\"" \
            '$1 ~ /^hypersearch_security_refusals_total\{/ && index($1, r) { s += $2 } END { print s + 0 }')
        total=$((total + ${value:-0}))
    done
    echo "$total"
}

# attempt NAME REASON EXPECTED_TEXT COMMAND...: runs COMMAND (must fail, its output must contain EXPECTED_TEXT,
# and the silos' refusal counter for REASON must grow).
attempt() {
    local name=$1 reason=$2 expected=$3
    shift 3
    local before after status output="$work/logs/attempt-$name.log"
    attempts=$((attempts + 1))
    before=$(refusals "$reason")
    "$@" >"$output" 2>&1
    status=$?
    local t
    for ((t = 0; t < 40; t++)); do
        after=$(refusals "$reason")
        ((after > before)) && break
        sleep 0.25
    done
    if ((status != 0)) && grep -qF -- "$expected" "$output" && ((after > before)); then
        refused=$((refused + 1))
        log "refused: $name (exit $status, $reason refusals $before -> $after)"
    else
        failures+=("$name")
        log "NOT REFUSED AS EXPECTED: $name (exit $status, $reason refusals $before -> $after, wanted '$expected')"
        tail -n 5 "$output" >&2
    fi
}

spec="$work/legit.yaml"
write_spec "$spec" legit 4 2 1 2

# 1. TLS without a certificate (openssl as the client): the gateway closes it.
attempt no-certificate no-certificate "" \
    bash -c "openssl s_client -connect 127.0.0.1:${gateway_ports[0]} -CAfile '$certs/ca.crt' -quiet </dev/null; exit 1"
# 2. A certificate from another CA.
attempt other-ca untrusted "cannot connect" as "$work/other-ca/rogue" search list
# 3. An expired certificate from the cluster's CA.
attempt expired expired "cannot connect" as "$certs/stale" search list
# 4. A client certificate joining as a silo: the TLS handshake a joining silo makes, at silo 1's silo port.
attempt client-as-silo wrong-kind "" \
    bash -c "openssl s_client -connect 127.0.0.1:${silo_ports[1]} -cert '$certs/operator.crt' -key '$certs/operator.key' -CAfile '$certs/ca.crt' -quiet </dev/null; exit 1"

# The operator's legitimate search, which the viewer then tries to cancel.
search_id="legit-$$"
as "$certs/operator" search start "$spec" --id "$search_id" --json >"$work/logs/start.log" 2>&1 \
    || { log "the operator could not start a search"; cat "$work/logs/start.log" >&2; exit 1; }
# 5. A viewer cancelling it.
attempt viewer-cancel role "needs the operator role" as "$certs/viewer" search cancel "$search_id"
# 6. A viewer starting a search.
attempt viewer-start role "needs the operator role" as "$certs/viewer" search start "$spec" --id "viewer-$$"
# 7. An operator starting a spec whose command is not allow-listed.
sed "s|command: .*|command: [/bin/sh, -c, 'id; cat /var/run/secrets/*']|" "$spec" >"$work/shell.yaml"
attempt not-allow-listed spec "HyperSearch:Security:CommandAllowList" as "$certs/operator" search start "$work/shell.yaml" --id "shell-$$"
# 8. An oversized spec (a 40 KiB name field in the search space).
"$PYTHON" - "$spec" "$work/huge.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
values = ", ".join(str(0.1 + i * 1e-6) for i in range(4000))
open(sys.argv[2], "w").write(text.replace("dropout: { uniform: [0.1, 0.6] }", "dropout: { choice: [" + values + "] }"))
PY
attempt oversized spec "over this cluster's limit" as "$certs/operator" search start "$work/huge.yaml" --id "huge-$$" --skip-data-check
# 9. Data with the preprocessing trap (train in [0,1], test in [0,255]) past the CLI's --skip-data-check: the
#    coordinator probes the data itself and refuses, exit 2, nothing started.
"$PYTHON" - "$work/trap.npz" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(1)
x_train = rng.random((200, 16, 16), dtype=np.float32)
x_test = (rng.random((50, 16, 16)) * 255).astype(np.float32)
np.savez(sys.argv[1], x_train=x_train, y_train=np.arange(200, dtype=np.uint8) % 10,
         x_test=x_test, y_test=np.arange(50, dtype=np.uint8) % 10)
PY
cat >"$work/trap.yaml" <<YAML
name: trap
dataset: { name: npz, path: $work/trap.npz, validation_fraction: 0.2 }
search: { max_trials: 1 }
training: { epochs: 1, conv1_filters: 4, conv2_filters: 4, dense_units: 8 }
YAML
attempt preprocessing-trap spec "disagrees in scale" as "$certs/operator" search start "$work/trap.yaml" --id "trap-$$" --skip-data-check

# Exit codes the CLI must give: 2 for the coordinator's spec refusals.
for name in not-allow-listed oversized preprocessing-trap; do
    grep -q "nothing was started" "$work/logs/attempt-$name.log" || failures+=("$name: no 'nothing was started'")
done
as "$certs/operator" search start "$work/trap.yaml" --id "trap2-$$" --skip-data-check >/dev/null 2>&1
[[ $? == 2 ]] || failures+=("spec refusal exit code is not 2")
as "$certs/viewer" search list --json >"$work/list.json" 2>"$work/logs/list.log" || failures+=("viewer cannot list")
grep -qF "\"$search_id\"" "$work/list.json" || failures+=("the list does not show the legitimate search")
for id in "viewer-$$" "shell-$$" "huge-$$" "trap-$$" "trap2-$$"; do
    grep -qF "\"$id\"" "$work/list.json" && failures+=("refused search $id was started")
done

# The legitimate search completes (the operator watches it to the end).
legitimate=false
remaining=$((LIMIT - ($(date +%s) - began)))
if AS_TIMEOUT=$((remaining > 10 ? remaining : 10)) as "$certs/operator" search watch "$search_id" --json >"$work/logs/watch.log" 2>&1; then
    legitimate=true
else
    failures+=("legitimate search did not complete")
    tail -n 5 "$work/logs/watch.log" >&2
fi

# No log may hold a private key or the Redis password.
leaks=$(password_leaks)
for key in "$certs"/*.key; do
    secret=$(grep -v -- "-----" "$key" | tr -d '\n' | head -c 40)
    if grep -rqF -- "$secret" "$work/logs" 2>/dev/null; then leaks=$((leaks + 1)); fi
done
((leaks == 0)) || failures+=("secrets in logs: $leaks")

passed=false
if ((${#failures[@]} == 0 && refused == attempts)) && [[ $legitimate == true ]]; then passed=true; fi
((${#failures[@]})) && log "failures: ${failures[*]}"
log "took $(($(date +%s) - began)) s"
printf '{"attempts": %d, "refused": %d, "legitimate_completed": %s, "passed": %s}\n' "$attempts" "$refused" "$legitimate" "$passed"
[[ $passed == true ]]

#!/usr/bin/env bash
# Runs every test project (and the chaos test) one after another, then prints one line: "N passed, N failed".
# Installs what the tests need first (scripts/install-deps.sh). Exit code 0 only when nothing failed.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

"$repo/scripts/install-deps.sh" || { echo "0 passed, 1 failed"; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
passed=0
failed=0
status=0
log=$(mktemp)

if ! dotnet build HyperSearch.sln -c Release 2>&1 | tee "$log" | grep -E "error|Warn|Elapsed"; then :; fi
if ! grep -q "Build succeeded" "$log"; then
    echo "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

# The house style (.editorconfig): code whose formatting drifted fails like a test, with the places listed.
echo "=== dotnet format --verify-no-changes"
if dotnet format HyperSearch.sln --verify-no-changes --no-restore -v q; then
    passed=$((passed + 1))
else
    echo "formatting differs from .editorconfig: run dotnet format HyperSearch.sln"
    failed=$((failed + 1))
    status=1
fi

for project in tests/*/*.csproj; do
    echo "=== $project"
    dotnet test "$project" -c Release --no-build --logger "console;verbosity=normal" 2>&1 | tee "$log" | grep -E "^\s*(Failed|Skipped) |^Total tests|^ +(Passed|Failed): |error|Error Message|Assert" || true
    if ! grep -qE "^Total tests: [0-9]+" "$log"; then
        echo "no test summary from $project (crashed, aborted or did not build)"
        failed=$((failed + 1))
        status=1
        continue
    fi
    p=$(grep -E "^ +Passed: +[0-9]+" "$log" | tail -n 1 | grep -oE "[0-9]+" || echo 0)
    f=$(grep -E "^ +Failed: +[0-9]+" "$log" | tail -n 1 | grep -oE "[0-9]+" || echo 0)
    p=${p:-0}
    f=${f:-0}
    if [[ "$f" -gt 0 ]]; then
        # The whole failure block: message and stack, so a red run says why.
        awk '/^ +Failed [A-Za-z]/{show=1} /^ +(Passed|Skipped) [A-Za-z]/{show=0} show' "$log" | head -n 80
    fi
    echo "$project: $p passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
    grep -q "Test Run Aborted" "$log" && { failed=$((failed + 1)); f=1; }
    [[ "$f" -eq 0 ]] || status=1
done

# Multi-process tests are scripts (with their arguments): each counts as one test.
for script in scripts/chaos.sh scripts/full-restart.sh scripts/fault-redis.sh scripts/fault-disk.sh scripts/fault-evaluation.sh \
    scripts/fault-pause.sh scripts/security-probe.sh "scripts/k8s-rehearsal.sh cpu"; do
    read -r -a command <<< "$script"
    [[ -x "${command[0]}" ]] || continue
    echo "=== $script"
    if "${command[@]}"; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
done

rm -f "$log"
echo "$passed passed, $failed failed"
exit $status

#!/usr/bin/env bash
# Installs what HyperSearch needs beyond the .NET 10 SDK, idempotently: Debian packages (the real Fashion-MNIST,
# Redis, Prometheus/promtool, Optuna for the algorithm benchmark, Chromium for report tests) and the npm packages
# of the offline Kubernetes schema check. Safe to run again; it only installs what is missing.
#   scripts/install-deps.sh            everything the tests need
#   scripts/install-deps.sh --minimal  only what `hypersearch run examples/quickstart.yaml` needs
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

need=()
[[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]] || need+=(dataset-fashion-mnist)
if [[ "${1:-}" != "--minimal" ]]; then
    command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
    command -v promtool >/dev/null 2>&1 || need+=(prometheus)
    /usr/bin/python3 -c 'import optuna' >/dev/null 2>&1 || need+=(python3-optuna)
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    # scripts/k8s-rehearsal.sh reads the rendered manifests with PyYAML.
    /usr/bin/python3 -c 'import yaml' >/dev/null 2>&1 || need+=(python3-yaml)
fi

if [[ ${#need[@]} -gt 0 ]]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "install-deps.sh: apt-get not found; install these yourself: ${need[*]}" >&2
        exit 1
    fi
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    echo "install-deps.sh: apt-get install ${need[*]}" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [[ "${1:-}" != "--minimal" ]]; then
    "$repo/scripts/deploy-test-deps.sh"
fi

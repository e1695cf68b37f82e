#!/usr/bin/env bash
# Installs what tests/HyperSearch.Deploy.Tests needs besides the .NET SDK; idempotent, for CI and
# developers (.ci/run calls it):
#   - npm packages of the offline schema validator (k8s/tests: kubernetes-models, js-yaml) via `npm ci`
#   - promtool (Debian package prometheus) when it is missing
#   - Debian's Fashion-MNIST (dataset-fashion-mnist), to check the dataset Job's checksums
# kubectl (with kustomize) and node are expected on the machine; their absence is reported here and
# again, as a failing test, by the tests.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

missing=()
command -v kubectl >/dev/null 2>&1 || missing+=(kubectl)
command -v node >/dev/null 2>&1 || missing+=(node)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "deploy-test-deps.sh: missing on PATH: ${missing[*]} (the deploy tests will fail)" >&2
fi

if command -v npm >/dev/null 2>&1; then
    echo "deploy-test-deps.sh: npm ci in k8s/tests" >&2
    (cd "$repo/k8s/tests" && npm ci --no-audit --no-fund --loglevel=error)
fi

apt_packages=()
command -v promtool >/dev/null 2>&1 || apt_packages+=(prometheus)
[[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]] || apt_packages+=(dataset-fashion-mnist)
if [[ ${#apt_packages[@]} -gt 0 ]]; then
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        sudo=(sudo)
    fi
    echo "deploy-test-deps.sh: apt-get install ${apt_packages[*]}" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

command -v promtool >/dev/null 2>&1 || { echo "deploy-test-deps.sh: promtool still missing" >&2; exit 1; }
echo "deploy-test-deps.sh: ready ($(promtool --version 2>&1 | head -n1))" >&2

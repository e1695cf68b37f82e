#!/usr/bin/env bash
# The README's first command: installs what is missing (the real Fashion-MNIST from Debian), builds, and runs
# examples/quickstart.yaml in this process (an embedded silo; no services). Extra arguments go to `hypersearch run`.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
scripts/install-deps.sh --minimal
dotnet build client/HyperSearch.Cli -c Release -nologo -v quiet -clp:ErrorsOnly
exec dotnet client/HyperSearch.Cli/bin/Release/net10.0/hypersearch.dll run examples/quickstart.yaml "$@"

#!/usr/bin/env bash
# A kubectl deploy rehearsed on one machine, without a Kubernetes API server:
#
#   scripts/k8s-rehearsal.sh cpu|gpu|KUSTOMIZATION [--search k8s/search] [--keep]
#
# Renders the overlay (and the search Job, k8s/search) with `kubectl kustomize` and runs every Deployment,
# StatefulSet and Job container as rendered, as local processes: the image's ENTRYPOINT/CMD from its Dockerfile
# (silo/Dockerfile, silo/Dockerfile.gpu, client/Dockerfile), run from a `dotnet publish` of the same project
# into a folder playing the image's WORKDIR, the manifest's command/args on top, replicas as written. Env is
# resolved like the kubelet's (literals, ConfigMap/Secret keys, downward API, resource fields). Waits for the
# rendered readiness probes, then runs the search Job with its spec made small (scripts/rehearsal/search-override.yaml);
# the search must complete. Last line: one JSON object (overlay, processes, search_state, search_id,
# silo_cluster_id, client_cluster_id, passed); exit 0 only when passed.
#
# How a cluster maps onto one machine (docs/deploy.md, "Rehearsing a deploy"):
#   pod network      each pod gets its own loopback address (REHEARSAL_LOOPBACK_PREFIX.1.N, default 127.77.1.N);
#                    wildcard binds (http://+:8080, bind 0.0.0.0) and localhost name the pod's address
#   Services         an address each (127.77.2.N) with a TCP proxy per port to ready selected pods; Service
#                    names in env, args and mounted config files are rewritten to that address
#   volumes          ConfigMap/Secret/PVC/emptyDir volumes are folders under the run's work folder; the one path
#                    prefix: every mount path in env values, args and mounted text files is rewritten to its
#                    folder (WORKDIR to the publish folder, /tmp through TMPDIR)
#   external Secrets created as docs/deploy.md says, by scripts/rehearsal/secrets.yaml
#   the one difference  HyperSearch__Kubernetes=false for silos (no API server for Orleans' Kubernetes agent);
#                    on gpu also HyperSearch__Training__Device=cpu (no GPU) and the CPU build of the silo
# Settings: REHEARSAL_READY_TIMEOUT (s, 420), REHEARSAL_SEARCH_TIMEOUT (s, 600), REHEARSAL_PUBLISH_DIR
# (default .rehearsal/publish, reused while no source changed), REHEARSAL_LOOPBACK_PREFIX (127.77).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v kubectl >/dev/null || { echo "k8s-rehearsal.sh: kubectl not found (scripts/install-deps.sh)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "k8s-rehearsal.sh: redis-server not found (scripts/install-deps.sh)" >&2; exit 1; }
/usr/bin/python3 -c 'import yaml' 2>/dev/null || { echo "k8s-rehearsal.sh: python3-yaml missing (scripts/install-deps.sh)" >&2; exit 1; }
cd "$root"
exec /usr/bin/python3 "$root/scripts/rehearsal/rehearse.py" "$@"

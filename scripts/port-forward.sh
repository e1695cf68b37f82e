#!/usr/bin/env bash
# Forwards the HyperSearch gateway (and optionally Grafana and Prometheus) of a cluster to this machine,
# so that the local hypersearch CLI works against the cluster:
#
#   scripts/port-forward.sh                      # gateway on 127.0.0.1:30000
#   export HYPERSEARCH_GATEWAY=127.0.0.1:30000 HYPERSEARCH_SERVICE_ID=hypersearch HYPERSEARCH_CLUSTER_ID=hypersearch
#   hypersearch search start examples/fmnist-quick.yaml --wait
#
# The service and cluster ids come from the silo pods' orleans/serviceId and orleans/clusterId labels (the one
# place they are set); the script reads them from the cluster and prints the export line to use.
#
#   scripts/port-forward.sh --grafana --prometheus   # also Grafana :3000 and Prometheus :9090
#
# Options: -n|--namespace NS (default hypersearch, or $HYPERSEARCH_NAMESPACE), --context CTX,
#          --gateway-port PORT (local port, default 30000), --grafana, --prometheus.
# Runs until interrupted (Ctrl-C) and stops every forward it started. kubectl port-forward reconnects
# nothing by itself: when a forward dies (its pod went away), this script restarts it.
set -euo pipefail

namespace=${HYPERSEARCH_NAMESPACE:-hypersearch}
context=""
gateway_port=30000
grafana=false
prometheus=false

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        -n|--namespace) namespace=${2:?--namespace needs a value}; shift 2 ;;
        --context) context=${2:?--context needs a value}; shift 2 ;;
        --gateway-port) gateway_port=${2:?--gateway-port needs a value}; shift 2 ;;
        --grafana) grafana=true; shift ;;
        --prometheus) prometheus=true; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "port-forward.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

command -v kubectl >/dev/null 2>&1 || { echo "port-forward.sh: kubectl not found on PATH" >&2; exit 1; }

kubectl_args=(--namespace "$namespace")
if [[ -n "$context" ]]; then
    kubectl_args+=(--context "$context")
fi

pids=()
cleanup() {
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# forward NAME SERVICE LOCAL:REMOTE — keeps one kubectl port-forward alive in the background.
forward() {
    local name=$1 service=$2 ports=$3
    (
        child=""
        trap 'if [[ -n "$child" ]]; then kill "$child" 2>/dev/null; fi; exit 0' TERM INT
        while true; do
            kubectl "${kubectl_args[@]}" port-forward --address 127.0.0.1 "service/$service" "$ports" &
            child=$!
            wait "$child" || true
            echo "port-forward.sh: $name forward ended; restarting in 2 s" >&2
            sleep 2
        done
    ) &
    pids+=("$!")
    echo "port-forward.sh: $name: 127.0.0.1:${ports%%:*} -> service/$service:${ports##*:} (namespace $namespace)" >&2
}

forward gateway hypersearch-gateway "$gateway_port:30000"
if [[ "$grafana" == true ]]; then
    forward grafana hypersearch-grafana "3000:3000"
fi
if [[ "$prometheus" == true ]]; then
    forward prometheus hypersearch-prometheus "9090:9090"
fi

# The CLI's ids must be the silos' (a gateway refuses a client of another cluster): read them from the pod labels.
service_id=$(kubectl "${kubectl_args[@]}" get pods -l app.kubernetes.io/name=hypersearch-silo \
    -o jsonpath='{.items[0].metadata.labels.orleans/serviceId}' 2>/dev/null || true)
cluster_id=$(kubectl "${kubectl_args[@]}" get pods -l app.kubernetes.io/name=hypersearch-silo \
    -o jsonpath='{.items[0].metadata.labels.orleans/clusterId}' 2>/dev/null || true)
if [[ -z "$service_id" || -z "$cluster_id" ]]; then
    echo "port-forward.sh: no silo pod found to read orleans/serviceId and orleans/clusterId from; the overlays use hypersearch for both" >&2
    service_id=${service_id:-hypersearch}
    cluster_id=${cluster_id:-hypersearch}
fi
echo "port-forward.sh: export HYPERSEARCH_GATEWAY=127.0.0.1:$gateway_port HYPERSEARCH_SERVICE_ID=$service_id HYPERSEARCH_CLUSTER_ID=$cluster_id   (Ctrl-C stops the forwards)" >&2
wait

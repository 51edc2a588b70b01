#!/usr/bin/env bash
# pod-triage.sh - list unhealthy containers and show the logs/events that explain them.
# Usage: pod-triage.sh [-n namespace] [--since 30m] [--tail 80]
set -euo pipefail

ns="default"; since=""; tail_lines="${TAIL_LINES:-80}"
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--namespace) ns="$2"; shift 2 ;;
    --since) since="$2"; shift 2 ;;
    --tail) tail_lines="$2"; shift 2 ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    *) ns="$1"; shift ;;
  esac
done
log_args=(--tail="$tail_lines")
[ -n "$since" ] && log_args+=(--since="$since")

echo "== context: $(kubectl config current-context)   namespace: $ns"
pods_json=$(kubectl get pods -n "$ns" -o json)

# One row per unhealthy container: pod, container, phase, restarts, reason, exit code.
rows=$(printf '%s' "$pods_json" | jq -r '
  .items[]
  | .metadata.name as $pod | .status.phase as $phase
  | ((.status.initContainerStatuses // []) + (.status.containerStatuses // []))[]
  | select(.state.terminated.reason != "Completed")
  | select((.ready | not) or .restartCount > 0)
  | [$pod, .name, $phase, (.restartCount | tostring),
     (.state.waiting.reason // .state.terminated.reason // .lastState.terminated.reason // "-"),
     ((.lastState.terminated.exitCode // .state.terminated.exitCode // "-") | tostring)]
  | @tsv')

if [ -z "$rows" ]; then
  echo "all containers ready, no restarts"
  exit 0
fi

echo "== unhealthy containers"
{ printf 'POD\tCONTAINER\tPHASE\tRESTARTS\tREASON\tEXIT\n'; printf '%s\n' "$rows"; } \
  | (column -t -s $'\t' 2>/dev/null || cat)

while IFS=$'\t' read -r pod container _phase restarts reason code; do
  echo
  if [ "$restarts" -gt 0 ]; then
    echo "== $pod/$container: previous instance logs (exit $code)"
    kubectl logs -n "$ns" "$pod" -c "$container" --previous "${log_args[@]}" </dev/null 2>&1 || true
  else
    echo "== $pod/$container: $reason - recent events"
    kubectl get events -n "$ns" --field-selector "involvedObject.name=$pod" \
      --sort-by=.lastTimestamp -o custom-columns=TIME:.lastTimestamp,REASON:.reason,MESSAGE:.message \
      </dev/null 2>&1 | tail -n 15 || true
  fi
done <<< "$rows"

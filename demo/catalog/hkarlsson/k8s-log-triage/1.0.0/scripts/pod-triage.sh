#!/usr/bin/env bash
# pod-triage.sh - list unhealthy pods and show the logs of the crashed container.
# Usage: pod-triage.sh [namespace]
set -euo pipefail

ns="${1:-default}"
tail_lines="${TAIL_LINES:-80}"

echo "== context: $(kubectl config current-context)   namespace: $ns"
pods_json=$(kubectl get pods -n "$ns" -o json)

echo "== pods not ready or restarted"
printf '%s' "$pods_json" | jq -r '
  .items[]
  | . as $p
  | (.status.containerStatuses // [])[0] as $c
  | select($c == null or ($c.ready | not) or $c.restartCount > 0)
  | [$p.metadata.name, $p.status.phase, (($c.restartCount // 0) | tostring),
     ($c.state.waiting.reason // $c.lastState.terminated.reason // "-")]
  | @tsv' | column -t

for pod in $(printf '%s' "$pods_json" | jq -r '
    .items[] | select(((.status.containerStatuses // [])[0].restartCount // 0) > 0)
    | .metadata.name'); do
  echo
  echo "== $pod: previous container logs (last $tail_lines lines)"
  kubectl logs -n "$ns" "$pod" --previous --tail="$tail_lines" 2>&1 || true
done

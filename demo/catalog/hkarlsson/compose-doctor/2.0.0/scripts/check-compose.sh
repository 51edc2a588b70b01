#!/usr/bin/env bash
# check-compose.sh - read-only health check for a Docker Compose project.
# Usage: check-compose.sh [project-dir]
# Needs: Docker Compose v2 (`docker compose`) and jq.
set -uo pipefail

dir="${1:-.}"
cd "$dir" || { echo "error: cannot enter $dir" >&2; exit 2; }

if ! docker compose version >/dev/null 2>&1; then
  echo "error: the Compose v2 plugin ('docker compose') is required" >&2
  exit 2
fi
command -v jq >/dev/null 2>&1 || { echo "error: jq is required" >&2; exit 2; }

found=""
for f in compose.yaml compose.yml docker-compose.yaml docker-compose.yml; do
  if [ -f "$f" ]; then found="$f"; break; fi
done
if [ -z "$found" ] && [ -z "${COMPOSE_FILE:-}" ]; then
  echo "error: no compose file in $(pwd)" >&2
  exit 2
fi
echo "== compose file: ${COMPOSE_FILE:-$found}"

echo "== validating"
if ! out=$(docker compose config -q 2>&1); then
  printf '%s\n' "$out"
  echo "RESULT: invalid configuration - fix the first error above and re-run"
  exit 1
fi
printf '%s\n' "$out" | grep -i 'variable is not set' || echo "ok: no unset variables"

json=$(docker compose config --format json 2>/dev/null)

echo "== services"
printf '%s' "$json" | jq -r '.services | keys[] | "  " + .'

echo "== services without a healthcheck"
printf '%s' "$json" \
  | jq -r '.services | to_entries[] | select(.value.healthcheck == null) | "  " + .key'

echo "== depends_on service_healthy targets lacking a healthcheck"
printf '%s' "$json" | jq -r '
  .services as $s
  | $s | to_entries[]
  | .key as $svc
  | (.value.depends_on // {}) | to_entries[]
  | select(.value.condition == "service_healthy" and $s[.key].healthcheck == null)
  | "  \($svc) waits for \(.key), which has no healthcheck"' | grep . || echo "  none"

echo "== published host ports already in use"
listening=$( (ss -ltnH 2>/dev/null || netstat -an -p tcp 2>/dev/null | grep LISTEN) || true)
if [ -z "$listening" ]; then
  echo "  (skipped: neither ss nor netstat available)"
else
  any=0
  for p in $(printf '%s' "$json" | jq -r '.services[].ports[]?.published // empty' | sort -un); do
    if printf '%s\n' "$listening" | grep -Eq "[:.]${p}[[:space:]]"; then
      echo "  port $p is taken (by another process, or by this project if it is running)"
      any=1
    fi
  done
  if [ "$any" = 0 ]; then echo "  none"; fi
fi

echo "== containers"
docker compose ps -a --format 'table {{.Service}}\t{{.State}}\t{{.Status}}'

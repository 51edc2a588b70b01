#!/usr/bin/env bash
# check-compose.sh - read-only health check for a Docker Compose project.
# Usage: check-compose.sh [project-dir]
set -uo pipefail

dir="${1:-.}"
cd "$dir" || { echo "error: cannot enter $dir" >&2; exit 2; }

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  echo "error: neither 'docker compose' nor 'docker-compose' is available" >&2
  exit 2
fi

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
if ! out=$("${compose[@]}" config -q 2>&1); then
  printf '%s\n' "$out"
  echo "RESULT: invalid configuration - fix the first error above and re-run"
  exit 1
fi
# Interpolation warnings are printed even when the file is valid.
printf '%s\n' "$out" | grep -i 'variable is not set' || echo "ok: no unset variables"

echo "== services"
"${compose[@]}" config --services

echo "== containers"
"${compose[@]}" ps -a --format 'table {{.Service}}\t{{.State}}\t{{.Status}}' 2>/dev/null \
  || "${compose[@]}" ps -a

echo "== services without a healthcheck"
if command -v jq >/dev/null 2>&1 && json=$("${compose[@]}" config --format json 2>/dev/null); then
  printf '%s' "$json" \
    | jq -r '.services | to_entries[] | select(.value.healthcheck == null) | "  " + .key'

  echo "== published host ports already in use"
  listening=$( (ss -ltnH 2>/dev/null || netstat -an -p tcp 2>/dev/null | grep LISTEN) || true)
  any=0
  for p in $(printf '%s' "$json" | jq -r '.services[].ports[]?.published // empty' | sort -un); do
    if printf '%s\n' "$listening" | grep -Eq "[:.]${p}[[:space:]]"; then
      echo "  port $p is taken (by another process, or by this project if it is running)"
      any=1
    fi
  done
  if [ "$any" = 0 ]; then echo "  none"; fi
else
  echo "  (skipped: needs jq and a compose version that supports --format json)"
fi

#!/usr/bin/env bash
# explain.sh - capture a PostgreSQL execution plan.
# Usage: explain.sh [--no-analyze] [query.sql]     (query is read from stdin if no file)
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL must be set}"

analyze=1
if [ "${1:-}" = "--no-analyze" ]; then analyze=0; shift; fi
sql=$(cat "${1:-/dev/stdin}")
sql="${sql%;}"

if [ "$analyze" = 1 ]; then
  if ! printf '%s' "$sql" | grep -qiE '^[[:space:]]*(select|with|values|table)[[:space:]]'; then
    echo "refusing to ANALYZE a statement that may modify data; use --no-analyze" >&2
    exit 1
  fi
  opts="ANALYZE, BUFFERS, VERBOSE"
else
  opts="VERBOSE"
fi

psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -c "EXPLAIN ($opts) $sql"

#!/usr/bin/env bash
# explain.sh - capture a PostgreSQL execution plan without keeping any changes.
# Usage: explain.sh [--no-analyze] [query.sql]     (query is read from stdin if no file)
# Env:   DATABASE_URL (required), PG_EXPLAIN_TIMEOUT (default 30s)
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL must be set}"
timeout="${PG_EXPLAIN_TIMEOUT:-30s}"

analyze=1
if [ "${1:-}" = "--no-analyze" ]; then analyze=0; shift; fi
sql=$(cat "${1:-/dev/stdin}")
sql="${sql%;}"

server_num=$(psql "$DATABASE_URL" -X -Atqc 'SHOW server_version_num')
opts="VERBOSE"
[ "$analyze" = 1 ] && opts="ANALYZE, BUFFERS, $opts"
[ "$server_num" -ge 120000 ] && opts="$opts, SETTINGS"

# The transaction is always rolled back, so data-modifying statements leave no trace.
psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 <<SQL
BEGIN;
SET LOCAL statement_timeout = '$timeout';
EXPLAIN ($opts) $sql;
ROLLBACK;
SQL

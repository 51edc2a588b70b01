#!/bin/sh
# Run once by Patroni after it bootstraps the cluster (post_bootstrap in patroni.yml): the
# role and database skillreg connects as. The first skillreg node to start migrates it.
set -e
psql -v ON_ERROR_STOP=1 "$1" <<'SQL'
CREATE ROLE skillreg LOGIN PASSWORD 'change-me-skillreg';
CREATE DATABASE skillreg OWNER skillreg;
\c skillreg
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
SQL

#!/usr/bin/env bash
# Browser test of the web site: Debian's headless Chromium driven by playwright-core (pinned
# in tests/web/package-lock.json) against a freshly started skillreg server on 127.0.0.1.
#
#   SKILLREG_BIN=build/skillreg tests/web/run.sh     # works from any directory
#
# With SKILLREG_TEST_DB=postgres the server and the admin commands run on a fresh database
# (`--db URL`) on the PostgreSQL cluster in SKILLREG_TEST_PG (scripts/run-tests starts one);
# it is dropped at the end. Otherwise SQLite in the data directory.
#
# Screenshots go to build/test-artifacts/web/ (WEB_ARTIFACTS overrides). Prints "ok - ..." /
# "not ok - ..." per check and "N passed, M failed" last; exits non-zero on any failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
WEB_DIR=$ROOT/tests/web
PW_VERSION=$(node -e 'console.log(require(process.argv[1]).dependencies["playwright-core"])' "$WEB_DIR/package.json")
BIN=${SKILLREG_BIN:-build/skillreg}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

die() { echo "run.sh: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
[ -x "$BIN" ] || die "server binary not found or not executable: $BIN (run: make build/skillreg)"
command -v node >/dev/null || die "node is required"
[ -x "$CHROMIUM" ] || die "$CHROMIUM not found (scripts/install-deps installs Debian's chromium)"

installed_version() {
  node -e 'try { console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version) } catch { console.log("none") }' \
    "$WEB_DIR/node_modules/playwright-core/package.json"
}
if [ "$(installed_version)" != "$PW_VERSION" ]; then
  echo "# installing playwright-core@$PW_VERSION (npm ci in tests/web)"
  log=${TMPDIR:-/tmp}/skillreg-web-npm-ci.$$.log
  if ! (cd "$WEB_DIR" && npm ci --no-audit --no-fund >"$log" 2>&1); then
    tail -n 30 "$log" >&2 || true
    rm -f "$log"
    die "npm ci failed in $WEB_DIR"
  fi
  rm -f "$log"
  [ "$(installed_version)" = "$PW_VERSION" ] || die "playwright-core $PW_VERSION not installed after npm ci"
fi

PG_DB=
case ${SKILLREG_TEST_DB:-sqlite} in
sqlite) ;;
postgres)
  [ -n "${SKILLREG_TEST_PG:-}" ] || die "SKILLREG_TEST_DB=postgres needs SKILLREG_TEST_PG, a cluster's URL (scripts/pg-test-cluster start DIR)"
  PG_DB=$("$ROOT/scripts/pg-test-cluster" createdb "$SKILLREG_TEST_PG" "web_$$_$RANDOM") || die "cannot create a database on $SKILLREG_TEST_PG"
  echo "# database $PG_DB"
  ;;
*) die "SKILLREG_TEST_DB is '$SKILLREG_TEST_DB': sqlite or postgres" ;;
esac
trap '[ -z "$PG_DB" ] || "$ROOT/scripts/pg-test-cluster" dropdb "$PG_DB" || true' EXIT

export SKILLREG_BIN=$BIN CHROMIUM ROOT SKILLREG_WEB_DB=$PG_DB
export WEB_ARTIFACTS=${WEB_ARTIFACTS:-$ROOT/${BUILD:-build}/test-artifacts/web${PG_DB:+-pg}}
# `clawhub login` (login.mjs) drives tests/cli's pinned clawhub CLI beside the browser.
CLI_DIR=$ROOT/tests/cli
cli_version() {
  node -e 'try { console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version) } catch { console.log("none") }' \
    "$CLI_DIR/node_modules/clawhub/package.json"
}
if [ "$(cli_version)" != "$(node -e 'console.log(require(process.argv[1]).dependencies.clawhub)' "$CLI_DIR/package.json")" ]; then
  echo "# installing the clawhub CLI (npm ci in tests/cli)"
  (cd "$CLI_DIR" && npm ci --no-audit --no-fund >/dev/null 2>&1) || die "npm ci failed in $CLI_DIR"
fi
# README_IMG=docs/img writes the README's screenshots (home and a skill page, desktop, light).
rc=0
node "$WEB_DIR/run.mjs" || rc=1
# Runs the test script $2 on a database of its own: on PostgreSQL a fresh one named after $1,
# dropped when the script ends; on SQLite the script's own data directory is that already.
own_db() {
  local name=$1 script=$2 db rc=0
  if [ -z "$PG_DB" ]; then
    node "$WEB_DIR/$script" || rc=1
    return $rc
  fi
  db=$("$ROOT/scripts/pg-test-cluster" createdb "$SKILLREG_TEST_PG" "${name}_$$_$RANDOM") || die "cannot create a database on $SKILLREG_TEST_PG"
  SKILLREG_WEB_DB=$db node "$WEB_DIR/$script" || rc=1
  "$ROOT/scripts/pg-test-cluster" dropdb "$db" || true
  return $rc
}
# login.mjs (`clawhub login` and the account pages), transfers.mjs (ownership transfer),
# staff.mjs (the staff console and appeals) and publish.mjs (publishing a folder and a zip,
# orgs and their members), each on a database of its own.
own_db weblogin login.mjs || rc=1
own_db webtransfer transfers.mjs || rc=1
own_db webstaff staff.mjs || rc=1
own_db webpublish publish.mjs || rc=1
exit $rc

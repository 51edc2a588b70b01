#!/usr/bin/env bash
# Sign-in with OpenID Connect against a real provider: npm's oidc-provider started on
# 127.0.0.1 by signin.mjs (provider.mjs), skillreg started with --oidc Test=<its issuer>, and
# Debian's headless Chromium driven by playwright-core through both sites' pages. Both npm
# packages are pinned in tests/oidc/package-lock.json and installed here with `npm ci`.
#
#   SKILLREG_BIN=build/skillreg tests/oidc/run.sh     # works from any directory
#
# With SKILLREG_TEST_DB=postgres the server runs on a fresh database (`--db URL`) on the
# PostgreSQL cluster in SKILLREG_TEST_PG (scripts/run-tests starts one); it is dropped at the
# end. Otherwise SQLite in a data directory of its own. Prints "ok - ..." / "not ok - ..." per
# check and "N passed, M failed" last; exits non-zero on any failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
DIR=$ROOT/tests/oidc
BIN=${SKILLREG_BIN:-build/skillreg}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

die() { echo "run.sh: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
[ -x "$BIN" ] || die "server binary not found or not executable: $BIN (run: make build/skillreg)"
command -v node >/dev/null || die "node is required"
[ -x "$CHROMIUM" ] || die "$CHROMIUM not found (scripts/install-deps installs Debian's chromium)"

# "name@version ..." of the pinned packages, and of what node_modules holds.
pinned() {
  node -e 'const d = require(process.argv[1]).dependencies; console.log(Object.keys(d).sort().map((k) => `${k}@${d[k]}`).join(" "))' \
    "$DIR/package.json"
}
installed() {
  node -e 'const fs = require("fs"); const d = require(process.argv[1]).dependencies;
    console.log(Object.keys(d).sort().map((k) => { try { return `${k}@${JSON.parse(fs.readFileSync(`${process.argv[2]}/${k}/package.json`, "utf8")).version}` } catch { return `${k}@none` } }).join(" "))' \
    "$DIR/package.json" "$DIR/node_modules"
}
if [ "$(installed)" != "$(pinned)" ]; then
  echo "# installing $(pinned) (npm ci in tests/oidc)"
  log=${TMPDIR:-/tmp}/skillreg-oidc-npm-ci.$$.log
  if ! (cd "$DIR" && npm ci --no-audit --no-fund >"$log" 2>&1); then
    tail -n 30 "$log" >&2 || true
    rm -f "$log"
    die "npm ci failed in $DIR"
  fi
  rm -f "$log"
  [ "$(installed)" = "$(pinned)" ] || die "$(pinned) not installed after npm ci"
fi

PG_DB=
case ${SKILLREG_TEST_DB:-sqlite} in
sqlite) ;;
postgres)
  [ -n "${SKILLREG_TEST_PG:-}" ] || die "SKILLREG_TEST_DB=postgres needs SKILLREG_TEST_PG, a cluster's URL (scripts/pg-test-cluster start DIR)"
  PG_DB=$("$ROOT/scripts/pg-test-cluster" createdb "$SKILLREG_TEST_PG" "oidc_$$_$RANDOM") || die "cannot create a database on $SKILLREG_TEST_PG"
  echo "# database $PG_DB"
  ;;
*) die "SKILLREG_TEST_DB is '$SKILLREG_TEST_DB': sqlite or postgres" ;;
esac
trap '[ -z "$PG_DB" ] || "$ROOT/scripts/pg-test-cluster" dropdb "$PG_DB" || true' EXIT

export SKILLREG_BIN=$BIN CHROMIUM SKILLREG_OIDC_DB=$PG_DB
node "$DIR/signin.mjs"

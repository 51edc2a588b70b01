#!/usr/bin/env bash
# Sign-in through identity providers on loopback, in Debian's headless Chromium driven by
# playwright-core through skillreg's and the provider's pages:
#   signin.mjs         a real OpenID Connect provider, npm's oidc-provider (provider.mjs),
#                      skillreg started with --oidc Test=<its issuer>
#   github-signin.mjs  a stand-in for GitHub's OAuth web flow and REST API (github.mjs),
#                      skillreg started with --github-url pointing at it
# Both npm packages are pinned in tests/oidc/package-lock.json and installed here (`npm ci`).
#
#   SKILLREG_BIN=build/skillreg tests/oidc/run.sh     # works from any directory
#
# With SKILLREG_TEST_DB=postgres each test's server runs on a fresh database (`--db URL`) on
# the PostgreSQL cluster in SKILLREG_TEST_PG (scripts/run-tests starts one), dropped at the
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

case ${SKILLREG_TEST_DB:-sqlite} in
sqlite) ;;
postgres) [ -n "${SKILLREG_TEST_PG:-}" ] || die "SKILLREG_TEST_DB=postgres needs SKILLREG_TEST_PG, a cluster's URL (scripts/pg-test-cluster start DIR)" ;;
*) die "SKILLREG_TEST_DB is '$SKILLREG_TEST_DB': sqlite or postgres" ;;
esac
PG_DBS=()
trap 'for u in "${PG_DBS[@]}"; do "$ROOT/scripts/pg-test-cluster" dropdb "$u" || true; done' EXIT
# fresh_db VAR NAME: VAR is the URL of a fresh database for one test (dropped at the end), or
# empty on SQLite.
fresh_db() {
  printf -v "$1" '%s' ''
  [ "${SKILLREG_TEST_DB:-sqlite}" = postgres ] || return 0
  local url
  url=$("$ROOT/scripts/pg-test-cluster" createdb "$SKILLREG_TEST_PG" "$2_$$_$RANDOM") ||
    die "cannot create a database on $SKILLREG_TEST_PG"
  PG_DBS+=("$url")
  printf -v "$1" '%s' "$url"
  echo "# database $url"
}
fresh_db SKILLREG_OIDC_DB oidc
fresh_db SKILLREG_GITHUB_DB github

export SKILLREG_BIN=$BIN CHROMIUM SKILLREG_OIDC_DB SKILLREG_GITHUB_DB
rc=0
node "$DIR/signin.mjs" || rc=1
node "$DIR/github-signin.mjs" || rc=1
exit $rc

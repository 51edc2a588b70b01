#!/usr/bin/env bash
# Browser test of the web site: Debian's headless Chromium driven by playwright-core (pinned
# in tests/web/package-lock.json) against a freshly started skillreg server on 127.0.0.1.
#
#   SKILLREG_BIN=build/skillreg tests/web/run.sh     # works from any directory
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

export SKILLREG_BIN=$BIN CHROMIUM ROOT
export WEB_ARTIFACTS=${WEB_ARTIFACTS:-$ROOT/${BUILD:-build}/test-artifacts/web}
# README_IMG=docs/img writes the README's screenshots (home and a skill page, desktop, light).
exec node "$WEB_DIR/run.mjs"

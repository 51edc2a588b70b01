#!/usr/bin/env bash
# The skillreg command line (src/cmd) as a user meets it: the real binary, run with good and
# bad arguments. Each check has one expected answer: --version names the commit of HEAD, every
# --help prints its usage on stdout and exits 0, every bad number, unknown option or missing
# value exits 2 with one line on stderr naming the option and the value (and starts nothing),
# and good invocations still work. Prints one "ok - ..." or "not ok - ..." line per check.
#
#   SKILLREG_BIN=build/skillreg tests/cmd/run.sh
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BIN=${SKILLREG_BIN:-build/skillreg}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
[ -x "$BIN" ] || { echo "not ok - binary not found or not executable: $BIN (run: make build/skillreg)"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/skillreg-cmd.XXXXXX")
PID=
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$T"
}
trap cleanup EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
  failed=$((failed + 1))
  echo "not ok - $1"
  shift
  for line in "$@"; do echo "#   $line"; done
}

# sr ARGS...: runs the binary and sets $rc, $out and $err. A bad option that is wrongly taken
# must not hang the test in a server or take a fixed port: at most 5 s, on a port the system
# picks. An empty environment but for PATH and HOME, so SKILLREG_* from the caller cannot
# change an answer; SR_ENV holds the variables under test.
# The sanitizers' settings (make test-asan) pass through.
SR_ENV=()
PASS=()
for v in ASAN_OPTIONS UBSAN_OPTIONS; do [ -z "${!v:-}" ] || PASS+=("$v=${!v}"); done
sr() {
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" SKILLREG_LISTEN=127.0.0.1:0 "${PASS[@]+"${PASS[@]}"}" \
    "${SR_ENV[@]+"${SR_ENV[@]}"}" timeout 5 "$BIN" "$@" \
    >"$T/out" 2>"$T/err"
  rc=$?
  out=$(cat "$T/out")
  err=$(cat "$T/err")
}

# --- version -----------------------------------------------------------------------------------
want_version=$(tr -d ' \n' <VERSION)
if commit=$(git rev-parse --short HEAD 2>/dev/null); then :; else commit=unknown; fi
for v in --version version; do
  sr "$v"
  want="skillreg $want_version ($commit)"
  if [ "$rc" = 0 ] && [ "$out" = "$want" ] && [ -z "$err" ]; then
    ok "skillreg $v prints '$want'"
  else
    not_ok "skillreg $v prints '$want'" "exit $rc" "stdout: $out" "stderr: $err" \
      "(a binary built before the last commit names the old one: make rebuilds it)"
  fi
done

# --- help ----------------------------------------------------------------------------------------
CMDS=(serve migrate user token seed fold cron backfill scan moderate gen bench-replay db-copy import)
for h in --help -h help; do
  sr "$h"
  missing=
  for c in "${CMDS[@]}"; do grep -q "^  $c " <<<"$out" || missing="$missing $c"; done
  if [ "$rc" = 0 ] && [[ $out == "usage: skillreg COMMAND"* ]] && [ -z "$missing" ] && [ -z "$err" ]; then
    ok "skillreg $h lists every command on stdout, exit 0"
  else
    not_ok "skillreg $h lists every command on stdout, exit 0" "exit $rc, missing:$missing" "stderr: $err"
  fi
done
sr
if [ "$rc" = 2 ] && [ -z "$out" ] && [[ $err == "usage: skillreg COMMAND"* ]]; then
  ok "skillreg without arguments prints the usage on stderr, exit 2"
else
  not_ok "skillreg without arguments prints the usage on stderr, exit 2" "exit $rc" "stdout: $out"
fi
for c in "${CMDS[@]}"; do
  for h in --help -h; do
    sr "$c" "$h" --data-dir "$T/never"
    if [ "$rc" = 0 ] && [[ $out == "usage: skillreg $c "* ]] && [ -z "$err" ] && [ ! -e "$T/never" ]; then
      ok "skillreg $c $h prints its usage on stdout, exit 0"
    else
      not_ok "skillreg $c $h prints its usage on stdout, exit 0" "exit $rc" "stdout: $out" "stderr: $err"
    fi
  done
done
# --help answers before the environment is read.
SR_ENV=(SKILLREG_CACHE_MB=abc)
sr serve --help
SR_ENV=()
[ "$rc" = 0 ] && [[ $out == "usage: skillreg serve "* ]] && ok "skillreg serve --help with a bad SKILLREG_CACHE_MB still prints the usage" ||
  not_ok "skillreg serve --help with a bad SKILLREG_CACHE_MB still prints the usage" "exit $rc" "stderr: $err"
# bench/run reads these options from the usage to know what the binary supports.
missing=
sr serve --help
for o in --cache-mb --no-access-log --sqlite-mmap-mb --threads; do
  grep -q -e "$o" <<<"$out" || missing="$missing serve:$o"
done
sr gen --help
grep -q -e --skills <<<"$out" || missing="$missing gen:--skills"
[ -z "$missing" ] && ok "the usages name the options bench/run looks for" ||
  not_ok "the usages name the options bench/run looks for" "missing:$missing"

# --- bad command lines: exit 2, one line on stderr, nothing on stdout, nothing started -----------
# refused 'EXPECTED STDERR' ARGS...
refused() {
  local want=$1; shift
  rm -rf "$T/never"
  sr "$@" --data-dir "$T/never"
  local what="skillreg $*: exit 2 with '$want'"
  [ ${#SR_ENV[@]} = 0 ] || what="${SR_ENV[*]} $what"
  if [ "$rc" = 2 ] && [ "$err" = "$want" ] && [ -z "$out" ] && [ ! -e "$T/never" ]; then
    ok "$what"
  else
    not_ok "$what" "exit $rc" "stdout: $out" "stderr: $err" "data dir created: $([ -e "$T/never" ] && echo yes || echo no)"
  fi
}
refused 'skillreg: --max-rows: not a number: abc' serve --max-rows abc
refused 'skillreg: --max-bytes: out of range (at least 1): 0' serve --max-bytes 0
refused 'skillreg: --threads: out of range (1..256): 0' serve --threads 0
refused 'skillreg: --threads: not a number: 4x' serve --threads 4x
refused 'skillreg: --cache-mb: out of range (0..1048576): -1' serve --cache-mb -1
refused 'skillreg: --sqlite-mmap-mb: not a number: 1e3' serve --sqlite-mmap-mb 1e3
refused 'skillreg: --fold-ms: out of range (10..604800000): 5' serve --fold-ms 5
refused 'skillreg: --scanner-timeout-ms: out of range (100..600000): 99' serve --scanner-timeout-ms 99
refused 'skillreg: --scan-poll-ms: not a number: ' serve --scan-poll-ms ''
refused 'skillreg: --max-connections: out of range (1..1000000): 0' serve --max-connections 0
refused 'skillreg: --max-connections-per-ip: not a number: many' serve --max-connections-per-ip many
refused 'skillreg: --trusted-proxy: not an address range (ADDR/BITS): 10.0.0.0/33' serve --trusted-proxy 10.0.0.0/33
refused 'skillreg: --header-timeout-ms: out of range (100..600000): 99' serve --header-timeout-ms 99
refused 'skillreg: --body-timeout-ms: out of range (100..600000): 600001' serve --body-timeout-ms 600001
refused 'skillreg: --body-min-rate: out of range (0..1073741824): -1' serve --body-min-rate -1
refused 'skillreg: --listen: port out of range (0..65535): 127.0.0.1:70000' serve --listen 127.0.0.1:70000
refused 'skillreg: --listen: not a port: 127.0.0.1:http' serve --listen 127.0.0.1:http
refused 'skillreg: --batch: not a number: x' backfill summary --batch x
refused 'skillreg: --batch: out of range (1..10000): 10001' backfill summary --batch 10001
refused 'skillreg: --runs: out of range (1..1000): 0' bench-replay --runs 0
refused 'skillreg: --skills: not a number: 10k' gen --skills 10k
refused 'skillreg: --seed: not a number: -' gen --seed -
refused 'skillreg: --frob: unknown option' serve --frob
refused 'skillreg: -x: unknown option' user add alice -x
refused 'skillreg: --listen: not an option of backfill' backfill list --listen 127.0.0.1:1
refused 'skillreg: --batch: not an option of serve' serve --batch 5
refused 'skillreg: frobnicate: unknown command (skillreg --help lists them)' frobnicate
# A missing value: the option is the last word (no --data-dir after it).
rm -rf "$T/never"
sr token create alice --data-dir "$T/never" --label
if [ "$rc" = 2 ] && [ "$err" = 'skillreg: --label: missing value' ] && [ ! -e "$T/never" ]; then
  ok "skillreg token create alice --label: exit 2 with 'skillreg: --label: missing value'"
else
  not_ok "skillreg token create alice --label: exit 2 with a missing value" "exit $rc" "stderr: $err"
fi
# Environment variables that carry numbers are checked as options are.
SR_ENV=(SKILLREG_CACHE_MB=abc)
refused 'skillreg: SKILLREG_CACHE_MB: not a number: abc' serve
SR_ENV=(SKILLREG_LISTEN=127.0.0.1:99999)
refused 'skillreg: SKILLREG_LISTEN: port out of range (0..65535): 127.0.0.1:99999' serve
SR_ENV=(SKILLREG_TRUSTED_PROXY=10.0.0.0/8,proxy.local)
refused 'skillreg: SKILLREG_TRUSTED_PROXY: not an address range (ADDR/BITS): proxy.local' serve
SR_ENV=(SKILLREG_NOW_MS=soon)
refused 'skillreg: SKILLREG_NOW_MS: not a number: soon' migrate
SR_ENV=(SKILLREG_FAULT_AT=3rd)
refused 'skillreg: SKILLREG_FAULT_AT: not a number: 3rd' fold
SR_ENV=()

# --- good command lines still work --------------------------------------------------------------
D=$T/data
sr migrate --data-dir "$D"
[ "$rc" = 0 ] && [ -f "$D/skillreg.db" ] && ok "skillreg migrate --data-dir DIR exits 0 and creates the database" ||
  not_ok "skillreg migrate --data-dir DIR" "exit $rc" "stderr: $err"
sr user add alice --role admin --display-name Alice --data-dir "$D"
[ "$rc" = 0 ] && [ "$out" = alice ] && ok "skillreg user add alice --role admin prints alice" ||
  not_ok "skillreg user add alice --role admin" "exit $rc" "stdout: $out" "stderr: $err"
sr --data-dir "$D" token create alice --label cmd-test
[[ $rc == 0 && $out =~ ^clh_[A-Za-z0-9_-]{43}$ ]] && ok "skillreg --data-dir DIR token create alice prints a token (options before the command)" ||
  not_ok "skillreg token create alice prints a token" "exit $rc" "stdout: $out" "stderr: $err"
sr cron list --fold-ms 500 --cron trending=60000
grep -q '^fold .*every 500 ms' <<<"$out" && grep -q '^trending .*every 60000 ms' <<<"$out" && [ "$rc" = 0 ] &&
  ok "skillreg cron list --fold-ms 500 --cron trending=60000 shows both intervals" ||
  not_ok "skillreg cron list --fold-ms 500 --cron trending=60000" "exit $rc" "stdout: $out" "stderr: $err"
sr backfill summary --batch 10000 --data-dir "$D"
[ "$rc" = 0 ] && [[ $out == "backfill summary: finished"* ]] && ok "skillreg backfill summary --batch 10000 runs" ||
  not_ok "skillreg backfill summary --batch 10000" "exit $rc" "stdout: $out" "stderr: $err"

# serve with every number at a good value starts and answers.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env -i PATH="$PATH" HOME="${HOME:-/tmp}" "${PASS[@]+"${PASS[@]}"}" SKILLREG_CACHE_MB=8 "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$D" \
  --threads 2 --max-rows 32000 --max-bytes 16777216 --max-ranges 4096 --fold-ms 2000 --cron trending=3600000 \
  --sqlite-cache-mb 16 --sqlite-mmap-mb 0 --scanner-timeout-ms 10000 --scan-poll-ms 1000 --no-rate-limit \
  --max-connections 4096 --max-connections-per-ip 256 --header-timeout-ms 10000 --body-timeout-ms 30000 --body-min-rate 1024 \
  --no-access-log >"$T/serve.log" 2>&1 &
PID=$!
code=
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz" || true)
  [ "$code" = 200 ] && break
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
if [ "$code" = 200 ]; then
  ok "skillreg serve with every numeric option at a good value answers /healthz"
else
  not_ok "skillreg serve with every numeric option at a good value answers /healthz" "$(tail -n 5 "$T/serve.log")"
fi
kill "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
PID=

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

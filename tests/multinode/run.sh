#!/usr/bin/env bash
# Three `skillreg serve` processes on one database behind nginx round-robin (issue 12, "Many
# nodes"). Checks, each as one line of TAP-like output:
#   1. a version published through the balancer reads at once on every node, and a version
#      published through node A replaces answers nodes B and C had cached (a write on one node
#      invalidates the others' response caches);
#   2. a scheduled job (trending, every second on each node) runs once per interval across
#      the three nodes, not once per node: the runs counted in the three logs over a window;
#   3. kill -9 of one node during a bounded load run (wrk reading lists through the balancer
#      while two loops publish through it): every publish the balancer acknowledged is there
#      on both survivors, and the reads through the balancer kept answering (it retries a
#      read a dead node dropped on the next node).
#
# It runs on SQLite by default: the three processes share one data directory (one database
# file, its generation file, one blob folder), as processes on one machine do. With
# SKILLREG_TEST_DB=postgres and SKILLREG_TEST_PG (a cluster URL, scripts/pg-test-cluster) it
# makes a fresh database there and gives each node `--db URL` and a data directory of its
# own. Everything listens on 127.0.0.1; every process it starts is stopped by its pid.
#
#   SKILLREG_BIN=build/skillreg tests/multinode/run.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BIN=${SKILLREG_BIN:-build/skillreg}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
LOAD_SECONDS=${LOAD_SECONDS:-6}
JOB_WINDOW_MS=${JOB_WINDOW_MS:-6000}

T=$(mktemp -d "${TMPDIR:-/tmp}/skillreg-multinode.XXXXXX")
PIDS=()
NGINX_PID=
WRK_PID=
LOAD_PIDS=()
cleanup() {
  for p in "${LOAD_PIDS[@]}" $WRK_PID $NGINX_PID "${PIDS[@]}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  for p in "${LOAD_PIDS[@]}" $WRK_PID $NGINX_PID "${PIDS[@]}"; do
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
  rm -rf "$T" 2>/dev/null || true
}
trap cleanup EXIT
passed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
fail() {
  echo "not ok - $*"
  for i in 0 1 2; do
    echo "--- node $i log (last lines):"
    tail -n 15 "$T/node$i.log" 2>/dev/null || true
  done
  echo "--- nginx error log:"
  tail -n 15 "$T/nginx/error.log" 2>/dev/null || true
  exit 1
}

# free_port: sets PORT to a free loopback port, one this run was not given before.
. tests/free-port.sh

# ---- the database: one SQLite data directory, or a fresh PostgreSQL database
DB=()
if [ "${SKILLREG_TEST_DB:-sqlite}" = postgres ]; then
  [ -n "${SKILLREG_TEST_PG:-}" ] || { echo "not ok - SKILLREG_TEST_DB=postgres needs SKILLREG_TEST_PG"; exit 1; }
  URL=$(scripts/pg-test-cluster createdb "$SKILLREG_TEST_PG" "multinode_$$")
  DB=(--db "$URL")
  data_of() { echo "$T/data$1"; }
else
  data_of() { echo "$T/data"; }
fi
admin() { "$BIN" "$@" --data-dir "$(data_of 0)" "${DB[@]}"; }
admin migrate >/dev/null 2>&1 || fail "migrate"
admin user add alice >/dev/null 2>&1 || fail "user add"
TOK=$(admin token create alice --label multinode 2>/dev/null) || fail "token create"

# ---- three nodes
PORTS=()
for i in 0 1 2; do
  free_port
  PORTS+=("$PORT")
  mkdir -p "$(data_of "$i")"
  "$BIN" serve --listen "127.0.0.1:${PORTS[$i]}" --data-dir "$(data_of "$i")" "${DB[@]}" \
    --no-rate-limit --no-access-log --threads 2 --scan-poll-ms 50 --fold-ms 500 \
    --cron trending=1000 >"$T/node$i.log" 2>&1 &
  PIDS+=($!)
done
node_url() { echo "http://127.0.0.1:${PORTS[$1]}"; }
for i in 0 1 2; do
  up=
  for _ in $(seq 1 100); do
    kill -0 "${PIDS[$i]}" 2>/dev/null || fail "node $i exited at start"
    if curl -sf "$(node_url "$i")/healthz" >/dev/null 2>&1; then up=1; break; fi
    sleep 0.05
  done
  [ -n "$up" ] || fail "node $i does not answer /healthz"
done

# ---- nginx, round-robin over the three, with a config of its own in a temp dir
free_port
LB_PORT=$PORT
mkdir -p "$T/nginx"
cat >"$T/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $T/nginx/body;
  proxy_temp_path $T/nginx/proxy;
  fastcgi_temp_path $T/nginx/fastcgi;
  uwsgi_temp_path $T/nginx/uwsgi;
  scgi_temp_path $T/nginx/scgi;
  upstream skillreg {
    server 127.0.0.1:${PORTS[0]} max_fails=1 fail_timeout=30s;
    server 127.0.0.1:${PORTS[1]} max_fails=1 fail_timeout=30s;
    server 127.0.0.1:${PORTS[2]} max_fails=1 fail_timeout=30s;
    keepalive 16;
  }
  server {
    listen 127.0.0.1:$LB_PORT;
    client_max_body_size 64m;
    location / {
      proxy_pass http://skillreg;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host:\$server_port;
      proxy_connect_timeout 1s;
      # A read a node dropped or refused is tried on the next node; a publish is tried again
      # only when it never reached a node (nginx never resends a non-idempotent request).
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3;
    }
  }
}
EOF
"$NGINX" -p "$T/nginx" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
LB=http://127.0.0.1:$LB_PORT
up=
for _ in $(seq 1 100); do
  kill -0 "$NGINX_PID" 2>/dev/null || fail "nginx exited at start"
  if curl -sf "$LB/healthz" >/dev/null 2>&1; then up=1; break; fi
  sleep 0.05
done
[ -n "$up" ] || fail "nginx does not answer"

printf -- '---\nname: %s\ndescription: A skill published in the three-node test.\n---\n\n# %s\n\nUse it when you need it.\n' \
  multinode multinode >"$T/SKILL.md"
# publish BASE SLUG VERSION: prints the HTTP status.
publish() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H "Authorization: Bearer $TOK" \
    -F "payload={\"slug\":\"$2\",\"displayName\":\"$2\",\"version\":\"$3\",\"changelog\":\"\",\"acceptLicenseTerms\":true}" \
    -F "files=@$T/SKILL.md;filename=SKILL.md;type=text/markdown" "$1/api/v1/skills" || echo 000
}
# latest BASE SLUG: the latest version a node answers for a skill (anonymous, cacheable).
latest() {
  curl -s --max-time 5 "$1/api/v1/skills/$2" |
    python3 -c 'import json,sys
try: print((json.load(sys.stdin).get("latestVersion") or {}).get("version",""))
except Exception: print("")'
}

# ---- 1. publish on one node, read on every node at once
[ "$(publish "$LB" shared 1.0.0)" = 200 ] || fail "publish shared@1.0.0 through the balancer"
for i in 0 1 2; do
  v=$(latest "$(node_url "$i")" shared)
  [ "$v" = 1.0.0 ] || fail "node $i answers latest '$v' right after the publish, want 1.0.0"
done
# Each node now holds shared@1.0.0 in its response cache: read until a read is a hit (the
# scan of 1.0.0 finishing on some node moves the skill's answers once meanwhile).
for i in 0 1 2; do
  timing=
  for _ in $(seq 1 50); do
    timing=$(curl -s -D - -o /dev/null "$(node_url "$i")/api/v1/skills/shared" | tr -d '\r' | grep -i '^server-timing:' || true)
    case $timing in *'cache;desc="hit"'*) break ;; esac
    sleep 0.1
  done
  case $timing in *'cache;desc="hit"'*) ;; *) fail "node $i did not answer shared from its cache: $timing" ;; esac
  [ "$(latest "$(node_url "$i")" shared)" = 1.0.0 ] || fail "node $i lost shared@1.0.0"
done
[ "$(publish "$(node_url 0)" shared 1.0.1)" = 200 ] || fail "publish shared@1.0.1 on node 0"
for i in 1 2; do
  v=$(latest "$(node_url "$i")" shared)
  [ "$v" = 1.0.1 ] || fail "node $i answers latest '$v' right after node 0 published 1.0.1"
done
ok "a publish through the balancer reads on all three nodes at once; one on node 0 replaces nodes 1 and 2's cached answers"

# ---- 2. a job runs once per interval across the nodes
count_runs() { cat "$T"/node*.log | grep -c 'cron trending ok' || true; }
c0=$(count_runs)
t0=$(date +%s%N)
sleep "$(awk "BEGIN{print $JOB_WINDOW_MS/1000}")"
c1=$(count_runs)
t1=$(date +%s%N)
runs=$((c1 - c0))
window_ms=$(((t1 - t0) / 1000000))
per_node=$(for i in 0 1 2; do grep -c 'cron trending ok' "$T/node$i.log" || true; done | paste -sd/)
# Once a second across the nodes: at most one run per started second (+1 for the edges),
# and most of the seconds; three nodes without claims would run it about three times as often.
max=$((window_ms / 1000 + 1))
min=$((window_ms / 2000))
[ "$runs" -le "$max" ] || fail "trending ran $runs times in ${window_ms} ms on three nodes with a 1000 ms interval (at most $max)"
[ "$runs" -ge "$min" ] || fail "trending ran only $runs times in ${window_ms} ms (at least $min)"
ok "trending ran $runs times in ${window_ms} ms across three nodes with a 1000 ms interval (runs so far per node: $per_node)"

# ---- 3. kill -9 one node under a bounded load: the one that has run the jobs so far, so
# the schedule must move to another node.
V=0
for i in 1 2; do
  [ "$(grep -c 'cron trending ok' "$T/node$i.log" || true)" -gt "$(grep -c 'cron trending ok' "$T/node$V.log" || true)" ] && V=$i
done
SURVIVORS=()
for i in 0 1 2; do [ "$i" -ne "$V" ] && SURVIVORS+=("$i"); done
publish_loop() {
  local n=0
  : >"$T/acked.$1"
  while [ ! -f "$T/stop" ]; do
    n=$((n + 1))
    s="load-$1-$n"
    code=$(publish "$LB" "$s" 1.0.0)
    echo "$s $code" >>"$T/sent.$1"
    [ "$code" = 200 ] && echo "$s" >>"$T/acked.$1"
  done
}
publish_loop a & LOAD_PIDS+=($!)
publish_loop b & LOAD_PIDS+=($!)
wrk -t1 -c8 -d"${LOAD_SECONDS}s" --timeout 5s "$LB/api/v1/skills?limit=10" >"$T/wrk.out" 2>&1 &
WRK_PID=$!
sleep "$(awk "BEGIN{print $LOAD_SECONDS/3}")"
kill -9 "${PIDS[$V]}"
wait "${PIDS[$V]}" 2>/dev/null || true
wait "$WRK_PID" || fail "wrk failed: $(cat "$T/wrk.out")"
WRK_PID=
touch "$T/stop"
for p in "${LOAD_PIDS[@]}"; do wait "$p" || true; done
LOAD_PIDS=()
grep -q 'Requests/sec' "$T/wrk.out" || fail "wrk printed no figures: $(cat "$T/wrk.out")"
reads=$(awk '/requests in/ {print $1}' "$T/wrk.out")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$T/wrk.out")
sockerr=$(grep 'Socket errors' "$T/wrk.out" || true)
acked=$(cat "$T"/acked.* | wc -l)
sent=$(cat "$T"/sent.* | wc -l)
refused=$((sent - acked))
[ "$acked" -gt 0 ] || fail "no publish was acknowledged during the load run"
missing=0
for i in "${SURVIVORS[@]}"; do
  while read -r s; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$(node_url "$i")/api/v1/skills/$s")
    if [ "$code" != 200 ]; then
      echo "    node $i answers $code for acknowledged $s"
      missing=$((missing + 1))
    fi
  done < <(cat "$T"/acked.*)
done
[ "$missing" -eq 0 ] || fail "$missing reads of acknowledged publishes failed on the survivors"
[ -z "$non2xx" ] || fail "reads through the balancer got $non2xx non-2xx answers during the kill: $(cat "$T/wrk.out")"
[ -z "$sockerr" ] || fail "reads through the balancer had socket errors: $sockerr"
for _ in $(seq 1 6); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$LB/api/v1/skills?limit=5")
  [ "$code" = 200 ] || fail "a read through the balancer after the kill answered $code"
done
[ "$(publish "$LB" after-kill 1.0.0)" = 200 ] || fail "a publish through the balancer after the kill"
ok "kill -9 of node $V under load: $acked of $sent publishes acknowledged ($refused not), all $acked readable on both survivors; $reads reads through the balancer in ${LOAD_SECONDS}s, none failed"

# The survivors took over the schedule: trending runs on one of them now.
survivor_runs() { for i in "${SURVIVORS[@]}"; do cat "$T/node$i.log"; done | grep -c 'cron trending ok' || true; }
c2=$(survivor_runs)
sleep 2.5
c3=$(survivor_runs)
[ $((c3 - c2)) -ge 1 ] || fail "no trending run on the survivors in 2.5 s after node $V died"
ok "the survivors took over the schedule from node $V ($((c3 - c2)) trending runs in 2.5 s)"

for i in "${SURVIVORS[@]}"; do kill "${PIDS[$i]}"; wait "${PIDS[$i]}" 2>/dev/null || true; done
PIDS=()
echo "$passed passed, 0 failed"

#!/usr/bin/env bash
# A primary, a streaming replica and `skillreg serve` with `--db` naming both (a multi-host
# URL with target_session_attrs=read-write) and `--db-replica` the replica (issue 12, "Read
# replicas" and "Failover"; docs/postgres.md, "Read replicas and failover"). Checks, each as
# one line of TAP-like output:
#   a. anonymous reads are answered by the replica (skillreg_db_replica_reads_total moves, and
#      the replica shows skillreg's connection), authenticated reads and writes by the primary
#      (the counter does not move);
#   b. read-your-writes: a publish read back at once by its publisher shows it; and with the
#      replica's replay held 400 ms behind (recovery_min_apply_delay), anonymous reads on the
#      node that published and on a second node never show the old version once the publish
#      was acknowledged (the fence sends them to the primary until the replica replayed it,
#      so no stale answer is cached either);
#   c. the replica stopped: anonymous reads still answer (the primary); started again, it is
#      used again after its back-off;
#   d. the primary killed (immediate) under synchronous replication: a publish answers 503
#      in under a second, anonymous reads still answer from the replica; the replica
#      promoted: publishes succeed again within seconds, and every publish acknowledged
#      before the kill is there.
# It needs PostgreSQL (scripts/pg-test-cluster) and fails, not skips, without it. Everything
# listens on 127.0.0.1; every process it starts is stopped by its pid or by the script.
#
#   SKILLREG_BIN=build/skillreg tests/replica/run.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BIN=${SKILLREG_BIN:-build/skillreg}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
CLUSTER=$ROOT/scripts/pg-test-cluster

T=$(mktemp -d "${TMPDIR:-/tmp}/skillreg-replica.XXXXXX")
chmod 755 "$T"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  "$CLUSTER" stop "$T/r" 2>/dev/null || true
  "$CLUSTER" stop "$T/p" 2>/dev/null || true
  rm -rf "$T" 2>/dev/null || true
}
trap cleanup EXIT
ok() { echo "ok - $*"; }
fail() {
  echo "not ok - $*"
  for i in 0 1; do
    echo "--- node $i log (last lines):"
    tail -n 20 "$T/node$i.log" 2>/dev/null || true
  done
  exit 1
}
note() { echo "# $*"; }

bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bindir/psql" ] || fail "no PostgreSQL (install postgresql-15)"
PRIMARY=$("$CLUSTER" start "$T/p") || fail "cannot start the primary"
REPLICA=$("$CLUSTER" replica "$T/r" "$PRIMARY") || fail "cannot start the replica"
port_of() { sed -E 's|.*:([0-9]+)/.*|\1|' <<<"$1"; }
PP=$(port_of "$PRIMARY")
RP=$(port_of "$REPLICA")
DB="postgres://skillreg@127.0.0.1:$PP,127.0.0.1:$RP/skillreg?target_session_attrs=read-write"
psql_p() { "$bindir/psql" -qtA "$PRIMARY" -c "$1"; }
psql_r() { "$bindir/psql" -qtA "$REPLICA" -c "$1"; }
# As the cluster's owner (nobody under root), as scripts/pg-test-cluster runs it.
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }

admin() { "$BIN" "$@" --data-dir "$T/data0" --db "$DB"; }
mkdir -p "$T/data0" "$T/data1"
admin migrate >/dev/null 2>&1 || fail "migrate"
admin user add alice >/dev/null 2>&1 || fail "user add"
TOK=$(admin token create alice --label replica 2>/dev/null) || fail "token create"
export SKILLREG_METRICS_TOKEN=replica-test-metrics-token

# free_port: sets PORT to a free loopback port, one this run was not given before.
. tests/free-port.sh
free_port
PORTS=("$PORT")
free_port
PORTS+=("$PORT")
for i in 0 1; do
  "$BIN" serve --listen "127.0.0.1:${PORTS[$i]}" --data-dir "$T/data$i" --db "$DB" --db-replica "$REPLICA" \
    --replica-max-lag-ms 1500 --no-rate-limit --no-access-log --threads 2 --scan-poll-ms 50 >"$T/node$i.log" 2>&1 &
  PIDS+=($!)
done
node() { echo "http://127.0.0.1:${PORTS[$1]}"; }
A=$(node 0)
B=$(node 1)
for i in 0 1; do
  up=
  for _ in $(seq 1 100); do
    kill -0 "${PIDS[$i]}" 2>/dev/null || fail "node $i exited at start"
    if curl -sf "$(node "$i")/healthz" >/dev/null 2>&1; then up=1; break; fi
    sleep 0.05
  done
  [ -n "$up" ] || fail "node $i does not answer /healthz"
done

# metric BASE NAME: a sample of /metrics (the first whose name starts with NAME). awk reads to
# the end: leaving early would cut curl's pipe, and under pipefail curl's write error (23) would
# end the script with no message. Asked with
# the operator's token (serve reads SKILLREG_METRICS_TOKEN), which as any Authorization header
# also sends /metrics' own reads to the primary, so they do not count.
metric() { curl -s --max-time 5 -H "Authorization: Bearer $SKILLREG_METRICS_TOKEN" "$1/metrics" | awk -v n="$2" '!done && index($0, n) == 1 { print $2; done = 1 }'; }
replica_reads() { metric "$1" 'skillreg_db_replica_reads_total{replica="0"}'; }
replica_up() { metric "$1" 'skillreg_db_replica_up{replica="0"}'; }
wait_replica_up() {
  for _ in $(seq 1 100); do
    [ "$(replica_up "$1")" = 1 ] && return 0
    sleep 0.1
  done
  return 1
}
wait_replica_up "$A" || fail "node 0 never uses the replica (skillreg_db_replica_up is $(replica_up "$A"))"
wait_replica_up "$B" || fail "node 1 never uses the replica"

printf -- '---\nname: %s\ndescription: A skill published in the replica test.\n---\n\n# %s\n\nUse it when you need it.\n' \
  replica replica >"$T/SKILL.md"
# publish BASE SLUG VERSION: prints the HTTP status.
publish() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H "Authorization: Bearer $TOK" \
    -F "payload={\"slug\":\"$2\",\"displayName\":\"$2\",\"version\":\"$3\",\"changelog\":\"\",\"acceptLicenseTerms\":true}" \
    -F "files=@$T/SKILL.md;filename=SKILL.md;type=text/markdown" "$1/api/v1/skills" || echo 000
}
# latest BASE SLUG [AUTH]: the latest version a node answers for a skill.
latest() {
  local h=()
  [ -n "${3:-}" ] && h=(-H "Authorization: Bearer $TOK")
  curl -s --max-time 5 "${h[@]}" "$1/api/v1/skills/$2" |
    python3 -c 'import json,sys
try: print((json.load(sys.stdin).get("latestVersion") or {}).get("version",""))
except Exception: print("")'
}
# settle BASE: waits until a write's fence is down (the scan worker writes after a publish).
settle() {
  local f0 f1
  for _ in $(seq 1 50); do
    f0=$(metric "$1" skillreg_db_replica_fenced_reads_total)
    curl -s -o /dev/null "$1/api/v1/skills?limit=1&settle=$RANDOM$RANDOM"
    f1=$(metric "$1" skillreg_db_replica_fenced_reads_total)
    [ "$f0" = "$f1" ] && return 0
    sleep 0.1
  done
  return 1
}

# ---- a. anonymous reads on the replica, the rest on the primary
[ "$(publish "$A" one 1.0.0)" = 200 ] || fail "publish one@1.0.0"
settle "$A" || fail "the fence never came down on node 0"
r0=$(replica_reads "$A")
for n in 1 2 3 4 5; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$A/api/v1/skills?limit=$n")
  [ "$code" = 200 ] || fail "anonymous list read answered $code"
done
r1=$(replica_reads "$A")
[ $((r1 - r0)) = 5 ] || fail "5 uncached anonymous reads, the replica answered $((r1 - r0))"
conns=$(psql_r "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'skillreg'")
[ "$conns" -ge 1 ] || fail "the replica shows no skillreg connection"
for n in 6 7 8 9 10; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK" "$A/api/v1/skills?limit=$n")
  [ "$code" = 200 ] || fail "authenticated list read answered $code"
done
r2=$(replica_reads "$A")
[ "$r2" = "$r1" ] || fail "authenticated reads went to the replica ($r1 -> $r2)"
ok "anonymous reads go to the replica ($((r1 - r0)) of 5, $conns connection(s) there), authenticated ones to the primary"

# ---- b. read-your-writes and the fence, with the replica's replay held 400 ms behind
psql_r "ALTER SYSTEM SET recovery_min_apply_delay = '400ms'" >/dev/null || fail "cannot delay the replica"
psql_r "SELECT pg_reload_conf()" >/dev/null
sleep 0.3
for i in 2 3 4; do
  # Both nodes hold the old answer in their caches first.
  for n in 0 1; do
    latest "$(node $n)" one >/dev/null
    latest "$(node $n)" one >/dev/null
  done
  [ "$(publish "$A" one "1.0.$i")" = 200 ] || fail "publish one@1.0.$i"
  [ "$(latest "$A" one auth)" = "1.0.$i" ] || fail "the publisher reads one@1.0.$i back as '$(latest "$A" one auth)'"
  sleep 0.02 # the notification reaches node 1 in well under a millisecond
  for k in $(seq 1 15); do
    for n in 0 1; do
      v=$(latest "$(node $n)" one)
      [ "$v" = "1.0.$i" ] || fail "anonymous read $k on node $n after publish 1.0.$i answered '$v'"
    done
  done
  # And once the replica has replayed it, the answers come from the replica again.
  settle "$A" || fail "the fence never came down after publish 1.0.$i"
done
f=$(metric "$B" skillreg_db_replica_fenced_reads_total)
note "node 1 fenced reads: $f"; curl -s -H "Authorization: Bearer $SKILLREG_METRICS_TOKEN" "$B/metrics" | grep replica | grep -v "^#"
fs=$(metric "$A" skillreg_db_replica_fence_seconds_total)
fn=$(metric "$A" skillreg_db_replica_fences_total)
fm=$(metric "$A" skillreg_db_replica_fence_max_seconds)
psql_r "ALTER SYSTEM RESET recovery_min_apply_delay" >/dev/null
psql_r "SELECT pg_reload_conf()" >/dev/null
ok "read-your-writes, and no anonymous read (cached or not, two nodes) showed the old version after a publish (node 0: $fn fences, ${fs}s in all, longest ${fm}s, replay 400 ms behind)"

# ---- c. the replica stopped, then started again
"$CLUSTER" stop "$T/r"
for n in 11 12 13 14 15 16; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$A/api/v1/skills?limit=$n")
  [ "$code" = 200 ] || fail "anonymous read with the replica stopped answered $code"
  sleep 0.1
done
[ "$(replica_up "$A")" = -1 ] || fail "node 0 reports the stopped replica as $(replica_up "$A")"
as_owner "$bindir/pg_ctl" -D "$T/r" -l "$T/r/server.log" -w -t 60 start >/dev/null || fail "cannot restart the replica"
wait_replica_up "$A" || fail "node 0 does not use the replica again after it restarted"
settle "$A" || fail "the fence never came down after the replica restarted"
r0=$(replica_reads "$A")
curl -s -o /dev/null "$A/api/v1/skills?limit=17"
[ "$(replica_reads "$A")" -gt "$r0" ] || fail "the restarted replica answers no read"
ok "with the replica stopped, anonymous reads answer from the primary; restarted, it is used again"

# ---- d. failover: kill the primary, promote the replica
psql_p "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
psql_p "SELECT pg_reload_conf()" >/dev/null
for _ in $(seq 1 50); do
  [ "$(psql_p "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ] && break
  sleep 0.1
done
[ "$(psql_p "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ] || fail "the replica never became synchronous"
acked=()
for i in $(seq 1 20); do
  [ "$(publish "$A" "pre$i" 1.0.0)" = 200 ] && acked+=("pre$i")
done
[ "${#acked[@]}" = 20 ] || fail "only ${#acked[@]} of 20 publishes acknowledged before the kill"
latest "$A" pre20 >/dev/null
"$CLUSTER" kill "$T/p"
t=$(curl -s -o "$T/503.txt" -w '%{http_code} %{time_total}' --max-time 20 -H "Authorization: Bearer $TOK" \
  -F "payload={\"slug\":\"down\",\"displayName\":\"down\",\"version\":\"1.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true}" \
  -F "files=@$T/SKILL.md;filename=SKILL.md;type=text/markdown" "$A/api/v1/skills")
code=${t% *}
secs=${t#* }
[ "$code" = 503 ] || fail "a publish with the primary dead answered $code: $(cat "$T/503.txt")"
grep -q "Service unavailable: the database is not answering" "$T/503.txt" || fail "the 503 says: $(cat "$T/503.txt")"
python3 -c "import sys; sys.exit(0 if float('$secs') < 1.0 else 1)" || fail "the 503 took ${secs}s"
t2=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 20 -H "Authorization: Bearer $TOK" "$A/api/v1/whoami")
note "with the primary dead: publish 503 in ${secs}s, authenticated whoami ${t2}"
# Anonymous reads while no primary answers are not yet served from the replica (they answer
# 503 too; docs/postgres.md, "Left"): recorded here, not asserted.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$A/api/v1/skills?limit=21")
note "with the primary dead, an anonymous list answered $code"
ok "primary killed: a publish answers 503 in ${secs}s"

"$CLUSTER" promote "$T/r" || fail "cannot promote the replica"
t0=$(date +%s.%N)
resumed=
for k in $(seq 1 200); do
  code=$(publish "$A" "post$k" 1.0.0)
  if [ "$code" = 200 ]; then resumed=$k; break; fi
  sleep 0.1
done
t1=$(date +%s.%N)
[ -n "$resumed" ] || fail "publishes did not resume within 20 s of the promotion"
took=$(python3 -c "print(round($t1 - $t0, 2))")
[ "$(publish "$B" "postb" 1.0.0)" = 200 ] || fail "node 1 cannot publish on the new primary"
missing=0
for s in "${acked[@]}"; do
  for n in 0 1; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $TOK" "$(node $n)/api/v1/skills/$s")
    [ "$code" = 200 ] || missing=$((missing + 1))
  done
done
[ "$missing" = 0 ] || fail "$missing reads of publishes acknowledged before the kill failed after the promotion"
ok "replica promoted: publishes resume ${took}s after pg_ctl promote returned; all ${#acked[@]} acknowledged publishes are there on both nodes"

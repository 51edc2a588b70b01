# bench/pg.sh: the PostgreSQL part of `make bench`, sourced by bench/run (it uses run's helpers:
# start_bg, wait_http, free_port, run_wrk, probe, route_for, ensure_catalog, record ...).
#
# On a cluster of its own (scripts/pg-test-cluster, kept in bench/work/pg between runs with
# the catalogues loaded, stopped on exit), each catalogue loaded with `skillreg db-copy`, and
# beside SQLite's figures for the same catalogue measured in the same pass:
#   1. per read path: rows and bytes read (Server-Timing) on both engines, and on PostgreSQL
#      the shared buffers (pg_stat_statements shared_blks_hit + shared_blks_read) and the
#      statements per request, with the round trips they make (pg-paths.tsv);
#   2. throughput with wrk: uncached list, detail and search, cached list; SQLite, one
#      PostgreSQL node, two nodes on one database (wrk against both at once, summed), and
#      `pgbench -S` on the same cluster; CPU seconds per request of the database and of the
#      nodes, from /proc (pg-throughput.tsv);
#   3. the scale curve: the uncached 25-row list and a search at every size of SCALE on both
#      engines (pg-scale.tsv);
#   4. cached answers: the cached list and detail bodies of both engines compared
#      (pg-cached.tsv);
#   5. the round trips of a publish (pg-publish.tsv), last, since it adds skills: the next run
#      copies that catalogue again.
# Raw figures go to bench/results/pg-*.tsv, commands to pg-commands.txt; bench/report-pg.sh
# turns them into BENCHMARKS.md's PostgreSQL section and its target rows.
#
# Settings: BENCH_PG=0 skips it; PARTS=pg runs only it (the SQLite results stay as they are).

: "${THREADS:=2}" "${CONNS:=64}" "${WARM:=1}"
[ -n "${SEARCH_TERM:-}" ] || SEARCH_TERM=${BENCH_TERMS:-pdf}
SEARCH_TERM=${SEARCH_TERM%% *}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_DIR=$WORK/pg/cluster
PG_URL=
PG_CLUSTER_UP=0
RECORD_TO=$RES/pg-commands.txt
# With SCALE empty the scale curve is not measured: the last one measured stays (its raw
# figures and catalogue sizes), and the machine table says so.
for f in "$RES"/pg-*.tsv; do
  case "${f##*/}" in pg-scale-raw.tsv | pg-gen.tsv) [ -n "$SCALE" ] || continue ;; esac
  rm -f "$f"
done
rm -f "$RES/pg-commands.txt"
mkdir -p "$WORK/pg/stamps"

pg_as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
psql_q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

# The cluster: created once by scripts/pg-test-cluster (then given 1 GiB of shared buffers, a
# small production server's setting, so that the largest catalogue's hot indexes stay in them),
# started again on a free port in later runs with the databases it holds.
pg_cluster_start() {
  local port
  port=$(free_port 25400)
  if [ ! -f "$PG_DIR/PG_VERSION" ]; then
    rm -rf "$PG_DIR"
    record "scripts/pg-test-cluster start bench/work/pg/cluster"
    scripts/pg-test-cluster start "$PG_DIR" "$port" >/dev/null
    scripts/pg-test-cluster stop "$PG_DIR"
    printf 'shared_buffers = 1GB\npg_stat_statements.max = 10000\n' >>"$PG_DIR/postgresql.conf"
  fi
  sed -i -E "s/^port = .*/port = $port/" "$PG_DIR/postgresql.conf"
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w -t 120 start >/dev/null ||
    { tail -20 "$PG_DIR/server.log" >&2; die "the PostgreSQL cluster in $PG_DIR did not start"; }
  PG_CLUSTER_UP=1
  PG_URL=postgres://skillreg@127.0.0.1:$port/skillreg
  psql_q "$PG_URL" -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
}
pg_cluster_stop() {
  [ "$PG_CLUSTER_UP" = 1 ] || return 0
  scripts/pg-test-cluster stop "$PG_DIR"
  PG_CLUSTER_UP=0
}
pg_db_url() { echo "${PG_URL%/*}/$1"; }

# ensure_pg_catalog N DATA: sets PGDB_URL to a database holding DATA's catalogue, copied with
# db-copy unless the stamp (the SQLite catalogue's, the copy's source and the PostgreSQL
# migrations) says it already is.
ensure_pg_catalog() {
  local n=$1 data=$2 name=cat_$1 stamp
  stamp=$({ cat "$data/.bench-stamp" 2>/dev/null || echo "$data"; cat src/store/copy.c sql/postgres/*.sql; } | sha256sum | cut -c1-16)
  PGDB_URL=$(pg_db_url "$name")
  if [ "${BENCH_REGEN:-0}" != 1 ] && [ -f "$WORK/pg/stamps/$name" ] && [ "$(cat "$WORK/pg/stamps/$name")" = "$stamp" ] &&
    [ "$(psql_q "$PG_URL" -c "SELECT count(*) FROM pg_database WHERE datname = '$name'")" = 1 ]; then
    log "reusing PostgreSQL catalogue $name"
  else
    rm -f "$WORK/pg/stamps/$name"
    psql_q "$PG_URL" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
    log "copying $n skills into PostgreSQL ($name)"
    record "$BIN db-copy --from bench/work/data-$n --db postgres://skillreg@127.0.0.1:PORT/$name"
    local t0 t1
    t0=$(date +%s.%N)
    "$BIN" db-copy --from "$data" --db "$PGDB_URL" >"$LOG/db-copy-$n.out" 2>"$LOG/db-copy-$n.err" ||
      { tail -20 "$LOG/db-copy-$n.err" >&2; die "db-copy failed for $n skills"; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f\n", b - a}' >"$WORK/pg/stamps/$name.seconds"
    echo "$stamp" >"$WORK/pg/stamps/$name"
  fi
  psql_q "$PGDB_URL" -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
  PG_COPY_S=$(cat "$WORK/pg/stamps/$name.seconds" 2>/dev/null || echo '')
  PG_DB_BYTES=$(psql_q "$PGDB_URL" -c 'SELECT pg_database_size(current_database())')
}

# pg_node NAME MODE URL [OPTIONS...]: a serve process on the database; sets PN_PID PN_PORT PN_URL.
# Each node has a data directory of its own (its blob cache).
pg_node() {
  local name=$1 mode=$2 url=$3 extra=()
  shift 3
  [ "$mode" = uncached ] && extra=(--cache-mb 0)
  PN_PORT=$(free_port 18850)
  local cmd=("$BIN" serve --data-dir "$WORK/pg/node-$name" --db "$url" --listen "127.0.0.1:$PN_PORT" --no-rate-limit
    "${ACCESS_LOG_OFF[@]+"${ACCESS_LOG_OFF[@]}"}" "${extra[@]+"${extra[@]}"}" "$@")
  record "${cmd[*]//$url/postgres://skillreg@127.0.0.1:PORT/${url##*/}}"
  start_bg "$LOG/pg-node-$name-$mode.log" "${cmd[@]}"
  PN_PID=$BG_PID PN_URL=http://127.0.0.1:$PN_PORT
  wait_http "$PN_PID" "$PN_URL/healthz" "$LOG/pg-node-$name-$mode.log"
}

# The jobs pushed a week away, so that only requests move pg_stat_statements' counters.
QUIET_JOBS=(--fold-ms 604800000 --scan-poll-ms 3600000)
for j in trending scan-health scan-requeue reason-sync recount blob-gc blob-cache; do QUIET_JOBS+=(--cron "$j=604800000"); done

# pg_counters URL: "statements buffers blks_read begins commits locks notifies" summed over
# pg_stat_statements since its last reset (the queries reading it left out).
pg_counters() {
  psql_q -F ' ' "$1" -c "SELECT
      coalesce(sum(calls) FILTER (WHERE query !~* '^\\s*(BEGIN|COMMIT|ROLLBACK|SET|LISTEN)' AND query !~ 'pg_advisory_xact_lock|pg_notify'), 0),
      coalesce(sum(shared_blks_hit + shared_blks_read), 0), coalesce(sum(shared_blks_read), 0),
      coalesce(sum(calls) FILTER (WHERE query ~* '^\\s*BEGIN ISOLATION LEVEL REPEATABLE READ'), 0),
      coalesce(sum(calls) FILTER (WHERE query ~* '^\\s*COMMIT'), 0),
      coalesce(sum(calls) FILTER (WHERE query ~ 'pg_advisory_xact_lock'), 0),
      coalesce(sum(calls) FILTER (WHERE query ~ 'pg_notify'), 0)
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND query !~ 'pg_stat_statements'"
}
pg_reset() { psql_q "$1" -c 'SELECT pg_stat_statements_reset()' >/dev/null; }

# Round trips from the counters, by the engine's rules (docs/postgres.md): every statement is
# one; a read snapshot's BEGIN rides with its second statement and its COMMIT is not waited
# for; a write transaction's BEGIN and lock are one, its COMMIT (with its notification) one;
# a notification beyond those commits is an autocommit write's, one each.
round_trips() { # statements begins commits locks notifies -> round trips
  awk -v s="$1" -v rb="$2" -v c="$3" -v l="$4" -v n="$5" 'BEGIN {
    wc = c - rb; if (wc < 0) wc = 0; an = n - wc; if (an < 0) an = 0
    print s + l + wc + an }'
}

# CPU ticks (utime + stime) of the cluster: the postmaster, its live children, and the children
# it has reaped (cutime + cstime: backends of connections that closed, pgbench's); and of one
# process.
pg_cpu() {
  local pm
  pm=$(head -1 "$PG_DIR/postmaster.pid")
  # A process may end between the glob and its read: cat's complaint is not a failure.
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" '{ pid = $1; sub(/^[0-9]+ \(.*\) /, "")
    if (pid == pm) s += $12 + $13 + $14 + $15; else if ($2 == pm) s += $12 + $13 } END { print s + 0 }'
}
proc_cpu() { awk '{ sub(/^[0-9]+ \(.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
TICK=$(getconf CLK_TCK)

log "PostgreSQL: cluster in bench/work/pg"
pg_cluster_start
{
  printf 'key\tvalue\n'
  printf 'date\t%s\n' "$(date -u +'%Y-%m-%d %H:%M UTC')"
  printf 'commit\t%s%s\n' "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    "$(git diff --quiet HEAD -- src sql 2>/dev/null || echo ' (with uncommitted changes in src/ or sql/)')"
  printf 'postgresql\t%s\n' "$(psql_q "$PG_URL" -c 'SHOW server_version')"
  printf 'pg_settings\t%s\n' "$(psql_q -F ' ' "$PG_URL" -c "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name)
      FROM pg_settings WHERE name IN ('shared_buffers', 'fsync', 'synchronous_commit', 'full_page_writes', 'max_connections', 'jit', 'work_mem')")"
  printf 'cores\t%s\n' "$(nproc)"
  printf 'load_at_start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'settings\tSKILLS=%s SCALE="%s" DURATION=%s REPEAT=%s\n' "$SKILLS" "$SCALE" "$DURATION" "$REPEAT"
  [ -n "$SCALE" ] || printf 'scale_curve\tnot measured in this run (SCALE empty): the table below is the last one measured\n'
} >"$RES/pg-machine.tsv"

# --- PostgreSQL 1: read paths ---------------------------------------------------------------------
if [ -n "${BENCH_DATA:-}" ]; then
  PG_MAIN_DATA=$(realpath "$BENCH_DATA") PG_MAIN_N=custom
else
  ensure_catalog "$SKILLS"
  PG_MAIN_DATA=$DATA PG_MAIN_N=$SKILLS
fi
ensure_pg_catalog "$PG_MAIN_N" "$PG_MAIN_DATA"
MAIN_PG_URL=$PGDB_URL
printf 'catalog\t%s skills: PostgreSQL database %s, copied in %s s\n' "$PG_MAIN_N" "$(awk -v b="$PG_DB_BYTES" 'BEGIN {printf "%.1f MiB", b / 1048576}')" "${PG_COPY_S:-?}" >>"$RES/pg-machine.tsv"

# The same paths as SQLite's table: those of this run's (or the last run's) http-paths.tsv, else
# the routes and a few search terms.
if [ -s "$RES/http-paths.tsv" ]; then
  mapfile -t PG_PATHS < <(awk -F'\t' 'NR > 1 {print $1}' "$RES/http-paths.tsv")
else
  mapfile -t PG_PATHS < <(awk -F'\t' '!/^#/ && NF >= 2 && $1 !~ /\*/ {print $1}' bench/routes.tsv)
  for t in ${BENCH_TERMS:-pdf invoice mastodon}; do PG_PATHS+=("search-$t"); done
fi

log "PostgreSQL read paths on $PG_MAIN_N skills (response cache off)"
start_skillreg "$PG_MAIN_DATA" uncached
LITE_URL=$SR_URL LITE_PID=$SR_PID LITE_PORT=$SR_PORT
pick_subjects
pg_node probe uncached "$MAIN_PG_URL" --threads 1 "${QUIET_JOBS[@]}"
sleep 1 # the scheduler's and the scan worker's first passes
{
  printf 'path\troute\tstatus\tsqlite_rows\tsqlite_bytes\tpg_rows\tpg_bytes\tresponse_bytes\tsame_body\tbuffers\tblks_read\tstatements\tround_trips\tpg_db_ms_median\n'
  for path in "${PG_PATHS[@]}"; do
    route=$(route_for "$path")
    [ -n "$route" ] || continue
    probe "$LITE_URL$route"
    l_rows=$P_ROWS l_bytes=$P_BYTES
    cp "$WORK/probe.body" "$WORK/probe-lite.body"
    record "curl -s -D - '$PN_URL$route'   # then $PAGES_N times between two reads of pg_stat_statements"
    durs=()
    for _ in 1 2 3; do probe "$PN_URL$route"; durs+=("${P_DBMS:-}"); done
    same=no
    cmp -s "$WORK/probe.body" "$WORK/probe-lite.body" && same=yes
    pg_reset "$MAIN_PG_URL"
    for _ in $(seq "$PAGES_N"); do curl -s -o /dev/null "$PN_URL$route"; done
    read -r c_st c_buf c_rd c_rb c_co c_lk c_nt <<<"$(pg_counters "$MAIN_PG_URL")"
    rt=$(round_trips "$c_st" "$c_rb" "$c_co" "$c_lk" "$c_nt")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$path" "$route" "$P_CODE" "$l_rows" "$l_bytes" \
      "${P_ROWS:-}" "${P_BYTES:-}" "$P_SIZE" "$same" \
      "$(awk -v a="$c_buf" -v n="$PAGES_N" 'BEGIN {printf "%.1f", a / n}')" \
      "$(awk -v a="$c_rd" -v n="$PAGES_N" 'BEGIN {printf "%.1f", a / n}')" \
      "$(awk -v a="$c_st" -v n="$PAGES_N" 'BEGIN {printf "%.1f", a / n}')" \
      "$(awk -v a="$rt" -v n="$PAGES_N" 'BEGIN {printf "%.1f", a / n}')" "$(echo "${durs[*]}" | median)"
  done
} >"$RES/pg-paths.tsv"

stop_server "$PN_PID" "$PN_PORT"

# --- PostgreSQL 2: cached answers compared --------------------------------------------------------
log "PostgreSQL cached answers against SQLite's"
stop_server "$LITE_PID" "$LITE_PORT"
start_skillreg "$PG_MAIN_DATA" cached
LITE_URL=$SR_URL LITE_PID=$SR_PID LITE_PORT=$SR_PORT
pg_node a cached "$MAIN_PG_URL"
{
  printf 'request\turl\tsqlite_sha256\tpg_sha256\tpg_cache\tsame\n'
  for tg in "list /api/v1/skills?sort=downloads&limit=25" "list-p5 /api/v1/skills?sort=downloads&limit=25&cursor=$CURSOR5_E" \
    "detail /api/v1/skills/$SLUG_E" "versions /api/v1/skills/$SLUG_E/versions"; do
    u=${tg#* }
    curl -s -o /dev/null "$LITE_URL$u"
    curl -s -o /dev/null "$PN_URL$u"
    a=$(curl -s "$LITE_URL$u" | sha256sum | cut -c1-16)
    hc=$(curl -s -D - -o "$WORK/pg/cached.body" "$PN_URL$u" | tr -d '\r' | sed -n 's/.*cache;desc="\([a-z]*\)".*/\1/p')
    b=$(sha256sum <"$WORK/pg/cached.body" | cut -c1-16)
    record "curl -s '$PN_URL$u'   # twice, against the same request to SQLite"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "${tg%% *}" "$u" "$a" "$b" "${hc:-}" "$([ "$a" = "$b" ] && echo yes || echo no)"
  done
} >"$RES/pg-cached.tsv"
stop_server "$PN_PID" "$PN_PORT"
stop_server "$LITE_PID" "$LITE_PORT"

# --- PostgreSQL 3: throughput ---------------------------------------------------------------------
# wrk_bg OUT THREADS CONNS URL: wrk in the background (for two nodes at once); WRK_BG_PID.
wrk_bg() {
  record "wrk -t$2 -c$3 -d${DURATION}s --timeout 10s --latency '$4'"
  wrk -t"$2" -c"$3" -d"${DURATION}s" --timeout 10s --latency "$4" >"$1" 2>&1 &
  WRK_BG_PID=$!
}
wrk_fig() { # FILE: "req_s p50 p99 bad requests"
  local rps p50 p99 bad n
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$1")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$1")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$1")")
  bad=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {
      for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i + 0 } END {print n + 0}' "$1")
  n=$(awk '/requests in/ {print $1}' "$1")
  echo "${rps:-0} ${p50:-0} ${p99:-0} ${bad:-0} ${n:-0}"
}
TP_TARGETS=(
  "list uncached /api/v1/skills?sort=downloads&limit=25"
  "detail uncached /api/v1/skills/$SLUG_E"
  "search uncached /api/v1/search?q=$(urlenc "$SEARCH_TERM")&limit=20"
  "list cached /api/v1/skills?sort=downloads&limit=25"
)
printf 'repeat\tsetup\tmode\ttarget\turl\treq_s\tp50_ms\tp99_ms\tbad\trequests\tdb_cpu_ms_per_req\tnode_cpu_ms_per_req\n' >"$RES/pg-throughput-raw.tsv"
tp_pg_row() { # REPEAT SETUP MODE TARGET URL... (one URL per node)
  local r=$1 setup=$2 mode=$3 target=$4
  shift 4
  local urls=("$@") pids=() files=() i
  for u in "${urls[@]}"; do wrk -t1 -c8 -d1s "$u" >/dev/null 2>&1 || true; done
  local c0 n0=0 c1 n1=0 p
  c0=$(pg_cpu)
  for p in "${NODE_PIDS[@]}"; do n0=$((n0 + $(proc_cpu "$p"))); done
  if [ ${#urls[@]} = 1 ]; then
    wrk_bg "$WORK/wrk/pg-$setup-$mode-$target-$r.txt" "$THREADS" "$CONNS" "${urls[0]}"; pids+=("$WRK_BG_PID"); files+=("$WORK/wrk/pg-$setup-$mode-$target-$r.txt")
  else
    for i in "${!urls[@]}"; do
      wrk_bg "$WORK/wrk/pg-$setup-$mode-$target-$r-$i.txt" 1 $((CONNS / ${#urls[@]})) "${urls[$i]}"
      pids+=("$WRK_BG_PID"); files+=("$WORK/wrk/pg-$setup-$mode-$target-$r-$i.txt")
    done
  fi
  for p in "${pids[@]}"; do wait "$p" || die "wrk failed ($setup $mode $target)"; done
  c1=$(pg_cpu)
  for p in "${NODE_PIDS[@]}"; do n1=$((n1 + $(proc_cpu "$p"))); done
  local rps=0 p50=0 p99=0 bad=0 n=0 f fig
  for f in "${files[@]}"; do
    read -r -a fig <<<"$(wrk_fig "$f")"
    rps=$(awk -v a="$rps" -v b="${fig[0]}" 'BEGIN {print a + b}')
    # Two nodes: the slower node's latencies.
    p50=$(awk -v a="$p50" -v b="${fig[1]}" 'BEGIN {print (b > a ? b : a)}')
    p99=$(awk -v a="$p99" -v b="${fig[2]}" 'BEGIN {print (b > a ? b : a)}')
    bad=$((bad + fig[3])) n=$((n + fig[4]))
  done
  local dbc nc
  dbc=$(awk -v a="$c0" -v b="$c1" -v n="$n" -v t="$TICK" 'BEGIN {printf "%.4f", n ? (b - a) * 1000 / t / n : 0}')
  nc=$(awk -v a="$n0" -v b="$n1" -v n="$n" -v t="$TICK" 'BEGIN {printf "%.4f", n ? (b - a) * 1000 / t / n : 0}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$setup" "$mode" "$target" "${urls[0]#http://127.0.0.1:*/}" \
    "$rps" "$p50" "$p99" "$bad" "$n" "$dbc" "$nc" >>"$RES/pg-throughput-raw.tsv"
  log "  $setup $mode $target: $rps req/s, p50 $p50 ms, db $dbc ms CPU/req, nodes $nc ms CPU/req"
}

# pgbench -S on the same cluster: the database's own ceiling for a one-row primary-key read.
PGB_URL=$(pg_db_url pgbench)
if [ "$(psql_q "$PG_URL" -c "SELECT count(*) FROM pg_database WHERE datname = 'pgbench'")" != 1 ]; then
  psql_q "$PG_URL" -c 'CREATE DATABASE pgbench' >/dev/null
  record "pgbench -i -s 10 -q postgres://skillreg@127.0.0.1:PORT/pgbench"
  pgbench -i -s 10 -q "$PGB_URL" >"$LOG/pgbench-init.log" 2>&1 || die "pgbench -i failed"
fi
printf 'repeat\tclients\treq_s\tdb_cpu_ms_per_req\n' >"$RES/pg-pgbench-raw.tsv"

for r in $(seq "$REPEAT"); do
  log "PostgreSQL throughput, repeat $r of $REPEAT"
  for mode in uncached cached; do
    start_skillreg "$PG_MAIN_DATA" "$mode"
    NODE_PIDS=("$SR_PID")
    for tg in "${TP_TARGETS[@]}"; do
      read -r t m u <<<"$tg"; [ "$m" = "$mode" ] || continue
      tp_pg_row "$r" sqlite "$m" "$t" "$SR_URL$u"
    done
    stop_skillreg
    pg_node a "$mode" "$MAIN_PG_URL"
    A_PID=$PN_PID A_PORT=$PN_PORT A_URL=$PN_URL
    NODE_PIDS=("$A_PID")
    for tg in "${TP_TARGETS[@]}"; do
      read -r t m u <<<"$tg"; [ "$m" = "$mode" ] || continue
      tp_pg_row "$r" pg-1-node "$m" "$t" "$A_URL$u"
    done
    pg_node b "$mode" "$MAIN_PG_URL"
    B_PID=$PN_PID B_PORT=$PN_PORT B_URL=$PN_URL
    NODE_PIDS=("$A_PID" "$B_PID")
    for tg in "${TP_TARGETS[@]}"; do
      read -r t m u <<<"$tg"; [ "$m" = "$mode" ] || continue
      tp_pg_row "$r" pg-2-nodes "$m" "$t" "$A_URL$u" "$B_URL$u"
    done
    stop_server "$B_PID" "$B_PORT"
    stop_server "$A_PID" "$A_PORT"
  done
  record "pgbench -S -M prepared -c 16 -j 2 -T $DURATION postgres://skillreg@127.0.0.1:PORT/pgbench"
  c0=$(pg_cpu)
  pgbench -S -M prepared -c 16 -j 2 -T "$DURATION" "$PGB_URL" >"$WORK/wrk/pgbench-$r.txt" 2>&1 || die "pgbench failed"
  c1=$(pg_cpu)
  tps=$(awk '/^tps = / {print $3; exit}' "$WORK/wrk/pgbench-$r.txt")
  tx=$(awk '/number of transactions actually processed/ {split($NF, a, "/"); print a[1]}' "$WORK/wrk/pgbench-$r.txt")
  printf '%s\t16\t%s\t%s\n' "$r" "$tps" "$(awk -v a="$c0" -v b="$c1" -v n="${tx:-0}" -v t="$TICK" 'BEGIN {printf "%.4f", n ? (b - a) * 1000 / t / n : 0}')" >>"$RES/pg-pgbench-raw.tsv"
  log "  pgbench -S: $tps tps"
done

# --- PostgreSQL 4: scale curve --------------------------------------------------------------------
if [ -n "$SCALE" ]; then
  printf 'skills\trepeat\tengine\ttarget\turl\trows\tbytes\tresponse_bytes\treq_s\tp50_ms\tp99_ms\tbad\tbuffers\n' >"$RES/pg-scale-raw.tsv"
  printf 'skills\tcopy_s\tpg_db_bytes\n' >"$RES/pg-gen.tsv"
fi
for n in $SCALE; do
  ensure_catalog "$n"
  ensure_pg_catalog "$n" "$DATA"
  printf '%s\t%s\t%s\n' "$n" "$PG_COPY_S" "$PG_DB_BYTES" >>"$RES/pg-gen.tsv"
  start_skillreg "$DATA" uncached
  pick_subjects
  stop_skillreg
  targets=("list-p1 /api/v1/skills?sort=downloads&limit=25" "search /api/v1/search?q=$(urlenc "$SEARCH_TERM")&limit=20")
  for r in $(seq "$REPEAT"); do
    log "PostgreSQL scale $n skills, repeat $r of $REPEAT"
    for engine in sqlite pg; do
      if [ "$engine" = sqlite ]; then
        start_skillreg "$DATA" uncached; E_URL=$SR_URL E_PID=$SR_PID E_PORT=$SR_PORT
      else
        pg_node scale uncached "$PGDB_URL" "${QUIET_JOBS[@]}"; E_URL=$PN_URL E_PID=$PN_PID E_PORT=$PN_PORT
      fi
      for tg in "${targets[@]}"; do
        url=$E_URL${tg#* }
        probe "$url"
        bufs=
        if [ "$engine" = pg ]; then
          pg_reset "$PGDB_URL"
          for _ in $(seq "$PAGES_N"); do curl -s -o /dev/null "$url"; done
          read -r c_st c_buf _ <<<"$(pg_counters "$PGDB_URL")"
          bufs=$(awk -v a="$c_buf" -v k="$PAGES_N" 'BEGIN {printf "%.1f", a / k}')
        fi
        wrk -t1 -c8 -d"${WARM}s" "$url" >/dev/null 2>&1 || true
        run_wrk "$WORK/wrk/pg-scale-$n-$engine-${tg%% *}-$r.txt" 1 8 "$DURATION" "$url"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$r" "$engine" "${tg%% *}" "${tg#* }" \
          "$P_ROWS" "$P_BYTES" "$P_SIZE" "$W_RPS" "$W_P50" "$W_P99" "$W_BAD" "$bufs" >>"$RES/pg-scale-raw.tsv"
        log "  $engine ${tg%% *}: rows $P_ROWS bytes $P_BYTES, $W_RPS req/s, p50 $W_P50 ms${bufs:+, $bufs buffers}"
      done
      url="$E_URL/api/v1/skills?sort=downloads&limit=25"
      wrk -t"$THREADS" -c"$CONNS" -d"${WARM}s" "$url" >/dev/null 2>&1 || true
      run_wrk "$WORK/wrk/pg-scale-$n-$engine-load-$r.txt" "$THREADS" "$CONNS" "$DURATION" "$url"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$r" "$engine" "list-p1-load" \
        "/api/v1/skills?sort=downloads&limit=25" "" "" "" "$W_RPS" "$W_P50" "$W_P99" "$W_BAD" "" >>"$RES/pg-scale-raw.tsv"
      log "  $engine list-p1 at -c$CONNS: $W_RPS req/s"
      stop_server "$E_PID" "$E_PORT"
    done
  done
done

# --- PostgreSQL 5: a publish (last: it adds skills to the catalogue) ------------------------------
# timing_count NAME HEADERS: the count NAME of the Server-Timing header in a file of headers.
timing_count() { tr -d '\r' <"$2" | sed -n "s/^[Ss]erver-[Tt]iming:.*$1;desc=\"\([0-9]*\)\".*/\1/p"; }

# A publish: the round trips of the node's HTTP worker, as the node counts them (Server-Timing's
# trips: every exchange it waited for; writes sent in a pipeline ride with the next one), and
# its statements from the server's statement log. The blob store's connections are counted
# apart: they carry the file bytes.
log "PostgreSQL publish round trips"
pg_node probe uncached "$MAIN_PG_URL" --threads 1 "${QUIET_JOBS[@]}"
PUB_USER=bench-publisher
"$BIN" user add "$PUB_USER" --data-dir "$WORK/pg/node-probe" --db "$MAIN_PG_URL" >/dev/null 2>&1 || true
PUB_TOKEN=$("$BIN" token create "$PUB_USER" --label bench --data-dir "$WORK/pg/node-probe" --db "$MAIN_PG_URL" 2>/dev/null)
printf -- '---\nname: bench-publish\ndescription: a skill the benchmark publishes to count round trips\n---\n\n# Bench publish\n\nCounts the statements of one publish.\n' >"$WORK/pg/SKILL.md"
printf 'publish\tstatus\tworker_round_trips\tprepares\tworker_statements\tblob_round_trips\n' >"$RES/pg-publish.tsv"
# The clawhub CLI's way too (publishes t1, t2): a ticket for the file, its upload, then the JSON
# publish that names the ticket and restates the file, with the publisher's own ownerHandle.
# Only the publish is counted (the ticket and the upload carry the file bytes).
PUB_SHA=$(sha256sum "$WORK/pg/SKILL.md" | cut -c1-64)
PUB_SIZE=$(stat -c %s "$WORK/pg/SKILL.md")
# upload_ticket: asks for a ticket for SKILL.md, uploads it, prints the ticket.
upload_ticket() {
  local j url ticket
  j=$(curl -s -H "Authorization: Bearer $PUB_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"path\":\"SKILL.md\",\"size\":$PUB_SIZE,\"sha256\":\"$PUB_SHA\",\"contentType\":\"text/markdown\"}" \
    "$PN_URL/api/v1/skills/-/upload-url")
  url=$(printf '%s' "$j" | sed -n 's/.*"uploadUrl":"\([^"]*\)".*/\1/p')
  ticket=$(printf '%s' "$j" | sed -n 's/.*"uploadTicket":"\([^"]*\)".*/\1/p')
  [ -n "$url" ] && [ -n "$ticket" ] || return 1
  curl -s -o /dev/null -H "Authorization: Bearer $PUB_TOKEN" -H 'Content-Type: text/markdown' \
    --data-binary "@$WORK/pg/SKILL.md" "$url" || return 1
  printf '%s\n' "$ticket"
}
if [ -n "$PUB_TOKEN" ]; then
  for i in 1 2 3 t1 t2; do
    slug="bench-publish-$(date +%s%N | tail -c 9)-$i"
    ticket=
    case $i in t*) ticket=$(upload_ticket) || { log "publish $i: no ticket"; continue; } ;; esac
    psql_q "$MAIN_PG_URL" -c "ALTER SYSTEM SET log_statement = 'all'" -c 'SELECT pg_reload_conf()' >/dev/null
    sleep 0.3
    mark=$(wc -l <"$PG_DIR/server.log")
    if [ -z "$ticket" ]; then
      record "curl -s -H 'Authorization: Bearer TOKEN' -F 'payload={\"slug\":\"$slug\",...}' -F 'files=@SKILL.md' '$PN_URL/api/v1/skills'   # with log_statement = all"
      code=$(curl -s -o "$WORK/pg/publish.out" -D "$WORK/pg/publish.hdr" -w '%{http_code}' -H "Authorization: Bearer $PUB_TOKEN" \
        -F "payload={\"slug\":\"$slug\",\"displayName\":\"Bench publish $i\",\"version\":\"1.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true}" \
        -F "files=@$WORK/pg/SKILL.md;filename=SKILL.md;type=text/markdown" "$PN_URL/api/v1/skills")
    else
      record "curl -s -H 'Authorization: Bearer TOKEN' -H 'Content-Type: application/json' -d '{\"slug\":\"$slug\",\"ownerHandle\":\"$PUB_USER\",...,\"files\":[{\"path\":\"SKILL.md\",...,\"uploadTicket\":\"TICKET\"}]}' '$PN_URL/api/v1/skills'   # after upload-url and the upload; with log_statement = all"
      code=$(curl -s -o "$WORK/pg/publish.out" -D "$WORK/pg/publish.hdr" -w '%{http_code}' -H "Authorization: Bearer $PUB_TOKEN" \
        -H 'Content-Type: application/json' \
        -d "{\"slug\":\"$slug\",\"displayName\":\"Bench publish $i\",\"ownerHandle\":\"$PUB_USER\",\"version\":\"1.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true,\"files\":[{\"path\":\"SKILL.md\",\"size\":$PUB_SIZE,\"sha256\":\"$PUB_SHA\",\"contentType\":\"text/markdown\",\"uploadTicket\":\"$ticket\"}]}" \
        "$PN_URL/api/v1/skills")
    fi
    psql_q "$MAIN_PG_URL" -c 'ALTER SYSTEM RESET log_statement' -c 'SELECT pg_reload_conf()' >/dev/null
    # The worker is the backend that asserted the slug's claims (sr_expect: the publish's write
    # transaction; the token's lookup is answered from the node's memory after the first
    # publish); the blob store's, those that touched blobs.
    trips=$(timing_count trips "$WORK/pg/publish.hdr")
    prepares=$(timing_count prepares "$WORK/pg/publish.hdr")
    tail -n +"$((mark + 1))" "$PG_DIR/server.log" | awk -v OFS='\t' -v code="$code" -v i="$i" -v trips="$trips" -v prepares="${prepares:-0}" '
      / LOG:  (statement|execute [^:]*): / {
        pid = $4; gsub(/[\[\]]/, "", pid); line = $0; sub(/.* LOG:  (statement|execute [^:]*): /, "", line)
        n[pid]++; if (line ~ /sr_expect/ && !(pid in first)) { first[pid] = 1; w = pid }
        if (line ~ /blobs/) blob[pid] = 1
        if (line !~ /^(BEGIN|COMMIT|ROLLBACK)/ && line !~ /pg_advisory_xact_lock|pg_notify/) st[pid]++ }
      END { b = 0; for (p in blob) if (p != w) b += n[p]
        print i, code, trips, prepares, (w == "" ? "" : st[w]), b }' >>"$RES/pg-publish.tsv"
  done
else
  log "could not create a publisher's token: no publish figures"
fi
stop_server "$PN_PID" "$PN_PORT"
# The catalogue now holds the published skills: the next run copies it again.
rm -f "$WORK/pg/stamps/cat_$PG_MAIN_N"

printf 'load_at_end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES/pg-machine.tsv"
awk '!seen[$0]++' "$RES/pg-commands.txt" >"$RES/pg-commands.tmp" && mv "$RES/pg-commands.tmp" "$RES/pg-commands.txt"
pg_cluster_stop
RECORD_TO=

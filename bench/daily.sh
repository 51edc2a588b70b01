# bench/daily.sh: the daily-mix replay of `make bench`, sourced by bench/run (it uses run's
# helpers: start_bg, wait_http, free_port, stop_server, record, ensure_catalog, log, die).
#
# bench/mix.tsv says how often a day each read path runs; §2 of BENCHMARKS.md prices that mix
# path by path at the store level, every request uncached. This part replays the mix through
# the real server instead (bench/daily.mjs), with the response cache in the loop and skewed
# popularity, and sums what the database read per path from every answer's Server-Timing:
# rows, bytes, and the pages SQLite touched (hits + misses of its page cache, so the server
# runs without a memory map, whose pages SQLite does not count; test_pages checks the figure).
#
# Twice on copies of the same catalogue, same seed, same requests: with the response cache
# (the server's default size) and without it (--cache-mb 0). Each run: a warm-up of
# DAILY_WARMUP requests (unmeasured, as fast as they go), then DAILY_REQUESTS requests paced
# at DAILY_RATE a second. The mix is 955,000 HTTP requests a day (11.05 a second); a replay at
# DAILY_RATE compresses the day by DAILY_RATE / 11.05, so the server's fold (every 2 s in
# production: download events become counters, and every cached list and search goes stale)
# runs that much more often, keeping the requests between two folds what they are on the day.
#
# Popularity (bench/daily.mjs): skills by Zipf over the downloads rank with exponent
# DAILY_S_SKILLS, queries by Zipf over the query list with DAILY_S_QUERIES; the query list is
# made here from the catalogue's skill names (words, then adjacent word pairs, most common
# first). Results: bench/results/daily-{cached,uncached}.tsv and daily-machine.tsv, beside
# daily-replay.tsv and daily-replay-docs.tsv, the store-level figures of the same catalogue.
#
# Repeated DAILY_REPEAT times, the two modes interleaved within each repeat (this machine is
# shared: a slow minute should hit both alike); the report shows the repeat whose replayed
# bytes are the median of its mode, and every repeat's totals (daily-repeats.tsv).
#
# Then DAILY_VARIANTS (default "nofold fold60 flat", "" for none) once each with the cache: no
# fold during the replay, a fold every 60 s of the day instead of 2 s, and a flatter popularity
# (daily_run says what each changes).
#
# Settings: DAILY_REQUESTS=10000 DAILY_WARMUP=DAILY_REQUESTS DAILY_REPEAT=3 DAILY_RATE=300
#   DAILY_S_SKILLS=1.0 DAILY_S_QUERIES=0.8 DAILY_QUERIES=2000 DAILY_CONCURRENCY=4;
#   PARTS=daily runs only this part.

DAILY_REQUESTS=${DAILY_REQUESTS:-10000}
DAILY_REPEAT=${DAILY_REPEAT:-3}
DAILY_WARMUP=${DAILY_WARMUP:-$DAILY_REQUESTS}
DAILY_RATE=${DAILY_RATE:-300}
DAILY_S_SKILLS=${DAILY_S_SKILLS:-1.0}
DAILY_S_QUERIES=${DAILY_S_QUERIES:-0.8}
DAILY_QUERIES=${DAILY_QUERIES:-2000}
DAILY_CONCURRENCY=${DAILY_CONCURRENCY:-4}
PROD_FOLD_MS=2000
RECORD_TO=$RES/daily-commands.txt
rm -f "$RES"/daily-*.tsv "$RECORD_TO"

if [ -n "${BENCH_DATA:-}" ]; then
  DAILY_SRC=$(realpath "$BENCH_DATA") DAILY_CATALOG="$BENCH_DATA (BENCH_DATA)"
else
  ensure_catalog "$SKILLS"
  DAILY_SRC=$DATA DAILY_CATALOG="$SKILLS generated skills (seed $SEED)"
fi
DAILY_WORK=$WORK/daily
mkdir -p "$DAILY_WORK"

# The skills in popularity order (most downloaded first) with their latest version (leaving out
# the slugs several publishers share: a bare-slug request for one answers 409 and names the
# owners, and a client asks again with ownerHandle), and the
# query list: each word of the listed skills' names, and each pair of adjacent words, ranked by
# how many names hold it (a topic many skills serve is a topic many people look for), two
# single words for every pair, at most DAILY_QUERIES.
sqlite3 -readonly "$DAILY_SRC/skillreg.db" -separator $'\t' \
  "SELECT slug, latest_version FROM skills WHERE is_listed AND latest_version IS NOT NULL
     AND slug NOT IN (SELECT slug FROM skills GROUP BY slug HAVING count(*) > 1)
   ORDER BY stats_downloads DESC, id" \
  >"$DAILY_WORK/skills.tsv"
sqlite3 -readonly "$DAILY_SRC/skillreg.db" "SELECT lower(display_name) FROM skills WHERE is_listed" |
  awk -v max="$DAILY_QUERIES" '
    { n = split($0, w, /[^a-z0-9]+/); m = 0
      for (i = 1; i <= n; i++) if (w[i] != "") v[++m] = w[i]
      delete seen
      for (i = 1; i <= m; i++) if (!(v[i] in seen)) { seen[v[i]] = 1; one[v[i]]++ }
      for (i = 1; i < m; i++) two[v[i] " " v[i + 1]]++ }
    END { for (k in one) print one[k] "\t1\t" k; for (k in two) print two[k] "\t2\t" k }' |
  sort -t$'\t' -k1,1nr -k3,3 |
  awk -F'\t' -v max="$DAILY_QUERIES" '
    $2 == 1 { s[++ns] = $3 } $2 == 2 { p[++np] = $3 }
    END { i = j = n = 0
      while (n < max && (i < ns || j < np)) {
        if (i < ns) { print s[++i]; n++ }
        if (n < max && i < ns) { print s[++i]; n++ }
        if (n < max && j < np) { print p[++j]; n++ } } }' >"$DAILY_WORK/queries.txt"
[ -s "$DAILY_WORK/skills.tsv" ] && [ -s "$DAILY_WORK/queries.txt" ] || die "daily: no skills or no queries in $DAILY_SRC"

# The HTTP share of the mix (what bench/daily.mjs replays) and the fold interval that keeps the
# requests per fold what they are on the day.
DAILY_PER_DAY=$(awk -F'\t' '!/^#/ && NF >= 3 && $1 ~ /^(home|detail|version|download|file|search-\*|browse-[a-z]+-listed(-p5)?)$/ {s += $3} END {print s}' bench/mix.tsv)
DAILY_FOLD_MS=$(awk -v d="$DAILY_PER_DAY" -v r="$DAILY_RATE" -v f=$PROD_FOLD_MS 'BEGIN {
  v = f * (d / 86400) / r; v = int(v + 0.5); if (v < 10) v = 10; print v }')
{
  printf 'key\tvalue\n'
  printf 'date\t%s\n' "$(date -u +'%Y-%m-%d %H:%M UTC')"
  printf 'commit\t%s\n' "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  printf 'load_at_start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'catalog\t%s\n' "$DAILY_CATALOG"
  printf 'settings\tDAILY_REQUESTS=%s DAILY_WARMUP=%s DAILY_REPEAT=%s DAILY_RATE=%s DAILY_S_SKILLS=%s DAILY_S_QUERIES=%s DAILY_QUERIES=%s DAILY_CONCURRENCY=%s\n' \
    "$DAILY_REQUESTS" "$DAILY_WARMUP" "$DAILY_REPEAT" "$DAILY_RATE" "$DAILY_S_SKILLS" "$DAILY_S_QUERIES" "$DAILY_QUERIES" "$DAILY_CONCURRENCY"
  printf 'http_requests_per_day\t%s\n' "$DAILY_PER_DAY"
  printf 'fold_ms\t%s\n' "$DAILY_FOLD_MS"
  printf 'prod_fold_ms\t%s\n' "$PROD_FOLD_MS"
  printf 'page_size\t%s\n' "$(sqlite3 -readonly "$DAILY_SRC/skillreg.db" 'PRAGMA page_size')"
  printf 'skills_total\t%s\n' "$(sqlite3 -readonly "$DAILY_SRC/skillreg.db" 'SELECT count(*) FROM skills')"
  printf 'skills_ranked\t%s\n' "$(wc -l <"$DAILY_WORK/skills.tsv")"
  printf 'queries\t%s\n' "$(wc -l <"$DAILY_WORK/queries.txt")"
  printf 'top_queries\t%s\n' "$(head -8 "$DAILY_WORK/queries.txt" | paste -sd, | sed 's/,/, /g')"
} >"$RES/daily-machine.tsv"

# The pre-PR patterns and the current ones at the store level on the same catalogue
# (bench-replay: rows, bytes and pages of each path, both sides), and the documents behind the
# legacy rows for pricing them at ClawHub's sizes (bench/replay-docs), as in §1 and §2.
record "$BIN bench-replay --data-dir $DAILY_SRC --runs 3"
{
  printf 'path\tpattern\trows\tbytes\tstatements\tusec_median\tpages\n'
  "$BIN" bench-replay --data-dir "$DAILY_SRC" --runs 3 2>"$LOG/daily-replay.err" | awk -F'\t' 'NF >= 6 && $3 ~ /^[0-9]+$/'
} >"$RES/daily-replay.tsv" || { tail -5 "$LOG/daily-replay.err" >&2; die "daily: bench-replay failed"; }
record "bench/replay-docs $DAILY_SRC bench/results/daily-replay.tsv"
bench/replay-docs "$DAILY_SRC" "$RES/daily-replay.tsv" >"$RES/daily-replay-docs.tsv" 2>"$LOG/daily-replay-docs.err" ||
  { tail -5 "$LOG/daily-replay-docs.err" >&2; log "daily: replay-docs failed: no priced figures"; rm -f "$RES/daily-replay-docs.tsv"; }

# daily_run MODE(cached|uncached) REPEAT: a fresh copy of the catalogue (the replay's downloads
# and folds write to it), the server, the replay, into daily-MODE-REPEAT.tsv.
# The variants (DAILY_VARIANTS, once each, with the cache): nofold runs no fold during the
# replay (what the cache would keep if download counts did not make lists and searches stale),
# fold60 folds as a server run with --fold-ms 60000 would on the day (counters up to a minute
# behind; ClawHub syncs its skills' counters from the events every 6 hours), flat draws skills and queries with Zipf exponent 0.6 (a flatter popularity than assumed).
daily_run() {
  local mode=$1 rep=$2 extra=() data=$DAILY_WORK/data-$1 out=$RES/daily-$1-$2.tsv
  local fold=$DAILY_FOLD_MS s_skills=$DAILY_S_SKILLS s_queries=$DAILY_S_QUERIES
  case $mode in
  uncached) extra=(--cache-mb 0) ;;
  variant-nofold) fold=604800000 ;;
  variant-fold60) fold=$((DAILY_FOLD_MS * 60000 / PROD_FOLD_MS)) ;;
  variant-flat) s_skills=0.6 s_queries=0.6 ;;
  esac
  rm -rf "$data"
  cp -a "$DAILY_SRC" "$data"
  SR_PORT=$(free_port 18780)
  local cmd=("$BIN" serve --data-dir "$data" --listen "127.0.0.1:$SR_PORT" --no-rate-limit
    "${ACCESS_LOG_OFF[@]+"${ACCESS_LOG_OFF[@]}"}" --sqlite-mmap-mb 0 --trusted-proxy 127.0.0.1/32
    --fold-ms "$fold" "${extra[@]+"${extra[@]}"}")
  record "${cmd[*]}"
  start_bg "$LOG/skillreg-daily-$mode.log" "${cmd[@]}"
  SR_PID=$BG_PID SR_URL=http://127.0.0.1:$SR_PORT
  wait_http "$SR_PID" "$SR_URL/healthz" "$LOG/skillreg-daily-$mode.log"
  local drv=(node bench/daily.mjs --url "$SR_URL" --skills "$DAILY_WORK/skills.tsv"
    --queries "$DAILY_WORK/queries.txt" --requests "$DAILY_REQUESTS" --warmup "$DAILY_WARMUP"
    --rate "$DAILY_RATE" --concurrency "$DAILY_CONCURRENCY" --seed "$SEED"
    --s-skills "$s_skills" --s-queries "$s_queries")
  record "${drv[*]}"
  log "daily replay ($mode, repeat $rep): $DAILY_WARMUP warm-up + $DAILY_REQUESTS requests at $DAILY_RATE/s, fold every $fold ms"
  "${drv[@]}" >"$out" 2>"$LOG/daily-$mode.err" ||
    { tail -5 "$LOG/daily-$mode.err" >&2; die "daily replay ($mode) failed"; }
  stop_server "$SR_PID" "$SR_PORT"
  SR_PID=
  rm -rf "$data"
  log "  $(awk -F'\t' '!/^#/ && NR > 1 {n += $3; h += $4; b += $8; p += $9} /^# rate_achieved/ {r = $2}
    END {printf "%d requests, %.1f %% cache hits, %d bytes, %d pages, %s req/s", n, n ? 100 * h / n : 0, b, p, r}' "$out")"
}
for rep in $(seq "$DAILY_REPEAT"); do
  daily_run cached "$rep"
  daily_run uncached "$rep"
done
# Every repeat's totals, and per mode the repeat whose replayed bytes are the median.
printf 'mode\trepeat\trequests\thits\tcacheable\tbytes\tpages\tpagemiss\trate\tmedian\n' >"$RES/daily-repeats.tsv"
for mode in cached uncached; do
  totals=$(for rep in $(seq "$DAILY_REPEAT"); do
    awk -F'\t' -v OFS='\t' -v m="$mode" -v r="$rep" '!/^#/ && NR > 1 {n += $3; h += $4; c += $4 + $5; b += $8; p += $9; pm += $10}
      /^# rate_achieved/ {rate = $2} END {print m, r, n, h, c, b, p, pm, rate}' "$RES/daily-$mode-$rep.tsv"
  done | sort -t$'\t' -k6,6n)
  med=$(awk -F'\t' -v n="$DAILY_REPEAT" 'NR == int((n + 1) / 2) {print $2}' <<<"$totals")
  awk -F'\t' -v OFS='\t' -v med="$med" '{print $0, ($2 == med ? "yes" : "no")}' <<<"$totals" | sort -t$'\t' -k2,2n >>"$RES/daily-repeats.tsv"
  cp "$RES/daily-$mode-$med.tsv" "$RES/daily-$mode.tsv"
done
for v in ${DAILY_VARIANTS-nofold fold60 flat}; do
  daily_run "variant-$v" 1
  awk -F'\t' -v OFS='\t' -v m="variant-$v" '!/^#/ && NR > 1 {n += $3; h += $4; c += $4 + $5; b += $8; p += $9; pm += $10}
    /^# rate_achieved/ {rate = $2} END {print m, 1, n, h, c, b, p, pm, rate, "no"}' "$RES/daily-variant-$v-1.tsv" >>"$RES/daily-repeats.tsv"
done
printf 'load_at_end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES/daily-machine.tsv"

# --- the same replay on PostgreSQL ----------------------------------------------------------------
# PostgreSQL's buffer cache is the server's, not the connection's, so Server-Timing has no pages
# there; what the database touched comes from pg_stat_statements instead: shared_blks_hit +
# shared_blks_read summed over every statement of the replay's database (the node's requests,
# and its fold and other jobs, which are the day's database work too), reset between the
# warm-up and the measured requests. One repeat per mode, on a throw-away cluster
# (scripts/pg-test-cluster: fsync off, its default shared buffers), the catalogue loaded with
# `skillreg db-copy`. DAILY_PG=0 leaves it out.
DAILY_PG_DIR=
daily_pg_stop() {
  [ -n "$DAILY_PG_DIR" ] || return 0
  scripts/pg-test-cluster stop "$DAILY_PG_DIR/data" >/dev/null 2>&1 || true
  DAILY_PG_DIR=
}
daily_pg() {
  DAILY_PG_DIR=$DAILY_WORK/pg
  rm -rf "$DAILY_PG_DIR"
  mkdir -p "$DAILY_PG_DIR"
  chmod 755 "$DAILY_PG_DIR"
  local admin mode url name
  admin=$(scripts/pg-test-cluster start "$DAILY_PG_DIR/data") || die "daily: the PostgreSQL cluster did not start"
  record "scripts/pg-test-cluster start bench/work/daily/pg/data"
  psql -X -q -A -t -v ON_ERROR_STOP=1 "$admin" -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
  printf 'mode\trequests\thits\tcacheable\tblks_hit\tblks_read\tcalls\trate\tpostgresql\n' >"$RES/daily-pg.tsv"
  for mode in cached uncached; do
    name=daily_$mode
    url=$(scripts/pg-test-cluster createdb "$admin" "$name") || die "daily: createdb $name failed"
    record "$BIN db-copy --from $DAILY_SRC --db postgres://skillreg@127.0.0.1:PORT/$name"
    "$BIN" db-copy --from "$DAILY_SRC" --db "$url" >"$LOG/daily-pg-copy.log" 2>&1 ||
      { tail -5 "$LOG/daily-pg-copy.log" >&2; die "daily: db-copy into $name failed"; }
    local extra=() node=$DAILY_PG_DIR/node-$mode
    [ "$mode" = uncached ] && extra=(--cache-mb 0)
    SR_PORT=$(free_port 18780)
    local cmd=("$BIN" serve --data-dir "$node" --db "$url" --listen "127.0.0.1:$SR_PORT" --no-rate-limit
      "${ACCESS_LOG_OFF[@]+"${ACCESS_LOG_OFF[@]}"}" --trusted-proxy 127.0.0.1/32 --fold-ms "$DAILY_FOLD_MS"
      "${extra[@]+"${extra[@]}"}")
    record "${cmd[*]//$url/postgres://skillreg@127.0.0.1:PORT/$name}"
    start_bg "$LOG/skillreg-daily-pg-$mode.log" "${cmd[@]}"
    SR_PID=$BG_PID SR_URL=http://127.0.0.1:$SR_PORT
    wait_http "$SR_PID" "$SR_URL/healthz" "$LOG/skillreg-daily-pg-$mode.log"
    local reset="psql -X -q -A -t -v ON_ERROR_STOP=1 '$admin' -c 'SELECT pg_stat_statements_reset()'"
    local drv=(node bench/daily.mjs --url "$SR_URL" --skills "$DAILY_WORK/skills.tsv"
      --queries "$DAILY_WORK/queries.txt" --requests "$DAILY_REQUESTS" --warmup "$DAILY_WARMUP"
      --rate "$DAILY_RATE" --concurrency "$DAILY_CONCURRENCY" --seed "$SEED"
      --s-skills "$DAILY_S_SKILLS" --s-queries "$DAILY_S_QUERIES" --no-pages --after-warmup "$reset")
    record "${drv[*]//$admin/postgres://skillreg@127.0.0.1:PORT/skillreg}"
    log "daily replay on PostgreSQL ($mode): $DAILY_WARMUP warm-up + $DAILY_REQUESTS requests at $DAILY_RATE/s"
    "${drv[@]}" >"$RES/daily-pg-$mode.tsv" 2>"$LOG/daily-pg-$mode.err" ||
      { tail -5 "$LOG/daily-pg-$mode.err" >&2; die "daily replay on PostgreSQL ($mode) failed"; }
    local blks
    blks=$(psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 "$admin" -c "SELECT coalesce(sum(s.shared_blks_hit), 0),
        coalesce(sum(s.shared_blks_read), 0), coalesce(sum(s.calls), 0)
      FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '$name'")
    stop_server "$SR_PID" "$SR_PORT"
    SR_PID=
    awk -F'\t' -v OFS='\t' -v m="$mode" -v blks="$blks" -v ver="$(psql -X -A -t "$admin" -c 'SHOW server_version')" '
      !/^#/ && NR > 1 {n += $3; h += $4; c += $4 + $5} /^# rate_achieved/ {rate = $2}
      END {split(blks, b, "\t"); print m, n, h, c, b[1], b[2], b[3], rate, ver}' "$RES/daily-pg-$mode.tsv" >>"$RES/daily-pg.tsv"
    log "  $(tail -1 "$RES/daily-pg.tsv")"
  done
  daily_pg_stop
}
if [ "${DAILY_PG:-1}" != 0 ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  daily_pg
fi
RECORD_TO=

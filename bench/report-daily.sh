# bench/report-daily.sh: BENCHMARKS.md's "daily mix replayed through the server" subsection and
# its target row, from bench/results/daily-*.tsv (bench/daily.sh measured them) joined with the
# store-level figures of the same catalogue (paths.tsv, priced.tsv, mix.tsv). Sourced by
# bench/report, whose helpers (AWKLIB, md, RES, TMP) it uses; the awk programs are
# single-quoted on purpose.
# shellcheck disable=SC2016

HAVE_DAILY=0
[ -s "$RES/daily-cached.tsv" ] && [ -s "$RES/daily-uncached.tsv" ] && [ -s "$RES/daily-machine.tsv" ] && [ -s "$RES/daily-replay.tsv" ] && HAVE_DAILY=1
dm() { awk -F'\t' -v k="$1" '$1 == k {print $2; exit}' "$RES/daily-machine.tsv"; }
dmeta() { awk -F'\t' -v k="# $2" '$1 == k {print $2; exit}' "$RES/daily-$1.tsv"; }

# daily.tsv: per path of the mix, runs a day, the replay's figures per request with and without
# the response cache, and the pre-PR patterns' bytes and pages per run on the same catalogue
# (daily-replay.tsv, bench-replay's legacy side; priced at ClawHub's document sizes from
# daily-replay-docs.tsv, as in §2). Replayed paths take their per-request means from the
# replay; the paths without an HTTP route (the public filter, the crons) keep their store-level
# figures, uncached, on both sides. A search stands for the mean of bench-replay's search terms,
# a later browse page for its page 5.
daily_derive() {
  { [ -s "$RES/daily-replay-docs.tsv" ] && cat "$RES/daily-replay-docs.tsv" || printf 'path\n'; } >"$TMP/daily-docs.tsv"
  awk -F'\t' -v OFS='\t' -v psize="$(dm page_size)" -v skills="$(dm skills_total)" \
    -v mixf=bench/mix.tsv -v replf="$RES/daily-replay.tsv" -v docsf="$TMP/daily-docs.tsv" \
    -v sd="$SKILL_DOC" -v vd="$VERSION_DOC" -v ud="$USER_DOC" -v md="$MAP_DOC" -v dr="$DAILY_ROW" "$AWKLIB"'
    function count(spec) { return spec == "per-100-skills" ? int((skills + 99) / 100) : spec + 0 }
    function http(p) { return p ~ /^search-/ || p == "home" || p == "detail" || p == "version" || p == "download" || p == "file" || p ~ /^browse-[a-z]+-listed(-p5)?$/ }
    FILENAME == mixf { if ($0 !~ /^#/ && NF >= 3) { mixp[++nm] = $1; ML[$1] = count($2); MM[$1] = count($3) } next }
    FILENAME == replf { if (FNR > 1) { R[$1, $2, "bytes"] = $4; R[$1, $2, "pages"] = $7; R[$1, $2, "rows"] = $3 } next }
    FILENAME == docsf { if (FNR > 1) D[$1] = $0; next }
    /^#/ || FNR == 1 { next }
    { m = (FILENAME ~ /uncached/) ? "u" : "c"; p = $1
      if (!(p in seen)) { seen[p] = 1; order[++n] = p; day[p] = $2 }
      req[p, m] = $3; hit[p, m] = $4; miss[p, m] = $5; rows[p, m] = $7; bytes[p, m] = $8; pages[p, m] = $9; pmiss[p, m] = $10; bad[p, m] = $12 }
    # Legacy bytes priced at ClawHub document sizes, when the document counts account for every
    # legacy row bench-replay read; its measured bytes otherwise.
    function priced(p,   d) {
      if (!(p in D)) return R[p, "legacy", "bytes"]
      split(D[p], d, "\t"); if (d[7] + 0 != R[p, "legacy", "rows"] + 0) return R[p, "legacy", "bytes"]
      return d[2] * sd + d[3] * vd + d[4] * ud + d[5] * md + d[6] * dr }
    function legacy(p,   q, k, b, g, r) {   # sets LB, LG, LP: bytes, pages, priced bytes per run
      if (p != "search") { q = (p == "browse-later") ? "browse-downloads-listed-p5" : p
        LB = R[q, "legacy", "bytes"]; LG = R[q, "legacy", "pages"]; LP = priced(q); return }
      k = b = g = r = 0
      for (i2 = 1; i2 <= nsearch; i2++) { q = sterm[i2]; b += R[q, "legacy", "bytes"]; g += R[q, "legacy", "pages"]; r += priced(q); k++ }
      LB = k ? b / k : ""; LG = k ? g / k : ""; LP = k ? r / k : "" }
    END {
      for (key in R) { split(key, kk, SUBSEP); if (kk[1] ~ /^search-/ && kk[2] == "legacy" && kk[3] == "bytes") sterm[++nsearch] = kk[1] }
      print "path", "runs_per_day", "replayed", "requests", "hit_pct", "cacheable_pct", "bytes_per_req_cached", "pages_per_req_cached",
        "bytes_per_req_uncached", "pages_per_req_uncached", "legacy_bytes_per_run", "legacy_priced_per_run",
        "bytes_day_cached", "pages_day_cached", "bytes_day_uncached", "pages_day_uncached", "legacy_bytes_day", "legacy_priced_day", "bad",
        "legacy_pages_per_run", "legacy_pages_day", "legacy_runs_per_day", "pagemiss_day_cached"
      for (i = 1; i <= n; i++) { p = order[i]; d = day[p]; legacy(p)
        rc = req[p, "c"]; ru = req[p, "u"]
        bc = rc ? bytes[p, "c"] / rc : ""; pc = rc ? pages[p, "c"] / rc : ""
        bu = ru ? bytes[p, "u"] / ru : ""; pu = ru ? pages[p, "u"] / ru : ""
        cacheable = hit[p, "c"] + miss[p, "c"]
        print p, d, "yes", rc, (cacheable ? 100 * hit[p, "c"] / cacheable : ""), (rc ? 100 * cacheable / rc : ""), bc, pc, bu, pu, LB, LP,
          d * bc, d * pc, d * bu, d * pu, (LB == "" ? "" : d * LB), (LP == "" ? "" : d * LP), bad[p, "c"] + bad[p, "u"],
          LG, (LG == "" ? "" : d * LG), d, (rc ? d * pmiss[p, "c"] / rc : "") }
      # The paths the replay does not send (no HTTP route): store level, no cache.
      for (i = 1; i <= nm; i++) { p = mixp[i]
        if (http(p) || p ~ /\*/ || !((p, "modern", "bytes") in R)) continue
        d = MM[p]; l = ML[p]; mb = R[p, "modern", "bytes"]; mg = R[p, "modern", "pages"]; legacy(p)
        print p, d, "no", "", "", "", mb, mg, mb, mg, LB, LP, d * mb, (mg == "" ? "" : d * mg), d * mb, (mg == "" ? "" : d * mg),
          l * LB, l * LP, "", LG, (LG == "" ? "" : l * LG), l, "" }
    }' bench/mix.tsv "$RES/daily-replay.tsv" "$TMP/daily-docs.tsv" "$RES/daily-cached.tsv" "$RES/daily-uncached.tsv" >"$RES/daily.tsv"
}

daily_target() {
  local t="database bytes per day of the daily mix, response cache included, <= 1 % of the pre-PR patterns on the same data (issue 14)"
  if [ $HAVE_DAILY = 0 ]; then printf 'daily-cached\t%s\tno daily replay in this run\tnot measured\n' "$t"; return; fi
  awk -F'\t' -v OFS='\t' -v t="$t" "$AWKLIB"'
    NR > 1 { c += $13; l += $17; lp += $18; pc += $14; lg += $21 }
    END { if (l == 0) { print "daily-cached", t, "bench-replay figures missing", "not measured"; exit }
      r = 100 * c / l; rp = 100 * c / lp
      print "daily-cached", t, fmtf(r, 1) " % of the legacy bytes measured on skillreg'"'"'s rows (" fmt(l) " -> " fmt(c) " bytes/day); " fmtf(rp, 2) " % of the legacy priced at ClawHub'"'"'s document sizes (" fmt(lp) " bytes/day); pages touched " fmtf(100 * pc / lg, 1) " % of the legacy (" fmt(lg) " -> " fmt(pc) " pages/day)",
        "measured: " (r <= 1 ? "yes" : "no") "; priced: " (rp <= 1 ? "yes" : "no") }' "$RES/daily.tsv"
}

daily_section() {
  [ $HAVE_DAILY = 1 ] || { printf '\n### Replayed through the server\n\nNo daily replay in this run (`PARTS=daily make bench` runs it).\n'; return; }
  cat <<EOF

### Replayed through the server, with the response cache

The table above prices each path at one uncached request. Here the same mix is sent to the
real server (\`bench/daily.mjs\`, driven by \`bench/daily.sh\`) with the response cache in the
loop, and every answer's \`Server-Timing\` says what the database read for it: **bytes** (the
columns of the rows handed to the handler, as in §1) and **pages** (SQLite page-cache hits +
misses on the request's connection: every B-tree page the statements visited, index and
interior pages, FTS5 doclists; the server runs without a memory map, whose pages SQLite does
not count: \`tests/http/test_pages.c\`). A cache hit reads nothing. Pages count what the request's
connection touched, its writes included (a download records its event and a per-client dedupe
row, which is why a download touches a few more pages than the legacy side's read-only replay).

How the replay is made ($(dm settings); $(dm catalog); run $(dm date), commit $(dm commit)):

- **Requests**: drawn from \`bench/mix.tsv\` in proportion to runs a day ($(awk -F'\t' "$AWKLIB"'{print fmt($0)}' <<<"$(dm http_requests_per_day)") HTTP requests a day in all); $(dmeta cached measured_requests) measured after a warm-up of $(dmeta cached warmup_requests) (the cache of a server in use, not an empty one), each run on a fresh copy of the catalogue, the same requests with the response cache (default size) and without it (\`--cache-mb 0\`).
- **Popularity**: the skill of a detail, version, file or download by Zipf over the skills ranked by downloads, exponent $(dmeta cached s_skills), over $(awk -F'\t' "$AWKLIB"'{print fmt($0)}' <<<"$(dmeta cached skills)") listed skills (slugs that several publishers share left out: a bare-slug request for one answers 409); the query of a search by Zipf over $(dmeta cached queries) queries, exponent $(dmeta cached s_queries). ClawHub publishes no request log (neither \`seeds/\` nor \`reference/clawhub-data-model.md\` gives a popularity curve, only per-path volumes and document sizes), so the exponents are assumptions, in the range measured for web requests (Zipf-like with exponents about 0.6 to 1). The queries are the words of the listed skills' names and their adjacent pairs, the ones most names hold first (most common: $(dm top_queries)). A later browse page follows the cursors of the pages before it (page 2 and up, each page half as likely as the one before).
- **Time**: the mix's day is compressed to the replay's pace ($(dmeta cached rate_target) requests a second targeted, $(dmeta cached rate_achieved) achieved with the cache, $(dmeta uncached rate_achieved) without); the server's fold (download events into counters, every $(dm prod_fold_ms) ms in production, the write that makes every cached list and search stale) runs every $(dm fold_ms) ms, so that as many requests fall between two folds as on the day. Downloads come from $(awk -F'\t' "$AWKLIB"'{print fmt($0)}' <<<"$(dmeta cached clients)") client addresses (\`X-Forwarded-For\` through \`--trusted-proxy\`), so they are counted and folded as a day's are.

**hit %**: cache hits among the cacheable requests (versions, files and downloads are not cached:
**cacheable** is the share that could be); **per request**: the means over the replay. Paths
without an HTTP route keep their store-level figures on both sides (bench-replay, no cache).
**legacy**: the pre-PR patterns of the same path, measured on the same catalogue by
\`skillreg bench-replay\` (bytes, and pages with the same page-cache count; a search at the mean
of its search terms, later browse pages at page 5), never cached, and priced at ClawHub's
document sizes as in §2 (\`bench/replay-docs\` on the same catalogue).

EOF
  md "$RES/daily.tsv" '
    BEGIN { head = "path | runs/day | requests replayed | hit % | cacheable | bytes/req cached | bytes/req uncached | legacy bytes/run | pages/req cached | pages/req uncached | legacy pages/run" }
    function cells() { row = $1 " | " fmt($2) " | " ($3 == "yes" ? fmt($4) : "— (store level)") " | " ($5 == "" ? "—" : fmtf($5, 1) " %") " | " ($6 == "" ? "—" : fmtf($6, 0) " %") " | " fmt($7) " | " fmt($9) " | " fmt($11) " | " ($8 == "" ? "—" : fmtf($8, 1)) " | " ($10 == "" ? "—" : fmtf($10, 1)) " | " ($20 == "" ? "—" : fmtf($20, 1)) }'
  awk -F'\t' "$AWKLIB"'
    NR > 1 && $3 == "yes" { n += $4; h += $4 * $5 * $6 / 10000; ca += $4 * $6 / 100 }
    END { printf "| **replayed** | | %s | **%s %%** | %s %% | | | | | | |\n", fmt(n), fmtf(100 * h / ca, 1), fmtf(100 * ca / n, 0) }' "$RES/daily.tsv"
  cat <<EOF

$(daily_repeats)

Per day (per request × runs a day; the legacy side at its own runs a day, which differ from the
current ones only for the global recount, hourly before the PR and daily after):

EOF
  md "$RES/daily.tsv" '
    BEGIN { head = "path | bytes/day cached | bytes/day uncached | legacy bytes/day | legacy priced bytes/day | cached / legacy | pages/day cached | pages/day uncached | legacy pages/day | cached / legacy (pages)" }
    function r(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "—" : fmtf(100 * a / b, 2) " %" }
    function cells() { row = $1 " | " fmt($13) " | " fmt($15) " | " fmt($17) " | " fmt($18) " | " r($13, $17) " | " fmt($14) " | " fmt($16) " | " fmt($21) " | " r($14, $21) }'
  awk -F'\t' -v psize="$(dm page_size)" "$AWKLIB"'
    NR > 1 { c += $13; pc += $14; u += $15; pu += $16; l += $17; lp += $18; lg += $21; bad += $19
      if ($3 == "yes") { rpc += $14; rpm += $23 }
      if ($3 == "yes") { n += $4; h += $4 * $5 * $6 / 10000; ca += $4 * $6 / 100 } }
    END {
      printf "| **total** | **%s** | %s | **%s** | **%s** | **%s %%** | **%s** | %s | **%s** | **%s %%** |\n", fmt(c), fmt(u), fmt(l), fmt(lp), fmtf(100 * c / l, 2), fmt(pc), fmt(pu), fmt(lg), fmtf(100 * pc / lg, 2)
      printf "\nWith the response cache the daily mix reads **%s bytes/day** (the rows handed to the handlers): **%s %%** of the pre-PR patterns measured on the same catalogue (%s bytes/day) and **%s %%** of them priced at ClawHub'"'"'s document sizes (%s bytes/day); without the cache %s bytes/day (%s %% of the legacy measured). In pages the database touches **%s pages/day** with the cache (%s bytes of %s-byte pages; on the replayed paths %s %% of them missed SQLite'"'"'s page cache and were read from the file, most after a fold'"'"'s commit made each connection drop its cache), %s without, against %s for the pre-PR patterns: **%s %%**. The cache answers **%s %%** of the cacheable requests replayed (%s %% of the requests could be). Non-2xx answers in the replay: %s.\n",
        fmt(c), fmtf(100 * c / l, 2), fmt(l), fmtf(100 * c / lp, 2), fmt(lp), fmt(u), fmtf(100 * u / l, 1), fmt(pc), fmt(pc * psize), psize, fmtf(rpc ? 100 * rpm / rpc : 0, 1), fmt(pu), fmt(lg), fmtf(100 * pc / lg, 1), fmtf(100 * h / ca, 1), fmtf(100 * ca / n, 0), bad + 0 }' "$RES/daily.tsv"
  daily_pg_section
}

# The replay on PostgreSQL (daily-pg.tsv): shared buffers from pg_stat_statements.
daily_pg_section() {
  [ -s "$RES/daily-pg.tsv" ] && [ "$(wc -l <"$RES/daily-pg.tsv")" -ge 3 ] || return 0
  cat <<EOF

#### On PostgreSQL

The same replay (one repeat per mode) against a node on PostgreSQL $(awk -F'\t' 'NR == 2 {print $9}' "$RES/daily-pg.tsv"), the catalogue copied
in with \`skillreg db-copy\` onto a throw-away cluster (\`scripts/pg-test-cluster\`: fsync off, its
default shared buffers). PostgreSQL's buffer cache is the server's, so \`Server-Timing\` has no
pages there; **buffers** are \`pg_stat_statements\`' shared_blks_hit + shared_blks_read summed over
every statement of the replay's database during the measured requests (reset after the
warm-up): the requests' statements and the node's own jobs (the fold, which the day runs too).
**read in**: shared_blks_read, the buffers not found in shared buffers. Per day: per request ×
the $(awk -F'\t' "$AWKLIB"'{print fmt($0)}' <<<"$(dm http_requests_per_day)") HTTP requests a day (the paths without a route are not replayed here).

EOF
  md "$RES/daily-pg.tsv" '
    BEGIN { head = "mode | requests | hit % (cacheable) | buffers/request | read in/request | statements/request | buffers/day | buffer bytes/day (8 KiB) | req/s" }
    function cells() { per = PERDAY / $2; row = $1 " | " fmt($2) " | " ($4 > 0 ? fmtf(100 * $3 / $4, 1) " %" : "—") " | " fmtf(($5 + $6) / $2, 1) " | " fmtf($6 / $2, 2) " | " fmtf($7 / $2, 2) " | " fmt(($5 + $6) * per) " | " fmt(($5 + $6) * per * 8192) " | " $8 }
    BEGIN { PERDAY = '"$(dm http_requests_per_day)"' }'
  awk -F'\t' "$AWKLIB"'NR > 1 { b[$1] = ($5 + $6) / $2 }
    END { if (b["uncached"] > 0) printf "\nWith the response cache the node makes PostgreSQL touch %s %% of the buffers it touches without it.\n", fmtf(100 * b["cached"] / b["uncached"], 1) }' "$RES/daily-pg.tsv"
}

# The totals of every repeat (the one shown above marked): the spread is this machine's noise
# and the replay's timing (where the folds fall between the requests).
daily_repeats() {
  [ -s "$RES/daily-repeats.tsv" ] || return 0
  echo "Every repeat (the table above shows each mode's median repeat by replayed bytes, marked *),"
  echo "and the variants, once each with the cache: **variant-nofold** runs no fold during the replay"
  echo "(what the cache would keep if download counts did not make every list and search stale),"
  echo "**variant-fold60** folds as a server run with \`--fold-ms 60000\` would (download and install"
  echo "counts up to a minute behind instead of two seconds; ClawHub syncs its skills' counters from"
  echo "the events every 6 hours), **variant-flat** draws skills and queries with Zipf exponent 0.6 instead. **bytes/day** here is"
  echo "the replay's mean per request × the HTTP requests a day, plus the paths without a route at their"
  echo "store-level figures; **/ legacy**: against the legacy bytes a day of the table below."
  echo
  local legacy_day other_day
  legacy_day=$(awk -F'\t' 'NR > 1 {l += $17} END {printf "%.0f", l}' "$RES/daily.tsv")
  other_day=$(awk -F'\t' 'NR > 1 && $3 == "no" {o += $13} END {printf "%.0f", o}' "$RES/daily.tsv")
  md "$RES/daily-repeats.tsv" '
    BEGIN { head = "mode | repeat | requests | hit % (cacheable) | bytes read | pages touched | pages missed | req/s | bytes/day | / legacy" }
    BEGIN { PERDAY = '"$(dm http_requests_per_day)"'; LEG = '"${legacy_day:-0}"'; OTHER = '"${other_day:-0}"' }
    function cells() { day = $6 / $3 * PERDAY + OTHER
      row = $1 " | " $2 ($10 == "yes" ? " *" : "") " | " fmt($3) " | " ($5 > 0 ? fmtf(100 * $4 / $5, 1) " %" : "—") " | " fmt($6) " | " fmt($7) " | " fmt($8) " | " $9 " | " fmt(day) " | " (LEG > 0 ? fmtf(100 * day / LEG, 2) " %" : "—") }'
}

daily_commands() {
  [ $HAVE_DAILY = 1 ] && [ -s "$RES/daily-commands.txt" ] || return 0
  printf '\nThe daily replay (`bench/daily.sh`; ports are whichever were free):\n\n```\n'
  cat "$RES/daily-commands.txt"
  printf '```\n'
}

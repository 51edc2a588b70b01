# bench/report-pg.sh: BENCHMARKS.md's PostgreSQL section and its target rows, from the
# bench/results/pg-*.tsv files bench/pg.sh measured. Sourced by bench/report, whose helpers
# (AWKLIB, md, RES, TMP) it uses; the awk programs are single-quoted on purpose.
# shellcheck disable=SC2016

HAVE_PG=0
[ -s "$RES/pg-paths.tsv" ] && [ -s "$RES/pg-machine.tsv" ] && HAVE_PG=1
pgm() { awk -F'\t' -v k="$1" '$1 == k {print $2; exit}' "$RES/pg-machine.tsv"; }

# Medians over the repeats: pg-throughput.tsv, pg-pgbench.tsv, pg-scale.tsv.
pg_derive() {
  awk -F'\t' -v OFS='\t' "$AWKLIB"'
    NR == 1 { next }
    { k = $2 SUBSEP $3 SUBSEP $4; if (!(k in url)) order[++n] = k
      url[k] = $5; rps[k] = rps[k] " " $6; p50[k] = p50[k] " " $7; p99[k] = p99[k] " " $8; bad[k] += $9
      db[k] = db[k] " " $11; nc[k] = nc[k] " " $12 }
    END {
      print "setup", "mode", "target", "url", "req_s", "p50_ms", "p99_ms", "bad", "db_cpu_ms", "node_cpu_ms", "req_s_runs"
      for (i = 1; i <= n; i++) { k = order[i]; split(k, f, SUBSEP); r = rps[k]; sub(/^ /, "", r)
        print f[1], f[2], f[3], url[k], median(rps[k]), median(p50[k]), median(p99[k]), bad[k], median(db[k]), median(nc[k]), r }
    }' "$RES/pg-throughput-raw.tsv" >"$RES/pg-throughput.tsv"
  awk -F'\t' -v OFS='\t' "$AWKLIB"'NR > 1 { c = $2; t = t " " $3; d = d " " $4 }
    END { print "clients", "tps", "db_cpu_ms"; if (c != "") print c, median(t), median(d) }' "$RES/pg-pgbench-raw.tsv" >"$RES/pg-pgbench.tsv"
  { [ -s "$RES/pg-gen.tsv" ] && cat "$RES/pg-gen.tsv" || printf 'skills\n'; } >"$TMP/pg-gen.tsv"
  awk -F'\t' -v OFS='\t' "$AWKLIB"'
    FILENAME ~ /gen/ { if (FNR > 1) { cs[$1] = $2; db[$1] = $3 } next }
    FNR == 1 { next }
    { k = $1 SUBSEP $4; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
      e = $3; if ($6 != "") { rows[k, e] = $6; bytes[k, e] = $7; size[k, e] = $8 }
      rps[k, e] = rps[k, e] " " $9; p50[k, e] = p50[k, e] " " $10; p99[k, e] = p99[k, e] " " $11
      bad[k, e] += $12; if ($13 != "") buf[k] = buf[k] " " $13 }
    END {
      print "skills", "target", "sqlite_rows", "sqlite_bytes", "pg_rows", "pg_bytes", "response_bytes", "pg_buffers",
        "sqlite_req_s", "pg_req_s", "sqlite_p50_ms", "pg_p50_ms", "sqlite_p99_ms", "pg_p99_ms", "bad", "copy_s", "pg_db_bytes"
      for (i = 1; i <= n; i++) { k = order[i]; split(k, f, SUBSEP)
        print f[1], f[2], rows[k, "sqlite"], bytes[k, "sqlite"], rows[k, "pg"], bytes[k, "pg"], size[k, "pg"], median(buf[k]),
          median(rps[k, "sqlite"]), median(rps[k, "pg"]), median(p50[k, "sqlite"]), median(p50[k, "pg"]),
          median(p99[k, "sqlite"]), median(p99[k, "pg"]), bad[k, "sqlite"] + bad[k, "pg"], cs[f[1]], db[f[1]] }
    }' "$TMP/pg-gen.tsv" "$RES/pg-scale-raw.tsv" >"$RES/pg-scale.tsv"
}

# The issue's PostgreSQL targets (issue 12), one row each, as targets() prints them.
pg_targets() {
  [ $HAVE_PG = 1 ] || return 0
  awk -F'\t' -v OFS='\t' "$AWKLIB"'
    NR == 1 || $2 !~ /^\/api\/v1\/skills\?/ || $6 == "" { next }
    { lim = 25; if (match($2, /limit=[0-9]+/)) lim = substr($2, RSTART + 6, RLENGTH - 6) + 0
      over = $6 - (lim + 1); if (n == 0 || over > wo) { wo = over; wp = $1; wr = $6; wl = lim }
      a = $7 / $8; if (n == 0 || a > wa) { wa = a; ap = $1 }; n++ }
    END {
      if (n == 0) exit
      print "pg-rows-per-page", "PostgreSQL: rows read per list page <= page size + 1",
        "worst of " n " list pages: " fmt(wr) " rows for a page of " wl " (" wp ")", (wo <= 0 ? "yes" : "no")
      print "pg-bytes-per-page", "PostgreSQL: bytes read per list page <= 1.5 x its JSON",
        "worst of " n " list pages: " fmtf(wa, 2) " x (" ap ")", (wa <= 1.5 ? "yes" : "no")
    }' "$RES/pg-paths.tsv"
  awk -F'\t' -v OFS='\t' "$AWKLIB"'
    NR == 1 { next }
    $2 ~ /^\/api\/v1\/skills\?/ { if ($13 + 0 > lm) lm = $13 + 0; nl++; next }
    $1 == "detail" { d = $13 } $1 == "download" { w = $13 }
    END { t = "PostgreSQL: one round trip per uncached list page, detail and download"
      if (!nl) { print "pg-round-trips", t, "no list page measured", "not measured"; exit }
      print "pg-round-trips", t, "list pages: " lm " (worst of " nl "); detail: " (d == "" ? "—" : d) "; download: " (w == "" ? "—" : w),
        (lm <= 1 && d != "" && d + 0 <= 1 && w != "" && w + 0 <= 1 ? "yes" : "no") }' "$RES/pg-paths.tsv"
  if [ -s "$RES/pg-publish.tsv" ] && [ "$(wc -l <"$RES/pg-publish.tsv")" -gt 1 ]; then
    awk -F'\t' -v OFS='\t' "$AWKLIB"'NR > 1 && $3 != "" { if ($1 ~ /^t/) { tr = tr " " ($3 - $4); tn++ } else { r = r " " ($3 - $4); n++ }; b = b " " $6 }
      END { t = "PostgreSQL: <= 2 round trips per publish beyond the file bytes"
        if (!n) { print "pg-publish", t, "no publish measured", "not measured"; exit }
        m = median(r); tm = (tn ? median(tr) : ""); print "pg-publish", t,  m " round trips on a warm connection, the lookup of the token included when the node does not know it (median of " n " multipart publishes by a new token: the first also looks it up and records its first use)" (tn ? "; " tm " through upload tickets as the clawhub CLI publishes (median of " tn ")" : "; the upload-ticket way not measured") ", besides " median(b) " of the blob store for the bytes", (m <= 2 && tn && tm <= 2 ? "yes" : "no") }' "$RES/pg-publish.tsv"
  else
    printf 'pg-publish\tPostgreSQL: <= 2 round trips per publish beyond the file bytes\tno publish measured\tnot measured\n'
  fi
  awk -F'\t' -v OFS='\t' "$AWKLIB"'
    NR > 1 && $2 == "list-p1-load" { last = $1; s[$1] = $9; p[$1] = $10 }
    NR > 1 && $2 == "list-p1" { ls[$1] = $11; lp[$1] = $12 }
    END { t = "PostgreSQL: uncached 25-row list at 1,000,000 skills >= 70 % of SQLite'"'"'s same page"
      k = "1000000"
      if (!(k in s)) { print "pg-list-1m", t, "not run: SCALE has no 1000000" (last ? " (at " fmt(last) " skills: " fmtf(100 * p[last] / s[last], 0) " %, " fmt(p[last]) " vs " fmt(s[last]) " req/s)" : ""), "not measured"; exit }
      r = 100 * p[k] / s[k]
      print "pg-list-1m", t, fmtf(r, 0) " % under load (" fmt(p[k]) " vs " fmt(s[k]) " req/s, wrk -t2 -c64); p50 at light load " fmtf(lp[k], 3) " vs " fmtf(ls[k], 3) " ms", (r >= 70 ? "yes" : "no") }' "$RES/pg-scale.tsv"
  if [ -s "$RES/pg-cached.tsv" ]; then
    awk -F'\t' -v OFS='\t' 'NR > 1 { n++; if ($6 == "yes") y++; else bad = bad (bad ? ", " : "") $1 }
      END { t = "PostgreSQL: cached answers identical to SQLite'"'"'s"
        print "pg-cached-identical", t, y + 0 " of " n + 0 " cached answers byte for byte the same" (bad ? " (differ: " bad ")" : ""), (n && y == n ? "yes" : "no") }' "$RES/pg-cached.tsv"
  fi
}

# The section of BENCHMARKS.md.
pg_section() {
  echo
  echo '## 6. PostgreSQL'
  echo
  if [ $HAVE_PG = 0 ]; then
    echo 'No PostgreSQL part in this run (`PARTS=pg make bench`, or `bench/run` with PostgreSQL installed).'
    return 0
  fi
  cat <<EOF
The same registry on PostgreSQL (\`--db postgres://…\`, docs/postgres.md), beside SQLite on the
same catalogue in the same pass (\`bench/pg.sh\`). The cluster is \`scripts/pg-test-cluster\`'s
throw-away one (fsync off) with 1 GiB of shared buffers, on the same 2 cores as the server and
wrk; each catalogue is generated as a SQLite file and loaded with \`skillreg db-copy\`.

| | |
|---|---|
EOF
  awk -F'\t' 'NR > 1 {printf "| %s | %s |\n", $1, $2}' "$RES/pg-machine.tsv"
  cat <<EOF

### Read paths

Each path with the response cache off. **rows, bytes**: \`Server-Timing\` on each engine;
**same body**: the two answers byte for byte (searches rank with bm25 on SQLite and with
PostgreSQL's own matching, so they differ by design); **buffers**: PostgreSQL's shared buffers
per request (\`pg_stat_statements\` shared_blks_hit + shared_blks_read over several requests, the
counters reset before each path, the server's jobs pushed a week away); **read in**: those not
found in shared buffers; **statements**: the statements per request; **round trips**: the ones
the node waits for, by the engine's rules (each statement is one; a read snapshot's \`BEGIN\`
travels with its second statement and its \`COMMIT\` is not waited for; a write transaction's
\`BEGIN\` and lock are one, its \`COMMIT\` one). **db ms**: the engine's time in the database,
round trips included (median of three).

EOF
  md "$RES/pg-paths.tsv" '
    BEGIN { head = "path | HTTP route | rows SQLite / PG | bytes read SQLite / PG | response bytes | amplification PG | same body | buffers | read in | statements | round trips | db ms" }
    function cells() { row = $1 " | `" $2 "`" ($3 != "200" ? " (" $3 ")" : "") " | " fmt($4) " / " fmt($6) " | " fmt($5) " / " fmt($7) " | " fmt($8) " | " ($8 > 0 ? fmtf($7 / $8, 2) : "—") " | " $9 " | " fmtf($10, 1) " | " fmtf($11, 1) " | " fmtf($12, 1) " | **" fmtf($13, 1) "** | " fmtf($14, 3) }'
  if [ -s "$RES/pg-publish.tsv" ] && [ "$(wc -l <"$RES/pg-publish.tsv")" -gt 1 ]; then
    cat <<EOF

A publish (one SKILL.md, a new skill each time; 1 to 3 multipart, t1 and t2 through an upload
ticket as the clawhub CLI publishes, with the publisher's own \`ownerHandle\` as the CLI sends
it; the ticket's request and the upload are not counted, they carry the file bytes): **round
trips** are the exchanges the node's HTTP worker waited for, as the node counts them (the \`trips\` of its
\`Server-Timing\` header, the token's lookup included; the writes of a transaction whose
answers nobody reads are sent in libpq's pipeline and ride with the next exchange,
docs/postgres.md), **prepares** those of them that prepared a statement on the connection (once
per statement and connection: the target counts the others), **statements** those of
the server's statement log (\`log_statement = all\` for the request) that are neither
\`BEGIN\`/\`COMMIT\` nor the lock and notification that travel with them; the blob store's own
connections carry the file bytes (the log's statements on them).

EOF
    md "$RES/pg-publish.tsv" '
      BEGIN { head = "publish | status | round trips (HTTP worker) | prepares | statements | round trips of the blob store" }
      function cells() { row = $1 " | " $2 " | **" $3 "** | " $4 " | " $5 " | " $6 }'
  fi
  cat <<EOF

### Cached answers

The cached list and detail answers of both engines (default response cache; each request once
to fill, then compared; **PG cache** is the \`Server-Timing\` cache state of the compared answer).

EOF
  md "$RES/pg-cached.tsv" '
    BEGIN { head = "request | URL | SQLite sha256 | PostgreSQL sha256 | PG cache | same" }
    function cells() { row = $1 " | `" $2 "` | " $3 " | " $4 " | " ($5 == "" ? "—" : $5) " | " $6 }'
  cat <<EOF

### Throughput: one node, two nodes, pgbench

\`wrk\` as in §3 (\`-t2 -c64\`; two nodes: one \`wrk -t1 -c32\` against each at once, summed,
latencies of the slower), after a warm-up, setups interleaved within each repeat. **db CPU**
and **node CPU**: CPU time of the cluster's processes and of the serving processes during the
run (\`/proc/PID/stat\`), divided by the requests served. \`pgbench -S -M prepared -c 16 -j 2\`
on the same cluster is the database's own ceiling for a one-row primary-key read.

EOF
  md "$RES/pg-throughput.tsv" '
    BEGIN { head = "setup | mode | request | req/s | p50 ms | p99 ms | bad | db CPU ms/req | node CPU ms/req | req/s per repeat" }
    function cells() { row = $1 " | " $2 " | " $3 " | **" fmt($5) "** | " fmtf($6, 3) " | " fmtf($7, 3) " | " $8 " | " ($1 == "sqlite" ? "— (in the node)" : fmtf($9, 3)) " | " fmtf($10, 3) " | " $11 }'
  awk -F'\t' "$AWKLIB"'NR == 2 { printf "| pgbench -S (%s clients) | | one-row read | **%s** | | | | %s | | |\n", $1, fmt($2), fmtf($3, 3) }' "$RES/pg-pgbench.tsv"
  cat <<EOF

This machine has 2 cores for the database, the nodes and wrk together, so a second node cannot
add capacity here; what bounds N nodes is the database's CPU per request. With the figures of the
one-node runs above: a database core serves 1000 / (db CPU ms) requests a second, a node core
1000 / (node CPU ms); N node cores in front of D database cores serve at most
min(N × 1000 / node ms, D × 1000 / db ms) requests a second, and adding nodes stops paying at
N = D × node ms / db ms node cores per database core.

EOF
  awk -F'\t' -v OFS='\t' "$AWKLIB"'
    FILENAME ~ /pgbench/ { if (FNR == 2) pb = $3; next }
    FNR == 1 || $1 != "pg-1-node" || $2 != "uncached" { next }
    { if (!hd) { print "| request (uncached) | db CPU ms/req | node CPU ms/req | per database core, req/s | per node core, req/s | node cores per database core | 4 database cores, req/s |"; print "|---|---|---|---|---|---|---|"; hd = 1 }
      d = $9 + 0; c = $10 + 0
      printf "| %s | %s | %s | %s | %s | %s | %s |\n", $3, fmtf(d, 3), fmtf(c, 3), (d > 0 ? fmt(1000 / d) : "—"), (c > 0 ? fmt(1000 / c) : "—"), (d > 0 ? fmtf(c / d, 2) : "—"), (d > 0 ? fmt(4000 / d) : "—") }
    END { if (pb != "") printf "\n`pgbench -S` costs the database %s ms of CPU per read (%s reads a second per core): the floor of a one-statement round trip on this machine.\n", fmtf(pb, 3), (pb > 0 ? fmt(1000 / pb) : "—") }' "$RES/pg-pgbench.tsv" "$RES/pg-throughput.tsv"
  cat <<EOF

### Scale curve on PostgreSQL

The uncached first 25-row page by downloads (list-p1) and a search at every catalogue size, on
both engines one after the other within each repeat: latency at light load (\`wrk -t1 -c8\`),
and list-p1-load under \`wrk -t2 -c64\`. **buffers**: PostgreSQL's shared buffers per request.

EOF
  md "$RES/pg-scale.tsv" '
    BEGIN { head = "skills | request | rows SQLite / PG | bytes read SQLite / PG | PG buffers | req/s SQLite | req/s PG | PG / SQLite | p50 ms SQLite / PG | p99 ms SQLite / PG | bad | db-copy | PG database" }
    function cells() { row = fmt($1) " | " $2 " | " ($3 == "" ? "—" : fmt($3) " / " fmt($5)) " | " ($4 == "" ? "—" : fmt($4) " / " fmt($6)) " | " ($8 == "" ? "—" : fmtf($8, 1)) " | " fmt($9) " | " fmt($10) " | " ($9 > 0 ? fmtf(100 * $10 / $9, 0) " %" : "—") " | " fmtf($11, 3) " / " fmtf($12, 3) " | " fmtf($13, 3) " / " fmtf($14, 3) " | " $15 " | " ($16 == "" ? "—" : $16 " s") " | " ($17 == "" ? "—" : fmtf($17 / 1048576, 1) " MiB") }'
}

pg_commands() {
  [ -s "$RES/pg-commands.txt" ] || return 0
  cat <<EOF

The PostgreSQL part (\`bench/pg.sh\`; the database URL's port is whichever was free):

\`\`\`
EOF
  cat "$RES/pg-commands.txt"
  echo '```'
}

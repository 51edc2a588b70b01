# bench/quality.sh - sourced by bench/run (the `quality` part): search quality on the judged
# set over the real archive (tests/http/test_search_judged.c reads tests/search-judged.tsv and
# ../shared/corpus), success at 5 and MRR per kind of query and overall, into
# quality-judged.tsv, which bench/report's issue-14 quality target reads. The test's floors
# fail it below them; the figures are recorded either way.
JUDGED_BIN=${JUDGED_BIN:-build/tests/test_search_judged}
log "search quality: the judged set over the real archive"
[ -x "$JUDGED_BIN" ] || make --no-print-directory "$JUDGED_BIN" >/dev/null
record "SKILLREG_BIN=$BIN $JUDGED_BIN   # the lines '# KIND N queries success@5 X % MRR Y' of its stderr"
JUDGED_RC=0
SKILLREG_BIN="$BIN" "$JUDGED_BIN" >"$LOG/judged.out" 2>"$LOG/judged.err" || JUDGED_RC=$?
{
  printf 'database\tkind\tqueries\tsuccess5_pct\tmrr\n'
  awk -v OFS='\t' '/^# [a-z]+ +[0-9]+ queries +success@5/ { print "sqlite", $2, $3, $6, $9 }' "$LOG/judged.err"
} >"$RES/quality-judged.tsv"
[ "$JUDGED_RC" = 0 ] || log "test_search_judged exited $JUDGED_RC (under its floors?): see $LOG/judged.err"

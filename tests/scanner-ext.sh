#!/bin/sh
# scanner-ext.sh - the external scanner the HTTP tests configure (--scanner-cmd; see
# docs/scanner.md). skillreg runs it as `scanner-ext.sh BUNDLE.zip SLUG VERSION` and reads one
# JSON verdict from stdout. It answers by markers in the bundle's files, so a test picks the
# answer by what it publishes:
#   EXT-MALICIOUS   malicious, with a finding at the marker's file and line
#   EXT-SUSPICIOUS  suspicious, likewise
#   EXT-SLOW        sleeps 1 s, then clean (the version is seen pending meanwhile)
#   EXT-HANG        sleeps 60 s: the server's time limit kills it, no verdict
#   EXT-LINGER      prints a clean verdict, closes stdout, then sleeps 60 s: still killed at
#                   the time limit, no verdict (closing its output is not finishing)
#   EXT-FAIL        exits with status 3: no verdict
#   EXT-GARBAGE     prints text that is not the JSON verdict: no verdict
#   (none)          clean
set -eu
zip=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/scanner-ext.XXXXXX")
trap 'rm -rf "$dir"' EXIT
unzip -q "$zip" -d "$dir"
cd "$dir"
# The first file holding a marker and the marker's line: "path line".
find_marker() {
  hit=$(grep -rn -m1 -- "$1" . | head -n1 || true)
  [ -n "$hit" ] || return 1
  hit=${hit#./}
  printf '%s %s\n' "${hit%%:*}" "$(printf '%s' "${hit#*:}" | cut -d: -f1)"
}
finding() { # verdict rule severity marker
  set -- "$1" "$2" "$3" "$(find_marker "$4")"
  file=${4% *}
  line=${4#* }
  printf '{"verdict":"%s","summary":"test scanner: %s","findings":[{"rule":"%s","severity":"%s","file":"%s","line":%s,"excerpt":"marker","title":"test marker"}]}\n' \
    "$1" "$2" "$2" "$3" "$file" "$line"
}
if find_marker EXT-HANG >/dev/null; then sleep 60; fi
if find_marker EXT-LINGER >/dev/null; then
  echo '{"verdict":"clean","summary":"test scanner: lingering","findings":[]}'
  exec 1>&-
  sleep 60
fi
if find_marker EXT-FAIL >/dev/null; then echo "scanner broke" >&2; exit 3; fi
if find_marker EXT-GARBAGE >/dev/null; then echo "all good, probably"; exit 0; fi
if find_marker EXT-SLOW >/dev/null; then sleep 1; fi
if find_marker EXT-MALICIOUS >/dev/null; then finding malicious ext-malware critical EXT-MALICIOUS; exit 0; fi
if find_marker EXT-SUSPICIOUS >/dev/null; then finding suspicious ext-suspicious high EXT-SUSPICIOUS; exit 0; fi
echo '{"verdict":"clean","summary":"test scanner: nothing found","findings":[]}'

#!/usr/bin/env bash
# commits-since-tag.sh - list non-merge commits since a tag, split into
# Conventional Commits fields: hash, type, scope, breaking, subject (tab-separated).
# Usage: commits-since-tag.sh [tag]   (default: the most recent tag; whole history if none)
set -euo pipefail
since="${1:-$(git describe --tags --abbrev=0 2>/dev/null || true)}"
if [ -n "$since" ]; then
  range="${since}..HEAD"
else
  echo "no tags found; listing the whole history" >&2
  range="HEAD"
fi

# %x1e separates records so multi-line bodies can be checked for BREAKING CHANGE.
git log --no-merges --format='%h%x09%s%x09%b%x1e' "$range" | awk -v RS='\036' -F'\t' '
  NF < 2 { next }
  {
    hash = $1; gsub(/^\n+/, "", hash); subj = $2
    type = "other"; scope = ""; breaking = "no"; desc = subj
    if (match(subj, /^[a-z]+(\([^)]*\))?!?: /)) {
      head = substr(subj, 1, RLENGTH - 2); desc = substr(subj, RLENGTH + 1)
      if (head ~ /!$/) { breaking = "yes"; sub(/!$/, "", head) }
      if (match(head, /\(.*\)/)) {
        scope = substr(head, RSTART + 1, RLENGTH - 2); head = substr(head, 1, RSTART - 1)
      }
      type = head
    }
    if ($0 ~ /BREAKING[ -]CHANGE:/) breaking = "yes"
    printf "%s\t%s\t%s\t%s\t%s\n", hash, type, scope, breaking, desc
  }'

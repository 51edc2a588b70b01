#!/usr/bin/env bash
# staged-summary.sh - compact view of what is staged, for drafting a commit message.
set -euo pipefail

git rev-parse --is-inside-work-tree >/dev/null
if git diff --cached --quiet; then
  echo "nothing is staged" >&2
  exit 1
fi

echo "== branch: $(git branch --show-current)"
echo "== staged files"
git diff --cached --name-status
echo "== size"
git diff --cached --stat | tail -n 1
echo "== recent subjects"
git log -n 8 --format='%s'
echo "== diff (first ${MAX_LINES:-400} lines)"
git diff --cached --no-color | head -n "${MAX_LINES:-400}"

#!/usr/bin/env bash
# staged-summary.sh - compact view of what is staged, for drafting a commit message.
# Env: MAX_LINES (default 400) - how much of the diff to print.
set -euo pipefail

git rev-parse --is-inside-work-tree >/dev/null
if git diff --cached --quiet; then
  echo "nothing is staged" >&2
  exit 1
fi

# `git branch --show-current` needs git 2.22; fall back for older installs.
branch=$(git branch --show-current 2>/dev/null || git rev-parse --abbrev-ref HEAD 2>/dev/null || echo "?")
echo "== branch: ${branch:-(detached)}"

echo "== staged files"
git diff --cached --find-renames --name-status
echo "== size"
git diff --cached --find-renames --stat | tail -n 1

echo "== recent subjects"
if git rev-parse --verify -q HEAD >/dev/null; then
  git log -n 8 --format='%s'
else
  echo "(no commits yet)"
fi

exclude=(':(exclude)package-lock.json' ':(exclude)yarn.lock' ':(exclude)pnpm-lock.yaml'
         ':(exclude)Cargo.lock' ':(exclude)poetry.lock' ':(exclude)go.sum')
echo "== diff (first ${MAX_LINES:-400} lines, lockfiles omitted)"
git diff --cached --find-renames --no-color -- . "${exclude[@]}" | head -n "${MAX_LINES:-400}"

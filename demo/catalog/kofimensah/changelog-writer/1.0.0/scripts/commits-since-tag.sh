#!/usr/bin/env bash
# commits-since-tag.sh - list non-merge commits since a tag.
# Usage: commits-since-tag.sh [tag]   (default: the most recent tag)
set -euo pipefail
since="${1:-$(git describe --tags --abbrev=0)}"
git log --no-merges --format='%h%x09%s%x09%an' "${since}..HEAD"

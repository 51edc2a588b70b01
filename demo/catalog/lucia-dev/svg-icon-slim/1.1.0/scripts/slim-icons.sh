#!/usr/bin/env bash
# slim-icons.sh - optimise all SVG icons under a folder with SVGO.
# Usage: slim-icons.sh [--current-color] SRC_DIR OUT_DIR
set -euo pipefail

recolor=0
if [ "${1:-}" = "--current-color" ]; then recolor=1; shift; fi
src="${1:?usage: slim-icons.sh [--current-color] SRC_DIR OUT_DIR}"
out="${2:?usage: slim-icons.sh [--current-color] SRC_DIR OUT_DIR}"
here="$(cd "$(dirname "$0")/.." && pwd)"
config="${SVGO_CONFIG:-$here/templates/svgo.config.mjs}"

before=0; after=0; count=0
while IFS= read -r -d '' f; do
  rel="${f#"$src"/}"
  dest="$out/$rel"
  mkdir -p "$(dirname "$dest")"
  npx --yes svgo@3 --config "$config" -i "$f" -o "$dest" --quiet
  if [ "$recolor" = 1 ]; then
    sed -E -i.bak 's/(fill|stroke)="(#[0-9A-Fa-f]{3,8}|black|white|rgb\([^)]*\))"/\1="currentColor"/g' "$dest"
    rm -f "$dest.bak"
  fi
  before=$((before + $(wc -c < "$f")))
  after=$((after + $(wc -c < "$dest")))
  count=$((count + 1))
done < <(find "$src" -type f -name '*.svg' -print0)

if [ "$count" -eq 0 ]; then
  echo "no .svg files under $src" >&2
  exit 1
fi
echo "$count icons: $before bytes -> $after bytes ($(( (before - after) * 100 / before ))% smaller)"

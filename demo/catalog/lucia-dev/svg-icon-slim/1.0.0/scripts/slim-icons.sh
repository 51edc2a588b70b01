#!/usr/bin/env bash
# slim-icons.sh - optimise all SVG icons in a folder with SVGO.
# Usage: slim-icons.sh SRC_DIR OUT_DIR
set -euo pipefail

src="${1:?usage: slim-icons.sh SRC_DIR OUT_DIR}"
out="${2:?usage: slim-icons.sh SRC_DIR OUT_DIR}"
here="$(cd "$(dirname "$0")/.." && pwd)"
config="${SVGO_CONFIG:-$here/templates/svgo.config.mjs}"

mkdir -p "$out"
before=0; after=0
for f in $(ls "$src"/*.svg); do
  name=$(basename "$f")
  npx --yes svgo@3 --config "$config" -i "$f" -o "$out/$name" --quiet
  before=$((before + $(wc -c < "$f")))
  after=$((after + $(wc -c < "$out/$name")))
done
echo "before: $before bytes  after: $after bytes"

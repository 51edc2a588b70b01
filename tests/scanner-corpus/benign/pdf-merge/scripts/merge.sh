#!/usr/bin/env bash
set -euo pipefail
out=$1; shift
qpdf --empty --pages "$@" -- "$out"
echo "wrote $out"

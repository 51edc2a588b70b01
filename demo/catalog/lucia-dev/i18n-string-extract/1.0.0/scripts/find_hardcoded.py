#!/usr/bin/env python3
"""find_hardcoded.py - list hard-coded UI strings in JSX/TSX files.

Usage: find_hardcoded.py DIR [DIR ...]
"""
import argparse
import os
import re
import sys

ATTRS = ("placeholder", "title", "alt", "aria-label", "label")
ATTR_RE = re.compile(r'\b(%s)\s*=\s*"([^"{}]*[A-Za-z][^"{}]*)"' % "|".join(ATTRS))
# Text between a closing '>' and the next '<' or '{' that contains a letter.
TEXT_RE = re.compile(r">\s*([^<>{}]*[A-Za-z\u00C0-\uFFFF][^<>{}]*?)\s*(?=<|\{)")
SKIP_DIRS = {"node_modules", ".git", "dist", "build", "__tests__"}


def scan(path):
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            stripped = line.strip()
            if stripped.startswith(("//", "/*", "*", "import ")):
                continue
            for m in ATTR_RE.finditer(line):
                yield lineno, "attr:" + m.group(1), m.group(2)
            for m in TEXT_RE.finditer(line):
                text = m.group(1).strip()
                if text and not text.startswith(("=", "&&", "||")):
                    yield lineno, "text", text


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip())
    total = 0
    for top in sys.argv[1:]:
        for root, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
            for name in sorted(files):
                if name.endswith((".jsx", ".tsx")) and ".test." not in name:
                    path = os.path.join(root, name)
                    for lineno, kind, text in scan(path):
                        total += 1
                        print("%s:%d: %s: %s" % (path, lineno, kind, text))
    print("%d candidate strings" % total, file=sys.stderr)


if __name__ == "__main__":
    main()

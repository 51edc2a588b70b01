#!/usr/bin/env python3
"""find_hardcoded.py - list hard-coded UI strings in JSX/TSX and Vue templates.

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


def template_lines(path):
    """Yield (lineno, line) for the parts of a file that can contain UI text."""
    vue = path.endswith(".vue")
    inside = not vue
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if vue:
                if re.match(r"\s*<template[\s>]", line) and not inside:
                    inside = True
                    continue
                if re.match(r"\s*</template>\s*$", line) and line.startswith("</"):
                    inside = False
                    continue
            if inside:
                yield lineno, line


def scan(path):
    for lineno, line in template_lines(path):
        stripped = line.strip()
        if stripped.startswith(("//", "/*", "*", "import ", "<!--")):
            continue
        for m in ATTR_RE.finditer(line):
            yield lineno, "attr:" + m.group(1), m.group(2)
        for m in TEXT_RE.finditer(line):
            text = m.group(1).strip()
            if text and not text.startswith(("=", "&&", "||")):
                yield lineno, "text", text


def files(tops):
    for top in tops:
        for root, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
            for name in sorted(names):
                if name.endswith((".jsx", ".tsx", ".vue")) and ".test." not in name \
                        and ".spec." not in name:
                    yield os.path.join(root, name)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip())
    total = 0
    for path in files(sys.argv[1:]):
        for lineno, kind, text in scan(path):
            total += 1
            print("%s:%d: %s: %s" % (path, lineno, kind, text))
    print("%d candidate strings" % total, file=sys.stderr)


if __name__ == "__main__":
    main()

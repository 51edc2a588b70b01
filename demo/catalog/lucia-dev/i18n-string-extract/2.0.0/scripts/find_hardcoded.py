#!/usr/bin/env python3
"""find_hardcoded.py - list hard-coded UI strings in JSX/TSX and Vue templates,
suggest translation keys, and optionally draft a nested JSON message catalog.

Usage: find_hardcoded.py DIR [DIR ...] [--root src] [--catalog messages.en.json]
Output: file <TAB> line <TAB> kind <TAB> suggested key <TAB> text
"""
import json
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

SUFFIX = {"placeholder": "Placeholder", "title": "Hint", "alt": "Alt",
          "aria-label": "Aria", "label": "Label"}
STOP = {"a", "an", "the", "to", "of", "and", "or", "your", "you", "is", "are", "in", "on", "for"}


def camel(words):
    words = [w for w in words if w]
    return (words[0] + "".join(w.capitalize() for w in words[1:])) if words else "text"


def suggest_key(path, root, kind, text):
    rel = os.path.relpath(path, root)
    parts = re.split(r"[\\/]", os.path.splitext(rel)[0])
    parts = [p for p in parts if p not in ("components", "pages", "views", "index")]
    ns = ".".join(camel([w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", p)])
                  for p in parts[-2:]) or "common"
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP][:4]
    leaf = camel(words)
    if kind.startswith("attr:"):
        leaf += SUFFIX[kind[5:]]
    return ns + "." + leaf


def set_nested(tree, key, value):
    *parents, leaf = key.split(".")
    node = tree
    for p in parents:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            return False
    if leaf in node:
        return False
    node[leaf] = value
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--root", help="path that keys are made relative to (default: first dir)")
    ap.add_argument("--catalog", help="merge found strings into this JSON catalog")
    args = ap.parse_args()
    root = args.root or args.dirs[0]

    found = []
    for path in files(args.dirs):
        for lineno, kind, text in scan(path):
            key = suggest_key(path, root, kind, text)
            found.append((path, lineno, kind, key, text))
            print("\t".join([path, str(lineno), kind, key, text]))
    print("%d candidate strings" % len(found), file=sys.stderr)

    if args.catalog:
        tree = {}
        if os.path.exists(args.catalog):
            with open(args.catalog, encoding="utf-8") as fh:
                tree = json.load(fh)
        added = sum(set_nested(tree, key, text) for _, _, _, key, text in found)
        with open(args.catalog, "w", encoding="utf-8") as fh:
            json.dump(tree, fh, ensure_ascii=False, indent=2, sort_keys=True)
            fh.write("\n")
        print("%s: %d new keys" % (args.catalog, added), file=sys.stderr)


if __name__ == "__main__":
    main()

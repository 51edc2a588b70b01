#!/usr/bin/env python3
"""check_links.py - report broken links and anchors in Markdown files.

Usage: check_links.py [--external] PATH [PATH ...]
"""
import argparse
import difflib
import os
import re
import sys
import urllib.error
import urllib.request
from functools import lru_cache

INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_USE = re.compile(r"\[([^\]]+)\]\[([^\]]*)\]")
REF_DEF = re.compile(r"^\s{0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s+.*)?$")
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
CUSTOM_ID = re.compile(r"\s*\{#([^}]+)\}\s*$")
INLINE_CODE = re.compile(r"`[^`]*`")
HTML_ID = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")


def markdown_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = [d for d in dirs if not d.startswith(".") and d != "node_modules"]
                for f in sorted(files):
                    if f.lower().endswith(".md"):
                        yield os.path.join(root, f)
        else:
            yield p


def lines_outside_code(path):
    in_fence = False
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if FENCE.match(line):
                in_fence = not in_fence
                continue
            if not in_fence:
                yield lineno, line


def github_slug(text):
    """Anchor id the way GitHub renders it (see references/anchor-rules.md)."""
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@lru_cache(maxsize=None)
def anchors(path):
    seen = {}
    found = set()
    for _, line in lines_outside_code(path):
        for m in HTML_ID.finditer(line):
            found.add(m.group(1))
        h = HEADING.match(line)
        if not h:
            continue
        title = h.group(1)
        custom = CUSTOM_ID.search(title)
        if custom:
            found.add(custom.group(1))
            title = title[: custom.start()]
        slug = github_slug(title)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else "%s-%d" % (slug, n))
    return frozenset(found)


def case_hint(target):
    folder, name = os.path.split(target)
    try:
        for entry in os.listdir(folder or "."):
            if entry.lower() == name.lower():
                return " (case differs: %s)" % os.path.join(folder, entry)
    except OSError:
        pass
    return ""


def check_external(url):
    for method in ("HEAD", "GET"):
        req = urllib.request.Request(url, method=method, headers={"User-Agent": "md-link-check"})
        try:
            with urllib.request.urlopen(req, timeout=10):
                return None
        except urllib.error.HTTPError as e:
            if method == "HEAD" and e.code in (403, 405, 501):
                continue
            return "HTTP %d" % e.code
        except (urllib.error.URLError, OSError) as e:
            return "unreachable (%s)" % getattr(e, "reason", e)
    return None


def check_local(md, target):
    path, _, frag = target.partition("#")
    full = os.path.normpath(os.path.join(os.path.dirname(md), path)) if path else md
    if not os.path.exists(full):
        return "file not found" + case_hint(full)
    if frag and full.lower().endswith(".md") and os.path.isfile(full):
        have = anchors(full)
        if frag.lower() not in have and frag not in have:
            near = difflib.get_close_matches(frag.lower(), sorted(have), n=1)
            return "no such anchor" + (" (near: #%s)" % near[0] if near else "")
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--external", action="store_true", help="also check http(s) links")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()

    broken = 0
    for md in markdown_files(args.paths):
        body = list(lines_outside_code(md))
        defs = {}
        for _, line in body:
            m = REF_DEF.match(line)
            if m:
                defs[m.group(1).lower()] = m.group(2)
        found = []
        for lineno, line in body:
            if REF_DEF.match(line):
                found.append((lineno, REF_DEF.match(line).group(2)))
                continue
            line = INLINE_CODE.sub("", line)
            found += [(lineno, m.group(1)) for m in INLINE.finditer(line)]
            for m in REF_USE.finditer(line):
                ref = (m.group(2) or m.group(1)).lower()
                if ref not in defs:
                    broken += 1
                    print("%s:%d: [%s] - reference not defined" % (md, lineno, ref))
        for lineno, target in found:
            if target.startswith(("http://", "https://")):
                problem = check_external(target) if args.external else None
            elif target.startswith("mailto:") or ":" in target.split("/")[0]:
                problem = None
            else:
                problem = check_local(md, target)
            if problem:
                broken += 1
                print("%s:%d: %s - %s" % (md, lineno, target, problem))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())

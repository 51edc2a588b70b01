#!/usr/bin/env python3
"""check_links.py - report broken links in Markdown files.

Usage: check_links.py [--external] PATH [PATH ...]
"""
import argparse
import os
import re
import sys
import urllib.error
import urllib.request

INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^\s*(```|~~~)")


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


def links(path):
    in_fence = False
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if FENCE.match(line):
                in_fence = not in_fence
                continue
            if not in_fence:
                for m in INLINE.finditer(line):
                    yield lineno, m.group(1)


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--external", action="store_true", help="also check http(s) links")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()

    broken = 0
    for md in markdown_files(args.paths):
        base = os.path.dirname(md)
        for lineno, target in links(md):
            if target.startswith(("http://", "https://")):
                problem = check_external(target) if args.external else None
            elif target.startswith(("mailto:", "#")) or ":" in target.split("/")[0]:
                problem = None
            else:
                rel = target.split("#", 1)[0]
                full = os.path.normpath(os.path.join(base, rel))
                problem = None if os.path.exists(full) else "file not found" + case_hint(full)
            if problem:
                broken += 1
                print("%s:%d: %s - %s" % (md, lineno, target, problem))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""extract_tables.py - extract tables from a PDF into CSV files.

Usage: extract_tables.py FILE.pdf OUT_DIR|- [--pages 1-3,5] [--strategy lines|text]
                         [--merge-continued]
"""
import argparse
import csv
import os
import sys

try:
    import pdfplumber
except ImportError:
    sys.exit("pdfplumber is not installed: python3 -m pip install -r requirements.txt")

STRATEGIES = {
    "lines": {"vertical_strategy": "lines", "horizontal_strategy": "lines"},
    "text": {"vertical_strategy": "text", "horizontal_strategy": "text",
             "snap_tolerance": 3, "join_tolerance": 3, "min_words_vertical": 2},
}


def parse_pages(spec, count):
    if not spec:
        return list(range(1, count + 1))
    pages = []
    for part in spec.split(","):
        a, _, b = part.strip().partition("-")
        lo, hi = int(a), int(b or a)
        pages.extend(p for p in range(lo, hi + 1) if 1 <= p <= count)
    return pages


def clean(row):
    return ["" if c is None else " ".join(c.split()) for c in row]


def collect(pdf, pages, settings):
    """Yield [first_page, last_page, k, rows] for each non-empty table."""
    for pno in pages:
        for tno, table in enumerate(pdf.pages[pno - 1].extract_tables(settings), 1):
            rows = [clean(r) for r in table if any(c for c in r)]
            if rows:
                yield [pno, pno, tno, rows]


def merge_continued(tables):
    merged = []
    for t in tables:
        prev = merged[-1] if merged else None
        if prev and t[0] == prev[1] + 1 and t[3][0] == prev[3][0]:
            prev[3].extend(t[3][1:])  # drop the repeated header
            prev[1] = t[0]
        else:
            merged.append(t)
    return merged


def main():
    ap = argparse.ArgumentParser(description="Extract PDF tables to CSV")
    ap.add_argument("pdf")
    ap.add_argument("out", help="output directory, or - for stdout")
    ap.add_argument("--pages", help="e.g. 1-3,5 (1-based, inclusive)")
    ap.add_argument("--strategy", choices=sorted(STRATEGIES), default="lines")
    ap.add_argument("--merge-continued", action="store_true",
                    help="join tables on consecutive pages that repeat the same header")
    args = ap.parse_args()

    with pdfplumber.open(args.pdf) as pdf:
        tables = list(collect(pdf, parse_pages(args.pages, len(pdf.pages)),
                              STRATEGIES[args.strategy]))
    if args.merge_continued:
        tables = merge_continued(tables)
    if not tables:
        print("no tables found (try --strategy text)", file=sys.stderr)
        return 1

    for first, last, k, rows in tables:
        note = " (merged pages %d-%d)" % (first, last) if last != first else ""
        if args.out == "-":
            print("# page %d, table %d%s" % (first, k, note))
            csv.writer(sys.stdout).writerows(rows)
            print()
            continue
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "p%d-t%d.csv" % (first, k))
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        print("%s: %d rows x %d cols%s" % (path, len(rows), len(rows[0]), note), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

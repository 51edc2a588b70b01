#!/usr/bin/env python3
"""extract_tables.py - extract tables from a PDF into CSV files.

Usage: extract_tables.py FILE.pdf [--pages 1-3,5] [--out-dir DIR]
Without --out-dir, tables are printed to stdout, each preceded by a comment line.
"""
import argparse
import csv
import os
import sys

try:
    import pdfplumber
except ImportError:
    sys.exit("pdfplumber is not installed: python3 -m pip install -r requirements.txt")


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


def main():
    ap = argparse.ArgumentParser(description="Extract PDF tables to CSV")
    ap.add_argument("pdf")
    ap.add_argument("--pages", help="e.g. 1-3,5 (1-based, inclusive)")
    ap.add_argument("--out-dir", help="write one CSV per table here")
    args = ap.parse_args()

    found = 0
    with pdfplumber.open(args.pdf) as pdf:
        for pno in parse_pages(args.pages, len(pdf.pages)):
            for tno, table in enumerate(pdf.pages[pno - 1].extract_tables(), 1):
                rows = [clean(r) for r in table if any(c for c in r)]
                if not rows:
                    continue
                found += 1
                if args.out_dir:
                    os.makedirs(args.out_dir, exist_ok=True)
                    path = os.path.join(args.out_dir, "p%d-t%d.csv" % (pno, tno))
                    with open(path, "w", newline="", encoding="utf-8") as fh:
                        csv.writer(fh).writerows(rows)
                    print("%s: %d rows x %d cols" % (path, len(rows), len(rows[0])), file=sys.stderr)
                else:
                    print("# page %d, table %d" % (pno, tno))
                    csv.writer(sys.stdout).writerows(rows)
                    print()
    if not found:
        print("no tables found", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""extract_tables.py - print every table in a PDF as CSV.

Usage: extract_tables.py FILE.pdf
"""
import csv
import sys

try:
    import pdfplumber
except ImportError:
    sys.exit("pdfplumber is not installed: python3 -m pip install --user pdfplumber")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip())
    out = csv.writer(sys.stdout)
    found = 0
    with pdfplumber.open(sys.argv[1]) as pdf:
        for pno, page in enumerate(pdf.pages, 1):
            for tno, table in enumerate(page.extract_tables(), 1):
                found += 1
                print("# page %d, table %d" % (pno, tno))
                for row in table:
                    out.writerow(["" if c is None else c.strip() for c in row])
                print()
    if not found:
        print("no tables found", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""clean_csv.py - normalise the structure of a CSV file.

Usage: clean_csv.py IN.csv [options] > OUT.csv      (summary is printed to stderr)
"""
import argparse
import csv
import io
import re
import sys
import unicodedata


def snake(name):
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name = re.sub(r"[^0-9A-Za-z]+", "_", name.strip()).strip("_").lower()
    return name or "column"


def unique(names):
    seen, out = {}, []
    for n in names:
        k = seen.get(n, 0)
        seen[n] = k + 1
        out.append(n if k == 0 else "%s_%d" % (n, k + 1))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--delimiter", help="override delimiter detection")
    args = ap.parse_args()

    with open(args.path, encoding="utf-8-sig", newline="") as fh:
        text = fh.read()
    delim = args.delimiter or csv.Sniffer().sniff(text[:20000], ",;\t|").delimiter
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    if not rows:
        sys.exit("empty file")

    raw_header, body = rows[0], rows[1:]
    header = unique([snake(h) for h in raw_header])
    cleaned = []
    empty = 0
    for row in body:
        row = [c.strip() for c in row]
        if not any(row):
            empty += 1
            continue
        cleaned.append(row + [""] * (len(header) - len(row)))

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(header)
    out.writerows(cleaned)

    print("delimiter %r  rows in %d  empty dropped %d  rows out %d"
          % (delim, len(body), empty, len(cleaned)), file=sys.stderr)
    renamed = ["%r -> %s" % (a, b) for a, b in zip(raw_header, header) if a != b]
    if renamed:
        print("headers: " + ", ".join(renamed), file=sys.stderr)


if __name__ == "__main__":
    main()

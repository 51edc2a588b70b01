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
    ap.add_argument("--dedupe", action="store_true", help="drop exact duplicate rows")
    ap.add_argument("--keep", help="comma-separated cleaned column names to keep, in order")
    args = ap.parse_args()

    with open(args.path, encoding="utf-8-sig", newline="") as fh:
        text = fh.read()
    delim = args.delimiter or csv.Sniffer().sniff(text[:20000], ",;\t|").delimiter
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    if not rows:
        sys.exit("empty file")

    raw_header, body = rows[0], rows[1:]
    header = unique([snake(h) for h in raw_header])
    cleaned, seen = [], set()
    empty = dupes = 0
    for row in body:
        row = [c.strip() for c in row]
        if not any(row):
            empty += 1
            continue
        row = row + [""] * (len(header) - len(row))
        if args.dedupe:
            key = tuple(row)
            if key in seen:
                dupes += 1
                continue
            seen.add(key)
        cleaned.append(row)

    if args.keep:
        wanted = [k.strip() for k in args.keep.split(",")]
        missing = [k for k in wanted if k not in header]
        if missing:
            sys.exit("unknown column(s): %s (have: %s)" % (", ".join(missing), ", ".join(header)))
        idx = [header.index(k) for k in wanted]
        header = wanted
        cleaned = [[r[i] for i in idx] for r in cleaned]

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(header)
    out.writerows(cleaned)

    print("delimiter %r  rows in %d  empty dropped %d  duplicates dropped %d  rows out %d"
          % (delim, len(body), empty, dupes, len(cleaned)), file=sys.stderr)
    renamed = ["%r -> %s" % (a, b) for a, b in zip(raw_header, unique([snake(h) for h in raw_header])) if a != b]
    if renamed:
        print("headers: " + ", ".join(renamed), file=sys.stderr)


if __name__ == "__main__":
    main()

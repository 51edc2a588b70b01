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

from datetime import datetime

DATE_FORMATS_MDY = ["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%Y/%m/%d", "%b %d, %Y", "%d %b %Y"]
DATE_FORMATS_DMY = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%Y/%m/%d", "%d %b %Y", "%b %d, %Y"]


def read_text(path, forced):
    with open(path, "rb") as fh:
        raw = fh.read()
    if forced:
        return raw.decode(forced), forced
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def to_iso(value, formats):
    if not value:
        return value, True
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt).strftime("%Y-%m-%d"), True
        except ValueError:
            pass
    return value, False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--delimiter", help="override delimiter detection")
    ap.add_argument("--encoding", help="override encoding detection, e.g. cp1252")
    ap.add_argument("--dedupe", action="store_true", help="drop exact duplicate rows")
    ap.add_argument("--keep", help="comma-separated cleaned column names to keep, in order")
    ap.add_argument("--iso-dates", help="comma-separated cleaned column names holding dates")
    ap.add_argument("--day-first", action="store_true", help="read 01/02/2024 as 1 February")
    args = ap.parse_args()

    text, encoding = read_text(args.path, args.encoding)
    delim = args.delimiter or csv.Sniffer().sniff(text[:20000], ",;\t|").delimiter
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    if not rows:
        sys.exit("empty file")

    raw_header, body = rows[0], rows[1:]
    full_header = unique([snake(h) for h in raw_header])
    header = list(full_header)

    def columns(spec):
        wanted = [k.strip() for k in spec.split(",")]
        missing = [k for k in wanted if k not in header]
        if missing:
            sys.exit("unknown column(s): %s (have: %s)" % (", ".join(missing), ", ".join(header)))
        return wanted

    date_cols = [header.index(c) for c in columns(args.iso_dates)] if args.iso_dates else []
    formats = DATE_FORMATS_DMY if args.day_first else DATE_FORMATS_MDY

    cleaned, seen = [], set()
    empty = dupes = bad_dates = 0
    for row in body:
        row = [c.strip() for c in row]
        if not any(row):
            empty += 1
            continue
        row = row + [""] * (len(header) - len(row))
        for i in date_cols:
            row[i], ok = to_iso(row[i], formats)
            bad_dates += not ok
        if args.dedupe:
            key = tuple(row)
            if key in seen:
                dupes += 1
                continue
            seen.add(key)
        cleaned.append(row)

    if args.keep:
        wanted = columns(args.keep)
        idx = [header.index(k) for k in wanted]
        header = wanted
        cleaned = [[r[i] for i in idx] for r in cleaned]

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(header)
    out.writerows(cleaned)

    print("delimiter %r  encoding %s  rows in %d  empty dropped %d  duplicates dropped %d  rows out %d"
          % (delim, encoding, len(body), empty, dupes, len(cleaned)), file=sys.stderr)
    if date_cols:
        print("dates left unchanged (unparsed): %d" % bad_dates, file=sys.stderr)
    renamed = ["%r -> %s" % (a, b) for a, b in zip(raw_header, full_header) if a != b]
    if renamed:
        print("headers: " + ", ".join(renamed), file=sys.stderr)


if __name__ == "__main__":
    main()

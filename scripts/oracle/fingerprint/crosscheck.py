#!/usr/bin/env python3
"""Cross-checks the Go oracle against independent implementations.

Usage: crosscheck.py VECTORS TABLE

VECTORS: lines "hex(input)<TAB>hash" from `main.go -xxh-vectors`; each hash must equal the
Python xxhash package's xxh64 (the C reference implementation).
TABLE: the JSON-lines table from `main.go`; every hash column is recomputed here from the labels
(encodings rebuilt in Python, xxh64 from the C library, FNV-1a written out).
"""
import json
import sys

import xxhash

SEP = b"\xff"


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def xxh(data):
    return xxhash.xxh64(data, seed=0).intdigest()


def sep_encoding(labels, keep=lambda name: True):
    # Go sorts names as byte strings; Python's str order is code point order, which is the same
    # order for UTF-8, but sort the bytes to say what is meant.
    out = b""
    for name in sorted(labels, key=lambda n: n.encode()):
        if keep(name):
            out += name.encode() + SEP + labels[name].encode() + SEP
    return out


def size(n):
    return bytes([n]) if n < 255 else bytes([255, n & 0xFF, (n >> 8) & 0xFF, (n >> 16) & 0xFF])


def stringlabels(labels):
    out = b""
    for name in sorted(labels, key=lambda n: n.encode()):
        n, v = name.encode(), labels[name].encode()
        out += size(len(n)) + n + size(len(v)) + v
    return out


def main(vectors_path, table_path):
    failures = 0
    count = 0
    with open(vectors_path) as f:
        for line in f:
            data_hex, want = line.rstrip("\n").split("\t")
            got = "%016x" % xxh(bytes.fromhex(data_hex))
            count += 1
            if got != want:
                failures += 1
                print(f"xxh64 vector of {len(data_hex) // 2} bytes: go {want}, C {got}")
    print(f"xxh64 vectors checked: {count}")

    with open(table_path) as f:
        header = json.loads(f.readline())
        hash_for = set(header["hash_for_names"])
        hash_without = set(header["hash_without_names"])
        rows = 0
        for line in f:
            row = json.loads(line)
            labels = dict(row["labels"])  # the last of a repeated name wins, as in Go's map
            want = {
                "fingerprint": fnv1a64(sep_encoding(labels)),
                "hash": xxh(sep_encoding(labels)),
                "stringlabels_hash": xxh(stringlabels(labels)),
                "hash_for": xxh(sep_encoding(labels, lambda n: n in hash_for)),
                "hash_without": xxh(
                    sep_encoding(labels, lambda n: n != "__name__" and n not in hash_without)
                ),
            }
            for column, value in want.items():
                if row[column] != "%016x" % value:
                    failures += 1
                    print(f"row {rows}: {column}: go {row[column]}, python {value:016x}")
            rows += 1
    print(f"table rows checked: {rows}")
    if failures:
        sys.exit(f"{failures} mismatches")


if __name__ == "__main__":
    main(*sys.argv[1:])

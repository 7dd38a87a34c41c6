#!/usr/bin/env python3
"""Text-only scores of the corpus's `tune` negatives (normal, client_error, rate_limited),
under one detector build or two (to see what a change of signals moves).

    python3 tests/corpus/margins.py NEW_BIN [OLD_BIN] [--all]

NEW_BIN/OLD_BIN: `bounceback` binaries (e.g. target/release/bounceback and the same binary
built from another commit). Each tune negative is classified as text only (no status, no
headers) with `classify --explain`; the table lists every negative whose score differs
between the two builds, or that scores above 2 (the margin wanted under the threshold 5),
and ends with the maximum score per label. `--all` lists every negative. `held-out` cases
are never read (tests/corpus/README.md).
"""
import json
import os
import subprocess
import sys

MARGIN = 2  # a negative should score at most this (threshold 5 minus a margin)


def score(binary, path):
    out = subprocess.run([binary, "classify", "--explain", path], capture_output=True, text=True, check=True).stdout
    v = json.loads(out)
    s = v.get("score")
    return (s if s is not None else 0), v.get("verdict"), [f"{x['signal']} ({x['weight']:+d})" for x in v.get("signals", [])]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    show_all = "--all" in sys.argv
    if not args or len(args) > 2:
        sys.exit(__doc__)
    new, old = args[0], (args[1] if len(args) > 1 else None)
    root = os.path.dirname(os.path.abspath(__file__))
    cases = [json.loads(l) for l in open(os.path.join(root, "labels.jsonl")) if l.strip()]
    negatives = [c for c in cases if c["split"] == "tune" and c["label"] != "server_error"]
    maxima = {}
    rows = []
    for c in negatives:
        path = os.path.join(root, c["file"])
        n, nv, sig = score(new, path)
        o = score(old, path)[0] if old else n
        lab = c["label"]
        m = maxima.setdefault(lab, [None, None])
        m[0] = o if m[0] is None else max(m[0], o)
        m[1] = n if m[1] is None else max(m[1], n)
        if show_all or n != o or n > MARGIN:
            rows.append((n, o, c["file"], lab, nv, sig))
    rows.sort(key=lambda r: (-r[0], r[2]))
    for n, o, f, lab, nv, sig in rows:
        print(f"{o:>4} -> {n:>3}  {lab:13} {nv:13} {f}")
        if n != o or n > MARGIN:
            print("               " + "; ".join(sig))
    print(f"\n{len(negatives)} tune negatives; max text-only score per label (old -> new):")
    for lab, (o, n) in sorted(maxima.items()):
        print(f"  {lab:13} {o} -> {n}")
    over = [r for r in rows if r[0] > MARGIN]
    print(f"{len(over)} negatives above {MARGIN}; {sum(1 for r in rows if r[0] != r[1])} moved ({sum(1 for r in rows if r[0] > r[1])} upward)")


if __name__ == "__main__":
    main()

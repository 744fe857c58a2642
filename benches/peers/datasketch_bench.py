#!/usr/bin/env python3
"""datasketch MinHashLSH on the texts our dedup bench uses, in docs/s, one process.

usage: datasketch_bench.py [--ours BINARY] [--repeat N] DOCS.jsonl

DOCS.jsonl  {"id","published","text"} per line (optionally "site"): the batch that
            `DEDUP_BENCH_CORPUS=PATH cargo bench --bench dedup` writes, or a labelled set
            such as ../shared/data/neardup/bbc-repost-dev/docs.jsonl. Rows with a "site"
            first lose the lines found on >= 3 pages of their site (the stand-in template
            filter of examples/dedup_dev.rs), outside the timing.

The peer is the baseline of ANCHORS.md section 2: word 5-gram shingles (inside each
paragraph, as ours), datasketch MinHash with 128 permutations, MinHashLSH at threshold 0.3,
every candidate checked exactly on the shingle sets (containment >= 0.5, at least 10
shingles), centre clustering. It prints docs/s for the signatures alone and for the whole
run (signatures + index + query + exact check + clustering), best of --repeat runs.

--ours BINARY  also run our `dedup_dev` example binary (cargo build --release --example
               dedup_dev) on the same file with RAYON_NUM_THREADS=1 and print the ratio
               of the two whole-run figures measured in this one invocation.

Needs `pip install datasketch`; without it the script says so and exits 0.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time

WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
SHINGLE_WORDS = 5
MIN_SHINGLES = 10
MIN_CONTAINMENT = 0.5


def load(path):
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    if any(r.get("site") for r in rows):
        count = collections.Counter()
        for r in rows:
            for line in {x.strip() for x in r["text"].split("\n")}:
                count[(r.get("site", ""), line)] += 1
        for r in rows:
            site = r.get("site", "")
            r["text"] = "\n\n".join(
                x.strip() for x in r["text"].split("\n")
                if x.strip() and (not site or count[(site, x.strip())] < 3))
    return rows


def shingles(text):
    out = set()
    for para in text.split("\n"):
        words = WORD.findall(para.lower())
        if not words:
            continue
        if len(words) < SHINGLE_WORDS:
            out.add(" ".join(words))
        for i in range(len(words) - SHINGLE_WORDS + 1):
            out.add(" ".join(words[i:i + SHINGLE_WORDS]))
    return out


def run_peer(rows, MinHash, MinHashLSH):
    t0 = time.perf_counter()
    sets, sigs = [], []
    for r in rows:
        s = shingles(r["text"])
        m = MinHash(num_perm=128)
        m.update_batch([x.encode("utf-8") for x in s])
        sets.append(s)
        sigs.append(m)
    t_sig = time.perf_counter() - t0
    lsh = MinHashLSH(threshold=0.3, num_perm=128)
    for i, m in enumerate(sigs):
        lsh.insert(i, m)
    edges = collections.defaultdict(list)
    for i, m in enumerate(sigs):
        for j in lsh.query(m):
            if j <= i:
                continue
            a, b = sets[i], sets[j]
            small = min(len(a), len(b))
            if small < MIN_SHINGLES:
                continue
            common = len(a & b)
            c = common / small
            if c >= MIN_CONTAINMENT:
                edges[i].append((j, c))
                edges[j].append((i, c))
    order = sorted(range(len(rows)), key=lambda i: (rows[i].get("published", ""), -len(sets[i]), i))
    centre = {}
    for i in order:
        best = max(((c, j) for j, c in edges[i] if centre.get(j) == j), default=None)
        centre[i] = best[1] if best else i
    t_all = time.perf_counter() - t0
    return t_sig, t_all, len({c for c in centre.values()})


def run_ours(binary, path):
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, RAYON_NUM_THREADS="1")
        out = subprocess.run([binary, path, os.path.join(tmp, "clusters.jsonl")], env=env,
                             capture_output=True, text=True, check=True)
    m = re.search(r"([0-9.]+) docs/s", out.stderr)
    return float(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("docs")
    ap.add_argument("--ours", help="path of the dedup_dev example binary")
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        print("datasketch is not installed (pip install datasketch): skipped")
        return
    rows = load(a.docs)
    best_sig = best_all = float("inf")
    for _ in range(a.repeat):
        t_sig, t_all, clusters = run_peer(rows, MinHash, MinHashLSH)
        best_sig, best_all = min(best_sig, t_sig), min(best_all, t_all)
    n = len(rows)
    print(f"datasketch: {n} docs, {clusters} clusters; signatures {n / best_sig:.0f} docs/s; "
          f"whole run {n / best_all:.0f} docs/s")
    if a.ours:
        ours = max(filter(None, (run_ours(a.ours, a.docs) for _ in range(a.repeat))), default=None)
        if ours:
            print(f"ours (1 thread, sign + candidates + verify + cluster): {ours:.0f} docs/s; "
                  f"ratio {ours / (n / best_all):.1f}x")


if __name__ == "__main__":
    main()

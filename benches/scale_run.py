#!/usr/bin/env python3
"""The main job at scale: `clean-news run` over 100,000 or 1,000,000 news documents.

usage: scale_run.py --dev DEV_SET_DIR [--size 100k|1m ...] [options]

Makes the scale corpus (N word-permuted copies of a bbc-repost-dev style set, by the
`scale_corpus` example: 24 copies ~ 100k documents, 240 ~ 1M), runs
`clean-news run --threads 2 --index ...` over it with a fresh index, and prints:

  docs/s       documents read per second of wall time
  wall         seconds, the run alone (not the corpus, not scoring)
  peak RSS     of the run's process (its own rusage, through os.wait4)
  index B/doc  bytes of the index on disk (a file or a folder) per document
  ARI          of documents.jsonl against the copies' gold (computed here, streaming: the
               same figure as `clean-news eval clusters` and score_clusters.py)
  related      related-story pairs merged (hard negatives of kind related_story in one
               cluster), of how many
  teaser       same_site_teaser pairs merged, of how many

The corpus is made once per size under --work and reused (its parameters are checked).
Needs ~3 GB of disk per 240 copies for the input, as much for the output, plus the index.

Examples:
  benches/scale_run.py --dev ../data/bbc-repost-dev --size 100k
  benches/scale_run.py --dev ../data/bbc-repost-dev --size 100k --size 1m --json
  benches/scale_run.py --dev DEV --size 100k --binary old/clean-news --label before
  benches/scale_run.py --dev DEV --size 100k -- --memory 1G   (extra `run` flags after --)

Python 3, standard library only.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

SIZES = {"100k": 24, "1m": 240}
DECODER = json.JSONDecoder()
SEED = 19


def sh(cmd, **kw):
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=True, **kw)


def disk_bytes(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


def make_corpus(args, copies):
    folder = os.path.join(args.work, f"corpus-{copies}")
    stamp = os.path.join(folder, "made.json")
    want = {"copies": copies, "seed": SEED, "dev": os.path.abspath(args.dev)}
    if os.path.exists(stamp):
        with open(stamp, encoding="utf-8") as f:
            if json.load(f) == want:
                return folder
    shutil.rmtree(folder, ignore_errors=True)
    sh([args.generator, "--from", args.dev, "--out", folder, "--copies", str(copies),
        "--seed", str(SEED)])
    with open(stamp, "w", encoding="utf-8") as f:
        json.dump(want, f)
    return folder


def timed_run(cmd):
    """Runs cmd; returns (wall seconds, peak RSS in KiB) of that process alone."""
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    start = time.monotonic()
    proc = subprocess.Popen(cmd)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0,):
        sys.exit(f"the run failed (exit {proc.returncode})")
    # ru_maxrss is in KiB on Linux.
    return wall, usage.ru_maxrss


def comb2(n):
    return n * (n - 1) // 2


def score(corpus, out):
    """ARI of documents.jsonl against gold.jsonl, and the hard negatives merged per kind.

    Streams the run's output keeping only each document's cluster (a million records of
    4 KB each would not fit in memory as parsed JSON). Documents the run did not write
    count as singletons, as in `clean-news eval clusters` and score_clusters.py, whose
    figures these agree with on the 100k corpus.
    """
    gold = {}
    with open(os.path.join(corpus, "gold.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                gold[record["id"]] = record["cluster"]
    predicted = {}
    with open(os.path.join(out, "documents.jsonl"), "rb") as f:
        for line in f:
            # `{"id":…, …, "cluster":"…","canonical":…}`: the id leads, the cluster is the
            # last string field (the text comes before it).
            at = line.rfind(b',"cluster":')
            record = json.loads(b"{" + line[at + 1:])
            try:
                if not line.startswith(b'{"id":'):
                    raise ValueError("no leading id")
                doc_id, _end = DECODER.raw_decode(line[6:300].decode("utf-8", "replace"))
            except ValueError:
                doc_id = json.loads(line)["id"]
            if doc_id in gold:
                predicted[doc_id] = record["cluster"]
    pairs = {}
    gold_sizes = {}
    pred_sizes = {}
    for doc_id, gold_cluster in gold.items():
        pred_cluster = predicted.get(doc_id, ("singleton", doc_id))
        pairs[(gold_cluster, pred_cluster)] = pairs.get((gold_cluster, pred_cluster), 0) + 1
        gold_sizes[gold_cluster] = gold_sizes.get(gold_cluster, 0) + 1
        pred_sizes[pred_cluster] = pred_sizes.get(pred_cluster, 0) + 1
    index = sum(comb2(n) for n in pairs.values())
    a = sum(comb2(n) for n in gold_sizes.values())
    b = sum(comb2(n) for n in pred_sizes.values())
    expected = a * b / comb2(len(gold)) if len(gold) > 1 else 0.0
    top = (a + b) / 2
    ari = (index - expected) / (top - expected) if top != expected else 1.0
    negatives = {}
    path = os.path.join(corpus, "hard_negatives.jsonl")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                pair = json.loads(line)
                one = negatives.setdefault(pair["kind"], {"pairs": 0, "merged": 0})
                if pair["a"] in gold and pair["b"] in gold:
                    one["pairs"] += 1
                    ca, cb = predicted.get(pair["a"]), predicted.get(pair["b"])
                    one["merged"] += int(ca is not None and ca == cb)
    return {"ari": ari}, negatives


def bench(args, size):
    copies = SIZES[size]
    corpus = make_corpus(args, copies)
    out = os.path.join(args.work, f"out-{copies}-{args.label}")
    shutil.rmtree(out, ignore_errors=True)
    index = os.path.join(out, "index.redb")
    cmd = [args.binary, "run", os.path.join(corpus, "docs.jsonl"), "-o", out,
           "--threads", str(args.threads), "--index", index, "--quiet"] + args.run_args
    wall, rss_kib = timed_run(cmd)
    with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    docs = summary["read"]
    index_bytes = disk_bytes(index) if os.path.exists(index) else 0
    print(f"run: {docs} documents, {wall:.2f} s wall, peak RSS {rss_kib / 1024:.1f} MiB, "
          f"index {index_bytes} bytes", flush=True)
    report, negatives = score(corpus, out)
    related = negatives.get("related_story", {})
    teaser = negatives.get("same_site_teaser", {})
    row = {
        "label": args.label,
        "size": size,
        "copies": copies,
        "documents": docs,
        "threads": args.threads,
        "wall_s": round(wall, 2),
        "docs_per_s": round(docs / wall, 1) if wall > 0 else None,
        "peak_rss_mib": round(rss_kib / 1024, 1),
        "index_bytes": index_bytes,
        "index_bytes_per_doc": round(index_bytes / docs, 1) if docs else None,
        "output_bytes": disk_bytes(out) - index_bytes,
        "ari": report.get("ari"),
        "related_merged": related.get("merged"),
        "related_pairs": related.get("pairs"),
        "teaser_merged": teaser.get("merged"),
        "teaser_pairs": teaser.get("pairs"),
    }
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return row


def print_row(row):
    print(f"{row['label']} {row['size']}: {row['documents']} docs, "
          f"{row['wall_s']} s wall, {row['docs_per_s']} docs/s, "
          f"peak RSS {row['peak_rss_mib']} MiB, "
          f"index {row['index_bytes_per_doc']} B/doc, "
          f"ARI {row['ari']:.4f}, "
          f"related merged {row['related_merged']}/{row['related_pairs']}, "
          f"teaser merged {row['teaser_merged']}/{row['teaser_pairs']}", flush=True)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", required=True,
                        help="the labelled set to copy (docs.jsonl, gold.jsonl, "
                             "hard_negatives.jsonl)")
    parser.add_argument("--size", action="append", choices=sorted(SIZES),
                        help="100k (24 copies) or 1m (240 copies); repeatable (default 100k)")
    parser.add_argument("--work", default="target/scale-bench",
                        help="folder for corpora and outputs (default target/scale-bench)")
    parser.add_argument("--binary", default="target/release/clean-news",
                        help="the clean-news to measure (default target/release/clean-news)")
    parser.add_argument("--generator", default="target/release/examples/scale_corpus",
                        help="the scale_corpus example (default "
                             "target/release/examples/scale_corpus)")
    parser.add_argument("--no-build", action="store_true",
                        help="do not build the binary and the generator first")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--label", default="run", help="a name for this binary in the output")
    parser.add_argument("--keep", action="store_true", help="keep the run's output folder")
    parser.add_argument("--json", action="store_true", help="also print each row as JSON")
    parser.add_argument("run_args", nargs="*", help="extra flags for `clean-news run` (after --)")
    args = parser.parse_args()
    sizes = args.size or ["100k"]
    if not args.no_build:
        sh(["cargo", "build", "--release", "--locked", "--bin", "clean-news",
            "--example", "scale_corpus"])
    os.makedirs(args.work, exist_ok=True)
    for size in sizes:
        row = bench(args, size)
        print_row(row)
        if args.json:
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Times trafilatura on the trafilatura-eval pages, one thread, like our example binary.

Usage:
  benches/peers/trafilatura_bench.py DATA_DIR [--out pred.jsonl] [--limit N]

DATA_DIR is the folder holding evaldata.json (or its parent). The pages are read into
memory first; the clock covers trafilatura.extract only (as `eval_extraction` times
decode + extract + clean, not file reading). Prints pages/s and MB/s; --out writes
predictions as JSON Lines for tools/score_extraction.py.

Compare in the same run (same machine, same load):
  python3 benches/peers/trafilatura_bench.py target/eval-data
  cargo run --release --example eval_extraction -- trafilatura-eval target/eval-data
"""

import argparse
import json
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir")
    ap.add_argument("--out")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    import trafilatura

    data_dir = args.data_dir
    if not os.path.isfile(os.path.join(data_dir, "evaldata.json")):
        data_dir = os.path.join(data_dir, "trafilatura-eval")
    with open(os.path.join(data_dir, "evaldata.json"), encoding="utf-8") as f:
        ids = sorted(json.load(f))
    if args.limit:
        ids = ids[: args.limit]
    pages = []
    for pid in ids:
        with open(os.path.join(data_dir, "html", pid), "rb") as f:
            pages.append((pid, f.read()))
    total = sum(len(b) for _, b in pages)
    out = []
    start = time.perf_counter()
    for pid, raw in pages:
        text = trafilatura.extract(raw)
        out.append({"id": pid, "text": text})
    seconds = time.perf_counter() - start
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            for row in out:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(
        f"SUMMARY trafilatura {trafilatura.__version__} pages={len(pages)} seconds={seconds:.2f} "
        f"pages/s={len(pages) / seconds:.1f} MB/s={total / 1e6 / seconds:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

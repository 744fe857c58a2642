#!/usr/bin/env python3
"""Issue #18's "done when" for hostile HTML, at the issue's sizes, against a built binary.

Usage:
  cargo build --release
  python3 benches/hostile_html.py [--bin target/release/clean-news] [--good 1000] [--keep DIR]

Writes a folder holding the 2.2 MB page of case 1 (`<b class=cN><p>xN ` 80,000 times), the
7.9 MB page of case 2 (one `div` with 1,000,000 valueless attributes) and `--good` ordinary
news pages, then runs `clean-news clean DIR -o out.jsonl` and `clean-news run DIR -o OUT
--no-index` under `/usr/bin/time -v`. Prints, for each, the wall time, the peak RSS, how many
records and error records came out, and whether it meets the issue's bounds (under a minute,
under 1 GB, one error record for the page over budget, every other page cleaned).
`tests/hostile_html.rs` checks the same in small on every `cargo test`.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def misnested_bold(paragraphs):
    return "<html><body>" + "".join(f'<b class="c{i}"><p>x{i} ' for i in range(paragraphs))


def many_attributes(count):
    attrs = " ".join(f"a{i}" for i in range(count))
    return f"<html><body><div {attrs}><p>x</p></div>"


def good_page(i):
    paragraphs = "".join(
        f"<p>Paragraph {p} of story {i}: the council met on day {i} and voted, after a long "
        f"debate, to <b>keep</b> the library open, residents said, adding that {i * 7 + p} "
        "more volunteers had signed up.</p>"
        for p in range(5)
    )
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Story {i} | Wire"
        f"</title></head><body><nav><a href=/>Home</a> <a href=/world>World</a></nav>"
        f"<article><h1>Story {i}</h1>{paragraphs}</article><footer>© Wire</footer>"
        "</body></html>"
    )


def timed(cmd, cwd):
    """Runs cmd under /usr/bin/time -v; returns (exit code, seconds, peak RSS in MB)."""
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *cmd], cwd=cwd, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if not (wall and rss):
        sys.exit(f"no figures from /usr/bin/time for {cmd}:\n{proc.stderr}")
    hours, minutes, seconds = wall.groups()
    secs = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return proc.returncode, secs, int(rss.group(1)) / 1024


def records(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/clean-news")
    ap.add_argument("--good", type=int, default=1000)
    ap.add_argument("--keep", help="write the folder here and keep it")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    work = args.keep or tempfile.mkdtemp(prefix="hostile-html-")
    os.makedirs(os.path.join(work, "in"), exist_ok=True)
    pages = {
        "bad-misnested.html": misnested_bold(80_000),
        "bad-attributes.html": many_attributes(1_000_000),
    }
    pages.update({f"good-{i:04}.html": good_page(i) for i in range(args.good)})
    for name, page in pages.items():
        with open(os.path.join(work, "in", name), "w", encoding="utf-8") as f:
            f.write(page + "\n")
    for name in ("bad-misnested.html", "bad-attributes.html"):
        size = os.path.getsize(os.path.join(work, "in", name))
        print(f"{name}: {size / 1e6:.1f} MB")
    total = len(pages)
    ok = True
    for what, cmd, out in [
        ("clean", [binary, "clean", "in", "-o", "out.jsonl"], "out.jsonl"),
        ("run", [binary, "run", "in", "-o", "out", "--no-index"], "out/errors.jsonl"),
    ]:
        code, secs, rss = timed(cmd, work)
        if what == "clean":
            got = records(os.path.join(work, out))
            errors = [r for r in got if r.get("type") == "error"]
            n = len(got)
        else:
            errors = records(os.path.join(work, out))
            n = len(records(os.path.join(work, "out", "documents.jsonl"))) + len(errors)
        failed_ids = sorted(e.get("id") for e in errors)
        good = (
            secs < 60
            and rss < 1024
            and n == total
            and failed_ids == ["bad-attributes.html", "bad-misnested.html"]
        )
        ok &= good
        print(
            f"{what}: exit {code}, {secs:.2f} s, peak RSS {rss:.0f} MB, {n} records, "
            f"errors {failed_ids}: {'ok' if good else 'FAIL'}"
        )
        for e in errors:
            print(f"  {e.get('id')}: {e.get('error')}")
    if not args.keep:
        shutil.rmtree(work)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

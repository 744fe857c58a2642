#!/usr/bin/env python3
"""Quality gate: measure clean-news on the labelled sets and hold each figure to its floor.

Usage (from anywhere; `.ci/run` runs it after the tests):

    python3 .ci/quality_gate.py            # build the release binary, measure, compare
    python3 .ci/quality_gate.py --bin PATH # measure this binary instead (nothing is built)

The floors and ceilings live in one file, `.ci/floors.toml`; this script only measures.
Figures, all on the data in `../shared` (beside the repository root, as CI lays it out):

- `trafilatura_f1`, `daniel_ru_f1`, `daniel_en_f1`: `clean-news eval extraction SET
  target/eval-data [--lang L] --out PRED`, scored by `../shared/tools/score_extraction.py
  --json` (full precision; the CLI prints the same figure to 4 decimals). The archives are
  unpacked first by `../shared/tools/unpack-data target/eval-data` (a no-op when up to date).
- `dev_ari`, `dev_pair_precision`, `dev_teaser_merged`, `dev_related_merged`: `clean-news
  run neardup/bbc-repost-dev/docs.jsonl -o OUT --no-index`, then `clean-news eval clusters
  --gold neardup/bbc-repost-dev OUT --json`.
- `real_cases_pass`: the `case-*.txt` pages of `clean-real-dev` copied to a scratch folder,
  `clean-news clean DIR -o out.jsonl`, then `../shared/tools/check_clean_cases.py` ("N/46
  cases pass").
- `rewrites_false_merges`, `rewrites_story_recall`, `rewrites_story_false_merges`:
  `clean-news run rewrites-dev/docs.jsonl -o OUT --no-index --stories`, then
  `../shared/tools/score_pairs.py pairs.jsonl OUT/documents.jsonl --field cluster --json`
  (different-story pairs in one cluster) and without `--field` (by `story`: same-story
  recall and different-story pairs grouped).

Prints `figure  measured  floor  ok/FAIL` per figure and exits 1 when any figure is below
its floor or above its ceiling, or when a measurement itself fails. A figure that beats its
bound by a margin gets a "raise the floor" hint. When `../shared` is missing the gate fails
under CI (env CI=true) and skips with a message elsewhere.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOORS = os.path.join(ROOT, ".ci", "floors.toml")
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
DATA = os.path.join(SHARED, "data")
TOOLS = os.path.join(SHARED, "tools")
EVAL_DATA = os.path.join(ROOT, "target", "eval-data")

# A figure this far past its bound earns the "raise the floor" hint: 0.001 for ratios
# (a tenth of a point), one for counts.
RATIO_MARGIN = 0.001
COUNT_MARGIN = 1


class MeasureError(Exception):
    """A measurement could not be taken (a command failed or printed something unexpected)."""


def load_bounds(path):
    """The floors file as {"floor": {...}, "ceiling": {...}}."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11: the file keeps to `[table]` and `key = number`.
        tomllib = None
    with open(path, "rb") as f:
        raw = f.read()
    if tomllib is not None:
        bounds = tomllib.loads(raw.decode("utf-8"))
    else:
        bounds, table = {}, None
        for n, line in enumerate(raw.decode("utf-8").splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.fullmatch(r"\[(\w+)\]", line)
            if m:
                table = bounds.setdefault(m.group(1), {})
                continue
            m = re.fullmatch(r"(\w+)\s*=\s*([0-9.]+)", line)
            if not m or table is None:
                sys.exit(f"quality gate: {path}:{n}: expected [table] or key = number")
            table[m.group(1)] = float(m.group(2)) if "." in m.group(2) else int(m.group(2))
    unknown = set(bounds) - {"floor", "ceiling"}
    if unknown:
        sys.exit(f"quality gate: {path}: unknown tables {sorted(unknown)}")
    return {"floor": bounds.get("floor", {}), "ceiling": bounds.get("ceiling", {})}


def run(cmd, cwd=ROOT, ok_codes=(0,)):
    """Run a command, return its stdout; raise MeasureError with its stderr when it fails."""
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode not in ok_codes:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise MeasureError(f"`{' '.join(cmd)}` exited {proc.returncode}:\n{tail}")
    return proc.stdout


def json_line(text, what):
    """The first line of `text` that is a JSON object."""
    for line in text.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    try:
        return json.loads(text)
    except ValueError:
        raise MeasureError(f"{what}: no JSON in its output") from None


def extraction(binary, scratch, kind, lang=None):
    """Macro F1 (DAnIEL) or pooled F1 (trafilatura-eval) of `eval extraction`."""
    pred = os.path.join(scratch, f"{kind}-{lang or 'all'}.jsonl")
    lang_args = ["--lang", lang] if lang else []
    run([binary, "eval", "extraction", kind, EVAL_DATA, *lang_args, "--out", pred])
    scorer = [sys.executable, os.path.join(TOOLS, "score_extraction.py"), kind, EVAL_DATA, pred]
    scored = json.loads(run([*scorer, *lang_args, "--json"]))
    return scored["f1"] if kind == "trafilatura-eval" else scored["all"]["macro"]["f1"]


def dev_clusters(binary, scratch):
    """ARI, pair precision and hard negatives merged on bbc-repost-dev."""
    gold = os.path.join(DATA, "neardup", "bbc-repost-dev")
    out = os.path.join(scratch, "dev")
    run([binary, "run", os.path.join(gold, "docs.jsonl"), "-o", out, "--no-index"])
    scores = json_line(run([binary, "eval", "clusters", "--gold", gold, out, "--json"]), "eval")
    hard = scores["hard_negatives"]
    return {
        "dev_ari": scores["ari"],
        "dev_pair_precision": scores["pair_precision"],
        "dev_teaser_merged": hard["same_site_teaser"]["merged"],
        "dev_related_merged": hard["related_story"]["merged"],
    }


def real_cases(binary, scratch):
    """Cases of clean-real-dev that pass check_clean_cases.py."""
    cases = os.path.join(DATA, "clean-real-dev")
    pages = os.path.join(scratch, "real-pages")
    os.makedirs(pages)
    for name in sorted(os.listdir(cases)):
        if name.startswith("case-") and name.endswith(".txt"):
            shutil.copy(os.path.join(cases, name), pages)
    out = os.path.join(scratch, "real.jsonl")
    run([binary, "clean", pages, "-o", out])
    # The checker exits 1 unless every case passes: its count is what we want.
    text = run([sys.executable, os.path.join(TOOLS, "check_clean_cases.py"), out, cases],
               ok_codes=(0, 1))
    m = re.search(r"^(\d+)/(\d+) cases pass$", text, re.M)
    if not m:
        raise MeasureError("check_clean_cases.py: no 'N/M cases pass' line")
    return int(m.group(1))


def rewrites(binary, scratch):
    """rewrites-dev: different-story pairs in one cluster; by story, same-story recall and
    different-story pairs grouped."""
    data = os.path.join(DATA, "rewrites-dev")
    out = os.path.join(scratch, "rewrites")
    run([binary, "run", os.path.join(data, "docs.jsonl"), "-o", out, "--no-index", "--stories"])
    scorer = os.path.join(TOOLS, "score_pairs.py")
    pairs, docs = os.path.join(data, "pairs.jsonl"), os.path.join(out, "documents.jsonl")
    by_cluster = json_line(run([sys.executable, scorer, pairs, docs, "--field", "cluster", "--json"]),
                           "score_pairs.py")
    by_story = json_line(run([sys.executable, scorer, pairs, docs, "--json"]), "score_pairs.py")
    return [by_cluster["false_merges"], by_story["recall"], by_story["false_merges"]]


def measure(binary, scratch):
    """Every figure by name; a failed measurement is recorded as its error."""
    steps = [
        (["trafilatura_f1"], lambda: [extraction(binary, scratch, "trafilatura-eval")]),
        (["daniel_ru_f1"], lambda: [extraction(binary, scratch, "daniel", "ru")]),
        (["daniel_en_f1"], lambda: [extraction(binary, scratch, "daniel", "en")]),
        (
            ["dev_ari", "dev_pair_precision", "dev_teaser_merged", "dev_related_merged"],
            lambda: list(dev_clusters(binary, scratch).values()),
        ),
        (["real_cases_pass"], lambda: [real_cases(binary, scratch)]),
        (
            ["rewrites_false_merges", "rewrites_story_recall", "rewrites_story_false_merges"],
            lambda: rewrites(binary, scratch),
        ),
    ]
    figures = {}
    for names, step in steps:
        start = time.monotonic()
        try:
            values = step()
        except (MeasureError, OSError, ValueError, KeyError) as err:
            values = [MeasureError(str(err))] * len(names)
        print(f"  measured {', '.join(names)} in {time.monotonic() - start:.1f} s", flush=True)
        figures.update(zip(names, values))
    return figures


def fmt(value):
    """A measured figure: ratios to 5 decimals, counts as they are."""
    return f"{value:.5f}" if isinstance(value, float) else str(value)


def fmt_bound(value):
    """A floor or ceiling as floors.toml keeps it: ratios to 4 decimals."""
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def compare(bounds, figures):
    """Print the table; return (failures, hints)."""
    rows, failures, hints = [], [], []
    for kind in ("floor", "ceiling"):
        for name, bound in bounds[kind].items():
            value = figures.get(name)
            if value is None:
                failures.append(f"{name}: no measurement of that name (a typo in floors.toml?)")
                rows.append((name, "-", "", "FAIL"))
                continue
            shown = (">= " if kind == "floor" else "<= ") + fmt_bound(bound)
            if isinstance(value, MeasureError):
                failures.append(f"{name}: {value}")
                rows.append((name, "error", shown, "FAIL"))
                continue
            ok = value >= bound if kind == "floor" else value <= bound
            rows.append((name, fmt(value), shown, "ok" if ok else "FAIL"))
            if not ok:
                where = "below its floor" if kind == "floor" else "above its ceiling"
                failures.append(f"{name}: {fmt(value)} is {where} {fmt_bound(bound)}")
                continue
            margin = COUNT_MARGIN if isinstance(bound, int) else RATIO_MARGIN
            if abs(value - bound) >= margin:
                word, verb = ("floor", "raise") if kind == "floor" else ("ceiling", "lower")
                hints.append(f"{name}: {fmt(value)} beats its {word} {fmt_bound(bound)}: {verb} the "
                             f"{word} to {new_bound(value, bound)} in .ci/floors.toml")
    unmeasured = sorted(set(figures) - set(bounds["floor"]) - set(bounds["ceiling"]))
    for name in unmeasured:
        rows.append((name, fmt(figures[name]), "(no bound)", "ok"))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'figure':<{width}}  {'measured':>9}  {'floor':<12}  ok/FAIL")
    for name, value, shown, verdict in rows:
        print(f"{name:<{width}}  {value:>9}  {shown:<12}  {verdict}")
    return failures, hints


def new_bound(value, bound):
    """The new bound for a figure: a count as is, a ratio rounded down at the 4th decimal."""
    if isinstance(bound, int) or isinstance(value, int):
        return str(value)
    return f"{int(value * 10_000) / 10_000:.4f}"


def build_release():
    print("building the release binary: cargo build --release --locked", flush=True)
    subprocess.run(["cargo", "build", "--release", "--locked", "--bin", "clean-news"],
                   cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "release", "clean-news")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", help="the clean-news binary to measure (default: build the release one)")
    args = ap.parse_args()

    bounds = load_bounds(FLOORS)
    if not os.path.isdir(DATA) or not os.path.isdir(TOOLS):
        message = f"quality gate: the labelled data is missing ({SHARED} not found)"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            print(f"{message}; CI must have ../shared beside the clone. FAIL", file=sys.stderr)
            return 1
        print(f"{message}; skipped (outside CI).", file=sys.stderr)
        return 0

    binary = os.path.abspath(args.bin) if args.bin else build_release()
    subprocess.run([os.path.join(TOOLS, "unpack-data"), EVAL_DATA], cwd=ROOT, check=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="clean-news-gate-") as scratch:
        figures = measure(binary, scratch)
    print(f"  all measured in {time.monotonic() - start:.1f} s with {binary}")

    failures, hints = compare(bounds, figures)
    for hint in hints:
        print(f"hint: {hint}")
    if failures:
        print("\nquality gate FAILED:")
        for failure in failures:
            print(f"  {failure}")
        print("A floor is only ever raised; fix the regression, or lower the floor in a commit "
              "that says why (see .ci/floors.toml).")
        return 1
    print("\nquality gate: every figure meets its floor.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

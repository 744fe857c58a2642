#!/usr/bin/env python3
"""Opens the HTML report of the corpora run in headless Chromium and checks what it shows.

The run is `corpora/run/pages` plus the hostile pages of `corpora/report` (a title that is a
<script>, markup in a site name, an id and a body, a binary file). Chromium loads the page
from a file:// URL with the script's views selected by the URL's hash, and `--dump-dom`
prints the document after the script ran. The checks:

- the overview's numbers are summary.json's, the clusters view lists every cluster;
- a cluster's word diff renders (<ins>/<del> inside .diff) and a document shows its removed
  lines struck through with class and rule;
- no injected markup ran or became an element: the payloads would set `data-xss` on <html>;
  the only scripts are the page's own four, no element carries an on* handler, the
  hostile strings show as text, and the browser logged no script error.

Standard library only. Usage (from anywhere; builds the debug binary when not given one):

    python3 tests/browser/report_check.py [--bin target/release/clean-news] [--keep DIR]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HOSTILE_TITLE = "<script>document.documentElement.setAttribute('data-xss','title')</script>"
HOSTILE_SITE = "</text><script>document.documentElement.setAttribute('data-xss','site')</script>"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0",
]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def find(self, tag=None, **attrs):
        out = []
        for n in self.walk():
            if tag and n.tag != tag:
                continue
            # attrs: name=True for "has it", name=value for "equals"; `_` stands for `-`.
            if all((k.replace("_", "-") in n.attrs) if v is True else
                   n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                out.append(n)
        return out


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.at = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_endtag(self, tag):
        n = self.at
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.at = n.parent

    def handle_data(self, data):
        self.at.children.append(data)


def find_cls(root, tag, cls):
    return [n for n in root.walk() if n.tag == tag and cls in (n.attrs.get("class") or "").split()]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("report_check: Chromium not found (apt-get install -y chromium)")


def dump(browser, page, fragment, work):
    """The DOM of page#fragment after its script ran, and what the browser logged."""
    profile = tempfile.mkdtemp(dir=work)
    result = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000",
         "--dump-dom", "file://" + page + fragment],
        capture_output=True, text=True, timeout=120)
    shutil.rmtree(profile, ignore_errors=True)
    if result.returncode != 0 or not result.stdout.strip():
        sys.exit(f"report_check: chromium failed on {fragment}:\n{result.stderr[-2000:]}")
    tree = Tree()
    tree.feed(result.stdout)
    return tree.root, result.stdout, result.stderr


def common_checks(view, root, dom, log):
    html = root.find("html")[0]
    check(html.attrs.get("data-ready") == "yes", f"{view}: the page's script ran to its end")
    check("data-xss" not in html.attrs, f"{view}: no injected script ran (no data-xss on <html>)")
    scripts = root.find("script")
    check(len(scripts) == 4, f"{view}: only the page's own 4 scripts ({len(scripts)})")
    check(not root.find("img") and not root.find("iframe"), f"{view}: no injected <img>/<iframe>")
    handlers = [(n.tag, a) for n in root.walk() for a in n.attrs if a.startswith("on")]
    check(not handlers, f"{view}: no element has an on* handler {handlers[:3]}")
    title = root.find("title")[0].text()
    check(title == "clean-news report: run", f"{view}: document title unchanged ({title!r})")
    errors = [l for l in log.splitlines() if "Uncaught" in l or ("CONSOLE" in l and "rror" in l)]
    check(not errors, f"{view}: no script error in the browser log {errors[:2]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", help="the clean-news binary (default: build the debug one)")
    parser.add_argument("--keep", help="keep the run and the page in this folder")
    args = parser.parse_args()
    if args.bin:
        binary = os.path.abspath(args.bin)
    else:
        subprocess.run(["cargo", "build", "--quiet", "--locked"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "debug", "clean-news")
    browser = chromium()
    work = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="report-check-")
    os.makedirs(work, exist_ok=True)
    try:
        run_dir = os.path.join(work, "run")
        run = subprocess.run(
            [binary, "run", "corpora/run/pages", "corpora/report", "--no-index", "--quiet",
             "-o", run_dir], cwd=ROOT, capture_output=True, text=True)
        check(run.returncode == 2, "run: exit 2 for the one binary page")
        page = os.path.join(run_dir, "report.html")
        subprocess.run([binary, "report", run_dir, "-o", page, "--quiet"], check=True)
        with open(os.path.join(run_dir, "summary.json")) as f:
            summary = json.load(f)
        with open(os.path.join(run_dir, "clusters.jsonl")) as f:
            clusters = [json.loads(line) for line in f if line.strip()]
        with open(os.path.join(run_dir, "documents.jsonl")) as f:
            docs = [json.loads(line) for line in f if line.strip()]
        print(f"report of {summary['cleaned']} documents, {len(clusters)} clusters: "
              f"{os.path.getsize(page)} bytes")

        # Overview: the numbers of summary.json.
        root, dom, log = dump(browser, page, "#/overview", work)
        common_checks("overview", root, dom, log)
        stats = root.find(data_stat=True)
        check(len(stats) == 9, f"overview: 9 numbers shown ({len(stats)})")
        for node in stats:
            key = node.attrs["data-stat"]
            shown = node.text().replace(",", "")
            check(shown == str(summary[key]), f"overview: {key} = {shown} (summary.json {summary[key]})")
        tips = [n.text() for n in root.find("title")]
        check(any(t.startswith(HOSTILE_SITE + ":") for t in tips),
              "overview: the hostile site name labels a chart bar, as text")
        check(len(find_cls(root, "table", "errors")) == 1, "overview: the error record is listed")

        # Clusters list.
        root, dom, log = dump(browser, page, "#/clusters", work)
        common_checks("clusters", root, dom, log)
        counted = root.find(data_count=True)
        check(bool(counted) and counted[0].attrs["data-count"] == str(summary["multi_clusters"]),
              f"clusters: lists {summary['multi_clusters']} clusters")
        rows = find_cls(root, "tr", "row")
        check(len(rows) == min(50, len(clusters)), f"clusters: one row per cluster ({len(rows)})")

        # The cluster of the repost whose title is a <script>: its diff and its title as text.
        target = "prairie-post.kz/wheat-record-repost.txt"
        number, member = next((c, [m["id"] for m in cl["members"]].index(target))
                              for c, cl in enumerate(clusters)
                              if target in [m["id"] for m in cl["members"]])
        root, dom, log = dump(browser, page, f"#/cluster/{number}/{member}", work)
        common_checks("cluster", root, dom, log)
        diff = find_cls(root, "div", "diff")
        check(len(diff) == 1, "cluster: a word diff is shown")
        if diff:
            ins = [n.text() for n in diff[0].find("ins")]
            check(any("<img src=x" in t for t in ins),
                  f"cluster: the copy's added <img> shows as added text {ins[:3]}")
        shown = [n.text() for n in root.find("div", **{"class": "muted"})]
        check(HOSTILE_TITLE in shown, "cluster: the <script> title shows as text")
        root, dom, log = dump(browser, page, "#/cluster/0", work)
        common_checks("cluster 0", root, dom, log)
        diff = find_cls(root, "div", "diff")
        check(bool(diff) and bool(diff[0].find("del")) and bool(diff[0].find("ins")),
              "cluster 0: the first copy's diff has cut and added words")

        # Documents: removed lines struck through, labelled with class and rule.
        hostile = next(i for i, d in enumerate(docs) if d["id"] == target)
        root, dom, log = dump(browser, page, f"#/doc/{hostile}", work)
        common_checks("document", root, dom, log)
        title = root.find("h2", **{"class": "title"})
        check(bool(title) and title[0].text() == HOSTILE_TITLE, "document: title shown as text")
        removed = find_cls(root, "div", "removed")
        labels = [find_cls(r, "span", "label")[0].text() for r in removed]
        check(len(removed) == len(docs[hostile]["removed"]),
              f"document: every removal shown ({len(removed)})")
        check("share · common.share.share_row" in labels, f"document: labelled {labels}")
        struck = [n.text() for r in removed for n in r.find("del")]
        check(HOSTILE_TITLE in struck, "document: the removed title line is struck through as text")
        paragraphs = [n.text() for n in find_cls(root, "div", "doc")[0].find("p")]
        check(any("</script><script>" in p for p in paragraphs), "document: body markup is text")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failed: " + "; ".join(failures))
        sys.exit(1)
    print("report_check: all checks passed")


if __name__ == "__main__":
    main()

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
  hostile strings show as text, and the browser logged no script error;
- sorting, filtering and following links work: driven through the DevTools protocol over
  `--remote-debugging-pipe` (file descriptors 3 and 4, no websocket library needed).

Standard library only. Usage (from anywhere; builds the debug binary when not given one):

    python3 tests/browser/report_check.py [--bin target/release/clean-news] [--keep DIR]
"""

import argparse
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HOSTILE_TITLE = "Wheat record <script>document.documentElement.setAttribute('data-xss','title')</script>"
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


class DevTools:
    """Chromium driven over --remote-debugging-pipe: JSON messages ended by NUL bytes."""

    def __init__(self, browser, work):
        ours_read, theirs_write = os.pipe()
        theirs_read, ours_write = os.pipe()
        for fd in (theirs_read, theirs_write):
            os.set_inheritable(fd, True)

        def pipe_fds():  # Chromium reads commands on fd 3 and writes answers on fd 4.
            os.dup2(theirs_read, 3)
            os.dup2(theirs_write, 4)

        self.profile = tempfile.mkdtemp(dir=work)
        self.proc = subprocess.Popen(
            [browser, *CHROMIUM_FLAGS, "--remote-debugging-pipe",
             f"--user-data-dir={self.profile}", "about:blank"],
            close_fds=False, preexec_fn=pipe_fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(theirs_read)
        os.close(theirs_write)
        self.read_fd, self.write_fd = ours_read, ours_write
        self.buffer, self.last_id, self.exceptions = b"", 0, []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        self.call("Runtime.enable", session=True)

    def call(self, method, params=None, session=False):
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        while True:
            answer = self.receive()
            if answer.get("method") == "Runtime.exceptionThrown":
                self.exceptions.append(answer["params"]["exceptionDetails"])
            if answer.get("id") == self.last_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def receive(self):
        deadline = time.monotonic() + 60
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.read_fd], [], [], max(0, deadline - time.monotonic()))
            chunk = os.read(self.read_fd, 1 << 20) if ready else b""
            if not chunk:
                raise RuntimeError("chromium did not answer within 60 s")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def js(self, expression):
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, session=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url):
        self.call("Page.navigate", {"url": url}, session=True)
        deadline = time.monotonic() + 60
        ready = "document.documentElement && document.documentElement.getAttribute('data-ready')"
        while True:
            try:
                if self.js(ready) == "yes":
                    return
            except RuntimeError:  # the old page's context went away mid-call: ask again
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not get ready within 60 s")
            time.sleep(0.05)

    def close(self):
        self.proc.kill()
        self.proc.wait()
        os.close(self.read_fd)
        os.close(self.write_fd)
        shutil.rmtree(self.profile, ignore_errors=True)


# Waits for the page to settle (the filter box waits 120 ms after the last key).
SETTLE = "new Promise((done) => setTimeout(done, 300))"


def interaction_checks(browser, page, work, clusters, target):
    tools = DevTools(browser, work)
    try:
        tools.open("file://" + page + "#/clusters")
        sizes = "[...document.querySelectorAll('#clusters tbody tr')].map((r) => r.children[1].textContent)"
        first = tools.js(sizes)
        tools.js("document.querySelector('#clusters th[data-key=size]').click()")
        flipped = tools.js(sizes)
        check(first == sorted(first, key=int, reverse=True) and flipped == first[::-1],
              f"interaction: clusters sort by size, then flip ({first} -> {flipped})")
        tools.js("const box = document.querySelector('#clusters input[type=search]');"
                 "box.value = 'WHEAT'; box.dispatchEvent(new Event('input'))")
        tools.js(SETTLE)
        count = tools.js("document.querySelector('#clusters [data-count]').getAttribute('data-count')")
        wheat = sum(1 for c in clusters if any("wheat" in m["id"] for m in c["members"]))
        check(count == str(wheat), f"interaction: the filter keeps the {wheat} wheat cluster(s)")
        tools.js("document.querySelector('#clusters tbody tr').click()")
        tools.js(SETTLE)
        number = next(i for i, c in enumerate(clusters) if any(m["id"] == target for m in c["members"]))
        check(tools.js("location.hash") == f"#/cluster/{number}", "interaction: a row opens its cluster")
        member = [m["id"] for m in clusters[number]["members"]].index(target)
        tools.js(f"document.querySelector('#cluster tr[data-member=\"{member}\"]').click()")
        tools.js(SETTLE)
        compared = tools.js("[...document.querySelectorAll('#cluster h2 code')].map((c) => c.textContent)")
        check(tools.js("location.hash") == f"#/cluster/{number}/{member}"
              and compared[:1] == [target] and tools.js("!!document.querySelector('#cluster .diff ins')"),
              f"interaction: a member row shows its own diff ({compared})")
        tools.js("document.querySelector('#cluster a[href^=\"#/doc/\"]').click()")
        tools.js(SETTLE)
        check(tools.js("location.hash").startswith("#/doc/")
              and tools.js("document.querySelectorAll('#document .removed').length") > 0,
              "interaction: a member's link opens its document with its removals")
        check(not tools.exceptions, f"interaction: no uncaught exception {tools.exceptions[:1]}")
        check(tools.js("document.documentElement.hasAttribute('data-xss')") is False,
              "interaction: no injected script ran after clicking around")
    finally:
        tools.close()


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

        interaction_checks(browser, page, work, clusters, target)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failed: " + "; ".join(failures))
        sys.exit(1)
    print("report_check: all checks passed")


if __name__ == "__main__":
    main()

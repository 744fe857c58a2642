"""The bindings give what the CLI gives, and bad input raises, never crashes."""

import json
import pathlib
import subprocess

import pytest

import clean_news

from conftest import ROOT, SHARED

SEED = (ROOT / "corpora" / "run" / "pages").resolve()


def pages():
    """The demo corpus as records, ids as `clean-news` gives them (path under the folder)."""
    out = []
    for path in sorted(SEED.rglob("*.txt")):
        out.append({"id": str(path.relative_to(SEED)), "text": path.read_text(encoding="utf-8")})
    return out


def test_clean_matches_the_cli_record_for_record(cli, tmp_path):
    result = subprocess.run([cli, "clean", str(SEED), "-o", str(tmp_path / "out.jsonl"), "-q"],
                            check=True, capture_output=True)
    assert result.returncode == 0
    want = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    got = clean_news.Cleaner().clean_batch(pages(), threads=2)
    assert [d["id"] for d in got] == [d["id"] for d in want]
    assert got == want


def test_clean_and_clean_batch_agree_on_any_thread_count():
    cleaner = clean_news.Cleaner()
    records = pages()
    one = [cleaner.clean(r) for r in records]
    assert cleaner.clean_batch(records, threads=1) == one
    assert cleaner.clean_batch(iter(records), threads=3) == one


def test_the_seed_page_loses_its_boilerplate():
    page = SHARED / "seeds" / "kazakhstan-today-2024-06-25.txt"
    if not page.is_file():
        pytest.skip("no seed page")
    doc = clean_news.Cleaner().clean({"id": "seed", "text": page.read_text(encoding="utf-8")})
    assert doc["title"] == "Experts from Central Asia, S. Korea talk rare minerals"
    assert doc["meta"]["views"] == 61571
    assert "Ctrl" not in doc["text"]
    assert {r["class"] for r in doc["removed"]} >= {"copyright", "error_prompt"}


def test_html_records_are_extracted():
    html = ("<html><head><title>Metro opens | City News</title></head><body><nav>Home</nav>"
            "<article><h1>Metro opens</h1><p>" + "The second metro line opened today. " * 8 +
            "</p></article><footer>© City News</footer></body></html>")
    doc = clean_news.Cleaner().clean({"id": "h", "html": html})
    assert doc["text"].startswith("The second metro line opened today.")
    assert "Home" not in doc["text"]


def test_signatures_and_verify():
    text = "The council approved the second metro line on Monday after a long debate. " * 3
    sig = clean_news.signatures(text)
    assert len(sig["minhash_bands"]) == 42 and sig["band_keys"] and sig["shingles"] > 0
    assert clean_news.signatures(text.upper())["exact"] == sig["exact"]
    same = clean_news.verify(text, text)
    assert same == {"jaccard": 1.0, "containment": 1.0, "lead_containment": 1.0, "accepted": True}
    other = clean_news.verify(text, "Wheat exports reached a record in the third quarter. " * 3)
    assert other["accepted"] is False and other["jaccard"] == 0.0


def test_cluster_gives_the_partition_of_the_cli_run(cli, tmp_path):
    subprocess.run([cli, "run", str(SEED), "-o", str(tmp_path), "--no-index", "-q"], check=True)
    want = {json.loads(l)["id"]: json.loads(l)["cluster"]
            for l in (tmp_path / "documents.jsonl").read_text().splitlines()}
    records = [dict(r, site=r["id"].split("/")[0]) for r in pages()]
    got = {d["id"]: d["cluster"] for d in clean_news.cluster(records)}
    assert got == want


def test_cluster_gives_the_cli_records_on_the_dev_set(cli, dev_set, tmp_path):
    """cluster() runs the batch steps through the CLI's core (pipeline::job): same texts,
    same clusters, same canonical documents on the 4,182 pages of the dev set."""
    subprocess.run([cli, "run", str(dev_set / "docs.jsonl"), "-o", str(tmp_path),
                    "--no-index", "-q"], check=True)
    with open(tmp_path / "documents.jsonl", encoding="utf-8") as lines:
        want = [json.loads(line) for line in lines]
    with open(dev_set / "docs.jsonl", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    got = clean_news.cluster(records)
    assert [d["id"] for d in got] == [r["id"] for r in want]
    for doc, record in zip(got, want):
        assert (doc["cluster"], doc["canonical"]) == (record["cluster"], record["canonical"])
        assert doc["text"] == record["text"], doc["id"]
    assert len({d["cluster"] for d in got}) < len(got)


@pytest.mark.parametrize("bad, error, message", [
    (None, TypeError, "must be a dict, not NoneType"),
    (["id", "text"], TypeError, "must be a dict"),
    ({"text": "x"}, ValueError, "needs an 'id'"),
    ({"id": None, "text": "x"}, ValueError, "needs an 'id'"),
    ({"id": 1.5, "text": "x"}, TypeError, "'id' must be str or int"),
    ({"id": "a"}, ValueError, "neither 'text' nor 'html'"),
    ({"id": "a", "text": 7}, TypeError, "'text' must be str or bytes, not int"),
    ({"id": "a", "text": b"caf\xe9"}, ValueError, "not valid UTF-8 (at byte 3)"),
    ({"id": "a", "text": "\udc80"}, ValueError, "not valid Unicode"),
    ({"id": "a", "title": 3, "text": "x"}, TypeError, "'title' must be str or None"),
])
def test_bad_records_raise_clear_errors(bad, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        clean_news.Cleaner().clean(bad)


def test_huge_and_odd_input_gives_a_result_or_an_error():
    cleaner = clean_news.Cleaner(max_doc_bytes=1_000_000)
    with pytest.raises(ValueError, match="over the limit of 1000000"):
        cleaner.clean({"id": "big", "text": "x" * 1_000_001})
    # One enormous line within the limit is cleaned, not refused.
    assert cleaner.clean({"id": "line", "text": "word " * 190_000})["id"] == "line"
    assert cleaner.clean({"id": 7, "text": b"\x00\x01 binary-ish"})["id"] == "7"
    assert cleaner.clean({"id": "empty", "text": ""})["text"] == ""
    with pytest.raises(TypeError, match="iterable of dicts"):
        cleaner.clean_batch("not records")
    with pytest.raises(TypeError):
        clean_news.signatures(None)
    with pytest.raises(clean_news.CleanNewsError, match="pack"):
        clean_news.Cleaner(packs=["no-such-pack"])


def test_cluster_cleaned_leaves_a_page_that_is_no_article_alone():
    # As `clean-news run` (pipeline::job): a cookie wall is signed empty, whatever its text.
    story = ("The city council approved the new metro line on Monday after a long debate about "
             "its cost, its route and the years of building work it will take to finish.")
    docs = [{"id": "a", "text": story, "meta": {}, "removed": []},
            {"id": "b", "text": story, "meta": {}, "removed": []},
            {"id": "wall", "text": story, "meta": {"non_article": "cookie_consent"},
             "removed": []}]
    clusters = clean_news.cluster_cleaned(docs)
    cluster_of = {m["id"]: c["cluster"] for c in clusters for m in c["members"]}
    assert cluster_of["a"] == cluster_of["b"] != cluster_of["wall"]
    assert len(clusters) == 2

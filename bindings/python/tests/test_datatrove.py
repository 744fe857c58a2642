"""The datatrove steps (`clean_news.datatrove`) in a small local datatrove pipeline: the
texts and clusters of `clean-news run` on the dev set, and what the cleaner does to bodies."""

import json

import pytest

pytest.importorskip("datatrove")

import subprocess  # noqa: E402

from datatrove.data import Document  # noqa: E402
from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.readers import JsonlReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

from clean_news.datatrove import CleanNewsCleaner, CleanNewsDedup  # noqa: E402


def written(folder):
    docs = []
    for path in sorted(folder.glob("*.jsonl")):
        with open(path, encoding="utf-8") as lines:
            docs.extend(json.loads(line) for line in lines)
    return docs


def run_pipeline(input_folder, glob, output_folder, logs):
    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(input_folder), glob_pattern=glob),
            CleanNewsCleaner(),
            CleanNewsDedup(),
            JsonlWriter(str(output_folder), compression=None),
        ],
        tasks=1,
        logging_dir=str(logs),
    ).run()
    return written(output_folder)


def test_the_pipeline_gives_the_cli_texts_and_clusters_on_the_dev_set(cli, dev_set, tmp_path):
    subprocess.run([cli, "run", str(dev_set / "docs.jsonl"), "-o", str(tmp_path / "cli"),
                    "--no-index", "-q"], check=True)
    with open(tmp_path / "cli" / "documents.jsonl", encoding="utf-8") as lines:
        want = {record["id"]: record for record in map(json.loads, lines)}
    got = run_pipeline(dev_set, "docs.jsonl", tmp_path / "datatrove", tmp_path / "logs")

    kept = [doc_id for doc_id, record in want.items() if not record["meta"].get("non_article")]
    assert [doc["id"] for doc in got] == kept
    assert len(kept) > 4000
    for doc in got:
        record, metadata = want[doc["id"]], doc["metadata"]
        assert metadata["cluster"] == record["cluster"], doc["id"]
        assert metadata["canonical"] == record["canonical"], doc["id"]
        assert doc.get("text", "") == record["text"], doc["id"]
        assert metadata.get("title") == record["title"], doc["id"]
        for key, value in record["meta"].items():
            assert metadata[key] == value, (doc["id"], key)
    assert len({doc["metadata"]["cluster"] for doc in got}) < len(got)  # reposts were found


def test_the_cleaner_reads_markup_as_html_and_drops_walls(tmp_path):
    story = ("The city council approved the new tram line on Tuesday after a long debate. "
             "Construction will start in the spring and the line should open in two years. ")
    wall = ("Bridge reopens after repairs\nWe use cookies and similar technologies to give you "
            "the best experience. By continuing to use this site you agree to our use of cookies. "
            "You can change your cookie settings at any time in our privacy policy.")
    documents = [
        Document(id="html", text=f"<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a>"
                                 f"</nav><article><h1>Tram line approved</h1><p>{story * 3}</p>"
                                 f"</article></body></html>", metadata={"site": "a.kz"}),
        Document(id="copy", text=f"Tram line approved\n\n{story * 3}", metadata={"site": "b.kz"}),
        Document(id="wall", text=wall, metadata={"site": "c.kz", "language": "xx"}),
    ]
    cleaned = list(CleanNewsCleaner()(documents))
    by_id = {doc.id: doc for doc in cleaned}
    assert "<" not in by_id["html"].text and "Home" not in by_id["html"].text
    assert "city council" in by_id["html"].text
    assert by_id["copy"].metadata["title"] == "Tram line approved"
    assert "wall" not in by_id
    kept = list(CleanNewsCleaner(drop_non_articles=False)(documents[2:]))
    assert kept[0].metadata["non_article"] == "cookie_consent"
    assert kept[0].metadata.get("language") != "xx"  # clean-news's finding, or none
    clustered = list(CleanNewsDedup()(cleaned))
    placed = {doc.id: doc.metadata for doc in clustered}
    assert placed["html"]["cluster"] == placed["copy"]["cluster"]
    assert placed["html"]["canonical"] != placed["copy"]["canonical"]

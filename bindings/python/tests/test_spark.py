"""The Spark job finds the clusters of `clean-news run` on the shared dev set."""

import json
import os
import subprocess
import sys

import pytest

pyspark = pytest.importorskip("pyspark")

from clean_news import spark as job  # noqa: E402
from conftest import SHARED  # noqa: E402


def assignment(path):
    return {json.loads(l)["id"]: json.loads(l)["cluster"] for l in open(path, encoding="utf-8")}


def partition(assigned):
    groups = {}
    for doc, cluster in assigned.items():
        groups.setdefault(cluster, set()).add(doc)
    return {frozenset(g) for g in groups.values()}


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("clean-news-test")
               .config("spark.ui.enabled", "false").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def canonicals(path):
    return {json.loads(l)["id"] for l in open(path, encoding="utf-8") if json.loads(l)["canonical"]}


def test_spark_job_equals_the_cli_run_on_the_dev_set(spark, cli, dev_set, tmp_path):
    docs = str(dev_set / "docs.jsonl")
    subprocess.run([cli, "run", docs, "-o", str(tmp_path / "cli"), "--no-index", "-q"],
                   check=True)
    counts = job.run(spark, docs, str(tmp_path / "spark"))
    cli_docs = tmp_path / "cli" / "documents.jsonl"
    spark_docs = tmp_path / "spark" / "documents.jsonl"
    want = assignment(cli_docs)
    got = assignment(spark_docs)
    assert counts["documents"] == len(want) == 4182
    assert partition(got) == partition(want)
    assert got == want  # cluster ids too: both derive them from the canonical member
    assert canonicals(spark_docs) == canonicals(cli_docs)
    # The same files, byte for byte: texts with the same templates removed, the same clusters
    # with the same scores, in the same order.
    assert spark_docs.read_bytes() == cli_docs.read_bytes()
    cli_clusters = (tmp_path / "cli" / "clusters.jsonl").read_bytes()
    assert (tmp_path / "spark" / "clusters.jsonl").read_bytes() == cli_clusters
    assert counts["clusters"] == cli_clusters.count(b"\n") > 100
    assert sorted(os.listdir(tmp_path / "spark")) == ["clusters.jsonl", "documents.jsonl"]
    # The shared scorer reads the Spark output like the CLI's.
    scorer = SHARED / "tools" / "score_clusters.py"
    if scorer.is_file():
        out = subprocess.run([sys.executable, str(scorer), str(dev_set), str(spark_docs)],
                             check=True, capture_output=True, text=True).stdout
        assert "ARI" in out


def test_components_are_the_same_on_the_driver_and_on_the_cluster(spark, dev_set, tmp_path):
    sample = tmp_path / "sample.jsonl"
    with open(dev_set / "docs.jsonl", encoding="utf-8") as docs:
        sample.write_text("".join(line for _, line in zip(range(400), docs)), encoding="utf-8")
    job.run(spark, str(sample), str(tmp_path / "driver"))
    job.run(spark, str(sample), str(tmp_path / "cluster"), driver_keys=0)
    driver = assignment(tmp_path / "driver" / "documents.jsonl")
    assert assignment(tmp_path / "cluster" / "documents.jsonl") == driver
    assert len(set(driver.values())) < len(driver)  # some reposts were found

"""`clean-news run` over the dev set read from Parquet gives what it gives over JSON Lines:
the same records, clusters and summary (issue #21). The Parquet file is written here, with
pyarrow, from the dev set's JSON Lines."""

import json
import subprocess

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

COLUMNS = ["id", "url", "site", "published", "title", "text", "html"]


def test_the_dev_set_as_parquet_gives_the_run_over_json_lines(cli, dev_set, tmp_path):
    with open(dev_set / "docs.jsonl", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    present = [column for column in COLUMNS if any(column in row for row in rows)]
    table = pa.table({column: [row.get(column) for row in rows] for column in present})
    # Several row groups, as real datasets have them.
    pq.write_table(table, tmp_path / "docs.parquet", row_group_size=1000)
    outputs = {}
    for name, path in [("jsonl", dev_set / "docs.jsonl"), ("parquet", tmp_path / "docs.parquet")]:
        out = tmp_path / name
        subprocess.run([cli, "run", str(path), "-o", str(out), "--no-index", "-q"], check=True)
        outputs[name] = {
            file: (out / file).read_text(encoding="utf-8")
            for file in ["documents.jsonl", "clusters.jsonl", "errors.jsonl"]
        }
    assert len(outputs["jsonl"]["documents.jsonl"].splitlines()) == len(rows)
    assert outputs["parquet"] == outputs["jsonl"]

"""The native stages of the Spark job, called directly on pyarrow batches (no Spark): what
each takes and returns, and that they agree with the one-machine `cluster()`."""

import json

import pytest

pa = pytest.importorskip("pyarrow")

import clean_news  # noqa: E402
from clean_news import _native  # noqa: E402

STORY = ("The city council approved the new metro line on Monday after a long debate about "
         "its cost, its route and the years of building work it will take to finish.")
OTHER = ("Shares in the airline fell sharply on Monday after it warned that fuel costs would "
         "wipe out its profits for the year, sending the whole sector lower in late trade.")


def records():
    return [
        {"id": "a", "site": "one.example", "published": "2005-03-04T04:30:00Z", "text": STORY},
        {"id": "b", "site": "two.example", "published": "2005-03-04T09:00:00Z",
         "text": "Editor's note: from our partners.\n\n" + STORY},
        {"id": "c", "site": "one.example", "published": "2005-03-04T05:00:00Z", "text": OTHER},
        {"id": 7, "url": "https://three.example/x", "text": STORY + " More to follow."},
    ]


def lines_batch(lines):
    return pa.record_batch([pa.array(range(len(lines)), pa.int64()), pa.array(lines)],
                           names=["pos", "value"])


def run_stages(recs):
    """The Spark job's stages on one machine: clean, sign by site, links, components,
    cluster, write."""
    lines = [json.dumps(r) for r in recs]
    cleaned = pa.record_batch(_native.spark_clean(lines_batch(lines))).to_pylist()
    by_site = sorted(cleaned, key=lambda r: (r["site"] is None, r["site"] or "", r["pos"]))
    signed = pa.record_batch(_native.spark_sign_sites(pa.RecordBatch.from_pylist(by_site)))
    signed = signed.to_pylist()
    label = {row["pos"]: row["pos"] for row in signed}
    keys = pa.record_batch([pa.array([r["pos"] for r in signed], pa.int64()),
                            pa.array([r["bands"] for r in signed], pa.list_(pa.int64()))],
                           names=["pos", "bands"])
    for row in pa.record_batch(_native.spark_components_of_keys(keys)).to_pylist():
        label[row["pos"]] = row["label"]
    rows = sorted((dict(row, label=label[row["pos"]]) for row in signed),
                  key=lambda r: (r["label"], r["pos"]))
    schema = pa.schema([("label", pa.int64()), ("pos", pa.int64()), ("id", pa.string()),
                        ("site", pa.string()), ("published", pa.int64()),
                        ("text_hash", pa.int64()), ("signature", pa.binary())])
    batch = pa.RecordBatch.from_pylist([{k: r[k] for k in schema.names} for r in rows],
                                       schema=schema)
    placed = pa.record_batch(_native.spark_cluster_components(batch)).to_pylist()
    placed = {r["pos"]: r for r in placed}
    templates = _native.SiteTemplates([r["profile"] for r in signed if r["profile"]])
    schema = pa.schema([("pos", pa.int64()), ("doc", pa.string()), ("cluster", pa.string()),
                        ("canonical", pa.bool_())])
    batch = pa.RecordBatch.from_pylist(
        [{"pos": r["pos"], "doc": r["doc"], "cluster": placed[r["pos"]]["cluster"],
          "canonical": placed[r["pos"]]["canonical"]} for r in cleaned], schema=schema)
    written = pa.record_batch(_native.spark_write_lines(batch, templates)).to_pylist()
    return [dict(placed[c["pos"]], line=w["line"]) for c, w in zip(cleaned, written)]


def test_clean_stage_skips_blank_lines_and_fills_sites():
    lines = [json.dumps(records()[0]), "  \t", json.dumps(records()[3])]
    out = pa.record_batch(_native.spark_clean(lines_batch(lines)))
    assert out.schema.names == ["pos", "site", "doc"]
    rows = out.to_pylist()
    assert [r["pos"] for r in rows] == [0, 2]
    assert [r["site"] for r in rows] == ["one.example", "three.example"]
    want = clean_news.Cleaner().clean(records()[0])
    assert json.loads(rows[0]["doc"])["text"] == want["text"]
    assert json.loads(rows[1]["doc"])["id"] == "7"  # a number id, as the CLI reads it


def test_stages_give_the_one_machine_clusters():
    placed = run_stages(records())
    lines = [json.loads(r["line"]) for r in placed]
    whole = clean_news.cluster(records(), threads=1)
    assert [(d["id"], d["cluster"], d["canonical"], d["text"]) for d in lines] == \
        [(d["id"], d["cluster"], d["canonical"], d["text"]) for d in whole]
    assert lines[0]["cluster"] == lines[1]["cluster"] != lines[2]["cluster"]
    # One clusters.jsonl line, on the canonical member of the only cluster of two or more.
    cluster_lines = [json.loads(r["cluster_line"]) for r in placed if r["cluster_line"]]
    assert len(cluster_lines) == 1
    assert cluster_lines[0]["canonical"] == "a"
    assert {m["id"] for m in cluster_lines[0]["members"]} >= {"a", "b"}


def test_links_are_stars_on_the_first_member_of_each_bucket():
    batch = pa.record_batch([pa.array([1, 1, 1, 2, 2, 3], pa.int64()),
                             pa.array([4, 6, 9, 4, 6, 5], pa.int64())], names=["key", "pos"])
    out = pa.record_batch(_native.spark_links(batch)).to_pylist()
    # Bucket 1 links 6 and 9 to 4; bucket 2 links 6 to 4 again (kept once); 3 is alone.
    assert [(r["pos"], r["head"]) for r in out] == [(6, 4), (9, 4)]


def test_components_label_with_the_smallest_position():
    bands = [[1, 2], [3], [2, 4], [5], [4], [3], [6]]
    batch = pa.record_batch([pa.array([5, 9, 3, 20, 21, 1, 7], pa.int64()),
                             pa.array(bands, pa.list_(pa.int64()))], names=["pos", "bands"])
    out = pa.record_batch(_native.spark_components_of_keys(batch)).to_pylist()
    # 5, 3 and 21 share keys 2 and 4: label 3; 9 and 1 share key 3: label 1; 20 and 7 are
    # alone (not listed), as are the components' smallest positions.
    assert {r["pos"]: r["label"] for r in out} == {5: 3, 21: 3, 9: 1}


def test_stages_refuse_what_is_not_a_batch_and_bad_records():
    with pytest.raises(TypeError, match="Arrow record batch"):
        _native.spark_clean([{"pos": 0, "value": "{}"}])
    with pytest.raises(ValueError, match="no column 'value'"):
        _native.spark_clean(pa.record_batch([pa.array([0], pa.int64())], names=["pos"]))
    with pytest.raises(ValueError, match="not valid JSON"):
        _native.spark_clean(lines_batch(["{not json"]))
    with pytest.raises(ValueError, match="no `id`"):
        _native.spark_clean(lines_batch([json.dumps({"text": STORY})]))


def test_a_native_batch_is_handed_over_once():
    out = _native.spark_clean(lines_batch([json.dumps(records()[0])]))
    assert len(out) == 1
    pa.record_batch(out)
    assert len(out) == 0
    with pytest.raises(ValueError, match="handed over"):
        pa.record_batch(out)

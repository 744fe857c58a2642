"""The clean-news job on Spark: the clusters of `clean-news run --no-index`, as map, shuffle
and reduce, for batches that do not fit one machine.

    spark-submit --master local[2] -m clean_news.spark docs.jsonl out/
    python -m clean_news.spark docs.jsonl out/            # the same, local mode

The stages, each a Spark step over the same Rust library the CLI runs:

1. **clean** (map): every partition cleans its records with one `Cleaner`.
2. **site templates** (shuffle by site): each site's documents are grouped, its template is
   learned from them and removed. Learning is per site by design; the one thing a site's
   group cannot see is its lines printed on *other* sites, which the one-machine learner
   refuses as template ("never across sites"). A site's group here refuses only lines it
   sees on another site of its own group, so a line could be learned here that one machine
   would refuse: the difference is bounded by the cross-site refusals `clean-news sites`
   reports (none on the dev set), and `tests/test_spark.py` checks the partitions agree.
3. **candidates** (shuffle by band key): each document's LSH band keys are exploded; every
   bucket links its members (a star on its first member, so a bucket of n costs n - 1 links,
   not n²).
4. **components**: connected components of those links: union-find on the driver while the
   links fit its memory (20 million links, 320 MB), else min-label propagation on the
   cluster, round by round, until no label moves.
5. **cluster** (reduce by component): each component is verified and clustered by the Rust
   clustering, with its no-chaining rule. Every LSH bucket lies inside one component, so a
   component sees every candidate pair and every bucket cap that the one-machine run sees
   for its documents: the clusters are the same, ids included (an id is derived from the
   canonical document's id).
6. **write**: `documents.jsonl` (every document in input order, with `cluster` and
   `canonical`) and `clusters.jsonl` (clusters of two or more), as `clean-news run` writes
   them.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Iterable, Iterator

import clean_news


def _clean_partition(rows: Iterable[tuple[int, str]]) -> Iterator[tuple[int, dict[str, Any]]]:
    cleaner = clean_news.Cleaner()
    batch = [(position, json.loads(line)) for position, line in rows]
    cleaned = cleaner.clean_batch([record for _, record in batch], threads=1)
    for (position, _), doc in zip(batch, cleaned):
        yield position, doc


def _templates(group: tuple[Any, Iterable[tuple[int, dict[str, Any]]]]) -> list[tuple[int, dict]]:
    _, members = group
    members = sorted(members, key=lambda m: m[0])
    docs = clean_news.remove_templates([doc for _, doc in members], threads=1)
    return [(position, doc) for (position, _), doc in zip(members, docs)]


def _band_keys(item: tuple[int, dict[str, Any]]) -> list[tuple[int, int]]:
    position, doc = item
    return [(key, position) for key in clean_news.signatures(doc["text"])["band_keys"]]


def _star(bucket: tuple[int, Iterable[int]]) -> list[tuple[int, int]]:
    members = sorted(set(bucket[1]))
    head = members[0]
    return [(m, head) for m in members[1:]] + [(head, m) for m in members[1:]]


#: Links up to this many are joined into components on the driver (16 bytes a link); more
#: are joined on the cluster, round by round.
DRIVER_LINKS = 20_000_000


def components(links, positions, partitions: int, driver_links: int = DRIVER_LINKS):
    """Labels every position with the smallest position of its connected component.

    Up to `driver_links` links are joined on the driver (union-find, one pass). Beyond that,
    by min-label propagation on the cluster: each round, every link offers its source's label
    to its target; rounds stop when no label moves (as many rounds as the longest shortest
    path). Both give the same labels."""
    if links.count() <= driver_links:
        parent: dict[int, int] = {}

        def find(x: int) -> int:
            root = x
            while parent.get(root, root) != root:
                root = parent[root]
            while parent.get(x, x) != root:
                parent[x], x = root, parent[x]
            return root

        for a, b in links.collect():
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        roots = {p: find(p) for p in list(parent)}
        table = positions.context.broadcast(roots)
        return positions.map(lambda p: (p, table.value.get(p, p)))

    labels = positions.map(lambda p: (p, p)).partitionBy(partitions).cache()
    links = links.partitionBy(partitions).cache()
    while True:
        offers = links.join(labels).map(lambda e: (e[1][0], e[1][1]))
        updated = labels.union(offers).reduceByKey(min, partitions).cache()
        moved = updated.join(labels, partitions).filter(lambda e: e[1][0] != e[1][1]).count()
        updated.localCheckpoint()  # cut the lineage: each round would replay all before it
        labels.unpersist()
        labels = updated
        if moved == 0:
            return labels


def _cluster_component(group: tuple[int, Iterable[tuple[int, dict]]]) -> list[tuple[int, dict]]:
    _, members = group
    members = sorted(members, key=lambda m: m[0])
    docs = [doc for _, doc in members]
    by_id = {doc["id"]: position for position, doc in members}
    out = []
    for cluster in clean_news.cluster_cleaned(docs, threads=1):
        for member in cluster["members"]:
            out.append((by_id[member["id"]], {"cluster": cluster["cluster"],
                                              "canonical": member["id"] == cluster["canonical"],
                                              "_cluster": cluster}))
    return out


def run(spark, input_path: str, out_dir: str, partitions: int | None = None,
        driver_links: int = DRIVER_LINKS) -> dict[str, int]:
    """Runs the job on a JSON Lines file of raw records; writes `documents.jsonl` and
    `clusters.jsonl` into `out_dir` (a local folder) and returns counts."""
    sc = spark.sparkContext
    # Several partitions a core: a partition's records pass through the JVM whole, and local
    # mode's one JVM has the driver's heap.
    partitions = partitions or max(4 * sc.defaultParallelism, 8)
    lines = sc.textFile(input_path, partitions).filter(lambda l: l.strip())
    indexed = lines.zipWithIndex().map(lambda e: (e[1], e[0]))
    cleaned = indexed.mapPartitions(_clean_partition)
    templated = (
        cleaned.map(lambda e: (e[1].get("meta", {}).get("site"), e))
        .groupByKey(partitions)
        .flatMap(_templates)
        .cache()
    )
    links = (
        templated.flatMap(_band_keys)
        .groupByKey(partitions)
        .filter(lambda b: len(set(b[1])) > 1)
        .flatMap(_star)
        .distinct()
        .cache()
    )
    labels = components(links, templated.keys(), partitions, driver_links)
    assigned = (
        templated.join(labels)
        .map(lambda e: (e[1][1], (e[0], e[1][0])))
        .groupByKey(partitions)
        .flatMap(_cluster_component)
    )
    # Streamed to the driver one partition at a time, in input order: the batch never has to
    # fit the driver's memory, only one partition of it.
    documents = templated.join(assigned).sortByKey(numPartitions=partitions).toLocalIterator()

    os.makedirs(out_dir, exist_ok=True)
    clusters: dict[str, dict] = {}
    count = 0
    with open(os.path.join(out_dir, "documents.jsonl"), "w", encoding="utf-8") as out:
        for _, (doc, assignment) in documents:
            cluster = assignment["_cluster"]
            if len(cluster["members"]) > 1:
                clusters.setdefault(cluster["cluster"], cluster)
            record = dict(doc, cluster=assignment["cluster"], canonical=assignment["canonical"])
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    with open(os.path.join(out_dir, "clusters.jsonl"), "w", encoding="utf-8") as out:
        for cluster in clusters.values():
            out.write(json.dumps(cluster, ensure_ascii=False) + "\n")
    return {"documents": count, "clusters": len(clusters)}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m clean_news.spark INPUT.jsonl OUTDIR", file=sys.stderr)
        return 2
    from pyspark.sql import SparkSession

    # Workers must import this package: run them on this interpreter unless told otherwise.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("clean-news")
    if "spark.driver.memory" not in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        # Local mode runs every task in the driver's JVM: 1 GB (Spark's default) is too
        # little past some 50,000 documents. spark-submit --driver-memory overrides this.
        builder = builder.config("spark.driver.memory", os.environ.get(
            "CLEAN_NEWS_SPARK_DRIVER_MEMORY", "4g"))
    spark = builder.getOrCreate()
    try:
        counts = run(spark, argv[0], argv[1])
    finally:
        spark.stop()
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

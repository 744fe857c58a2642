"""The clean-news job on Spark: the clusters of `clean-news run --no-index`, as map, shuffle
and reduce, for batches that do not fit one machine.

    spark-submit --master local[2] -m clean_news.spark docs.jsonl out/
    python -m clean_news.spark docs.jsonl out/            # the same, local mode

Every stage is a DataFrame step; the stages that do the work hand Arrow record batches
(`mapInArrow`) to the Rust core, the batch core `clean-news run` runs
(`clean_news::pipeline::job`, through `clean_news._native`): records never become Python
objects. The stages:

1. **clean** (map): each batch of input lines is parsed and cleaned, and each document gets
   its site (`spark_clean`).
2. **site templates and signatures** (shuffle by site): each site's documents, in input
   order, are one batch of the core's `Job`: it learns the site's templates, removes them
   and signs the documents (`spark_sign_sites`); the site's profile is kept for stage 5.
   Learning is per site by design. What a site's group cannot see is its lines printed on
   *other* sites (the one-machine learner refuses a sentence printed on two sites as
   template, "never across sites"), and the one-machine learner's Bloom filters, shared by
   all sites, can credit a line one sighting more or less than the site's own filters do
   (they only ever err towards more): on 100,368 documents (24 copies of the dev set) that
   changed the count in the note of 4 template lines by one (230 documents' `removed` notes,
   `docs=3/256` against `docs=4/256`), never a removed line, a text or a cluster.
   `tests/test_spark.py` checks both files equal the CLI's on the dev set.
3. **candidates and components**: documents that share an LSH key (a bucket) belong to
   one connected component. While the keys fit the driver (`DRIVER_KEYS`, about 100 a
   document, 16 bytes each), they are collected there (Arrow) and every bucket joined by
   union-find in Rust (`spark_components_of_keys`); the labels (each document's
   component: its smallest position) are broadcast. Beyond that, on the cluster: the keys
   are exploded and shuffled by key, every bucket links its members to its first one (a
   star: n - 1 links, not n^2; `spark_links`), then min-label propagation, round by round,
   until no label moves.
4. **cluster** (shuffle by component, signatures only): each component is clustered by the
   core (`Signing::of_signed`, then `cluster`: verification and the no-chaining rule).
   Every LSH bucket lies inside one component, so a component sees every candidate pair and
   every bucket cap that the one-machine run sees for its documents: the clusters are the
   same, ids included (an id is derived from the canonical document's id). Each document
   gets its cluster and canonical flag, and each cluster of two or more its line of
   `clusters.jsonl` (`spark_cluster_components`); these are small, and go to the driver.
5. **write** (map, no shuffle): the cleaned records of stage 1, still in input order, get
   their site templates removed with stage 2's profiles (the same call as the core's
   signing: the same texts) and their placement, and become their lines of
   `documents.jsonl` (`spark_write_lines`), one part file per partition, which the driver
   joins. `clusters.jsonl` lists the clusters of two or more in input order of their
   canonical member. Both are the CLI's files, byte for byte.

Input positions (the order of the output) are the order of the lines in the input file, as
Spark reads one file's splits in order. Not done as the CLI does: a record that cannot be
read fails the job (the CLI writes it to `errors.jsonl` and goes on), every record needs an
`id`, and a repeated id is not versioned (`#2`) as the CLI's `pipeline::ids` rule does.
Stages 2 and 4 (and 3 on the cluster) take a whole partition as one batch (a site, a bucket
or a component may span Spark's batches): raise `partitions` when one partition's texts come
near 2 GB. The placements (a cluster id a document), the site profiles and the clusters'
lines pass through the driver.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

from clean_news import _native

#: What each native stage returns (Spark's DDL for the Arrow batches of `clean_news._native`).
CLEANED = "pos long, site string, doc string"
SIGNED = ("pos long, id string, site string, published long, text_hash long, "
          "signature binary, bands array<long>, profile string")
LINKS = "pos long, head long"
COMPONENT = ("pos long, id string, site string, published long, text_hash long, "
             "signature binary")
LABELLED = COMPONENT + ", label long"
PLACED = "pos long, cluster string, canonical boolean, cluster_line string"

#: LSH keys up to this many (about 100 a document) are joined into components on the driver
#: (16 bytes a key); more are joined on the cluster, round by round.
DRIVER_KEYS = 20_000_000


def _batches(native):
    """A `mapInArrow` function calling `native` on each batch."""
    import pyarrow as pa

    def stage(batches):
        for batch in batches:
            if batch.num_rows:
                yield pa.record_batch(native(batch))

    return stage


def _partition(native):
    """A `mapInArrow` function calling `native` once on the whole partition: for stages whose
    groups (a site, a component) may span Spark's batches."""
    import pyarrow as pa

    def stage(batches):
        batches = [batch for batch in batches if batch.num_rows]
        if not batches:
            return
        if len(batches) == 1:
            batch = batches[0]
        elif hasattr(pa, "concat_batches"):
            batch = pa.concat_batches(batches)
        else:
            batch = pa.Table.from_batches(batches).combine_chunks().to_batches()[0]
        yield pa.record_batch(native(batch))

    return stage


def _collect_arrow(df):
    """A DataFrame's rows on the driver as one `pyarrow.Table`, without Python rows."""
    import pyarrow as pa

    if hasattr(df, "toArrow"):  # pyspark >= 4
        return df.toArrow()
    batches = df._collect_as_arrow()
    if not batches:
        return None
    return pa.Table.from_batches(batches)


def _attach_labels(table):
    """A `mapInArrow` function adding each row's component label from a (pos, label) record
    batch (a broadcast); a position not in it is its own component."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def stage(batches):
        labels = table.value
        for batch in batches:
            if not batch.num_rows:
                continue
            pos = batch.column("pos")
            at = pc.index_in(pos, value_set=labels.column("pos"))
            found = pc.take(labels.column("label"), at)
            label = pc.coalesce(found, pos)
            yield pa.RecordBatch.from_arrays(list(batch.columns) + [label],
                                             names=batch.schema.names + ["label"])

    return stage


def components(spark, signed, partitions: int, driver_keys: int = DRIVER_KEYS):
    """The documents of `signed` to cluster (`COMPONENT` columns) with a `label` column: the
    smallest position of each one's connected component of shared LSH keys.

    Up to `driver_keys` keys in all, on the driver: the keys are collected (Arrow), every
    bucket joined by union-find in Rust, and the labels broadcast. Beyond that, on the
    cluster: each bucket links its members to its first one (`spark_links`), then min-label
    propagation, round by round: every link offers its source's label to its target; rounds
    stop when no label moves (as many rounds as the longest shortest path). Both give the
    same labels."""
    import pyarrow as pa
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    documents = signed.select("pos", "id", "site", "published", "text_hash", "signature")
    keys = signed.select(F.sum(F.size("bands"))).first()[0] or 0
    if keys <= driver_keys:
        table = _collect_arrow(signed.select("pos", "bands"))
        if table is None or table.num_rows == 0:
            return documents.withColumn("label", F.col("pos"))
        table = table.combine_chunks()
        batch = pa.record_batch([table.column("pos").chunk(0), table.column("bands").chunk(0)],
                                names=["pos", "bands"])
        labels = pa.record_batch(_native.spark_components_of_keys(batch))
        shared = spark.sparkContext.broadcast(labels)
        return documents.mapInArrow(_attach_labels(shared), LABELLED)

    links = (
        signed.select(F.explode("bands").alias("key"), "pos")
        .repartition(partitions, "key")
        .sortWithinPartitions("key", "pos")
        .mapInArrow(_partition(_native.spark_links), LINKS)
        .repartition(partitions, "pos", "head")
        .distinct()
    )
    edges = (links.select(F.col("pos").alias("src"), F.col("head").alias("dst"))
             .union(links.select(F.col("head").alias("src"), F.col("pos").alias("dst")))
             .persist(StorageLevel.MEMORY_AND_DISK))
    labels = edges.select(F.col("src").alias("pos")).distinct().withColumn("label", F.col("pos"))
    labels = labels.localCheckpoint()
    while True:
        offers = (edges.join(labels, edges.src == labels.pos)
                  .select(F.col("dst").alias("pos"), F.col("label")))
        # Checkpointed: each round would otherwise replay all the rounds before it.
        updated = (labels.union(offers).groupBy("pos").agg(F.min("label").alias("label"))
                   .localCheckpoint())
        moved = (updated.join(labels.withColumnRenamed("label", "before"), "pos")
                 .where(F.col("label") != F.col("before")).count())
        labels = updated
        if moved == 0:
            break
    edges.unpersist()
    return (documents.join(labels, "pos", "left")
            .withColumn("label", F.coalesce(F.col("label"), F.col("pos"))))


def _templates_of(shared):
    """The merged site templates of a broadcast list of profiles, built once per worker."""
    cached = _TEMPLATES.get("value")
    if cached is None or cached[0] is not shared.value:
        cached = (shared.value, _native.SiteTemplates(shared.value))
        _TEMPLATES["value"] = cached
    return cached[1]


_TEMPLATES: dict = {}


def _write_lines(profiles, placements):
    """A `mapInArrow` function giving each cleaned record its line of `documents.jsonl`: its
    placement looked up in a broadcast (pos, cluster, canonical) batch, its site template
    removed with the broadcast profiles."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def stage(batches):
        templates = _templates_of(profiles)
        placed = placements.value
        for batch in batches:
            if not batch.num_rows:
                continue
            pos = batch.column("pos")
            at = pc.index_in(pos, value_set=placed.column("pos"))
            joined = pa.RecordBatch.from_arrays(
                [pos, batch.column("doc"), pc.take(placed.column("cluster"), at),
                 pc.take(placed.column("canonical"), at)],
                names=["pos", "doc", "cluster", "canonical"])
            yield pa.record_batch(_native.spark_write_lines(joined, templates))

    return stage


def run(spark, input_path: str, out_dir: str, partitions: int | None = None,
        driver_keys: int = DRIVER_KEYS) -> dict[str, int]:
    """Runs the job on a JSON Lines file of raw records; writes `documents.jsonl` and
    `clusters.jsonl` into `out_dir` (a local folder the executors can write to: local mode,
    or a shared file system) and returns counts."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    sc = spark.sparkContext
    # Several partitions a core: stages 2 and 4 (and 3 on the cluster) hold a partition's rows
    # at once.
    partitions = partitions or max(4 * sc.defaultParallelism, 8)
    lines = spark.read.text(input_path).withColumn("pos", F.monotonically_increasing_id())
    # Kept in input order (no shuffle before it): the writing stage reads it again.
    cleaned = (lines.mapInArrow(_batches(_native.spark_clean), CLEANED)
               .persist(StorageLevel.MEMORY_AND_DISK))
    signed = (
        cleaned.repartition(partitions, "site")
        .sortWithinPartitions("site", "pos")
        .mapInArrow(_partition(_native.spark_sign_sites), SIGNED)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    labelled = components(spark, signed, partitions, driver_keys)
    placed = (
        labelled.select("label", "pos", "id", "site", "published", "text_hash", "signature")
        .repartition(partitions, "label")
        .sortWithinPartitions("label", "pos")
        .mapInArrow(_partition(_native.spark_cluster_components), PLACED)
    )
    # The placements are small (a cluster id a document): on the driver, then broadcast.
    placements = _collect_arrow(placed)
    profiles = _collect_arrow(signed.where(F.col("profile").isNotNull()).select("profile"))
    profiles = [] if profiles is None else profiles.column("profile").to_pylist()
    if placements is None:
        placements = pa.table({"pos": pa.array([], pa.int64()),
                               "cluster": pa.array([], pa.string()),
                               "canonical": pa.array([], pa.bool_()),
                               "cluster_line": pa.array([], pa.string())})
    placements = placements.combine_chunks()
    by_pos = pa.record_batch([placements.column(c).combine_chunks()
                              for c in ("pos", "cluster", "canonical")],
                             names=["pos", "cluster", "canonical"])
    multi = placements.filter(pc.is_valid(placements.column("cluster_line")))
    multi = multi.sort_by("pos").column("cluster_line").to_pylist()

    # The executors write the lines in input order (the partitions of `cleaned`), one part
    # file each; the driver joins the parts. Each file is written under a temporary name and
    # renamed when complete: a killed job leaves no half-written file under a final name.
    os.makedirs(out_dir, exist_ok=True)
    parts = os.path.join(os.path.abspath(out_dir), ".documents.parts")
    shared = (sc.broadcast(profiles), sc.broadcast(by_pos))
    (cleaned.select("pos", "doc")
     .mapInArrow(_write_lines(*shared), "line string")
     .write.mode("overwrite").text(parts))
    documents = os.path.join(out_dir, "documents.jsonl")
    with open(documents + ".part", "wb") as out:
        for name in sorted(n for n in os.listdir(parts) if n.startswith("part-")):
            with open(os.path.join(parts, name), "rb") as part:
                shutil.copyfileobj(part, out, 1 << 20)
    os.replace(documents + ".part", documents)
    shutil.rmtree(parts)
    clusters = os.path.join(out_dir, "clusters.jsonl")
    with open(clusters + ".part", "w", encoding="utf-8") as out:
        for line in multi:
            out.write(line + "\n")
    os.replace(clusters + ".part", clusters)
    for frame in (signed, cleaned):
        frame.unpersist()
    for value in shared:
        value.unpersist()
    return {"documents": by_pos.num_rows, "clusters": len(multi)}


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

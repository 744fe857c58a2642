"""clean-news as datatrove pipeline steps: the cleaner and the repost clusters one line away
from datatrove's readers, filters and writers.

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from clean_news.datatrove import CleanNewsCleaner, CleanNewsDedup

    LocalPipelineExecutor(pipeline=[
        JsonlReader("crawl/"),              # or ParquetReader, WarcReader, ...
        CleanNewsCleaner(),                 # article text, metadata; walls dropped
        CleanNewsDedup(),                   # metadata["cluster"], metadata["canonical"]
        JsonlWriter("clean/"),
    ], tasks=1).run()

Both steps call the Rust library that `clean-news run` runs, so on the same documents they
give its texts and clusters (`tests/test_datatrove.py` checks it on the dev set).

**CleanNewsCleaner** cleans each document, in batches of `batch_size` cleaned in parallel.
`document.text` becomes the article text; `metadata["title"]` the title; the fields of
clean-news's `meta` (`published`, `language`, `authors`, `site`, `non_article`, ...) are
written into the metadata by name, and a field of that list that clean-news did not find is
removed from it, so those keys always say what clean-news found (other keys, such as `url`,
are left alone). The body is read as HTML when `html=True`, as text when `html=False`, and
by default as HTML when it starts with markup (`<`, after spaces), as `WarcReader` gives it.
A page clean-news flags as no article (a cookie wall, a paywall, an anti-bot page:
`meta.non_article`) is dropped, as `clean-news run` never clusters one; pass
`drop_non_articles=False` to keep it. A body larger than `max_doc_bytes` keeps its text and
gets `metadata["clean_news_error"]`, as the CLI writes an error record and goes on.

**CleanNewsDedup** needs the whole batch, as `clean-news run` does: it holds the documents
of its task in memory, learns and removes the site templates (`templates=True`, rewriting
`document.text` as the CLI's `documents.jsonl` has it), clusters, and adds
`metadata["cluster"]` (the cluster's id) and `metadata["canonical"]` (whether the document
is the cluster's canonical member; a document alone is its own cluster). Documents leave in
the order they came. Each datatrove task clusters its own documents: give this step one
task to cluster a whole crawl, or use the Spark job (`clean_news.spark`) or `clean-news run`
with an index when it does not fit one machine.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

import clean_news

META_FIELDS = (
    "published",
    "views",
    "authors",
    "sources",
    "dateline",
    "language",
    "canonical_url",
    "site",
    "site_name",
    "description",
    "non_article",
    "notes",
)
"""The fields of clean-news's `meta` (`Meta` in the Rust library), written into metadata."""

RECORD_FIELDS = ("url", "site", "published", "title")
"""Metadata keys passed to the cleaner as the record's fields, as datatrove's readers give
the columns of a JSON Lines or Parquet crawl."""


def _looks_like_markup(text: str) -> bool:
    return text.lstrip()[:1] == "<"


class CleanNewsCleaner(PipelineStep):
    """Rewrites each document's text and metadata with clean-news; drops non-articles."""

    name = "clean-news cleaner"
    type = "✂️ - FORMAT"

    def __init__(
        self,
        html: Optional[bool] = None,
        drop_non_articles: bool = True,
        batch_size: int = 256,
        threads: Optional[int] = None,
        packs: Optional[list[str]] = None,
        max_doc_bytes: Optional[int] = None,
    ):
        super().__init__()
        self.html = html
        self.drop_non_articles = drop_non_articles
        self.batch_size = max(1, batch_size)
        self.threads = threads
        self.packs = packs
        self.max_doc_bytes = max_doc_bytes

    def _record(self, document: Document) -> dict[str, Any]:
        html = self.html if self.html is not None else _looks_like_markup(document.text)
        record: dict[str, Any] = {"id": str(document.id), ("html" if html else "text"): document.text}
        for key in RECORD_FIELDS:
            value = document.metadata.get(key)
            if isinstance(value, str):
                record[key] = value
        return record

    def _clean(self, cleaner: Any, batch: list[Document]) -> Iterator[Document]:
        records = [self._record(document) for document in batch]
        try:
            cleaned = cleaner.clean_batch(records, threads=self.threads)
        except ValueError:
            # One body is too large: clean one by one, so only that document says so.
            cleaned = []
            for record in records:
                try:
                    cleaned.append(cleaner.clean(record))
                except ValueError as err:
                    cleaned.append({"error": str(err)})
        for document, result in zip(batch, cleaned):
            if "error" in result:
                document.metadata["clean_news_error"] = result["error"]
                self.stat_update("failed")
                yield document
                continue
            meta = result.get("meta") or {}
            if self.drop_non_articles and meta.get("non_article"):
                self.stat_update("dropped_non_article")
                continue
            document.text = result["text"]
            if result.get("title") is None:
                document.metadata.pop("title", None)
            else:
                document.metadata["title"] = result["title"]
            for key in META_FIELDS:
                if key in meta:
                    document.metadata[key] = meta[key]
                else:
                    document.metadata.pop(key, None)
            self.stat_update("cleaned")
            self.update_doc_stats(document)
            yield document

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data is None:
            return
        cleaner = clean_news.Cleaner(packs=self.packs, max_doc_bytes=self.max_doc_bytes)
        batch: list[Document] = []
        for document in data:
            batch.append(document)
            if len(batch) >= self.batch_size:
                with self.track_time(unit="batch"):
                    yield from self._clean(cleaner, batch)
                batch = []
        if batch:
            with self.track_time(unit="batch"):
                yield from self._clean(cleaner, batch)


class CleanNewsDedup(PipelineStep):
    """Adds `cluster` and `canonical` to each document's metadata (templates removed first)."""

    name = "clean-news clusters"
    type = "🫂 - DEDUP"

    def __init__(self, templates: bool = True, threads: Optional[int] = None):
        super().__init__()
        self.templates = templates
        self.threads = threads

    @staticmethod
    def _cleaned(document: Document) -> dict[str, Any]:
        meta = {key: document.metadata[key] for key in META_FIELDS if key in document.metadata}
        return {
            "id": str(document.id),
            "title": document.metadata.get("title"),
            "text": document.text,
            "meta": meta,
            "removed": [],
        }

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data is None:
            return
        documents = list(data)
        if not documents:
            return
        with self.track_time(unit="task"):
            cleaned = [self._cleaned(document) for document in documents]
            if self.templates:
                cleaned = clean_news.remove_templates(cleaned, threads=self.threads)
            clusters = clean_news.cluster_cleaned(cleaned, threads=self.threads)
        placed: dict[str, tuple[str, bool]] = {}
        for found in clusters:
            for member in found["members"]:
                placed[member["id"]] = (found["cluster"], member["id"] == found["canonical"])
        for document, record in zip(documents, cleaned):
            document.text = record["text"]
            cluster, canonical = placed.get(record["id"], (None, False))
            document.metadata["cluster"] = cluster
            document.metadata["canonical"] = canonical
            self.stat_update("canonical" if canonical else "duplicate")
            yield document

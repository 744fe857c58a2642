"""Type stubs of the clean_news package (the native module and its re-exports)."""

from typing import Any, Iterable, Optional, TypedDict, Union

Record = dict[str, Any]
"""A raw record: id, url, site, published, title, and text or html (str, or UTF-8 bytes)."""

class Removal(TypedDict, total=False):
    class_: str
    rule: str
    text: str
    line: int
    note: str

class CleanedRecord(TypedDict, total=False):
    id: str
    title: Optional[str]
    text: str
    meta: dict[str, Any]
    removed: list[dict[str, Any]]

class CleanNewsError(Exception):
    """An error of the library (a bad pack or configuration), with the CLI's message."""

class Cleaner:
    """The text and HTML cleaner.

    packs: names of built-in packs to use (default: all); pack_files: TOML packs to add;
    max_doc_bytes: larger bodies raise ValueError (default 16 MiB, as the CLI).
    """

    def __init__(
        self,
        packs: Optional[list[str]] = None,
        pack_files: Optional[list[str]] = None,
        max_doc_bytes: Optional[int] = None,
    ) -> None: ...
    def clean(self, record: Record) -> CleanedRecord:
        """Clean one record: {"id","title","text","meta","removed"} as `clean-news clean` writes."""
    def clean_batch(
        self, records: Iterable[Record], threads: Optional[int] = None
    ) -> list[CleanedRecord]:
        """Clean many records in parallel, the GIL released; results in input order."""

def signatures(text: Union[str, bytes]) -> dict[str, Any]:
    """exact, simhash, minhash_bands, lead_shingles, passages, band_keys, words, shingles."""

def verify(a: Union[str, bytes], b: Union[str, bytes]) -> dict[str, Any]:
    """{"jaccard", "containment", "lead_containment", "accepted"} of two cleaned texts, as clustering decides."""

def remove_templates(
    cleaned_records: Iterable[CleanedRecord], threads: Optional[int] = None
) -> list[CleanedRecord]:
    """Learn the site templates of a batch of cleaned records and remove them."""

def cluster_cleaned(
    cleaned_records: Iterable[CleanedRecord], threads: Optional[int] = None
) -> list[dict[str, Any]]:
    """Cluster cleaned records; every cluster as clusters.jsonl writes it (singletons too)."""

def cluster(
    records: Iterable[Record], threads: Optional[int] = None, templates: bool = True
) -> list[dict[str, Any]]:
    """The one-machine job of `clean-news run --no-index`: documents.jsonl records in input order."""

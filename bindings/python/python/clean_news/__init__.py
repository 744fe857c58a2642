"""clean-news from Python: clean scraped news and group reposts by story.

The Rust library is the one implementation; this package calls it. Records are plain dicts
shaped like the CLI's JSON Lines::

    import clean_news

    cleaner = clean_news.Cleaner()
    doc = cleaner.clean({"id": "kt-1", "text": page_text})
    print(doc["title"], doc["meta"].get("published"))
    docs = clean_news.cluster(records)          # clean + templates + clusters, one machine

`clean_news.spark` runs the same job as map, shuffle and reduce on Spark;
`clean_news.datatrove` has it as datatrove pipeline steps (a cleaner and a dedup step).
"""

from ._native import (
    CleanNewsError,
    Cleaner,
    cluster,
    cluster_cleaned,
    remove_templates,
    signatures,
    verify,
)

__all__ = [
    "CleanNewsError",
    "Cleaner",
    "cluster",
    "cluster_cleaned",
    "remove_templates",
    "signatures",
    "verify",
]

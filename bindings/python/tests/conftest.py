"""Shared fixtures: where the repository, the CLI binary and the shared dev set are."""

import os
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
# The shared read-only data, as the Rust tests find it: $CLEAN_NEWS_SHARED, else ../shared.
SHARED = pathlib.Path(os.environ.get("CLEAN_NEWS_SHARED") or ROOT.parent / "shared")
DEV_SET = SHARED / "data" / "neardup" / "bbc-repost-dev"


@pytest.fixture(scope="session")
def cli() -> str:
    """The clean-news binary: $CLEAN_NEWS_BIN, else target/release, else target/debug."""
    candidates = [os.environ.get("CLEAN_NEWS_BIN", "")] + [
        str(ROOT / "target" / profile / "clean-news") for profile in ("release", "debug")
    ]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    found = shutil.which("clean-news")
    if not found:
        pytest.skip("no clean-news binary: build it with `cargo build --release`")
    return found


@pytest.fixture(scope="session")
def dev_set() -> pathlib.Path:
    if not (DEV_SET / "docs.jsonl").is_file():
        pytest.skip(f"the shared dev set is not at {DEV_SET}")
    return DEV_SET

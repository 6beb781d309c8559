"""Shared fixtures: the archive timezone, the bundled test posts, the real corpus."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

TESTS = Path(__file__).parent
DATA_POSTS = TESTS / "data" / "posts"
CORPUS = TESTS.parent.parent / "shared" / "corpus"  # <repo>/../shared/corpus
EXAMPLE_ARCHIVE = TESTS.parent / "examples" / "archive"


def copy_example_archive(dest: Path, src: Path = EXAMPLE_ARCHIVE) -> Path:
    """Copy the bundled example archive's posts (only `_posts/`) to `dest`.

    The README's first set-up command indexes examples/archive in place, so a
    checkout may hold examples/archive/.newsctl; tests must start from the posts
    alone, never from whatever index (or config) a user's run left there.
    """
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src / "_posts", dest / "_posts")
    return dest


@pytest.fixture(scope="session")
def tz() -> ZoneInfo:
    return ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="session")
def data_posts() -> Path:
    """tests/data/posts: real posts copied byte for byte from the corpus."""
    return DATA_POSTS


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """../shared/corpus, or skip when it is absent."""
    if not (CORPUS / "finews").is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def xwlb_dir(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 24,090 xwlb posts, extracted once per session into a temp dir."""
    tarball = corpus_dir / "xwlb-posts.tar.xz"
    if not tarball.is_file():
        pytest.skip(f"{tarball} not found")
    dest = tmp_path_factory.mktemp("xwlb")
    with tarfile.open(tarball, "r:xz") as tar:
        tar.extractall(dest, filter="data")
    return dest / "xwlb"

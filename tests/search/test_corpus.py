"""Exactness on real volume: a slice of the 24,090-post corpus, search vs grep.

The full comparison (hundreds of queries over all 24,090 posts) is
benchmarks/analysis_exactness.py; this keeps a few queries in the test suite.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsctl.archive import Archive
from newsctl.config import resolve_settings
from newsctl.search.run import SearchOptions
from newsctl.text.normalize import normalize
from newsctl.text.units import literal_pattern

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

SLICE = 2500  # posts: every 10th of the corpus, so all years are in it
QUERIES = [
    "习近平", "高新区", "猪", "疫情", "G20", "5G", "2023", "一带一路", "乡村振兴",
    "粤港澳大湾区", "新质生产力", "國家", "ＡＰＥＣ", "\"中共中央 国务院\"", "主席", "济高",
]


@pytest.fixture(scope="module")
def corpus_archive(xwlb_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("corpus") / "arc"
    posts = root / "_posts"
    posts.mkdir(parents=True)
    for path in sorted(xwlb_dir.iterdir())[::10][:SLICE]:
        (posts / path.name).symlink_to(path)
    arc = Archive(resolve_settings(archive=root, env={"XDG_CONFIG_HOME": str(root / "cfg")}))
    arc.index()
    normalised = {}
    for path in arc.post_paths():
        post = arc.read_post(path)
        normalised[post.id] = (normalize(post.title), normalize(post.text))
    return arc, normalised


@pytest.mark.parametrize("query", QUERIES)
def test_search_returns_exactly_the_grep_set(corpus_archive, query: str):
    arc, normalised = corpus_archive
    pattern = literal_pattern(query.strip('"'))
    expected = {pid for pid, (title, text) in normalised.items() if pattern.search(title) or pattern.search(text)}
    result = arc.search(query, SearchOptions(limit=0, snippets=False))
    got = [h.record.id for h in result.hits]
    assert len(got) == len(set(got))
    assert set(got) == expected, f"{query}: missing {sorted(expected - set(got))[:5]}, extra {sorted(set(got) - expected)[:5]}"
    assert result.total == len(expected)

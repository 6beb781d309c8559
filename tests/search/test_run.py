"""Search on real posts: exact match sets, ranking, fallback, snippets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsctl.archive import Archive
from newsctl.config import resolve_settings
from newsctl.errors import QueryError
from newsctl.search.run import SearchOptions
from newsctl.text.normalize import normalize
from newsctl.text.units import literal_pattern

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    root = tmp_path_factory.mktemp("search") / "arc"
    posts = root / "_posts"
    posts.mkdir(parents=True)
    for folder in ("posts", "ranking"):
        for f in (DATA / folder).iterdir():
            shutil.copy2(f, posts / f.name)
    arc = Archive(resolve_settings(archive=root, env={"XDG_CONFIG_HOME": str(root / "cfg")}))
    arc.index()
    return arc


def ids(arc: Archive, query: str, **opts) -> list[str]:
    result = arc.search(query, SearchOptions(limit=0, snippets=False, **opts))
    return [h.record.id for h in result.hits]


def grep_ids(arc: Archive, literal: str) -> set[str]:
    """The reference: the literal over normalised title and plain text, separately."""
    pattern = literal_pattern(literal)
    found = set()
    for path in arc.post_paths():
        post = arc.read_post(path)
        if pattern.search(normalize(post.title)) or pattern.search(normalize(post.text)):
            found.add(post.id)
    return found


QUERIES = [
    "高新区", "高新", "新区", "猪", "国", "绵阳高新区", "中国", "习近平", "5G", "５Ｇ", "g",
    "2021", "内银", "內銀", "郭明錤", "人民币", "美元", "，", "新能源汽车", "创新", "区在",
    "\"5G网络\"", "\"高新区 综合排名\"", "\"国家高新区评价结果出炉，绵阳\"",
]


@pytest.mark.parametrize("query", QUERIES)
def test_match_set_is_exactly_what_grep_over_normalised_text_finds(archive: Archive, query: str):
    literal = query.strip('"')
    expected = grep_ids(archive, literal)
    got = ids(archive, query)
    assert len(got) == len(set(got)), "a post listed twice"
    assert set(got) == expected


def test_ascii_runs_match_whole_tokens_only(archive: Archive):
    assert "2021-12-08-202112082206768417" in ids(archive, "5G")  # 5G等 / 5G网络
    assert ids(archive, "2022") and ids(archive, "022") == []  # 022 is inside the token 2022
    assert ids(archive, "5") == [] or "2021-12-08-202112082206768417" not in ids(archive, "5")


def test_traditional_and_full_width_queries_find_simplified_text(archive: Archive):
    assert ids(archive, "高新區") == ids(archive, "高新区")
    assert ids(archive, "５Ｇ") == ids(archive, "5G")


def test_title_match_and_real_word_rank_above_accidental_substring(archive: Archive):
    ranked = ids(archive, "高新")
    title_hit = "2022-08-14-xwlb2022081406"  # 湖北：高新技术产业助力经济高质量发展
    word_hit = "2025-09-13-xwlb2025091306"  # 高新技术产品出口
    accidental = "2024-11-14-xwlb2024111405"  # 提高新能源汽车
    assert ranked[0] in (title_hit, "2022-02-28-NW202202282290536398")
    assert ranked.index(title_hit) < ranked.index(word_hit) < ranked.index(accidental)


def test_unquoted_term_found_nowhere_falls_back_to_its_words(archive: Archive):
    result = archive.search("绵阳高新区排名", SearchOptions(limit=0, snippets=False))
    assert [f.words for f in result.fallbacks] == [["绵阳", "高新区", "排名"]]
    assert "no post contains 绵阳高新区排名; showing posts with all of 绵阳 · 高新区 · 排名" in result.fallbacks[0].message()
    assert [h.record.id for h in result.hits] == ["2022-02-28-NW202202282290536398"]


def test_quoted_phrase_never_falls_back(archive: Archive):
    result = archive.search('"绵阳高新区排名"', SearchOptions(limit=0, snippets=False))
    assert result.fallbacks == [] and list(result.hits) == []


def test_fields_filters_and_negation(archive: Archive):
    all_5g = set(ids(archive, "5G"))
    assert set(ids(archive, "5G category:emnews")) < all_5g
    assert set(ids(archive, "5G -category:emnews")) == all_5g - set(ids(archive, "5G category:emnews"))
    assert ids(archive, "title:高新") == ["2022-08-14-xwlb2022081406", "2022-02-28-NW202202282290536398"] or set(
        ids(archive, "title:高新")
    ) == {"2022-08-14-xwlb2022081406", "2022-02-28-NW202202282290536398"}
    assert set(ids(archive, "高新 date:2022-02")) == {"2022-02-28-NW202202282290536398"}
    assert ids(archive, "高新", categories=["mianyangribao"]) == ["2022-02-28-NW202202282290536398"]


def test_sort_by_date_is_newest_first(archive: Archive):
    result = archive.search("中国", SearchOptions(limit=0, snippets=False, sort="date"))
    dates = [h.record.date for h in result.hits]
    assert dates == sorted(dates, reverse=True) and len(dates) > 3


def test_snippet_highlights_the_exact_original_characters(archive: Archive):
    result = archive.search("高新區", SearchOptions(limit=1))
    hit = next(result.hits)
    assert hit.highlights
    for s, e in hit.highlights:
        assert hit.snippet[s:e] == "高新区"
    # whole sentences: the snippet ends at a sentence end, not mid-sentence
    assert hit.snippet.rstrip("…")[-1] in "。！？!?" or hit.snippet.endswith("…")


def test_offset_and_limit_page_through_hits(archive: Archive):
    every = ids(archive, "中国")
    page = archive.search("中国", SearchOptions(limit=2, offset=1, snippets=False))
    assert [h.record.id for h in page.hits] == every[1:3]
    assert page.total == len(every)


def test_bad_query_is_a_query_error(archive: Archive):
    with pytest.raises(QueryError):
        archive.search("(高新", SearchOptions())

"""`newsctl stats [QUERY]`: the figures agree with what list and search return, in every form."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import copy_example_archive

from newsctl.archive import Archive
from newsctl.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "archive"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    for var in ("NEWSCTL_ARCHIVE", "NEWSCTL_INDEX_DIR", "NEWSCTL_TIMEZONE", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """An indexed copy of the example archive (40 posts), shared by the module: tests only read it."""
    dest = tmp_path_factory.mktemp("stats") / "arc"
    copy_example_archive(dest)
    assert main(["--archive", str(dest), "index"]) == 0
    return dest


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def stats_json(capsys, archive: Path, *args: str) -> dict:
    code, out, err = run(capsys, "--archive", str(archive), "stats", "--format", "json", *args)
    assert code in (0, 1), err
    return json.loads(out)


def expected_from(records: list[dict]) -> dict:
    """The figures, computed the slow way from list/search records."""
    cats = Counter(c for r in records for c in r["categories"])
    tags = Counter(t for r in records for t in r["tags"])
    months = Counter(r["date"][:7] for r in records)
    return {
        "posts": len(records),
        "first": min((r["date"] for r in records), default=None),
        "last": max((r["date"] for r in records), default=None),
        "categories": sorted(cats.items(), key=lambda kv: (-kv[1], kv[0])),
        "tags": sorted(tags.items(), key=lambda kv: (-kv[1], kv[0])),
        "months": dict(months),
    }


def actual(data: dict) -> dict:
    return {
        "posts": data["posts"],
        "first": data["first"],
        "last": data["last"],
        "categories": [(c["name"], c["posts"]) for c in data["categories"]],
        "tags": [(t["name"], t["posts"]) for t in data["tags"]],
        "months": {p["period"]: p["posts"] for p in data["timeline"] if p["posts"]},
    }


def test_whole_archive_figures_equal_the_listed_posts(capsys, archive: Path):
    _, out, _ = run(capsys, "--archive", str(archive), "list", "--format", "json", "--limit", "0")
    data = stats_json(capsys, archive)
    assert actual(data) == expected_from(json.loads(out))
    assert data["query"] is None and data["unit"] == "month"
    assert data["categories"][0] == {"name": "emnews", "posts": 24}


def test_the_timeline_covers_every_month_from_first_to_last_post(capsys, archive: Path):
    periods = [p["period"] for p in stats_json(capsys, archive)["timeline"]]
    assert periods[0] == "2021-12" and periods[-1] == "2026-08"
    assert len(periods) == len(set(periods)) == (2026 - 2021) * 12 + 8 - 12 + 1  # empty months included


@pytest.mark.parametrize("query", ["高新区", "会议", "-新闻", "category:emnews", "date:2021-12", "人民币 OR 美元", "习近平", "绵阳高新区排名"])
def test_query_figures_equal_the_search_hits(capsys, archive: Path, query: str):
    code, out, err = run(capsys, "--archive", str(archive), "search", "--format", "jsonl", "--limit", "0", "--", query)
    assert code in (0, 1), err
    hits = [json.loads(line) for line in out.splitlines()]
    assert hits or query == "没有"
    assert actual(stats_json(capsys, archive, "--", query)) == expected_from(hits)


@pytest.mark.parametrize(
    "args",
    [("--category", "emnews"), ("--since", "2022", "--until", "2024-06"), ("--tag", "新闻联播", "--since", "2025")],
)
def test_filters_give_the_figures_of_list_with_the_same_filters(capsys, archive: Path, args: tuple[str, ...]):
    _, out, _ = run(capsys, "--archive", str(archive), "list", "--format", "json", "--limit", "0", *args)
    assert actual(stats_json(capsys, archive, *args)) == expected_from(json.loads(out))


def test_a_fallback_to_words_is_said_on_stderr_as_search_says_it(capsys, archive: Path):
    code, _, err = run(capsys, "--archive", str(archive), "stats", "绵阳高新区排名")
    assert code == 0 and "绵阳 · 高新区 · 排名" in err


def test_nothing_matched_is_exit_1_with_zero_figures(capsys, archive: Path):
    data = stats_json(capsys, archive, "没有这种词语吧")
    assert data == {"query": "没有这种词语吧", "posts": 0, "first": None, "last": None,
                    "categories": [], "tags": [], "unit": "month", "timeline": []}
    code, out, _ = run(capsys, "--archive", str(archive), "stats", "没有这种词语吧")
    assert code == 1 and out == "没有这种词语吧: 0 posts\n"


@pytest.mark.parametrize("unit, first", [("day", "2021-12-08"), ("month", "2021-12"), ("year", "2021")])
def test_by_sets_the_unit(capsys, archive: Path, unit: str, first: str):
    data = stats_json(capsys, archive, "--by", unit)
    assert data["unit"] == unit and data["timeline"][0] == {"period": first, "posts": 24}
    assert sum(p["posts"] for p in data["timeline"]) == 40


def test_auto_unit_follows_the_span(capsys, archive: Path):
    _, out, _ = run(capsys, "--archive", str(archive), "stats", "category:emnews")  # one day
    assert "posts per day\n2021-12-08  24 " in out
    _, out, _ = run(capsys, "--archive", str(archive), "stats")  # 2021-12 .. 2026-08: under five years
    assert "posts per month\n2021-12  24 " in out


def test_top_limits_the_names(capsys, archive: Path):
    assert len(stats_json(capsys, archive, "--top", "1")["categories"]) == 1
    assert len(stats_json(capsys, archive)["categories"]) == 3  # JSON lists all by default
    _, out, _ = run(capsys, "--archive", str(archive), "stats", "--top", "2")
    assert "… and 1 more (--top 0 lists all)" in out


def test_text_into_a_pipe(capsys, archive: Path):
    code, out, _ = run(capsys, "--archive", str(archive), "stats")
    assert code == 0 and "\x1b" not in out
    lines = out.splitlines()
    assert lines[0] == f"{archive.resolve()}: 40 posts, 2021-12-08 … 2026-08-14"
    assert "categories (3)" in lines and "tags (3)" in lines
    assert "emnews         24   60%" in lines


@pytest.mark.parametrize(
    "args, code, words",
    [
        (("--since", "last week"), 2, "cannot read date 'last week'"),
        (("(高新区",), 2, "missing ')'"),
        (("--since", "2023", "--until", "2022"), 2, "is after"),
        (("--by", "week"), 2, "'week' is not one of"),
    ],
)
def test_bad_input_is_one_line(capsys, archive: Path, args, code: int, words: str):
    got, out, err = run(capsys, "--archive", str(archive), "stats", *args)
    assert got == code and out == ""
    assert len(err.splitlines()) == 1 and words in err and "Traceback" not in err


def test_no_index_says_how_to_make_one(capsys, tmp_path: Path):
    (tmp_path / "fresh" / "_posts").mkdir(parents=True)
    code, _, err = run(capsys, "--archive", str(tmp_path / "fresh"), "stats")
    assert code == 2 and len(err.splitlines()) == 1 and "newsctl index" in err


def test_library_call(archive: Path):
    st = Archive.open(archive).stats("高新区")
    assert (st.total, st.categories, st.auto_unit()) == (1, [("mianyangribao", 1)], "day")
    assert st.timeline("day") == [("2022-02-28", 1)]


@pytest.mark.corpus
@pytest.mark.slow
def test_whole_corpus_stats_take_well_under_a_second():
    """Needs an indexed copy of the 24,090-post corpus: NEWSCTL_CORPUS_ARCHIVE=/path (indexing takes minutes)."""
    root = os.environ.get("NEWSCTL_CORPUS_ARCHIVE")
    if not root:
        pytest.skip("set NEWSCTL_CORPUS_ARCHIVE to an indexed archive of the corpus")
    arc = Archive.open(root)
    arc.stats()  # warm the OS cache
    t0 = time.perf_counter()
    st = arc.stats()
    assert time.perf_counter() - t0 < 1.0
    assert st.total >= 24_000


@pytest.mark.parametrize("query", [None, "新闻", "category:emnews", "人民币 OR 美元"])
def test_every_way_of_counting_names_gives_the_same_figures(archive: Path, monkeypatch, query):
    import newsctl.search.stats as stats_module

    arc = Archive.open(archive)
    answers = []
    for limit in (0, 10**9):  # posting lists, then the posts' stored names
        monkeypatch.setattr(stats_module, "STORED_SCAN_LIMIT", limit)
        st = arc.stats(query, since=None) if query else arc.stats(None, categories=["emnews", "xinwenlianbo", "mianyangribao"])
        answers.append((st.total, st.categories, st.tags))
    assert answers[0] == answers[1]
    if query is None:
        assert answers[0][1] == arc.stats().categories  # = term frequencies for the whole archive

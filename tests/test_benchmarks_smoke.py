"""The benchmark harness's own pieces, on the real posts in tests/data (well under a second).

The full harness (`python benchmarks/run.py --quick`) needs the corpus and
minutes; this only checks that archive preparation, the FTS5 baseline, the
rg command lines and the report work, so a broken harness shows up in CI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import fts5_tool  # noqa: E402
import prepare  # noqa: E402
import report  # noqa: E402
from queries import QUERIES  # noqa: E402

POSTS = sorted((ROOT / "tests" / "data" / "posts").glob("*xwlb*.md"))[:20]

pytestmark = pytest.mark.skipif(len(POSTS) < 5, reason="needs the xwlb posts in tests/data/posts")


def test_four_renamed_copies_keep_the_date_prefix(tmp_path: Path) -> None:
    arc = prepare.build_archive(tmp_path / "a", POSTS, prepare.COPY_PREFIXES)
    names = sorted(p.name for p in (arc / "_posts").iterdir())
    assert len(names) == 4 * len(POSTS)
    assert prepare.renamed("2022-01-01-xwlb2022010100.md", "c3") == "2022-01-01-c3-xwlb2022010100.md"
    assert all(n[:10] == n[:10].replace("c", "") and n[4] == "-" for n in names)
    # reused, not rebuilt, when complete
    stamp = (arc / "_posts" / names[0]).stat().st_mtime_ns
    prepare.build_archive(tmp_path / "a", POSTS, prepare.COPY_PREFIXES)
    assert (arc / "_posts" / names[0]).stat().st_mtime_ns == stamp


def test_add_inputs_are_new_posts(tmp_path: Path) -> None:
    out = prepare.make_add_inputs(tmp_path / "add", POSTS, 5)
    files = sorted(out.glob("*.md"))
    assert len(files) == 5
    text = files[0].read_text("utf-8")
    assert 'title: "（重播）' in text and "?rerun=1>" in text


def test_text_size_counts_body_after_front_matter(tmp_path: Path) -> None:
    arc = prepare.build_archive(tmp_path / "a", POSTS)
    ts = prepare.text_size(arc / "_posts")
    assert ts.posts == len(POSTS)
    assert 0 < ts.plain_body_bytes < ts.raw_body_bytes < ts.file_bytes
    assert prepare.plain_text(' <p>央视网消息&amp;</p>\n\n<https://tv.cctv.com/x.shtml>') == "央视网消息&"


def test_fts5_matches_long_terms_and_scans_short_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arc = prepare.build_archive(tmp_path / "a", POSTS)
    db = tmp_path / "f.sqlite"
    assert fts5_tool.build(arc, db) == len(POSTS)
    capsys.readouterr()
    needle = "新闻联播"  # in every body's first line: （新闻联播）
    expected = sum(1 for p in POSTS if needle in prepare.split_front_matter(p.read_text("utf-8"))[1])
    fts5_tool.query(db, [needle], None, None)
    got = capsys.readouterr()
    assert len(got.out.splitlines()) == expected and "MATCH" in got.err
    fts5_tool.query(db, ["联播"], None, None)
    got = capsys.readouterr()
    assert len(got.out.splitlines()) >= expected and "LIKE scan" in got.err


def test_rg_commands() -> None:
    by = {q.key: q for q in QUERIES}
    assert by["高新区"].rg_command("_posts/") == (["rg", "-l", "高新区", "_posts/"], False)
    line, shell = by["李强 河南"].rg_command("_posts/")
    assert shell and line == "rg -l -0 '李强' _posts/ | xargs -0 -r rg -l '河南'"
    assert by["台风 date:2023-07"].rg_command("_posts/")[0][2:4] == ["-g", "2023-07-*"]


def test_report_renders_skips_and_keeps_notes(tmp_path: Path) -> None:
    res = {
        "config": {"quick": True, "runs": 3, "index_runs": 1, "big_index_runs": 1},
        "machine": {"date": "today", "cpu": "cpu", "cores": 2, "commit": "abc", "dirty": []},
        "archives": [{"key": "q20", "label": "20 posts", "posts": 20}],
        "sizes": {"q20": {"text": {"posts": 20, "file_bytes": 3, "raw_body_bytes": 2, "plain_body_bytes": 1, "title_bytes": 1}}},
        "measurements": [
            {"name": "newsctl --help", "archive": None, "status": "ok", "median": 0.1, "low": 0.1, "high": 0.1, "n": 3, "command": "newsctl --help", "cpu": 0.1},
            {"name": "index, nothing to do", "archive": "q20", "status": "skipped", "note": "exit 2: no such command"},
        ],
        "queries": {},
    }
    out = tmp_path / "b.md"
    report.write(out, res, json_path=tmp_path / "b.json", project=ROOT)
    text = out.read_text("utf-8")
    assert "skipped: exit 2: no such command" in text and "**pass** (quick)" in text
    out.write_text(text.replace("(Hand-written", "MY NOTE (Hand-written"), "utf-8")
    report.write(out, res, json_path=tmp_path / "b.json", project=ROOT)
    assert "MY NOTE" in out.read_text("utf-8")


def test_measure_wrapper_reports_memory(tmp_path: Path) -> None:
    from measure import run_with_memory

    r = run_with_memory([sys.executable, "-c", "x = bytearray(50_000_000); print('ok')"])
    assert r.rc == 0 and r.stdout.strip() == b"ok"
    assert r.maxrss_kb and r.maxrss_kb > 45_000
    assert r.seconds > 0 and r.cpu_seconds is not None

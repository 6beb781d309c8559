"""The index's own sequence (sync/sequence.py) and reading it beside a writer (follow/news.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import copy_example_archive

from newsctl.archive import Archive
from newsctl.engine.sequence import column
from newsctl.engine.storage import live_folder, open_index

NW = "2022-02-28-NW202202282290536398"


@pytest.fixture
def arc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Archive:
    for var in ("NEWSCTL_ARCHIVE", "NEWSCTL_INDEX_DIR", "NEWSCTL_TIMEZONE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    a = Archive.open(copy_example_archive(tmp_path / "arc"))
    a.index()
    return a


def numbers(arc: Archive) -> dict[str, tuple[int, int]]:
    """path -> (seq, first_seq) of every live document."""
    with open_index(arc.state_dir).reader() as r:
        seq, first = column(r, "seq"), column(r, "first_seq")
        return {r.stored_fields(d)["path"]: (seq[d], first[d]) for d in r.all_doc_ids()}


def post(arc: Archive, name: str, title: str, body: str = "正文。") -> Path:
    path = arc.posts_dir / name
    path.write_text(f"---\ntitle: {title}\ndate: 2011-01-01 08:00:00\n---\n\n{body}\n", "utf-8")
    return path


def test_the_first_build_numbers_everything_zero_and_later_runs_stamp_what_they_add(arc: Archive):
    first = numbers(arc)
    assert set(first.values()) == {(0, 0)}  # indexed before anything was followed
    post(arc, "2011-01-01-a.md", "甲")
    arc.index()
    a = numbers(arc)["_posts/2011-01-01-a.md"]
    assert a[0] == a[1] > 0
    post(arc, "2011-01-01-b.md", "乙")
    arc.index()
    b = numbers(arc)["_posts/2011-01-01-b.md"]
    assert b[0] == b[1] > a[0]  # stamps only grow
    assert {k: v for k, v in numbers(arc).items() if k in first} == first  # untouched posts keep theirs


def test_an_edit_keeps_first_seq_and_takes_a_new_seq(arc: Archive):
    path = arc.posts_dir / f"{NW}.md"
    path.write_text(path.read_text("utf-8") + "\n补一句。\n", "utf-8")
    arc.index()
    seq, first = numbers(arc)[f"_posts/{NW}.md"]
    assert first == 0 and seq > 0


def test_helper_processes_number_documents_too(arc: Archive):
    for i in range(4):
        post(arc, f"2011-01-0{i + 1}-p{i}.md", f"并行{i}")
    arc.index(procs=2)
    stamps = {v for k, v in numbers(arc).items() if "-p" in k}
    assert len(stamps) == 1 and next(iter(stamps))[0] > 0  # one run, one stamp, in every helper


def test_a_clock_gone_back_still_stamps_above_the_index(arc: Archive, monkeypatch: pytest.MonkeyPatch):
    post(arc, "2011-01-01-a.md", "甲")
    arc.index()
    top = numbers(arc)["_posts/2011-01-01-a.md"][0]
    monkeypatch.setattr("newsctl.sync.sequence.time.time_ns", lambda: 1)
    post(arc, "2011-01-01-b.md", "乙")
    arc.index()
    assert numbers(arc)["_posts/2011-01-01-b.md"] == (top + 1, top + 1)


def test_a_rebuild_carries_every_number_over(arc: Archive):
    post(arc, "2011-01-01-a.md", "甲")
    arc.index()
    before = numbers(arc)
    arc.index(rebuild=True)
    assert numbers(arc) == before


def test_a_lost_index_floods_no_watch(arc: Archive):
    arc.add_watch("gaoxin", "高新区", backlog=False)
    post(arc, "2011-01-01-a.md", "高新区甲")
    arc.index()
    news = arc.news()
    assert [i.record.id for i in news.items] == ["2011-01-01-a"]
    news.mark()
    folder = live_folder(arc.state_dir)
    assert folder is not None
    shutil.rmtree(folder)
    (arc.state_dir / "index").unlink()
    arc.index()  # from scratch: no earlier index to read numbers from
    assert set(numbers(arc).values()) == {(0, 0)}
    assert arc.news().count == 0
    post(arc, "2011-01-01-b.md", "高新区乙")
    arc.index()
    assert [i.record.id for i in arc.news().items] == ["2011-01-01-b"]


def test_posts_indexed_while_news_reads_stay_unread(arc: Archive):
    """news reads one view; a run committing before it marks is news for the next run."""
    arc.add_watch("gaoxin", "高新区")
    post(arc, "2011-01-01-a.md", "高新区甲")
    arc.index()
    seen = arc.news()
    post(arc, "2011-01-01-b.md", "高新区乙")
    arc.index()  # a writer commits between reading and marking
    assert [i.record.id for i in seen.items] == ["2011-01-01-a"]
    seen.mark()
    assert [i.record.id for i in arc.news().items] == ["2011-01-01-b"]


def test_marks_never_move_back(arc: Archive):
    arc.add_watch("gaoxin", "高新区")
    post(arc, "2011-01-01-a.md", "高新区甲")
    arc.index()
    old = arc.news()  # an older view
    post(arc, "2011-01-01-b.md", "高新区乙")
    arc.index()
    arc.news().mark()  # a newer one marks first
    old.mark()
    assert arc.news().count == 0

"""Files <-> index reconciliation (newsctl.sync), in-process: change detection,
bad posts, crashes between steps, status, check and repair."""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from newsctl.archive import Archive
from newsctl.config import resolve_settings
from newsctl.engine.schema import post_document
from newsctl.engine.storage import (
    BUILD_SUFFIX,
    KEEP_REPLACED_SECONDS,
    META_NAME,
    index_state,
    latest_generation,
    live_folder,
    open_index,
)
from newsctl.engine.writer import Writer
from newsctl.errors import EXIT_INTERRUPTED, NewsctlError, StorageError
from newsctl.sync.apply import process_item
from newsctl.sync.manifest import MANIFEST_NAME, read_manifest

DATA = Path(__file__).resolve().parents[1] / "data"
POSTS = sorted((DATA / "posts").iterdir())
EXTRA = sorted((DATA / "ranking").iterdir())
OLD = 1_640_000_000  # 2021-12-20: copied posts are old, not just written


def make_archive(root: Path, n: int = 8) -> Archive:
    posts = root / "_posts"
    posts.mkdir(parents=True)
    for f in POSTS[:n]:
        dest = posts / f.name
        shutil.copyfile(f, dest)
        os.utime(dest, (OLD, OLD))
    return Archive(resolve_settings(archive=root, env={"XDG_CONFIG_HOME": str(root / "cfg")}))


@pytest.fixture
def arc(tmp_path: Path) -> Archive:
    return make_archive(tmp_path / "arc")


@pytest.fixture
def no_racy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files in a test are seconds old; without this each run re-checks them once."""
    monkeypatch.setattr("newsctl.sync.scan.RACY_NS", 0)


def paths_indexed(arc: Archive) -> list[str]:
    with open_index(arc.state_dir).searcher() as s:
        return sorted(f["path"] for f in s.all_stored_fields())


def live_gen(arc: Archive) -> int:
    return latest_generation(live_folder(arc.state_dir))


def edit(path: Path, text: str) -> None:
    path.chmod(0o644)
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def search_ids(arc: Archive, query: str) -> list[str]:
    from newsctl.search.run import SearchOptions

    return sorted(h.record.id for h in arc.search(query, SearchOptions(limit=0, snippets=False)).hits)


# --- change detection ---------------------------------------------------------------


def test_first_run_builds_then_a_run_with_nothing_to_do_reads_nothing(arc: Archive, no_racy: None) -> None:
    r = arc.index()
    assert (r.mode, r.added, r.changed, r.removed, r.errors, r.posts) == ("rebuild", 8, 0, 0, [], 8)
    gen = live_gen(arc)
    r = arc.index()
    assert (r.mode, r.added, r.changed, r.removed, r.read, r.unchanged) == ("incremental", 0, 0, 0, 0, 8)
    assert live_gen(arc) == gen  # nothing committed
    assert r.summary().startswith("+0 ~0 -0, 0 errors, 8 posts")


def test_edit_remove_rename_and_add_reflected_after_one_run(arc: Archive, no_racy: None) -> None:
    arc.index()
    posts = arc.posts_dir
    files = sorted(posts.iterdir())
    edit(files[0], "\n独一无二的补充段落\n")
    files[1].unlink()
    renamed = posts / ("2021-12-09-renamed" + files[2].suffix)
    files[2].rename(renamed)
    shutil.copyfile(EXTRA[0], posts / EXTRA[0].name)
    r = arc.index()
    assert (r.added, r.changed, r.removed, r.errors) == (2, 1, 2, [])
    expect = sorted(f"_posts/{p.name}" for p in posts.iterdir())
    assert paths_indexed(arc) == expect  # nothing missing, nothing twice
    assert search_ids(arc, '"独一无二的补充段落"') == [files[0].stem]
    assert renamed.stem in {rec.id for rec in arc.list(limit=0).records}
    assert arc.list().total == 8


def test_new_stat_same_bytes_is_read_but_not_reindexed(arc: Archive, no_racy: None) -> None:
    arc.index()
    gen = live_gen(arc)
    f = sorted(arc.posts_dir.iterdir())[3]
    os.utime(f, (OLD + 99, OLD + 99))
    r = arc.index()
    assert (r.read, r.added, r.changed, r.removed) == (1, 0, 0, 0)
    assert live_gen(arc) == gen
    assert arc.index().read == 0  # the manifest learnt the new stat


def test_edit_that_keeps_size_and_mtime_is_still_seen(arc: Archive, no_racy: None) -> None:
    arc.index()
    f = sorted(arc.posts_dir.iterdir())[4]
    data = f.read_bytes()
    st = f.stat()
    f.chmod(0o644)
    f.write_bytes(data.replace("。".encode(), "！".encode(), 1))  # same length in UTF-8
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_size == st.st_size and f.stat().st_mtime_ns == st.st_mtime_ns
    r = arc.index()  # the inode change time still moved
    assert (r.changed, r.read) == (1, 1)


def test_racy_file_is_checked_again_once(arc: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("newsctl.sync.scan.RACY_NS", 300_000_000)
    arc.index()  # the copies made by the fixture are racy too
    time.sleep(0.35)
    assert (arc.index().read, arc.index().read) == (8, 0)
    new = arc.posts_dir / EXTRA[1].name
    shutil.copyfile(EXTRA[1], new)  # written just now...
    r = arc.index()  # ...and read at once: it could change again within the same tick
    assert (r.added, r.read) == (1, 1)
    time.sleep(0.35)
    r = arc.index()
    assert (r.read, r.unchanged, r.added, r.changed) == (1, 9, 0, 0)  # only its bytes hashed again
    r = arc.index()
    assert r.read == 0


# --- bad posts ------------------------------------------------------------------------


def test_bad_post_is_reported_once_then_skipped_until_it_changes(arc: Archive, no_racy: None) -> None:
    arc.index()
    bad = arc.posts_dir / "2022-01-01-bad.md"
    bad.write_bytes(b"\x00\x01\x02 not a post")
    r = arc.index()
    assert [str(e.path) for e in r.errors] == [str(arc.root / "_posts/2022-01-01-bad.md")]
    assert r.posts == 8
    r = arc.index()
    assert (r.errors, r.read, [p for p, _ in r.known_bad]) == ([], 0, ["_posts/2022-01-01-bad.md"])
    assert "1 unreadable post unchanged" in r.summary()
    st = arc.status()
    assert [p for p, _ in st.unreadable] == ["_posts/2022-01-01-bad.md"] and st.pending == 0
    bad.write_bytes(EXTRA[0].read_bytes())
    r = arc.index()
    assert (r.added, r.errors, r.known_bad) == (1, [], [])


def test_post_that_turns_bad_leaves_the_index(arc: Archive, no_racy: None) -> None:
    arc.index()
    f = sorted(arc.posts_dir.iterdir())[0]
    f.chmod(0o644)
    f.write_text("no front matter at all\n", "utf-8")
    r = arc.index()
    assert (len(r.errors), r.removed, r.posts) == (1, 1, 7)
    assert f"_posts/{f.name}" not in paths_indexed(arc)


def test_unreadable_file_is_an_error_every_run(arc: Archive, no_racy: None) -> None:
    arc.index()
    (arc.posts_dir / "2022-02-02-dangling.md").symlink_to(arc.root / "nowhere.md")
    for _ in range(2):
        r = arc.index()
        assert [e.reason for e in r.errors] == ["cannot read: No such file or directory"]


def test_post_whose_indexing_raises_is_skipped_without_a_half_document(
    arc: Archive, no_racy: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    arc.index()
    real = post_document

    def poisoned(post, rel, stat, **kw):  # type: ignore[no-untyped-def]
        doc = real(post, rel, stat, **kw)
        if "毒丸测试" in post.title:
            # Whoosh adds fields in name order: body/category postings are
            # pooled before `date` raises
            doc["date"] = object()
        return doc

    monkeypatch.setattr("newsctl.sync.apply.post_document", poisoned)
    posts = arc.posts_dir
    shutil.copyfile(EXTRA[0], posts / EXTRA[0].name)
    (posts / "2022-03-03-poison.md").write_text("---\ntitle: 毒丸测试\ndate: 2022-03-03 10:00:00\n---\n\n毒丸测试正文\n", "utf-8")
    shutil.copyfile(EXTRA[1], posts / EXTRA[1].name)
    r = arc.index()
    assert [e.reason.split(":")[0] for e in r.errors] == ["cannot index"]
    assert (r.added, r.posts) == (2, 10)
    assert "_posts/2022-03-03-poison.md" not in paths_indexed(arc)
    assert search_ids(arc, "毒丸") == []  # no stray postings
    assert arc.index().errors == []  # remembered like any bad post


# --- self-healing -------------------------------------------------------------------------


def test_index_of_an_older_schema_is_rebuilt(arc: Archive, no_racy: None) -> None:
    arc.index()
    folder = live_folder(arc.state_dir)
    (folder / META_NAME).write_text(json.dumps({"schema": "1.1"}))
    assert index_state(arc.state_dir) == "outdated"
    r = arc.index()
    assert r.mode == "rebuild" and "another version" in r.notes[0] and r.posts == 8
    assert index_state(arc.state_dir) == "ok"


def test_unreadable_index_metadata_is_rebuilt(arc: Archive, no_racy: None) -> None:
    arc.index()
    (live_folder(arc.state_dir) / META_NAME).write_text("{garbage")
    r = arc.index()
    assert r.mode == "rebuild" and "unreadable" in r.notes[0]
    assert arc.list().total == 8


@pytest.mark.parametrize("damage", ["missing", "stale"])
def test_lost_or_stale_manifest_is_rebuilt_from_the_index(arc: Archive, no_racy: None, damage: str) -> None:
    arc.index()
    folder = live_folder(arc.state_dir)
    path = folder / MANIFEST_NAME
    if damage == "missing":
        path.unlink()
    else:  # as after kill -9 between a commit and the manifest
        data = json.loads(path.read_text())
        data["generation"] -= 1
        data["posts"] = {}
        path.write_text(json.dumps(data))
    r = arc.index()
    assert (r.read, r.added, r.changed, r.removed, r.posts) == (0, 0, 0, 0, 8)
    m = read_manifest(folder)
    assert m is not None and not m.derived and len(m.posts) == 8 and m.files


def test_damage_met_by_an_incremental_run_makes_it_rebuild(arc: Archive, no_racy: None) -> None:
    arc.index()
    folder = live_folder(arc.state_dir)
    next(folder.glob("MAIN_*.seg")).unlink()  # TOC fine, segment gone
    sorted(arc.posts_dir.iterdir())[0].unlink()  # a deletion has to read the segment
    r = arc.index()
    assert r.mode == "rebuild" and "unreadable" in r.notes[0]
    assert (r.posts, r.errors) == (7, [])
    assert arc.check().ok


def test_manifest_write_failure_is_a_warning_and_the_next_run_recovers(
    arc: Archive, no_racy: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    arc.index()
    shutil.copyfile(EXTRA[0], arc.posts_dir / EXTRA[0].name)

    def fail(*a, **k):  # type: ignore[no-untyped-def]
        raise StorageError("disk full")

    monkeypatch.setattr("newsctl.sync.run.write_manifest", fail)
    r = arc.index()
    assert r.added == 1 and "rebuilds it from the index" in r.warnings[0]
    monkeypatch.undo()
    monkeypatch.setattr("newsctl.sync.scan.RACY_NS", 0)
    r = arc.index()
    assert (r.read, r.added, r.posts) == (0, 0, 9)


def test_disk_full_in_commit_keeps_the_previous_index(arc: Archive, no_racy: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from whoosh.writing import SegmentWriter

    arc.index()
    gen = live_gen(arc)
    shutil.copyfile(EXTRA[0], arc.posts_dir / EXTRA[0].name)
    real = SegmentWriter._commit_toc

    def full(self, segments):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SegmentWriter, "_commit_toc", full)
    with pytest.raises(StorageError, match="No space left on device") as e:
        arc.index()
    assert "previous index is unchanged" in str(e.value)
    assert live_gen(arc) == gen and arc.list().total == 8
    with pytest.raises(StorageError):
        arc.index(rebuild=True)
    assert [p.name for p in arc.state_dir.iterdir() if p.name.endswith(BUILD_SUFFIX)] == []
    monkeypatch.setattr(SegmentWriter, "_commit_toc", real)
    r = arc.index()  # the Whoosh lock was released, the change is still pending
    assert (r.added, r.posts) == (1, 9)
    assert arc.check().ok


def test_interrupted_run_changes_nothing_and_is_recorded(arc: Archive, no_racy: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsctl.state import read_state

    class Interrupted(NewsctlError):
        exit_code = EXIT_INTERRUPTED

    arc.index()
    gen = live_gen(arc)
    for f in EXTRA:
        shutil.copyfile(f, arc.posts_dir / f.name)
    real = process_item
    calls = []

    def stop(item, tz, add):  # type: ignore[no-untyped-def]
        calls.append(item.rel)
        if len(calls) == 2:
            raise Interrupted("stopped by SIGTERM")
        return real(item, tz, add)

    monkeypatch.setattr("newsctl.sync.apply.process_item", stop)
    with pytest.raises(Interrupted):
        arc.index()
    assert live_gen(arc) == gen and arc.list().total == 8
    assert read_state(arc.state_dir)["last"]["outcome"] == "interrupted"
    calls.clear()
    with pytest.raises(Interrupted):
        arc.index(rebuild=True)
    assert [p.name for p in arc.state_dir.iterdir() if p.name.endswith(BUILD_SUFFIX)] == []
    monkeypatch.setattr("newsctl.sync.apply.process_item", real)
    r = arc.index()
    assert (r.added, r.posts) == (3, 11)


def test_leftovers_of_killed_writers_are_swept(arc: Archive, no_racy: None) -> None:
    arc.index()
    folder = live_folder(arc.state_dir)
    orphan = arc.state_dir / "index.20200101T000000.000000-1.build"
    orphan.mkdir()
    (folder / "MAIN.tmp").mkdir()
    (folder / "MAIN.tmp" / "run1").write_bytes(b"x" * 100)
    (folder / "_MAIN_99.toc.1234.5").write_bytes(b"half a toc")
    (folder / "MAIN_zzzzzzzzzzzzzzzz.seg").write_bytes(b"half a segment")
    shutil.copyfile(EXTRA[0], arc.posts_dir / EXTRA[0].name)
    r = arc.index()
    assert r.added == 1
    names = set(os.listdir(folder))
    assert not orphan.exists()
    assert not {"MAIN.tmp", "_MAIN_99.toc.1234.5", "MAIN_zzzzzzzzzzzzzzzz.seg"} & names
    assert arc.check().ok


def test_rebuild_swaps_folders_and_old_ones_go_after_a_while(arc: Archive, no_racy: None) -> None:
    arc.index()
    first = live_folder(arc.state_dir)
    with open_index(arc.state_dir).searcher() as s:  # a reader on the old index...
        arc.index(rebuild=True)
        second = live_folder(arc.state_dir)
        assert second != first and first.is_dir()  # ...keeps working
        assert s.doc_count() == 8
    assert open_index(arc.state_dir).storage.folder == str(second)  # readers open the real folder
    os.utime(first, (time.time() - KEEP_REPLACED_SECONDS - 5,) * 2)
    arc.index()
    assert not first.exists() and second.exists()


READER = """
import sys, time
from pathlib import Path
from whoosh import query
from newsctl.engine.schema import post_document
from newsctl.engine.storage import BUILD_SUFFIX, KEEP_REPLACED_SECONDS, META_NAME, index_state, latest_generation, live_folder, open_index
from newsctl.engine.writer import Writer
from newsctl.sync.manifest import MANIFEST_NAME, read_manifest
state, until = Path(sys.argv[1]), time.time() + float(sys.argv[2])
ok = bad = 0
while time.time() < until:
    try:
        with open_index(state).searcher() as s:
            n = len(s.search(query.Every(), limit=None))
            assert n >= 8, n
            s.search(query.Term("words", "\u4e2d\u56fd"), limit=5)
        ok += 1
    except Exception as e:
        bad += 1
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
print(ok, bad)
"""


def test_readers_never_fail_while_writers_commit_merge_and_swap(arc: Archive, no_racy: None) -> None:
    import subprocess
    import sys

    arc.index()
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(arc.state_dir), "5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    extra = EXTRA * 4
    for n, src in enumerate(extra):  # small commits: Whoosh merges and deletes segment files
        shutil.copyfile(src, arc.posts_dir / f"2023-01-{n + 1:02d}-{src.name}")
        arc.index()
        time.sleep(0.3)  # spread over the reader's run
        if n == 5:
            arc.index(rebuild=True)  # and a swap of folders
    out, err = reader.communicate(timeout=60)
    ok, bad = map(int, out.split())
    assert (bad, err) == (0, "") and ok > 0
    assert arc.list().total == 8 + len(extra)


# --- helpers processes -------------------------------------------------------------------


def stored(arc: Archive) -> list[tuple]:
    skip = {"checked_ns", "ino", "ctime_ns"}
    with open_index(arc.state_dir).searcher() as s:
        return sorted(tuple(sorted((k, repr(v)) for k, v in f.items() if k not in skip)) for f in s.all_stored_fields())


def test_parallel_build_indexes_the_same_as_one_process(tmp_path: Path, no_racy: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("newsctl.sync.apply.PARALLEL_MIN", 1)
    arc = make_archive(tmp_path / "arc", n=30)
    (arc.posts_dir / "2022-01-01-bad.md").write_bytes(b"\xff\xfe not utf-8")
    one = arc.index(rebuild=True, procs=1)
    inline = stored(arc)
    two = arc.index(rebuild=True, procs=2)
    assert stored(arc) == inline
    assert (two.added, [e.path.name for e in two.errors]) == (one.added, [e.path.name for e in one.errors]) == (30, ["2022-01-01-bad.md"])
    with open_index(arc.state_dir).reader() as r:
        assert len(list(r.leaf_readers())) == 2  # one segment per helper
    assert search_ids(arc, "人民币") == sorted(p.stem for p in POSTS[:30] if "人民币" in p.read_text("utf-8"))
    assert [(p.kind, p.what) for p in arc.check().problems] == [("unreadable", "_posts/2022-01-01-bad.md")]


# --- add --------------------------------------------------------------------------------


def test_add_indexes_the_new_post_and_keeps_the_manifest_current(arc: Archive, no_racy: None) -> None:
    arc.index()
    res = arc.add_files([EXTRA[0]])
    assert len(res.added) == 1
    rel = f"_posts/{res.added[0].name}"
    assert rel in paths_indexed(arc)
    m = read_manifest(live_folder(arc.state_dir))
    assert m is not None and rel in m.posts
    r = arc.index()
    assert (r.read, r.added, r.posts) == (0, 0, 9)


def test_add_without_an_index_builds_one(arc: Archive, no_racy: None) -> None:
    arc.add_files([EXTRA[0]])
    assert arc.list().total == 9


# --- status, check, repair ------------------------------------------------------------


def test_status_counts_pending_changes_without_reading_posts(arc: Archive, no_racy: None, monkeypatch: pytest.MonkeyPatch) -> None:
    st = arc.status()
    assert (st.index, st.pending_added) == ("missing", 8)
    arc.index()
    files = sorted(arc.posts_dir.iterdir())
    edit(files[0], "\n更多\n")
    files[1].unlink()
    shutil.copyfile(EXTRA[0], arc.posts_dir / EXTRA[0].name)
    monkeypatch.setattr("newsctl.sync.apply.process_item", None)  # status must not read a post
    st = arc.status()
    assert (st.index, st.posts, st.pending_added, st.pending_changed, st.pending_removed) == ("ok", 8, 1, 1, 1)
    assert st.last_run["outcome"] == "ok" and st.last_commit is not None and st.size_bytes > 0
    assert json.dumps(st.to_json())


def test_check_reports_every_difference_and_repair_fixes_them(arc: Archive, no_racy: None) -> None:
    arc.index()
    files = sorted(arc.posts_dir.iterdir())
    # differences a crash or a hand edit could leave behind
    edit(files[0], "\n改过了\n")
    files[1].unlink()
    shutil.copyfile(EXTRA[0], arc.posts_dir / EXTRA[0].name)
    folder = live_folder(arc.state_dir)
    from newsctl.posts.post import read_post

    dup = files[2]
    with Writer(folder) as w:  # the same post twice
        post = read_post(dup, arc.settings.timezone)
        w.add(post_document(post, f"_posts/{dup.name}", dup.stat()))
    report = arc.check()
    kinds = sorted((p.kind, p.what) for p in report.problems)
    assert kinds == sorted(
        [
            ("stale", f"_posts/{files[0].name}"),
            ("orphan", f"_posts/{files[1].name}"),
            ("not-indexed", f"_posts/{EXTRA[0].name}"),
            ("duplicate", f"_posts/{dup.name}"),
        ]
    )
    assert report.checksums == "unavailable"  # the extra commit outdated the manifest
    r = arc.repair(report)
    assert r.errors == []
    assert arc.check().ok
    assert paths_indexed(arc) == sorted(f"_posts/{p.name}" for p in arc.posts_dir.iterdir())


@pytest.mark.parametrize("how", ["flip", "truncate", "delete"])
def test_damaged_index_file_is_detected_and_repaired(arc: Archive, no_racy: None, how: str) -> None:
    arc.index()
    folder = live_folder(arc.state_dir)
    seg = next(folder.glob("MAIN_*.seg"))
    data = bytearray(seg.read_bytes())
    seg.unlink()  # never rewrite in place: readers may have it mapped
    if how == "flip":
        data[len(data) // 2] ^= 0xFF
        seg.write_bytes(bytes(data))
    elif how == "truncate":
        seg.write_bytes(bytes(data[: len(data) // 3]))
    report = arc.check()
    assert report.damaged and any(p.kind == "damaged" and p.what == seg.name for p in report.problems)
    r = arc.repair(report)
    assert r.mode == "rebuild" and r.posts == 8
    assert arc.check().ok
    assert arc.list().total == 8

"""newsctl.index: documents, the manifest, checksums, folders, storage, the writer."""

from __future__ import annotations

import json
import os
import shutil
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsctl.archive import Archive
from newsctl.config import resolve_settings
from newsctl.engine.checksums import checksum_files, verify_files
from newsctl.engine.schema import fingerprint, post_document, record_from_fields
from newsctl.engine.storage import (
    KEEP_REPLACED_SECONDS,
    META_NAME,
    latest_generation,
    live_folder,
    open_index,
    sweep,
)
from newsctl.engine.writer import Writer
from newsctl.errors import IndexCorrupt, IndexMissing, NewsctlError
from newsctl.sync.manifest import MANIFEST_NAME, manifest_from_reader, read_manifest

DATA = Path(__file__).resolve().parents[1] / "data"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    root = tmp_path_factory.mktemp("index") / "arc"
    (root / "_posts").mkdir(parents=True)
    for f in sorted((DATA / "posts").iterdir())[:12]:
        shutil.copyfile(f, root / "_posts" / f.name)
    arc = Archive(resolve_settings(archive=root, env={"XDG_CONFIG_HOME": str(root / "cfg")}))
    arc.index()
    return arc


@pytest.fixture
def arc(built: Archive, tmp_path: Path) -> Archive:
    root = tmp_path / "arc"
    shutil.copytree(built.root, root, symlinks=True)
    return Archive(resolve_settings(archive=root, env={"XDG_CONFIG_HOME": str(root / "cfg")}))


def test_document_dates_are_utc_and_read_back_in_the_archive_timezone(built: Archive) -> None:
    from newsctl.posts.post import read_post

    path = sorted(built.posts_dir.iterdir())[0]
    post = read_post(path, TZ)
    doc = post_document(post, "_posts/" + path.name, path.stat(), digest="d", checked_ns=5)
    assert doc["date"] == post.date.astimezone(timezone.utc).replace(tzinfo=None)
    assert (doc["digest"], doc["checked_ns"], doc["size"]) == ("d", 5, path.stat().st_size)
    rec = record_from_fields(doc, built.root, TZ)
    assert rec.date == post.date and rec.date.utcoffset() == timedelta(hours=8)
    assert rec.path == built.root / "_posts" / path.name


def test_fingerprint_ignores_spacing_not_words() -> None:
    d = datetime(2022, 2, 28, 7, 45, tzinfo=TZ)
    assert fingerprint("标题", d, "一 二\n三") == fingerprint(" 标题 ", d, "一  二 三")
    assert fingerprint("标题", d, "一二三") != fingerprint("标题", d, "一二四")
    assert fingerprint("标题", d, "x") != fingerprint("标题", d + timedelta(seconds=1), "x")


def test_manifest_round_trip_and_generation_binding(arc: Archive) -> None:
    folder = live_folder(arc.state_dir)
    gen = latest_generation(folder)
    m = read_manifest(folder)
    assert m is not None and m.generation == gen and len(m.posts) == 12 and not m.derived
    assert read_manifest(folder, generation=gen + 1) is None  # a newer commit: stale
    with open_index(arc.state_dir).reader() as r:
        derived = manifest_from_reader(r, gen)
    assert derived.posts == m.posts and derived.derived
    (folder / MANIFEST_NAME).write_text("[1, 2")
    assert read_manifest(folder) is None
    data = m.to_json()
    data["schema"] = "0.0"
    (folder / MANIFEST_NAME).write_text(json.dumps(data))
    assert read_manifest(folder) is None


def test_checksums_catch_damage_and_are_reused_for_unchanged_files(arc: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = live_folder(arc.state_dir)
    files = checksum_files(folder)
    names = set(files)
    assert any(n.endswith(".seg") for n in names) and f"_MAIN_{latest_generation(folder)}.toc" in names
    assert verify_files(folder, files) == []
    calls = []
    monkeypatch.setattr("newsctl.engine.checksums.sha1_file", lambda p: calls.append(p.name) or "x")
    checksum_files(folder, files)
    assert all(n.endswith(".toc") for n in calls)  # segments are immutable: not summed again
    monkeypatch.undo()
    seg = next(n for n in names if n.endswith(".seg"))
    data = bytearray((folder / seg).read_bytes())
    data[100] ^= 1
    (folder / seg).unlink()
    (folder / seg).write_bytes(bytes(data))
    assert verify_files(folder, files) == [f"index file {seg} does not match its checksum"]
    (folder / seg).unlink()
    assert verify_files(folder, files) == [f"index file {seg} is missing"]


def test_open_index_errors_say_what_to_do(arc: Archive, tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="newsctl index"):
        open_index(tmp_path / "nothing")
    folder = live_folder(arc.state_dir)
    meta = (folder / META_NAME).read_text()
    (folder / META_NAME).write_text(json.dumps({"schema": "0.0"}))
    with pytest.raises(IndexMissing, match="another version"):
        open_index(arc.state_dir)
    (folder / META_NAME).write_text(meta)
    toc = next(folder.glob("_MAIN_*.toc"))
    toc.write_bytes(b"\x00" * 10)
    with pytest.raises(IndexCorrupt, match="check --repair"):
        open_index(arc.state_dir)


def test_readers_open_the_real_folder_without_copying_it(built: Archive) -> None:
    from whoosh import index as windex

    folder = live_folder(built.state_dir)
    seg_bytes = sum(p.stat().st_size for p in folder.glob("*.seg"))
    ix = open_index(built.state_dir)
    assert ix.storage.folder == str(folder)
    tracemalloc.start()
    with ix.reader() as r:
        ours = sorted((f["path"], f["title"]) for f in r.all_stored_fields())
        terms = {fn: list(r.lexicon(fn))[:50] for fn in ("title", "body", "words")}
        postings = {(fn, t): list(r.postings(fn, t).all_ids()) for fn, ts in terms.items() for t in ts}
        _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < seg_bytes / 2  # Whoosh's own mmap path copies every sub-file
    with windex.open_dir(str(folder)).reader() as r:  # same answers as Whoosh's own storage
        assert sorted((f["path"], f["title"]) for f in r.all_stored_fields()) == ours
        assert {k: list(r.postings(*k).all_ids()) for k in postings} == postings


def test_a_commit_whose_toc_is_written_counts_even_if_cleanup_fails(arc: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    import whoosh.index

    folder = live_folder(arc.state_dir)
    gen = latest_generation(folder)

    def broken_cleanup(*a, **k):  # type: ignore[no-untyped-def]
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(whoosh.index, "clean_files", broken_cleanup)
    w = Writer(folder).open()
    w.delete_path("_posts/" + sorted(arc.posts_dir.iterdir())[0].name)
    assert w.commit() == gen + 1 == latest_generation(folder)
    assert not w.is_open
    Writer(folder).open().cancel()  # Whoosh's own lock was released


def test_an_interruption_after_the_toc_is_written_still_commits(arc: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    import whoosh.index

    class Interrupted(NewsctlError):
        exit_code = 130

    folder = live_folder(arc.state_dir)
    gen = latest_generation(folder)

    def interrupted(*a, **k):  # type: ignore[no-untyped-def]
        raise Interrupted("stopped by SIGTERM")

    monkeypatch.setattr(whoosh.index, "clean_files", interrupted)
    w = Writer(folder).open()
    w.delete_path("_posts/" + sorted(arc.posts_dir.iterdir())[0].name)
    with pytest.raises(Interrupted):
        w.commit()
    assert w.generation == gen + 1 == latest_generation(folder)
    Writer(folder).open().cancel()


def test_segments_and_tocs_are_fsynced_before_they_count(arc: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    folder = live_folder(arc.state_dir)
    from newsctl.posts.post import read_post

    path = sorted(arc.posts_dir.iterdir())[0]
    with Writer(folder) as w:
        w.update(post_document(read_post(path, TZ), "_posts/" + path.name, path.stat()))
    names = [Path(p).name for p in synced]
    assert any(n.endswith(".seg") for n in names)
    assert any(".toc" in n for n in names)
    assert str(folder) in synced  # the folder, after the TOC's rename


def test_sweep_removes_orphans_and_old_replaced_folders_only(arc: Archive) -> None:
    state = arc.state_dir
    live = live_folder(state)
    build = state / "index.20200101T000000.000000-1.build"
    old = state / "index.20200101T000000.000000-2"
    recent = state / "index.20200101T000000.000000-3"
    for d in (build, old, recent):
        d.mkdir()
    os.utime(old, (time.time() - KEEP_REPLACED_SECONDS - 1,) * 2)
    os.utime(build, (time.time(),) * 2)
    removed = sweep(state)
    assert sorted(p.name for p in removed) == sorted([build.name, old.name])
    assert live.is_dir() and recent.is_dir()


def test_segment_names_do_not_follow_the_random_module(tmp_path):
    """Forked writers share `random`'s state with their parent; segment names must not."""
    import random

    from newsctl.engine.codec import CompactCodec

    names = set()
    for _ in range(3):
        random.seed(1234)
        names.add(CompactCodec().new_segment(None, "MAIN").segment_id())
    assert len(names) == 3

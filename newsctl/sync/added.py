"""The index part of `add`: the posts it just wrote go into the index in the same command."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..engine.schema import post_document
from ..engine.storage import clean_folder, index_state, live_folder, sweep
from ..engine.writer import Writer
from ..errors import (
    IndexCorrupt,
)
from ..state import RunRecord, record_run
from .manifest import Entry, stat_key
from .sequence import Sequencer

if TYPE_CHECKING:
    from .result import IndexResult

from .apply import INLINE_LIMITMB, _checkpoint
from .run import (
    _fill_record,
    _finish_manifest,
    _interrupted,
    _new_result,
    load_manifest,
    sync_locked,
)

# --- add ---------------------------------------------------------------------------


def index_added(settings: Settings, added: list[tuple[Path, Any]], *, command: str = "add") -> "IndexResult":
    """Put posts `add` has just written into the index; the caller holds the write lock.

    `added`: (file, Post read from the bytes written). Without a usable
    index this is a full run (which indexes them with everything else).
    """
    t0 = time.monotonic()
    result = _new_result()
    record = RunRecord(command=command, mode="add")
    try:
        _index_added_locked(settings, added, result)
    except BaseException as e:
        result.seconds = time.monotonic() - t0
        _fill_record(record, result)
        record.outcome = "interrupted" if _interrupted(e) else "failed"
        record.message = str(e)
        record_run(settings.state_dir, record)
        raise
    result.seconds = time.monotonic() - t0
    _fill_record(record, result)
    warning = record_run(settings.state_dir, record)
    if warning:
        result.warnings.append(warning)
    return result


def _index_added_locked(settings: Settings, added: list[tuple[Path, Any]], result: "IndexResult") -> None:
    state_dir = settings.state_dir
    sweep(state_dir)
    try:
        state = index_state(state_dir)
    except IndexCorrupt:
        state = "corrupt"
    folder = live_folder(state_dir) if state == "ok" else None
    manifest = None
    if folder is not None:
        clean_folder(folder)
        try:
            manifest = load_manifest(folder)
        except IndexCorrupt:
            manifest = None
    if manifest is None or folder is None:
        sync_locked(settings, result)
        return
    result.mode = "add"
    seqs = Sequencer(folder)
    writer = Writer(folder, limitmb=INLINE_LIMITMB).open()
    try:
        for dest, post in added:
            rel = rel_path(settings, dest)
            checked = time.time_ns()
            with open(dest, "rb") as f:
                st = os.fstat(f.fileno())
                digest = hashlib.file_digest(f, "sha1").hexdigest()
            if rel in manifest.posts:
                writer.delete_path(rel)
                result.changed += 1
            else:
                result.added += 1
            writer.add(seqs.number(post_document(post, rel, st, digest=digest, checked_ns=checked)))
            manifest.posts[rel] = Entry(stat_key(st), digest, checked)
            manifest.failed.pop(rel, None)
        _checkpoint("before-commit")
        gen = writer.commit() if added else manifest.generation
        _checkpoint("after-commit")
    except BaseException:
        writer.cancel()
        raise
    finally:
        seqs.close()
    _finish_manifest(folder, manifest, gen, result)


def rel_path(settings: Settings, path: Path) -> str:
    """A post's path relative to the archive root, as the index stores it (symlinks not resolved)."""
    p = Path(os.path.abspath(path))
    try:
        return p.relative_to(settings.root).as_posix()
    except ValueError:
        return settings.rel(p)

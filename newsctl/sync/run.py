"""One index run under the write lock: incremental when the manifest allows, else a rebuild."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..config import Settings
from ..engine.checksums import checksum_files
from ..engine.storage import (
    clean_folder,
    create_fresh,
    finish_build,
    index_state,
    latest_generation,
    live_folder,
    open_folder,
    publish,
    sweep,
)
from ..engine.writer import Writer, storage_error
from ..errors import (
    EXIT_INTERRUPTED,
    IndexCorrupt,
    NewsctlError,
    PostError,
    StorageError,
)
from ..lock import write_lock
from ..state import RunRecord, now_iso, record_run
from .manifest import (
    MANIFEST_NAME,
    Entry,
    Failure,
    Manifest,
    manifest_from_reader,
    read_manifest,
    write_manifest,
)

if TYPE_CHECKING:
    from .result import IndexResult

from .apply import INLINE_LIMITMB, Applied, Progress, _apply, _checkpoint
from .plan import Plan, make_plan
from .freshness import record as record_dirs
from .scan import Found, scan_posts
from .sequence import Sequencer

# --- a run -------------------------------------------------------------------------


def _interrupted(e: BaseException) -> bool:
    return isinstance(e, KeyboardInterrupt) or getattr(e, "exit_code", None) == EXIT_INTERRUPTED


def _new_result() -> "IndexResult":
    from .result import IndexResult

    return IndexResult()


def run_index(
    settings: Settings,
    *,
    wait: float = 0.0,
    procs: int = 1,
    progress: Progress | None = None,
    rebuild: bool = False,
    command: str = "index",
    force: Iterable[str] = (),
) -> "IndexResult":
    """Bring the index in line with the files (the whole of `newsctl index`)."""
    result = _new_result()
    record = RunRecord(command=command, mode="rebuild" if rebuild else "incremental")
    with write_lock(settings.state_dir, wait=wait, command=f"newsctl {command}") as held:
        t0 = time.monotonic()  # the run's own time: the wait for another writer is reported apart
        result.waited, result.waited_for = held.waited, held.waited_for
        record.waited = round(held.waited, 3)
        try:
            try:
                sync_locked(settings, result, procs=procs, progress=progress, rebuild=rebuild, force=force)
            except OSError as e:
                raise storage_error(e, settings.state_dir) from None
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


def _fill_record(record: RunRecord, result: "IndexResult") -> None:
    record.mode = result.mode or record.mode
    record.finished = now_iso()
    record.seconds = round(result.seconds, 3)
    record.outcome = "errors" if result.errors else "ok"
    record.added, record.changed, record.removed = result.added, result.changed, result.removed
    record.unchanged, record.read = result.unchanged, result.read
    record.error_count = len(result.errors)
    record.errors = [{"path": str(e.path), "reason": e.reason} for e in result.errors]
    record.posts = result.posts
    record.generation = result.generation
    record.note = "; ".join(result.notes)


def sync_locked(
    settings: Settings,
    result: "IndexResult",
    *,
    procs: int = 1,
    progress: Progress | None = None,
    rebuild: bool = False,
    force: Iterable[str] = (),
) -> None:
    """The run itself; the caller holds the write lock."""
    state_dir = settings.state_dir
    sweep(state_dir)
    reason = "--rebuild" if rebuild else ""
    manifest: Manifest | None = None
    folder: Path | None = None
    if not rebuild:
        try:
            state = index_state(state_dir)
        except IndexCorrupt as e:
            state, reason = "corrupt", f"the index was unreadable ({e.message})"
        if state == "missing":
            reason = "there was no index"
        elif state == "outdated":
            reason = "the index was made by another version of newsctl"
        elif state == "ok":
            folder = live_folder(state_dir)
            if folder is not None:
                clean_folder(folder)
                try:
                    manifest = load_manifest(folder)
                except IndexCorrupt as e:
                    reason = f"the index was unreadable ({e.message})"
                    manifest = None
            else:
                reason = "there was no index"
    dirs: dict[str, int] = {}  # folder mtimes before listing: readers compare them (freshness.py)
    files, problems = scan_posts(settings.root, settings.posts_dir, dirs=dirs)
    for rel, why in problems:
        result.errors.append(PostError(settings.root / rel, why))
    if manifest is None or folder is None:
        result.mode = "rebuild"
        if reason and reason != "--rebuild":
            result.notes.append(f"rebuilt: {reason}")
        _rebuild(settings, files, result, procs=procs, progress=progress)
        record_dirs(state_dir, dirs)
        return
    result.mode = "incremental"
    scan_errors = len(result.errors)
    try:
        _incremental(settings, folder, manifest, files, result, procs=procs, progress=progress, force=force)
    except IndexCorrupt as e:
        result.reset_counts(keep_errors=scan_errors)
        result.mode = "rebuild"
        result.notes.append(f"rebuilt: the index was unreadable ({e.message})")
        _rebuild(settings, files, result, procs=procs, progress=progress)
    record_dirs(state_dir, dirs)


def load_manifest(folder: Path) -> Manifest:
    """The folder's manifest, rebuilt from the index when it is missing or stale."""
    gen = latest_generation(folder)
    m = read_manifest(folder, generation=gen)
    if m is not None:
        return m
    if gen < 0:
        raise IndexCorrupt(f"no committed index in {folder}")
    ix = open_folder(folder)
    try:
        with ix.reader() as r:
            return manifest_from_reader(r, gen)
    except (IndexCorrupt, StorageError):
        raise
    except Exception as e:
        raise IndexCorrupt(f"cannot read index {folder}: {type(e).__name__}: {e}") from None


def _record_outcomes(
    settings: Settings,
    manifest: Manifest,
    plan: Plan,
    applied: Applied,
    writer: Writer,
    result: "IndexResult",
) -> bool:
    """Fold outcomes into `manifest` and `result`; delete replaced documents. True when the index changes."""
    changes = False
    by_rel = {it.rel: it for it in plan.items}

    def drop(rel: str) -> bool:
        """Delete `rel`'s documents; True when it had one."""
        nonlocal changes
        if by_rel[rel].indexed if rel in by_rel else rel in manifest.posts:
            writer.delete_path(rel)
            changes = True
            return manifest.posts.pop(rel, None) is not None
        manifest.posts.pop(rel, None)
        return False

    for rel in plan.removed:
        if drop(rel):
            result.removed += 1
    for rel in plan.dropped_bad:
        manifest.failed.pop(rel, None)
    for rel, poison in applied.poisoned.items():
        if drop(rel):
            result.removed += 1
        manifest.failed[rel] = Failure(poison.key, poison.digest, poison.reason)
        result.errors.append(PostError(settings.root / rel, poison.reason))
        result.read += 1
    for o in applied.outcomes:
        rel = o.rel
        if o.status == "same":
            manifest.posts[rel] = Entry(o.key, o.digest, o.checked_ns)  # type: ignore[arg-type]
            result.unchanged += 1
            result.read += 1
        elif o.status in ("added", "changed"):
            drop(rel)
            manifest.posts[rel] = Entry(o.key, o.digest, o.checked_ns)  # type: ignore[arg-type]
            manifest.failed.pop(rel, None)
            changes = True
            result.read += 1
            if o.status == "added":
                result.added += 1
            else:
                result.changed += 1
        elif o.status == "known-bad":
            manifest.failed[rel] = Failure(o.key, o.digest, o.reason)  # type: ignore[arg-type]
            result.known_bad.append((rel, o.reason))
            result.read += 1
        elif o.status == "bad":
            if drop(rel):
                result.removed += 1
            manifest.failed[rel] = Failure(o.key, o.digest, o.reason)  # type: ignore[arg-type]
            result.errors.append(PostError(settings.root / rel, o.reason))
            result.read += 1
        elif o.status == "error":
            # could not read it now (permissions, I/O): keep what is indexed;
            # its entry stays as it was, so the next run tries again
            manifest.failed.pop(rel, None)
            result.errors.append(PostError(settings.root / rel, o.reason))
        elif o.status == "gone":
            if drop(rel):
                result.removed += 1
            manifest.failed.pop(rel, None)
    return changes


def _incremental(
    settings: Settings,
    folder: Path,
    manifest: Manifest,
    files: dict[str, Found],
    result: "IndexResult",
    *,
    procs: int,
    progress: Progress | None,
    force: Iterable[str] = (),
) -> None:
    plan = make_plan(manifest, files, force=force)
    result.unchanged = plan.unchanged
    result.known_bad = [(rel, f.reason) for rel, f in sorted(plan.known_bad.items())]
    if not plan.items and not plan.removed:
        # nothing to read or delete: the usual cron run
        if plan.dropped_bad or manifest.derived:
            for rel in plan.dropped_bad:
                manifest.failed.pop(rel, None)
            _finish_manifest(folder, manifest, manifest.generation, result)
        else:
            result.posts = len(manifest.posts)
            result.generation = manifest.generation
        return
    tz = settings.timezone

    def factory() -> Writer:
        return Writer(folder, limitmb=INLINE_LIMITMB).open()

    seqs = Sequencer(folder)
    try:
        writer, applied = _apply(factory, plan.items, tz, procs=procs, progress=progress, seqs=seqs)
    finally:
        seqs.close()
    try:
        # deleting and merging read the existing segments: damage shows here
        changes = _record_outcomes(settings, manifest, plan, applied, writer, result)
        if changes or applied.segments:
            _checkpoint("before-commit")
            gen = writer.commit(extra_segments=applied.segments)
            _checkpoint("after-commit")
            manifest.duplicates = {}
        else:
            writer.cancel()
            gen = manifest.generation
    except NewsctlError:
        writer.cancel()
        raise
    except FileNotFoundError as e:  # a segment file gone
        writer.cancel()
        raise IndexCorrupt(f"cannot update index {folder}: {e}") from None
    except OSError as e:
        writer.cancel()
        raise storage_error(e, folder) from None
    except Exception as e:
        writer.cancel()
        raise IndexCorrupt(f"cannot update index {folder}: {type(e).__name__}: {e}") from None
    except BaseException:
        writer.cancel()
        raise
    _finish_manifest(folder, manifest, gen, result)
    _checkpoint("after-manifest")


def _finish_manifest(folder: Path, manifest: Manifest, gen: int, result: "IndexResult") -> None:
    manifest.generation = gen
    try:
        manifest.files = checksum_files(folder, manifest.files)
        manifest.derived = False
        write_manifest(folder, manifest)
    except (OSError, StorageError) as e:
        result.warnings.append(f"cannot write {folder / MANIFEST_NAME} ({e}); the next run rebuilds it from the index")
    result.posts = len(manifest.posts)
    result.generation = gen


def _rebuild(
    settings: Settings,
    files: dict[str, Found],
    result: "IndexResult",
    *,
    procs: int,
    progress: Progress | None,
) -> None:
    state_dir = settings.state_dir
    seqs = Sequencer(live_folder(state_dir))  # numbers carried over from the index replaced
    folder = create_fresh(state_dir)
    try:
        empty = Manifest(generation=0)
        plan = make_plan(empty, files)
        tz = settings.timezone

        def factory() -> Writer:
            return Writer(folder, limitmb=INLINE_LIMITMB).open()

        try:
            writer, applied = _apply(factory, plan.items, tz, procs=procs, progress=progress, seqs=seqs)
        finally:
            seqs.close()
        try:
            _record_outcomes(settings, empty, plan, applied, writer, result)
            _checkpoint("before-commit")
            gen = writer.commit(extra_segments=applied.segments, merge=False)
            _checkpoint("after-commit")
        except BaseException:
            writer.cancel()
            raise
        _finish_manifest(folder, empty, gen, result)
        _checkpoint("after-manifest")
        folder = finish_build(folder)
        _checkpoint("before-publish")
        publish(state_dir, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise

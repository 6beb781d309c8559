"""Files <-> index reconciliation: `index`, the index part of `add`, `status`, `check`.

Change detection (no post is read when nothing changed):

1. Walk `_posts/` and stat every post file: (mtime_ns, size, inode, ctime_ns).
2. Compare with the live index's manifest (index.py): same stat and not
   "racy" -> unchanged, never opened. A racy entry is one whose bytes were
   read less than `RACY_NS` after the file last changed: a second write in
   the same timestamp tick could have gone unseen, so it is read once more.
3. Anything else is read and hashed (sha1): the same bytes as indexed ->
   only the manifest learns the new stat; other bytes -> the post is parsed
   and its document replaced. Files in the manifest but not on disk are
   deleted from the index. Deletions and additions go into one Whoosh commit.
4. A post that cannot be parsed is reported once, remembered in the
   manifest with its stat and digest, and not read again until it changes.

Writers hold the archive's write lock (lock.py) for the whole run. Whoosh's
writer is never left half-used: any exception cancels it (a document whose
analysis raised leaves its postings in Whoosh's pool, so the run restarts
without that post instead of committing them). SIGINT/SIGTERM become
`Interrupted` in the main thread (cli/__init__.py): the writer is cancelled,
an unfinished rebuild folder removed, the run recorded as interrupted.

Big batches (a first build, --rebuild) may be read by forked helper
processes, each writing a segment of its own that the parent adds to its
single commit. Helpers ignore SIGINT, are killed with their parent
(PR_SET_PDEATHSIG, so kill -9 leaves none behind) and close their copy of
the archive lock.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from . import index as idx
from .errors import EXIT_INTERRUPTED, IndexCorrupt, IndexMissing, NewsctlError, PostError, StorageError
from .index import Entry, Failure, Manifest, StatKey, stat_key
from .lock import read_holder, write_lock
from .state import RunRecord, now_iso, read_state, record_run

if TYPE_CHECKING:
    from .archive import Archive, IndexResult

POST_SUFFIXES = (".md", ".markdown", ".html")
RACY_NS = 2_000_000_000
PARALLEL_MIN = 400  # posts to read before helper processes pay for themselves
WORKER_LIMITMB = 192  # Whoosh posting pool per helper (memory use ~2x this)
INLINE_LIMITMB = 256
MAX_RESTARTS = 3

Progress = Callable[[int, int], None]

# Fault injection for the crash tests (tests/test_cron_processes.py): the
# process kills itself with SIGKILL when it reaches the named point:
# read:N (after reading N posts), before-commit, after-commit (the TOC is in
# place, the manifest not yet), after-manifest, before-publish (a rebuilt
# folder is complete but not live).
_CRASH_AT = os.environ.get("NEWSCTL_CRASH_AT", "")


def _checkpoint(name: str) -> None:
    if _CRASH_AT == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


# --- scanning -------------------------------------------------------------------


@dataclass(slots=True)
class Found:
    path: str  # absolute
    key: StatKey


def scan_posts(root: Path, posts_dir: Path) -> tuple[dict[str, Found], list[tuple[str, str]]]:
    """Every post file under `posts_dir` (rel path -> Found) and the ones that cannot be stat'ed.

    Same rules as `Archive.post_paths`: .md/.markdown/.html, dot-files and
    dot-folders skipped, symlinked folders not followed.
    """
    found: dict[str, Found] = {}
    problems: list[tuple[str, str]] = []
    prefix = os.path.relpath(posts_dir, root).replace(os.sep, "/")
    suffixes = POST_SUFFIXES
    stack = [(str(posts_dir), prefix)]
    while stack:
        folder, rel_folder = stack.pop()
        try:
            it = os.scandir(folder)
        except FileNotFoundError:
            continue
        except OSError as e:
            problems.append((rel_folder, f"cannot list folder: {e.strerror or e}"))
            continue
        with it:
            for entry in it:
                name = entry.name
                if name[0] == ".":
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, f"{rel_folder}/{name}"))
                        continue
                except OSError:
                    continue
                if not name.lower().endswith(suffixes):
                    continue
                try:
                    st = entry.stat()
                except OSError as e:
                    problems.append((f"{rel_folder}/{name}", f"cannot read: {e.strerror or e}"))
                    continue
                if st.st_mode & 0o170000 != 0o100000:  # not a regular file (S_ISREG)
                    continue
                found[f"{rel_folder}/{name}"] = Found(entry.path, (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns))
    return found, problems


def is_racy(entry: Entry) -> bool:
    mtime, _size, _ino, ctime = entry.key
    return entry.checked_ns - max(mtime, ctime) < RACY_NS


# --- planning -------------------------------------------------------------------


@dataclass(slots=True)
class Item:
    """A post file to read."""

    rel: str
    path: str
    size: int
    indexed: bool  # a document for it is in the index now
    old_digest: str = ""  # digest of what is indexed (or of the known-bad bytes)
    old_reason: str = ""  # known bad: why
    force: bool = False  # re-index even if the bytes are the same


@dataclass
class Plan:
    items: list[Item] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # indexed, file gone
    unchanged: int = 0
    known_bad: dict[str, Failure] = field(default_factory=dict)  # skipped: same stat as when it failed
    dropped_bad: list[str] = field(default_factory=list)  # known bad whose file is gone

    @property
    def pending(self) -> bool:
        return bool(self.items or self.removed or self.dropped_bad)


def make_plan(manifest: Manifest, files: dict[str, Found], *, force: Iterable[str] = ()) -> Plan:
    force = set(force) | set(manifest.duplicates)
    plan = Plan()
    for rel, f in files.items():
        entry = manifest.posts.get(rel)
        if entry is not None:
            if entry.key == f.key and rel not in force and not is_racy(entry):
                plan.unchanged += 1
            else:
                plan.items.append(Item(rel, f.path, f.key[1], True, entry.digest, force=rel in force))
            continue
        bad = manifest.failed.get(rel)
        if bad is not None:
            if bad.key == f.key and rel not in force:
                plan.known_bad[rel] = bad
            else:
                plan.items.append(Item(rel, f.path, f.key[1], False, bad.digest, bad.reason, force=rel in force))
            continue
        plan.items.append(Item(rel, f.path, f.key[1], False))
    plan.removed = sorted(rel for rel in manifest.posts if rel not in files)
    plan.dropped_bad = sorted(rel for rel in manifest.failed if rel not in files)
    plan.items.sort(key=lambda it: it.rel)
    return plan


# --- reading one post -----------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    rel: str
    status: str  # added | changed | same | known-bad | bad | error | gone
    key: StatKey | None = None
    digest: str = ""
    checked_ns: int = 0
    reason: str = ""


class _PoisonPost(Exception):
    """A post whose analysis raised inside Whoosh's writer: the writer must be thrown away."""

    def __init__(self, rel: str, reason: str, key: StatKey, digest: str) -> None:
        super().__init__(f"{rel}: {reason}")
        self.rel = rel
        self.reason = reason
        self.key = key
        self.digest = digest

    def __reduce__(self) -> Any:  # crosses the pipe from a helper process
        return (type(self), (self.rel, self.reason, self.key, self.digest))


def process_item(item: Item, tz: Any, add: Callable[[dict[str, Any]], None] | None) -> Outcome:
    """Read, hash and (when its bytes changed) parse one post; `add` gets its document."""
    from .post import read_post

    checked = time.time_ns()
    try:
        with open(item.path, "rb") as f:
            st = os.fstat(f.fileno())
            data = f.read()
    except FileNotFoundError:
        return Outcome(item.rel, "gone")
    except OSError as e:
        return Outcome(item.rel, "error", reason=f"cannot read: {e.strerror or e}")
    digest = hashlib.sha1(data).hexdigest()
    key = stat_key(st)
    if item.old_digest and digest == item.old_digest and not item.force:
        status = "same" if item.indexed else "known-bad"
        return Outcome(item.rel, status, key, digest, checked, item.old_reason)
    try:
        post = read_post(Path(item.path), tz, data=data)
    except PostError as e:
        return Outcome(item.rel, "bad", key, digest, checked, e.reason)
    except NewsctlError:
        raise  # an interruption, not the post's fault
    except Exception as e:  # a bug reading one odd post must not stop the run
        return Outcome(item.rel, "bad", key, digest, checked, f"cannot parse: {type(e).__name__}: {e}")
    if add is not None:
        doc = idx.post_document(post, item.rel, st, digest=digest, checked_ns=checked)
        try:
            add(doc)
        except (OSError, NewsctlError):
            raise
        except Exception as e:
            raise _PoisonPost(item.rel, f"cannot index: {type(e).__name__}: {e}", key, digest) from None
    return Outcome(item.rel, "changed" if item.indexed else "added", key, digest, checked)


# --- applying a plan ------------------------------------------------------------


def _apply_inline(writer: idx.Writer, items: list[Item], tz: Any, progress: Progress | None) -> list[Outcome]:
    w = writer.whoosh_writer

    def add(doc: dict[str, Any]) -> None:
        w.add_document(**doc)

    out: list[Outcome] = []
    total = len(items)
    for n, item in enumerate(items, 1):
        o = process_item(item, tz, add)
        out.append(o)
        if progress is not None:
            progress(n, total)
        if _CRASH_AT:
            _checkpoint(f"read:{n}")
    return out


def _chunks(items: list[Item], k: int) -> list[list[Item]]:
    """`k` contiguous runs of similar total size (file bytes ~ work)."""
    total = sum(it.size for it in items) or 1
    chunks: list[list[Item]] = [[]]
    acc = 0
    for it in items:
        if acc >= total * len(chunks) / k and len(chunks) < k:
            chunks.append([])
        chunks[-1].append(it)
        acc += it.size
    return [c for c in chunks if c]


def _child_setup() -> None:
    import signal

    from .lock import close_inherited

    close_inherited()  # the parent holds the archive lock, not us
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:  # die with the parent, even on kill -9
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:
            os._exit(1)
    except Exception:
        pass


def _worker(conn: Any, folder: str, items: list[Item], tz: Any, limitmb: int) -> None:
    _child_setup()
    try:
        ix = idx.open_folder(Path(folder))
        w = idx.segment_writer(ix, limitmb=limitmb, lock=False)

        def add(doc: dict[str, Any]) -> None:
            w.add_document(**doc)

        outcomes = []
        last = time.monotonic()
        for n, item in enumerate(items, 1):
            outcomes.append(process_item(item, tz, add))
            if _CRASH_AT and _CRASH_AT == f"read:{n}":
                os.kill(os.getppid(), 9)  # the parent, as kill -9 would
            now = time.monotonic()
            if now - last > 0.2:
                conn.send(("progress", n))
                last = now
        conn.send(("progress", len(items)))
        if w._added:
            segment = w._finalize_segment()
        else:
            w._close_segment()
            segment = None
        conn.send(("done", outcomes, segment))
    except _PoisonPost as e:
        conn.send(("poison", e))
    except OSError as e:
        conn.send(("oserror", e.errno, e.strerror or str(e)))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which decides
        conn.send(("error", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


def _apply_parallel(
    writer: idx.Writer, items: list[Item], tz: Any, procs: int, progress: Progress | None
) -> tuple[list[Outcome], list[Any]]:
    """Helpers each read their share of `items` into a segment of their own."""
    import multiprocessing as mp
    from multiprocessing.connection import wait

    # load lazily-built tables once, so helpers share them copy-on-write
    from . import analysis  # noqa: F401

    ctx = mp.get_context("fork")
    chunks = _chunks(items, procs)
    workers: list[tuple[Any, Any]] = []
    done: dict[int, tuple[list[Outcome], Any]] = {}
    counts = [0] * len(chunks)
    try:
        for chunk in chunks:
            recv, send = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_worker, args=(send, str(writer.folder), chunk, tz, WORKER_LIMITMB), daemon=True)
            p.start()
            send.close()
            workers.append((p, recv))
        open_conns = {recv: i for i, (_, recv) in enumerate(workers)}
        while open_conns:
            for conn in wait(list(open_conns), timeout=1.0):
                i = open_conns[conn]
                try:
                    msg = conn.recv()
                except EOFError:
                    del open_conns[conn]
                    if i not in done:
                        p = workers[i][0]
                        p.join(5)
                        raise NewsctlError(f"an indexing helper process died (exit {p.exitcode}); nothing was changed")
                    continue
                kind = msg[0]
                if kind == "progress":
                    counts[i] = msg[1]
                    if progress is not None:
                        progress(sum(counts), len(items))
                elif kind == "done":
                    done[i] = (msg[1], msg[2])
                elif kind == "poison":
                    raise msg[1]
                elif kind == "oserror":
                    raise idx.storage_error(OSError(msg[1], msg[2]), writer.folder)
                else:
                    raise NewsctlError(f"an indexing helper process failed: {msg[1]}; nothing was changed")
        for p, _ in workers:
            p.join()
    except BaseException:
        for p, _ in workers:
            if p.is_alive():
                p.terminate()
        for p, _ in workers:
            p.join(3)
            if p.is_alive():
                p.kill()
                p.join(1)
        raise
    finally:
        for _, conn in workers:
            conn.close()
    outcomes: list[Outcome] = []
    segments = []
    for i in range(len(chunks)):
        outs, seg = done[i]
        outcomes.extend(outs)
        if seg is not None:
            segments.append(seg)
    return outcomes, segments


@dataclass
class Applied:
    outcomes: list[Outcome]
    segments: list[Any]
    poisoned: dict[str, _PoisonPost]


def _apply(
    writer_factory: Callable[[], idx.Writer],
    items: list[Item],
    tz: Any,
    *,
    procs: int,
    progress: Progress | None,
) -> tuple[idx.Writer, Applied]:
    """Read `items` into a fresh writer (restarting without a post that breaks analysis)."""
    poisoned: dict[str, _PoisonPost] = {}
    for attempt in range(MAX_RESTARTS + 1):
        todo = [it for it in items if it.rel not in poisoned]
        writer = writer_factory()
        try:
            helpers = helper_count(procs, len(todo))
            if helpers > 1:
                outcomes, segments = _apply_parallel(writer, todo, tz, helpers, progress)
            else:
                outcomes, segments = _apply_inline(writer, todo, tz, progress), []
            return writer, Applied(outcomes, segments, poisoned)
        except _PoisonPost as e:
            writer.cancel()
            poisoned[e.rel] = e
            if attempt == MAX_RESTARTS:
                raise NewsctlError(f"indexing keeps failing ({e}); nothing was changed") from None
        except BaseException:
            writer.cancel()
            raise
    raise AssertionError("unreachable")


# --- a run -------------------------------------------------------------------------


def _interrupted(e: BaseException) -> bool:
    return isinstance(e, KeyboardInterrupt) or getattr(e, "exit_code", None) == EXIT_INTERRUPTED


def _new_result() -> "IndexResult":
    from .archive import IndexResult

    return IndexResult()


def run_index(
    arc: "Archive",
    *,
    wait: float = 0.0,
    procs: int = 1,
    progress: Progress | None = None,
    rebuild: bool = False,
    command: str = "index",
    force: Iterable[str] = (),
) -> "IndexResult":
    """Bring the index in line with the files (the whole of `newsctl index`)."""
    t0 = time.monotonic()
    result = _new_result()
    record = RunRecord(command=command, mode="rebuild" if rebuild else "incremental")
    with write_lock(arc.state_dir, wait=wait, command=f"newsctl {command}"):
        try:
            try:
                sync_locked(arc, result, procs=procs, progress=progress, rebuild=rebuild, force=force)
            except OSError as e:
                raise idx.storage_error(e, arc.state_dir) from None
        except BaseException as e:
            result.seconds = time.monotonic() - t0
            _fill_record(record, result)
            record.outcome = "interrupted" if _interrupted(e) else "failed"
            record.message = str(e)
            record_run(arc.state_dir, record)
            raise
        result.seconds = time.monotonic() - t0
        _fill_record(record, result)
        warning = record_run(arc.state_dir, record)
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
    arc: "Archive",
    result: "IndexResult",
    *,
    procs: int = 1,
    progress: Progress | None = None,
    rebuild: bool = False,
    force: Iterable[str] = (),
) -> None:
    """The run itself; the caller holds the write lock."""
    state_dir = arc.state_dir
    idx.sweep(state_dir)
    reason = "--rebuild" if rebuild else ""
    manifest: Manifest | None = None
    folder: Path | None = None
    if not rebuild:
        try:
            state = idx.index_state(state_dir)
        except IndexCorrupt as e:
            state, reason = "corrupt", f"the index was unreadable ({e.message})"
        if state == "missing":
            reason = "there was no index"
        elif state == "outdated":
            reason = "the index was made by another version of newsctl"
        elif state == "ok":
            folder = idx.live_folder(state_dir)
            if folder is not None:
                idx.clean_folder(folder)
                try:
                    manifest = load_manifest(folder)
                except IndexCorrupt as e:
                    reason = f"the index was unreadable ({e.message})"
                    manifest = None
            else:
                reason = "there was no index"
    files, problems = scan_posts(arc.root, arc.posts_dir)
    for rel, why in problems:
        result.errors.append(PostError(arc.root / rel, why))
    if manifest is None or folder is None:
        result.mode = "rebuild"
        if reason and reason != "--rebuild":
            result.notes.append(f"rebuilt: {reason}")
        _rebuild(arc, files, result, procs=procs, progress=progress)
        return
    result.mode = "incremental"
    scan_errors = len(result.errors)
    try:
        _incremental(arc, folder, manifest, files, result, procs=procs, progress=progress, force=force)
    except IndexCorrupt as e:
        result.reset_counts(keep_errors=scan_errors)
        result.mode = "rebuild"
        result.notes.append(f"rebuilt: the index was unreadable ({e.message})")
        _rebuild(arc, files, result, procs=procs, progress=progress)


def load_manifest(folder: Path) -> Manifest:
    """The folder's manifest, rebuilt from the index when it is missing or stale."""
    gen = idx.latest_generation(folder)
    m = idx.read_manifest(folder, generation=gen)
    if m is not None:
        return m
    if gen < 0:
        raise IndexCorrupt(f"no committed index in {folder}")
    ix = idx.open_folder(folder)
    try:
        with ix.reader() as r:
            return idx.manifest_from_reader(r, gen)
    except (IndexCorrupt, StorageError):
        raise
    except Exception as e:
        raise IndexCorrupt(f"cannot read index {folder}: {type(e).__name__}: {e}") from None


def _record_outcomes(
    arc: "Archive",
    manifest: Manifest,
    plan: Plan,
    applied: Applied,
    writer: idx.Writer,
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
        result.errors.append(PostError(arc.root / rel, poison.reason))
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
            result.errors.append(PostError(arc.root / rel, o.reason))
            result.read += 1
        elif o.status == "error":
            # could not read it now (permissions, I/O): keep what is indexed;
            # its entry stays as it was, so the next run tries again
            manifest.failed.pop(rel, None)
            result.errors.append(PostError(arc.root / rel, o.reason))
        elif o.status == "gone":
            if drop(rel):
                result.removed += 1
            manifest.failed.pop(rel, None)
    return changes


def _incremental(
    arc: "Archive",
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
    tz = arc.settings.timezone

    def factory() -> idx.Writer:
        return idx.Writer(folder, limitmb=INLINE_LIMITMB).open()

    writer, applied = _apply(factory, plan.items, tz, procs=procs, progress=progress)
    try:
        # deleting and merging read the existing segments: damage shows here
        changes = _record_outcomes(arc, manifest, plan, applied, writer, result)
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
        raise idx.storage_error(e, folder) from None
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
        manifest.files = idx.checksum_files(folder, manifest.files)
        manifest.derived = False
        idx.write_manifest(folder, manifest)
    except (OSError, StorageError) as e:
        result.warnings.append(f"cannot write {folder / idx.MANIFEST_NAME} ({e}); the next run rebuilds it from the index")
    result.posts = len(manifest.posts)
    result.generation = gen


def _rebuild(
    arc: "Archive",
    files: dict[str, Found],
    result: "IndexResult",
    *,
    procs: int,
    progress: Progress | None,
) -> None:
    state_dir = arc.state_dir
    folder = idx.create_fresh(state_dir)
    try:
        empty = Manifest(generation=0)
        plan = make_plan(empty, files)
        tz = arc.settings.timezone

        def factory() -> idx.Writer:
            return idx.Writer(folder, limitmb=INLINE_LIMITMB).open()

        writer, applied = _apply(factory, plan.items, tz, procs=procs, progress=progress)
        try:
            _record_outcomes(arc, empty, plan, applied, writer, result)
            _checkpoint("before-commit")
            gen = writer.commit(extra_segments=applied.segments, merge=False)
            _checkpoint("after-commit")
        except BaseException:
            writer.cancel()
            raise
        _finish_manifest(folder, empty, gen, result)
        _checkpoint("after-manifest")
        folder = idx.finish_build(folder)
        _checkpoint("before-publish")
        idx.publish(state_dir, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


# --- add ---------------------------------------------------------------------------


def index_added(arc: "Archive", added: list[tuple[Path, Any]], *, command: str = "add") -> "IndexResult":
    """Put posts `add` has just written into the index; the caller holds the write lock.

    `added`: (file, Post read from the bytes written). Without a usable
    index this is a full run (which indexes them with everything else).
    """
    t0 = time.monotonic()
    result = _new_result()
    record = RunRecord(command=command, mode="add")
    try:
        _index_added_locked(arc, added, result)
    except BaseException as e:
        result.seconds = time.monotonic() - t0
        _fill_record(record, result)
        record.outcome = "interrupted" if _interrupted(e) else "failed"
        record.message = str(e)
        record_run(arc.state_dir, record)
        raise
    result.seconds = time.monotonic() - t0
    _fill_record(record, result)
    warning = record_run(arc.state_dir, record)
    if warning:
        result.warnings.append(warning)
    return result


def _index_added_locked(arc: "Archive", added: list[tuple[Path, Any]], result: "IndexResult") -> None:
    state_dir = arc.state_dir
    idx.sweep(state_dir)
    try:
        state = idx.index_state(state_dir)
    except IndexCorrupt:
        state = "corrupt"
    folder = idx.live_folder(state_dir) if state == "ok" else None
    manifest = None
    if folder is not None:
        idx.clean_folder(folder)
        try:
            manifest = load_manifest(folder)
        except IndexCorrupt:
            manifest = None
    if manifest is None or folder is None:
        sync_locked(arc, result)
        return
    result.mode = "add"
    writer = idx.Writer(folder, limitmb=INLINE_LIMITMB).open()
    try:
        for dest, post in added:
            rel = rel_path(arc, dest)
            checked = time.time_ns()
            with open(dest, "rb") as f:
                st = os.fstat(f.fileno())
                digest = hashlib.file_digest(f, "sha1").hexdigest()
            if rel in manifest.posts:
                writer.delete_path(rel)
                result.changed += 1
            else:
                result.added += 1
            writer.add(idx.post_document(post, rel, st, digest=digest, checked_ns=checked))
            manifest.posts[rel] = Entry(stat_key(st), digest, checked)
            manifest.failed.pop(rel, None)
        _checkpoint("before-commit")
        gen = writer.commit() if added else manifest.generation
        _checkpoint("after-commit")
    except BaseException:
        writer.cancel()
        raise
    _finish_manifest(folder, manifest, gen, result)


def rel_path(arc: "Archive", path: Path) -> str:
    """A post's path relative to the archive root, as the index stores it (symlinks not resolved)."""
    p = Path(os.path.abspath(path))
    try:
        return p.relative_to(arc.root).as_posix()
    except ValueError:
        return arc.rel(p)


# --- status ------------------------------------------------------------------------


@dataclass
class Status:
    archive: Path
    state_dir: Path
    index: str  # ok | missing | outdated | corrupt
    folder: Path | None = None
    posts: int | None = None
    generation: int | None = None
    last_commit: datetime | None = None  # when the live index last changed
    pending_added: int = 0
    pending_changed: int = 0
    pending_removed: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # known bad posts
    last_run: dict[str, Any] | None = None
    last_ok: dict[str, Any] | None = None
    writer: dict[str, Any] | None = None  # who holds the write lock now
    problem: str = ""
    size_bytes: int = 0

    @property
    def pending(self) -> int:
        return self.pending_added + self.pending_changed + self.pending_removed

    def to_json(self) -> dict[str, Any]:
        return {
            "archive": str(self.archive),
            "state_dir": str(self.state_dir),
            "index": self.index,
            "folder": str(self.folder) if self.folder else None,
            "posts": self.posts,
            "generation": self.generation,
            "last_commit": self.last_commit.isoformat(timespec="seconds") if self.last_commit else None,
            "age_seconds": round(time.time() - self.last_commit.timestamp()) if self.last_commit else None,
            "size_bytes": self.size_bytes,
            "pending": {"added": self.pending_added, "changed": self.pending_changed, "removed": self.pending_removed},
            "unreadable": [{"path": p, "reason": r} for p, r in self.unreadable],
            "last_run": self.last_run,
            "last_ok": self.last_ok,
            "writer": self.writer,
            "problem": self.problem,
        }


def status(arc: "Archive") -> Status:
    """Index age and size, pending changes (from file stats alone), the last runs. Takes no lock."""
    state_dir = arc.state_dir
    st = Status(archive=arc.root, state_dir=state_dir, index="missing")
    data = read_state(state_dir)
    st.last_run, st.last_ok = data.get("last"), data.get("last_ok")
    st.writer = read_holder(state_dir)
    try:
        st.index = idx.index_state(state_dir)
    except IndexCorrupt as e:
        st.index, st.problem = "corrupt", e.message
    files, _problems = scan_posts(arc.root, arc.posts_dir)
    if st.index != "ok":
        st.pending_added = len(files)
        return st
    folder = idx.live_folder(state_dir)
    if folder is None:
        st.index = "missing"
        st.pending_added = len(files)
        return st
    st.folder = folder
    try:
        manifest = load_manifest(folder)
    except (IndexCorrupt, IndexMissing, StorageError) as e:
        st.index, st.problem = "corrupt", str(e)
        return st
    st.posts = len(manifest.posts) + sum(n - 1 for n in manifest.duplicates.values())
    st.generation = manifest.generation
    toc = folder / f"_{idx.INDEXNAME}_{manifest.generation}.toc"
    try:
        st.last_commit = datetime.fromtimestamp(toc.stat().st_mtime, timezone.utc)
    except OSError:
        pass
    st.size_bytes = sum(size for size, _ in manifest.files.values())
    plan = make_plan(manifest, files)
    for it in plan.items:
        if it.indexed:
            entry = manifest.posts[it.rel]
            if entry.key != files[it.rel].key or it.force:
                st.pending_changed += 1  # a racy entry with the same stat is only re-checked
        elif it.old_reason:
            st.pending_changed += 1  # a known bad post that changed
        else:
            st.pending_added += 1
    st.pending_removed = len(plan.removed)
    st.unreadable = [(rel, f.reason) for rel, f in sorted(manifest.failed.items()) if rel in files]
    return st


# --- check -------------------------------------------------------------------------


@dataclass
class Problem:
    kind: str  # damaged | not-indexed | stale | orphan | duplicate | unreadable | missing-index | outdated | manifest
    what: str  # a path relative to the archive, or an index file
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.what}: {self.detail}"


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    posts_indexed: int = 0
    files: int = 0
    checksums: str = ""  # verified | unavailable
    repaired: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def damaged(self) -> bool:
        return any(p.kind in ("damaged", "missing-index", "outdated") for p in self.problems)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(arc: "Archive", *, deep: bool = False) -> CheckReport:
    """Compare the index with the files and itself; every difference is one Problem. Takes no lock.

    A writer committing meanwhile can make a read fail; the check is then
    retried against the new generation before anything is called damaged.
    """
    for attempt in range(3):
        folder = idx.live_folder(arc.state_dir)
        gen = idx.latest_generation(folder) if folder else -1
        report = _check_once(arc, deep=deep)
        folder2 = idx.live_folder(arc.state_dir)
        gen2 = idx.latest_generation(folder2) if folder2 else -1
        if (folder, gen) == (folder2, gen2) or not report.damaged:
            return report
    return report


def _check_once(arc: "Archive", *, deep: bool) -> CheckReport:
    t0 = time.monotonic()
    report = CheckReport()
    state_dir = arc.state_dir
    files, scan_problems = scan_posts(arc.root, arc.posts_dir)
    report.files = len(files)
    for rel, why in scan_problems:
        report.problems.append(Problem("unreadable", rel, why))
    try:
        state = idx.index_state(state_dir)
    except IndexCorrupt as e:
        report.problems.append(Problem("damaged", "newsctl.json", e.message))
        return _done(report, t0)
    if state == "missing":
        report.problems.append(Problem("missing-index", str(state_dir), "there is no index (newsctl index builds it)"))
        return _done(report, t0)
    if state == "outdated":
        report.problems.append(Problem("outdated", str(state_dir), "the index was made by another version of newsctl"))
        return _done(report, t0)
    folder = idx.live_folder(state_dir)
    assert folder is not None
    gen = idx.latest_generation(folder)
    manifest = idx.read_manifest(folder, generation=gen)
    if manifest is not None and manifest.files and not manifest.derived:
        for text in idx.verify_files(folder, manifest.files):
            name = text.split()[2] if text.startswith("index file ") else "index"
            report.problems.append(Problem("damaged", name, text))
        report.checksums = "verified"
    else:
        report.checksums = "unavailable"
    indexed: dict[str, list[dict[str, Any]]] = {}
    try:
        ix = idx.open_folder(folder)
        with ix.reader() as r:
            for fields in r.all_stored_fields():
                indexed.setdefault(fields["path"], []).append(fields)
            n_docs = r.doc_count()
            if n_docs != sum(len(v) for v in indexed.values()):
                report.problems.append(
                    Problem("damaged", "index", f"{n_docs} documents but {sum(len(v) for v in indexed.values())} stored records")
                )
            _walk_terms(r, deep=deep)
    except Exception as e:  # noqa: BLE001 - any failure to read is damage
        if _interrupted(e):
            raise
        report.problems.append(Problem("damaged", "index", f"cannot read the index: {type(e).__name__}: {e}"))
        return _done(report, t0)
    report.posts_indexed = sum(len(v) for v in indexed.values())
    failed = manifest.failed if manifest is not None else {}
    for rel, f in sorted(files.items()):
        docs = indexed.get(rel)
        if not docs:
            bad = failed.get(rel)
            if bad is not None and bad.key == f.key:
                report.problems.append(Problem("unreadable", rel, bad.reason))
            else:
                report.problems.append(Problem("not-indexed", rel, "the file is not in the index"))
            continue
        if len(docs) > 1:
            report.problems.append(Problem("duplicate", rel, f"indexed {len(docs)} times"))
        try:
            digest = _sha1_path(f.path)
        except OSError as e:
            report.problems.append(Problem("unreadable", rel, f"cannot read: {e.strerror or e}"))
            continue
        if digest not in {d.get("digest") or "" for d in docs}:
            report.problems.append(Problem("stale", rel, "the file changed since it was indexed"))
    for rel in sorted(set(indexed) - set(files)):
        report.problems.append(Problem("orphan", rel, "indexed, but the file is gone"))
    if manifest is not None:
        mismatch = [rel for rel in set(manifest.posts) | set(indexed) if (rel in manifest.posts) != (rel in indexed)]
        if mismatch:
            report.problems.append(
                Problem("manifest", idx.MANIFEST_NAME, f"lists {len(mismatch)} posts differently from the index (e.g. {sorted(mismatch)[0]})")
            )
    return _done(report, t0)


def _walk_terms(reader: Any, *, deep: bool) -> None:
    """Read every term of every field (and with `deep` every posting list)."""
    for fieldname in reader.indexed_field_names():
        for term in reader.lexicon(fieldname):
            if deep:
                m = reader.postings(fieldname, term)
                while m.is_active():
                    m.id()
                    m.value()
                    m.next()


def _sha1_path(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha1").hexdigest()


def _done(report: CheckReport, t0: float) -> CheckReport:
    report.seconds = time.monotonic() - t0
    return report


def repair(arc: "Archive", report: CheckReport, *, wait: float = 0.0, procs: int = 1, progress: Progress | None = None) -> "IndexResult":
    """Fix what `check` found: a damaged index is rebuilt, differences are re-indexed."""
    force = {p.what for p in report.problems if p.kind in ("stale", "duplicate", "not-indexed")}
    if report.damaged:
        return run_index(arc, wait=wait, procs=procs, progress=progress, rebuild=True, command="check --repair")
    with write_lock(arc.state_dir, wait=wait, command="newsctl check --repair"):
        folder = idx.live_folder(arc.state_dir)
        if folder is not None and any(p.kind == "manifest" for p in report.problems):
            (folder / idx.MANIFEST_NAME).unlink(missing_ok=True)  # rebuilt from the index below
    return run_index(arc, wait=wait, procs=procs, progress=progress, command="check --repair", force=force)


def helper_count(procs: int, items: int) -> int:
    """Processes to read `items` posts with: `procs` 0 is automatic (helpers only
    for a big batch); an explicit `procs` > 1 is honoured for any batch that big."""
    if procs == 0:
        return default_procs() if items >= PARALLEL_MIN else 1
    return procs if procs > 1 and items >= procs else 1


def default_procs() -> int:
    """Helper processes for a big batch: 2 when two CPUs are idle, else 1.

    Two helpers use ~10-20% more CPU in all than one process (two segments,
    two spills) and ~300 MB more memory; they only pay off on idle cores. On
    a 2-CPU machine already busy with one other job they were slower (195 s
    against 122 s for 24,090 posts), so the 1-minute load average decides.
    """
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    try:
        idle = n - os.getloadavg()[0]
    except OSError:
        idle = n
    return 2 if n >= 2 and idle >= 1.5 else 1

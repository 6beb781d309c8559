"""Reading planned posts into documents, in this process or in forked helper processes
(each writes a segment the parent adds to its single commit).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..engine.schema import post_document
from ..engine.storage import open_folder
from ..engine.writer import Writer, segment_writer, storage_error
from ..errors import (
    NewsctlError,
    PostError,
)
from .manifest import StatKey, stat_key
from .plan import Item

if TYPE_CHECKING:
    from .sequence import Sequencer

MAX_RESTARTS = 3  # a run restarts without a post whose analysis raised, at most this often
PARALLEL_MIN = 400  # posts to read before helper processes pay for themselves
WORKER_LIMITMB = 192  # Whoosh posting pool per helper (memory use ~2x this)
INLINE_LIMITMB = 256

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
    from ..posts.post import read_post

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
        doc = post_document(post, item.rel, st, digest=digest, checked_ns=checked)
        try:
            add(doc)
        except (OSError, NewsctlError):
            raise
        except Exception as e:
            raise _PoisonPost(item.rel, f"cannot index: {type(e).__name__}: {e}", key, digest) from None
    return Outcome(item.rel, "changed" if item.indexed else "added", key, digest, checked)


# --- applying a plan ------------------------------------------------------------


def _numbered(add: Callable[[dict[str, Any]], None], seqs: "Sequencer | None") -> Callable[[dict[str, Any]], None]:
    """`add`, numbering each document first (sync/sequence.py) when the run has a Sequencer."""
    if seqs is None:
        return add
    number = seqs.number
    return lambda doc: add(number(doc))


def _apply_inline(writer: Writer, items: list[Item], tz: Any, progress: Progress | None, seqs: "Sequencer | None" = None) -> list[Outcome]:
    w = writer.whoosh_writer

    def whoosh_add(doc: dict[str, Any]) -> None:
        w.add_document(**doc)

    add = _numbered(whoosh_add, seqs)

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

    from ..lock import close_inherited

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


def _worker(conn: Any, folder: str, items: list[Item], tz: Any, limitmb: int, seqs: "Sequencer | None" = None) -> None:
    _child_setup()
    try:
        ix = open_folder(Path(folder))
        w = segment_writer(ix, limitmb=limitmb, lock=False)

        def whoosh_add(doc: dict[str, Any]) -> None:
            w.add_document(**doc)

        add = _numbered(whoosh_add, seqs)

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
    writer: Writer, items: list[Item], tz: Any, procs: int, progress: Progress | None, seqs: "Sequencer | None" = None
) -> tuple[list[Outcome], list[Any]]:
    """Helpers each read their share of `items` into a segment of their own."""
    import multiprocessing as mp
    from multiprocessing.connection import wait

    # load lazily-built tables once, so helpers share them copy-on-write
    pass

    ctx = mp.get_context("fork")
    chunks = _chunks(items, procs)
    workers: list[tuple[Any, Any]] = []
    done: dict[int, tuple[list[Outcome], Any]] = {}
    counts = [0] * len(chunks)
    try:
        for chunk in chunks:
            recv, send = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_worker, args=(send, str(writer.folder), chunk, tz, WORKER_LIMITMB, seqs), daemon=True)
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
                    raise storage_error(OSError(msg[1], msg[2]), writer.folder)
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
    writer_factory: Callable[[], Writer],
    items: list[Item],
    tz: Any,
    *,
    procs: int,
    progress: Progress | None,
    seqs: "Sequencer | None" = None,
) -> tuple[Writer, Applied]:
    """Read `items` into a fresh writer (restarting without a post that breaks analysis);
    `seqs` numbers each document for `news`."""
    poisoned: dict[str, _PoisonPost] = {}
    for attempt in range(MAX_RESTARTS + 1):
        todo = [it for it in items if it.rel not in poisoned]
        writer = writer_factory()
        try:
            helpers = helper_count(procs, len(todo))
            if helpers > 1:
                outcomes, segments = _apply_parallel(writer, todo, tz, helpers, progress, seqs)
            else:
                outcomes, segments = _apply_inline(writer, todo, tz, progress, seqs), []
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

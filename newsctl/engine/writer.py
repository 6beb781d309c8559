"""Writing: a Whoosh writer with CompactCodec and a faster posting pool, cancelled on any error."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import IndexBusy, NewsctlError, StorageError
from .storage import latest_generation, open_folder

# --- writing ------------------------------------------------------------------


def codec() -> Any:
    """The codec every writer uses (CompactCodec: compact posting blocks).

    Each segment records its codec, so segments written by another stay readable.
    """
    from .codec import CompactCodec

    return CompactCodec()


def segment_writer(ix: Any, *, limitmb: int, lock: bool = True) -> Any:
    """A Whoosh SegmentWriter with our codec and a faster posting pool."""
    from whoosh.writing import SegmentWriter

    w = SegmentWriter(ix, _lk=lock, limitmb=limitmb, codec=codec())
    w.pool = _fast_pool_class()(w._tempstorage, w.newsegment, limitmb=limitmb)
    return w


_FAST_POOL: type | None = None


def _fast_pool_class() -> type:
    """Whoosh's PostingPool with cheaper bookkeeping and cheaper spills.

    Whoosh pickles each posting one by one when its pool spills to disk and
    unpickles it again to merge, and spills every million postings whatever
    `limitmb` says; a 24,090-post build has some 14 million postings. This
    pool spills by its memory estimate only and writes runs as marshal'd
    blocks (postings are tuples of str, bytes, int, float, bytes).
    """
    global _FAST_POOL
    if _FAST_POOL is not None:
        return _FAST_POOL
    import marshal

    from whoosh.writing import PostingPool

    class FastPostingPool(PostingPool):
        BLOCK = 20000

        def __init__(self, tempstore: Any, segment: Any, limitmb: int = 128) -> None:
            super().__init__(tempstore, segment, limitmb=limitmb, maxsize=1 << 62)

        def add(self, item: tuple) -> None:
            # item = (fieldname, tbytes, docnum, weight, vbytes); ~200 bytes of objects plus the bytes
            self.currentsize += 200 + len(item[1]) + (len(item[4]) if item[4] else 0)
            if self.currentsize > self.limit:
                self.save()
            self.current.append(item)

        def _write_run(self, f: Any, items: list) -> None:
            block = self.BLOCK
            for i in range(0, len(items), block):
                marshal.dump(items[i : i + block], f)
            f.close()

        def _read_run(self, path: str) -> Iterator[tuple]:
            f = self._open_run(path)
            try:
                while True:
                    try:
                        chunk = marshal.load(f)
                    except EOFError:
                        return
                    yield from chunk
            finally:
                f.close()
                self._remove_run(path)

    _FAST_POOL = FastPostingPool
    return FastPostingPool


def storage_error(e: OSError, folder: Path) -> StorageError:
    what = e.strerror or str(e)
    hint = None
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        hint = "free some space; the previous index is unchanged"
    elif e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "check the folder's permissions; the previous index is unchanged"
    return StorageError(f"cannot write the index in {folder}: {what}", hint=hint)


class Writer:
    """A Whoosh writer over one index folder; commit or cancel, never half.

    Used as a context manager it commits on a clean exit (cancels on an
    exception); `commit()` may also be called explicitly.
    """

    def __init__(self, folder: Path, procs: int = 1, *, limitmb: int = 256) -> None:
        self.folder = Path(folder)
        self.procs = procs
        self.limitmb = limitmb
        self.generation = -1
        self._w: Any = None

    def open(self) -> "Writer":
        from whoosh.index import LockError

        self._ix = open_folder(self.folder)
        try:
            self._w = segment_writer(self._ix, limitmb=self.limitmb)
        except LockError:
            raise IndexBusy(f"the index in {self.folder} is locked by another writer") from None
        except OSError as e:
            raise storage_error(e, self.folder) from None
        self.generation = self._w.generation - 1
        return self

    def __enter__(self) -> "Writer":
        return self.open()

    @property
    def is_open(self) -> bool:
        return self._w is not None and not self._w.is_closed

    @property
    def whoosh_writer(self) -> Any:
        return self._w

    def add(self, doc: dict[str, Any]) -> None:
        try:
            self._w.add_document(**doc)
        except OSError as e:
            raise storage_error(e, self.folder) from None

    def update(self, doc: dict[str, Any]) -> None:
        self.delete_path(doc["path"])
        self.add(doc)

    def delete_path(self, rel_path: str) -> int:
        return self._w.delete_by_term("path", rel_path)

    def commit(self, *, extra_segments: Iterable[Any] = (), merge: bool = True) -> int:
        """Write the new generation; StorageError (previous generation intact) when it fails."""
        w = self._w
        target = w.generation
        try:
            extra = list(extra_segments)
            if extra:
                # segments written by helper processes (see sync.py): the same
                # steps as SegmentWriter.commit, with their segments added
                final = w._merge_segments(None, None, merge)
                if w._added:
                    final.append(w._finalize_segment())
                else:
                    w._close_segment()
                final.extend(extra)
                w._commit_toc(final)
                w._finish()
            else:
                w.commit(merge=merge)
        except BaseException as e:
            if latest_generation(self.folder) >= target:
                # the TOC is in place: committed (only cleanup failed)
                if w.writelock is not None and not w.is_closed:
                    try:
                        w._finish()
                    except Exception:
                        pass
                self.generation = target
                if isinstance(e, Exception) and not isinstance(e, NewsctlError):
                    return target  # e.g. a file cleanup failed: the commit stands
                raise  # an interruption: committed, but the caller must stop
            self.cancel()
            if isinstance(e, OSError):
                raise storage_error(e, self.folder) from None
            raise
        self.generation = target
        return target

    def cancel(self) -> None:
        w = self._w
        if w is None or w.is_closed:
            return
        try:
            w.cancel()
        except Exception:
            # a half-closed writer (e.g. disk full while flushing): release
            # the Whoosh lock and temp files so the next writer can start
            try:
                w._finish()
            except Exception:
                pass
            try:
                if w.writelock is not None:
                    w.writelock.release()
            except Exception:
                pass

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None and self.is_open:
            self.commit()
        else:
            self.cancel()

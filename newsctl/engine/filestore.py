"""Whoosh storages for newsctl: read-only, and durable (every segment and TOC fsynced)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

from ..fsutil import fsync_dir


def _storage_classes() -> tuple[type, type]:
    """(ReadStorage, DurableStorage), made on first use (whoosh is imported lazily).

    ReadStorage maps each index file and hands out zero-copy views of it.
    Whoosh's own mmap path wraps every sub-file of a compound segment in an
    `io.BytesIO`, which copies it: opening a reader on the 24,090-post index
    copied its terms and postings (~700 MB) into memory and took ~0.3 s.

    DurableStorage (for writers) reads the same way and fsyncs each segment
    and TOC file before it can become visible, so a power cut after a commit
    cannot leave a TOC naming half-written segments.
    """
    import mmap

    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.structfile import BufferFile

    class _MemFile:
        """A read-only file object over a buffer, without copying it."""

        def __init__(self, buf: memoryview) -> None:
            self._buf = buf
            self._pos = 0

        def read(self, n: int | None = -1) -> bytes:
            start = self._pos
            end = len(self._buf) if n is None or n < 0 else min(len(self._buf), start + n)
            self._pos = max(end, start)
            return self._buf[start:end].tobytes()

        def readinto(self, b: Any) -> int:
            n = max(0, min(len(b), len(self._buf) - self._pos))
            b[:n] = self._buf[self._pos : self._pos + n]
            self._pos += n
            return n

        def readline(self, limit: int | None = -1) -> bytes:
            end = len(self._buf) if limit is None or limit < 0 else min(len(self._buf), self._pos + limit)
            out = bytearray()
            pos = self._pos
            while pos < end:
                chunk = self._buf[pos : min(end, pos + 512)].tobytes()
                i = chunk.find(b"\n")
                if i >= 0:
                    out += chunk[: i + 1]
                    pos += i + 1
                    break
                out += chunk
                pos += len(chunk)
            self._pos = pos
            return bytes(out)

        def __iter__(self) -> Iterator[bytes]:
            while True:
                line = self.readline()
                if not line:
                    return
                yield line

        def seek(self, pos: int, whence: int = 0) -> int:
            base = (0, self._pos, len(self._buf))[whence]
            self._pos = max(0, base + pos)
            return self._pos

        def tell(self) -> int:
            return self._pos

        def flush(self) -> None:
            pass

        def close(self) -> None:
            self._buf = memoryview(b"")

    class _ViewFile(BufferFile):
        """Whoosh's BufferFile over a mapped file, minus the copies."""

        def __init__(self, buf: Any, name: str | None = None, onclose: Any = None, owner: Any = None) -> None:
            self._buf = buf if isinstance(buf, memoryview) else memoryview(buf)
            self._name = name
            self.file = _MemFile(self._buf)
            self.onclose = onclose
            self.is_real = False
            self.is_closed = False
            self._owner = owner  # the mmap stays open while any view of it lives

        def subset(self, position: int, length: int, name: str | None = None) -> "_ViewFile":
            return _ViewFile(self._buf[position : position + length], name=name or self._name, owner=self._owner)

        def close(self) -> None:
            if self.is_closed:
                raise Exception("This file is already closed")
            if self.onclose:
                self.onclose(self)
            self.is_closed = True

    class _ReadStorage(FileStorage):
        def __init__(self, path: str, readonly: bool = False) -> None:
            # supports_mmap=False: compound segments then take views through
            # our files' subset() instead of copying sub-files
            super().__init__(path, supports_mmap=False, readonly=readonly)

        def open_file(self, name: str, **kwargs: Any) -> Any:
            with open(self._fpath(name), "rb") as f:
                if os.fstat(f.fileno()).st_size == 0:
                    return _ViewFile(b"", name=name)
                mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            return _ViewFile(memoryview(mm), name=name, owner=mm)

    class _DurableStorage(_ReadStorage):
        def create_file(self, name: str, excl: bool = False, mode: str = "wb", **kwargs: Any) -> Any:
            f = FileStorage.create_file(self, name, excl=excl, mode=mode, **kwargs)
            if name.endswith(".seg") or ".toc" in name:
                previous = f.onclose

                def onclose(sfile: Any) -> None:
                    if previous is not None:
                        previous(sfile)
                    sfile.file.flush()
                    os.fsync(sfile.file.fileno())

                f.onclose = onclose
            return f

        def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
            super().rename_file(oldname, newname, safe=safe)
            fsync_dir(Path(self.folder))

        def lock(self, name: str) -> Any:
            # Whoosh's FileLock creates its file with mode 0777 (less the umask): an
            # executable lock file. Make it first as any other file is made.
            try:
                os.close(os.open(self._fpath(name), os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o666))
            except OSError:
                pass  # Whoosh reports the failure when it opens the lock itself
            return super().lock(name)

    return _ReadStorage, _DurableStorage


_STORAGES: tuple[type, type] | None = None


def ReadStorage(path: str) -> Any:  # noqa: N802 - a class made on first use
    global _STORAGES
    if _STORAGES is None:
        _STORAGES = _storage_classes()
    return _STORAGES[0](path, readonly=True)


def DurableStorage(path: str) -> Any:  # noqa: N802 - a class made on first use
    global _STORAGES
    if _STORAGES is None:
        _STORAGES = _storage_classes()
    return _STORAGES[1](path)

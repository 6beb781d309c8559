"""Atomic file writes: a reader or a crash sees the old file or the new one, never half.

Files are created with the mode `cp` or a shell redirect would give them:
0666 less the umask (0644 under umask 022), not the 0600 of a bare
`tempfile.mkstemp`. No file newsctl writes is private on purpose: posts are
for the site build, the index and its records for every reader of the archive.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import StorageError


def current_umask() -> int:
    """The process umask, read without changing it where Linux tells it (/proc), else set and restored."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode a new regular file gets from open(2) with 0666: what `cp` and `>` give."""
    return 0o666 & ~current_umask()


def _write_temp(folder: Path, data: bytes, prefix: str) -> Path:
    fd, name = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
    try:
        os.fchmod(fd, new_file_mode())  # mkstemp makes 0600; the published file follows the umask
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def fsync_dir(folder: Path) -> None:
    """Make a rename durable; harmless where directories cannot be fsynced."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes | str, *, overwrite: bool = True) -> None:
    """Write `path` via a temp file in the same folder.

    With `overwrite=False` the file is published with `os.link`, which fails
    when `path` exists, so an existing file is never replaced (FileExistsError).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = path.parent
    try:
        tmp = _write_temp(folder, data, prefix=f".{path.name}.")
        try:
            if overwrite:
                os.replace(tmp, path)
            else:
                os.link(tmp, path)
                tmp.unlink()
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        fsync_dir(folder)
    except FileExistsError:
        raise
    except OSError as e:
        raise StorageError(f"cannot write {path}: {e.strerror or e}") from e


def sha1_file(path: Path) -> str:
    """The sha1 hex digest of a file's bytes (how posts and index files are compared)."""
    import hashlib

    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha1").hexdigest()


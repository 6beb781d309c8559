"""The archive's single-writer lock.

`fcntl.flock` on `<state>/write.lock`. The kernel drops the lock when its
holder dies (kill -9 included), so a crash never leaves a stale lock. The
holder writes who it is (JSON: pid, host, command, since) into the lock file
itself once it has the lock and empties it again before letting go, so a
writer that has to give up can say who is in the way, and `status` can show a
running writer without touching the lock.

Readers (list, search, show, status, check without --repair) never take it.
Only the process that took the lock holds it: `fork`ed helpers close their
copy of the descriptor (`close_inherited`), so a helper that outlives its
parent cannot keep the archive locked.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from .errors import IndexBusy, StorageError

LOCK_NAME = "write.lock"

# Descriptors of the locks this process holds (closed in forked helpers).
_held: set[int] = set()


def lock_path(state_dir: Path) -> Path:
    return state_dir / LOCK_NAME


def read_holder(state_dir: Path) -> dict[str, Any] | None:
    """Who the lock file says holds the lock, or None when nobody (or it is unreadable).

    The note outlives a holder killed with -9, so a pid that no longer runs on
    this host counts as nobody.
    """
    try:
        info = json.loads(lock_path(state_dir).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or not isinstance(info.get("pid"), int):
        return None
    if info.get("host") == socket.gethostname():
        try:
            os.kill(info["pid"], 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, another user's
    return info


def describe_holder(info: dict[str, Any] | None) -> str:
    if not info:
        return "another newsctl process"
    return f"pid {info.get('pid')} on {info.get('host')} ({info.get('command')}, since {info.get('since')})"


def close_inherited() -> None:
    """In a forked child: drop the copies of held lock descriptors."""
    for fd in list(_held):
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


@dataclass
class Held:
    """How the lock was got: seconds spent waiting for another writer (0.0: it was free), and for whom."""

    waited: float = 0.0
    waited_for: str = ""


@contextmanager
def write_lock(state_dir: Path, *, wait: float = 0.0, command: str = "newsctl") -> Iterator[Held]:
    """Hold the archive's write lock; IndexBusy (exit 75) after `wait` seconds."""
    path = lock_path(state_dir)
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)  # the umask decides, as for every file
    except OSError as e:
        raise StorageError(f"cannot create the write lock {path}: {e.strerror or e}") from None
    try:
        started = time.monotonic()
        deadline = started + max(wait, 0.0)
        delay = 0.05
        holder: dict[str, Any] | None = None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    waited = f" after waiting {wait:g}s" if wait > 0 else ""
                    raise IndexBusy(
                        f"the archive is being written by {describe_holder(read_holder(state_dir))}{waited}",
                        hint="try again later or pass --wait SECONDS",
                    ) from None
                if holder is None:
                    holder = read_holder(state_dir) or {}
                time.sleep(min(delay, remaining))
                delay = min(delay * 2, 0.5)
        held = Held(waited=time.monotonic() - started, waited_for=describe_holder(holder) if holder is not None else "")
        _held.add(fd)
        owner = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": command,
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(owner).encode("utf-8"), 0)
        except OSError:
            pass  # the note is a courtesy; the flock is what counts
        try:
            yield held
        finally:
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
    finally:
        _held.discard(fd)
        os.close(fd)  # releases the flock

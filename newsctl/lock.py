"""The archive's single-writer lock.

`fcntl.flock` on `<state>/write.lock`: the kernel drops it when the holder dies
(kill -9 included), so a crash never leaves a stale lock. The holder writes who
it is into `<state>/write.lock.owner` so a waiting writer can say who has it.
Readers never take this lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .errors import IndexBusy, StorageError

LOCK_NAME = "write.lock"


def _holder_text(lock_path: Path) -> str:
    try:
        info = json.loads((lock_path.with_name(LOCK_NAME + ".owner")).read_text("utf-8"))
        return f"pid {info['pid']} on {info['host']} ({info['command']}, since {info['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another newsctl process"


@contextmanager
def write_lock(state_dir: Path, *, wait: float = 0.0, command: str = "newsctl") -> Iterator[None]:
    """Hold the archive's write lock; IndexBusy (exit 75) after `wait` seconds."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(state_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise StorageError(f"cannot create lock in {state_dir}: {e.strerror}") from None
    lock_path = state_dir / LOCK_NAME
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        delay = 0.05
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        f"archive is being written by {_holder_text(lock_path)}",
                        hint="try again later or pass --wait SECONDS",
                    ) from None
                time.sleep(min(delay, max(deadline - time.monotonic(), 0.01)))
                delay = min(delay * 2, 0.5)
        owner = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": command,
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        try:
            (state_dir / (LOCK_NAME + ".owner")).write_text(json.dumps(owner), "utf-8")
        except OSError:
            pass  # the owner note is a courtesy; the flock is what counts
        yield
    finally:
        os.close(fd)  # releases the flock

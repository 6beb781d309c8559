"""How far each watch has been read: `<state>/read-marks.json`, written atomically.

A mark is a number of the index's own sequence (engine/sequence.py): every post
whose `first_seq` is above it is unread. The file belongs beside the index it
numbers (`--index-dir` moves both), not in the config a person edits:

    {"version": 1, "watches": {"gaoxin": {"upto": 1796..., "read": "2025-03-02T08:00:01+00:00"}}}

Marks only move forward: two `news` runs at once, or a run with an older view
of the index, can never make posts unread again. Editing the file takes a small
flock of its own (`watches.lock`, held for milliseconds), never the index's write
lock, so `news` neither waits for nor blocks a running `index`.
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from ..errors import ConfigError, StorageError
from ..fsutil import atomic_write

MARKS_NAME = "read-marks.json"
LOCK_NAME = "watches.lock"
MARKS_VERSION = 1
BACKLOG = -1  # a mark below every post: the watch's whole backlog is unread


@dataclass(frozen=True, slots=True)
class Mark:
    upto: int  # posts with first_seq > upto are unread
    read: str = ""  # when it was last set (ISO 8601, UTC)

    def to_json(self) -> dict[str, object]:
        return {"upto": self.upto, "read": self.read}


@contextmanager
def small_lock(folder: Path) -> Iterator[None]:
    """An exclusive flock on `folder/watches.lock` for a read-modify-write of a small file."""
    path = folder / LOCK_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as e:
        raise StorageError(f"cannot create {path}: {e.strerror or e}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # other holders keep it for milliseconds
        yield
    finally:
        os.close(fd)


def marks_path(state_dir: Path) -> Path:
    return state_dir / MARKS_NAME


def read_marks(state_dir: Path) -> dict[str, Mark]:
    """Every watch's mark ({} when nothing was read yet); ConfigError naming a damaged file."""
    path = marks_path(state_dir)
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise ConfigError(
            f"{path}: cannot read the watches' read marks ({e})",
            hint="delete it to start every watch afresh from now",
        ) from None
    table = data.get("watches") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: not a marks file", hint="delete it to start every watch afresh from now")
    out: dict[str, Mark] = {}
    for name, value in table.items():
        if isinstance(value, dict) and isinstance(value.get("upto"), int):
            out[name] = Mark(int(value["upto"]), str(value.get("read") or ""))
    return out


def update_marks(state_dir: Path, change: Callable[[dict[str, Mark]], None]) -> dict[str, Mark]:
    """Re-read the marks under the lock, apply `change`, write them back atomically."""
    with small_lock(state_dir):
        marks = read_marks(state_dir)
        change(marks)
        body = {"version": MARKS_VERSION, "watches": {k: v.to_json() for k, v in sorted(marks.items())}}
        atomic_write(marks_path(state_dir), json.dumps(body, ensure_ascii=False, indent=1) + "\n")
    return marks


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def advance(marks: dict[str, Mark], names: list[str], upto: int) -> None:
    """Move each named watch's mark to `upto`, never back."""
    stamp = now_iso()
    for name in names:
        old = marks.get(name)
        marks[name] = Mark(max(upto, old.upto) if old else upto, stamp)

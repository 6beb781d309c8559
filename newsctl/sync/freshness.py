"""Is the index older than `_posts/`? A check cheap enough for every `search` and `list`.

A writer that scans `_posts/` (`index`, `add`, `check --repair`) records the
modification time of `_posts/` and of each folder below it, stat'ed just
before the folder was listed, in `<state>/posts-dirs.json`. Adding, deleting
or renaming a post changes its folder's mtime, so a reader compares those few
folder times with the record (one small read and one stat a folder, not a
scan of the posts) and says when they differ. Not seen: a post edited in
place (its folder keeps its mtime; `newsctl status` finds those), and a
change in the same timestamp tick as the record on a filesystem with coarse
times. A stray file (an editor's swap file) can make the index look stale
until the next `newsctl index`. Without a record (an index made before this
existed) the check says nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..fsutil import atomic_write

RECORD_NAME = "posts-dirs.json"
RECORD_VERSION = 1
STALE_MESSAGE = "index is older than _posts/; run newsctl index"


def record_path(state_dir: Path) -> Path:
    return state_dir / RECORD_NAME


def record(state_dir: Path, dirs: dict[str, int]) -> None:
    """Save folder mtimes (path relative to the archive -> st_mtime_ns) a writer saw; never fails the run."""
    try:
        atomic_write(record_path(state_dir), json.dumps({"version": RECORD_VERSION, "dirs": dirs}, ensure_ascii=False))
    except Exception:  # noqa: BLE001 - a missing record only silences the reader's check
        pass


def _read(state_dir: Path) -> dict[str, int] | None:
    try:
        data = json.loads(record_path(state_dir).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != RECORD_VERSION or not isinstance(data.get("dirs"), dict):
        return None
    return data["dirs"]


def note_written(state_dir: Path, root: Path, folders: set[Path]) -> None:
    """After `add` wrote posts into `folders` (and indexed them): their new mtimes are the index's."""
    dirs = _read(state_dir)
    if dirs is None:
        return
    for folder in folders:
        try:
            rel = os.path.relpath(folder, root).replace(os.sep, "/")
            dirs[rel] = os.stat(folder).st_mtime_ns
        except (OSError, ValueError):
            continue
    record(state_dir, dirs)


def index_is_stale(state_dir: Path, root: Path) -> bool:
    """True when a folder of `_posts/` changed (or went) since the last writer's scan."""
    dirs = _read(state_dir)
    if not dirs:
        return False
    for rel, mtime in dirs.items():
        try:
            if os.stat(root / rel).st_mtime_ns != mtime:
                return True
        except FileNotFoundError:
            return True
        except (OSError, ValueError, TypeError):
            continue
    return False

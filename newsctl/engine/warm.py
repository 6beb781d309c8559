"""Index readers the warm server (newsctl/server/) opens once and its workers inherit, while current.

Which archives? Those the workers used: each worker reports the state
folders it opened (through a pipe), and the server opens those between
commands. A worker uses an inherited reader only if the archive's live
folder and Whoosh generation are still the ones it was opened on; otherwise
it opens the index itself as any run does, and the server reopens after it.
Sharing across fork is safe because ReadStorage maps index files (mmap) and
keeps no file offsets: each worker's positions are its own copies.
"""

from __future__ import annotations

import os
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterable

MAX_ARCHIVES = 4


class WarmIndex:
    """Looks like the Whoosh index it wraps; searchers share the reader opened before the fork."""

    def __init__(self, index: Any, reader: Any) -> None:
        self._index = index
        self._reader = reader

    def searcher(self, **kwargs: Any) -> Any:
        from whoosh.searching import Searcher

        return Searcher(self._reader, fromindex=self._index, closereader=False, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._index, name)


class _Entry:
    __slots__ = ("folder", "generation", "index", "reader")

    def __init__(self, folder: Path, generation: int, index: Any, reader: Any) -> None:
        self.folder = folder
        self.generation = generation
        self.index = index
        self.reader = reader


def _close(entry: _Entry | None) -> bool:
    """Close a replaced reader (workers that inherited it keep their own copies); whether there was one."""
    if entry is None:
        return False
    try:
        entry.reader.close()
    except Exception:
        pass
    return True


class ReaderCache:
    """state folder -> the reader of its live index; at most MAX_ARCHIVES, least recently used out."""

    def __init__(self) -> None:
        self.entries: OrderedDict[str, _Entry] = OrderedDict()

    def names(self) -> list[str]:
        return list(self.entries)

    def refresh(self, used: Iterable[str] = ()) -> bool:
        """Reopen what changed, open what workers asked for; whether anything changed.

        Never raises: a failure drops the entry and workers open that index themselves.
        """
        changed = False
        for state_dir in [*self.entries, *used]:
            try:
                changed |= self._refresh_one(state_dir)
            except Exception as e:  # an index being rebuilt, removed, damaged
                changed |= _close(self.entries.pop(state_dir, None))
                print(f"newsctl server: not keeping {state_dir} open: {e}", file=sys.stderr, flush=True)
        while len(self.entries) > MAX_ARCHIVES:
            _close(self.entries.popitem(last=False)[1])
        return changed

    def _refresh_one(self, state_dir: str) -> bool:
        from . import storage as idx

        entry = self.entries.get(state_dir)
        folder = idx.live_folder(Path(state_dir))
        if folder is None or idx.index_state(Path(state_dir)) != "ok":
            return _close(self.entries.pop(state_dir, None))
        if entry is not None and entry.folder == folder and entry.generation == entry.index.latest_generation():
            self.entries.move_to_end(state_dir)
            return False
        hook, idx.warm_index = idx.warm_index, None
        try:
            index = idx.open_index(Path(state_dir))
        finally:
            idx.warm_index = hook
        folder = Path(index.storage.folder)
        generation = index.latest_generation()
        reader = index.reader()
        _close(self.entries.pop(state_dir, None))
        self.entries[state_dir] = _Entry(folder, generation, index, reader)
        self.entries.move_to_end(state_dir)
        return True

    def install(self, report_fd: int) -> None:
        """In a worker: let newsctl.index.open_index use these readers, and report what it opens."""
        from . import storage as idx

        reported: set[str] = set()

        def warm_index(state_dir: Path, folder: Path) -> Any:
            key = str(state_dir)
            if key not in reported:
                reported.add(key)
                try:
                    os.write(report_fd, os.fsencode(key) + b"\0")
                except OSError:
                    pass
            entry = self.entries.get(key)
            if entry is None or entry.folder != folder:
                return None
            try:
                if entry.index.latest_generation() != entry.generation:
                    return None
            except Exception:
                return None
            return WarmIndex(entry.index, entry.reader)

        idx.warm_index = warm_index

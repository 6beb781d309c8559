"""`status`: the index's age, size, posts and pending changes, from file stats alone."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..config import Settings
from ..engine.storage import BUILD_SUFFIX, INDEXNAME, LIVE_NAME, index_state, live_folder
from ..errors import (
    IndexCorrupt,
    IndexMissing,
    StorageError,
)
from ..lock import read_holder
from ..state import read_state
from .plan import make_plan
from .run import load_manifest
from .scan import scan_posts

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
    replaced: list[tuple[Path, int, float]] = field(default_factory=list)  # (folder, bytes, when replaced): kept for readers

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
            "replaced": [
                {"folder": str(f), "size_bytes": n, "replaced": datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")}
                for f, n, t in self.replaced
            ],
        }


def status(settings: Settings) -> Status:
    """Index age and size, pending changes (from file stats alone), the last runs. Takes no lock."""
    state_dir = settings.state_dir
    st = Status(archive=settings.root, state_dir=state_dir, index="missing")
    data = read_state(state_dir)
    st.last_run, st.last_ok = data.get("last"), data.get("last_ok")
    st.writer = read_holder(state_dir)
    try:
        st.index = index_state(state_dir)
    except IndexCorrupt as e:
        st.index, st.problem = "corrupt", e.message
    st.replaced = _replaced_folders(state_dir)
    files, _problems = scan_posts(settings.root, settings.posts_dir)
    if st.index != "ok":
        st.pending_added = len(files)
        return st
    folder = live_folder(state_dir)
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
    toc = folder / f"_{INDEXNAME}_{manifest.generation}.toc"
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


def _replaced_folders(state_dir: Path) -> list[tuple[Path, int, float]]:
    """Index folders replaced by a rebuild and kept (KEEP_REPLACED_SECONDS) for readers that opened them."""
    live = live_folder(state_dir)
    out: list[tuple[Path, int, float]] = []
    try:
        children = sorted(state_dir.iterdir())
    except OSError:
        return out
    for child in children:
        name = child.name
        if not name.startswith(LIVE_NAME + ".") or name.endswith(BUILD_SUFFIX) or child.is_symlink():
            continue
        try:
            if not child.is_dir() or (live is not None and child.resolve() == live):
                continue
            size = sum(f.stat().st_size for f in child.iterdir() if f.is_file())
            out.append((child, size, child.stat().st_mtime))
        except OSError:
            continue
    return out

"""The stat scan of `_posts/`: one stat per post file, nothing read."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..posts.intake import POST_SUFFIXES

pass
from .manifest import Entry, StatKey

RACY_NS = 2_000_000_000


# --- scanning -------------------------------------------------------------------


@dataclass(slots=True)
class Found:
    path: str  # absolute
    key: StatKey


def scan_posts(
    root: Path, posts_dir: Path, *, dirs: dict[str, int] | None = None
) -> tuple[dict[str, Found], list[tuple[str, str]]]:
    """Every post file under `posts_dir` (rel path -> Found) and the ones that cannot be stat'ed.

    Same rules as `Archive.post_paths`: .md/.markdown/.html, dot-files and
    dot-folders skipped, symlinked folders not followed. `dirs` collects each
    folder's mtime, stat'ed before it is listed (freshness.py).
    """
    found: dict[str, Found] = {}
    problems: list[tuple[str, str]] = []
    prefix = os.path.relpath(posts_dir, root).replace(os.sep, "/")
    suffixes = POST_SUFFIXES
    stack = [(str(posts_dir), prefix)]
    while stack:
        folder, rel_folder = stack.pop()
        if dirs is not None:
            try:
                dirs[rel_folder] = os.stat(folder).st_mtime_ns
            except OSError:
                pass
        try:
            it = os.scandir(folder)
        except FileNotFoundError:
            continue
        except OSError as e:
            problems.append((rel_folder, f"cannot list folder: {e.strerror or e}"))
            continue
        with it:
            for entry in it:
                name = entry.name
                if name[0] == ".":
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, f"{rel_folder}/{name}"))
                        continue
                except OSError:
                    continue
                if not name.lower().endswith(suffixes):
                    continue
                try:
                    st = entry.stat()
                except OSError as e:
                    problems.append((f"{rel_folder}/{name}", f"cannot read: {e.strerror or e}"))
                    continue
                if st.st_mode & 0o170000 != 0o100000:  # not a regular file (S_ISREG)
                    continue
                found[f"{rel_folder}/{name}"] = Found(entry.path, (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns))
    return found, problems


def is_racy(entry: Entry) -> bool:
    mtime, _size, _ino, ctime = entry.key
    return entry.checked_ns - max(mtime, ctime) < RACY_NS

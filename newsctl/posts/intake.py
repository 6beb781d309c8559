"""Files handed to `add`: which inputs are posts, and writing a new post without overwriting one."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..errors import NewsctlError, PostError
from ..fsutil import atomic_write

POST_SUFFIXES = (".md", ".markdown", ".html")  # what counts as a post file, everywhere


def inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def is_jekyll_name(name: str) -> bool:
    import re

    return bool(re.match(r"^\d{4}-\d{2}-\d{2}-.+\.(md|markdown|html)$", name))


def expand_input(path: Path) -> Iterator[tuple[Path, NewsctlError | None]]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in POST_SUFFIXES and not p.name.startswith("."))
        if not files:
            yield path, PostError(path, "folder holds no .md, .markdown or .html files")
        for p in files:
            yield p, None
    elif path.exists():
        yield path, None
    else:
        yield path, PostError(path, "no such file")


def write_new(posts_dir: Path, filename: str, data: bytes) -> Path:
    """Write under `filename`, or `stem-2`, `stem-3`... : never over an existing post."""
    posts_dir.mkdir(parents=True, exist_ok=True)
    stem, dot, suffix = filename.rpartition(".")
    for n in range(1, 1000):
        name = filename if n == 1 else f"{stem}-{n}.{suffix}"
        target = posts_dir / name
        if target.exists():
            continue
        try:
            atomic_write(target, data, overwrite=False)
            return target
        except FileExistsError:
            continue
    raise PostError(posts_dir / filename, "no free file name")

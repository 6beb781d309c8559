"""Checksums of the index files, recorded at each commit, so `check` finds a damaged file."""

from __future__ import annotations

import os
from pathlib import Path

from ..fsutil import sha1_file
from .storage import _SEGFILE_RE, _TOC_RE, latest_generation


def index_files(folder: Path) -> list[str]:
    """The Whoosh files of the latest generation (its TOC and segment files)."""
    gen = latest_generation(folder)
    out = []
    for name in sorted(os.listdir(folder)):
        m = _TOC_RE.match(name)
        if m and int(m.group(1)) == gen:
            out.append(name)
        elif _SEGFILE_RE.match(name):
            out.append(name)
    return out


def checksum_files(folder: Path, previous: dict[str, tuple[int, str]] | None = None) -> dict[str, tuple[int, str]]:
    """(size, sha1) of each index file; files already summed (immutable once written) are reused."""
    previous = previous or {}
    out: dict[str, tuple[int, str]] = {}
    for name in index_files(folder):
        path = folder / name
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            continue
        old = previous.get(name)
        if old is not None and old[0] == size and not _TOC_RE.match(name):
            out[name] = old
            continue
        out[name] = (size, sha1_file(path))
    return out


def verify_files(folder: Path, files: dict[str, tuple[int, str]]) -> list[str]:
    """Problems with the recorded index files (missing, wrong size, wrong checksum)."""
    problems = []
    for name, (size, digest) in sorted(files.items()):
        path = folder / name
        try:
            actual = path.stat().st_size
        except FileNotFoundError:
            problems.append(f"index file {name} is missing")
            continue
        if actual != size:
            problems.append(f"index file {name} has {actual} bytes, {size} were written")
        elif sha1_file(path) != digest:
            problems.append(f"index file {name} does not match its checksum")
    return problems

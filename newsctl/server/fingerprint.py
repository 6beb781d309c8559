"""What the server was started from, checked again on every request.

A server must never answer with code that is no longer installed: after a
`pip install` (newsctl's files or a dependency's), its fingerprint differs,
it answers `stale`, exits, and the client runs the command in-process.
About 60 stat calls, well under a millisecond.
"""

from __future__ import annotations

import os
import sys

# Third-party packages whose code a command may run (their top module's file stands for them).
DEPENDENCIES = ("typer", "rich", "whoosh", "yaml", "rjieba", "zhconv", "selectolax", "markdown_it")

Fingerprint = tuple[tuple[str, int, int], ...]


def package_folder() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def installation_fingerprint() -> Fingerprint:
    items: list[tuple[str, int, int]] = []
    root = package_folder()
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                items.append(_stat(path, os.path.relpath(path, root)))
    for name in DEPENDENCIES:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path:
            items.append(_stat(path, name))
    return tuple(sorted(items))


def _stat(path: str, label: str) -> tuple[str, int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (label, -1, -1)
    return (label, st.st_mtime_ns, st.st_size)

"""The manifest: path -> stat and digest of every indexed post, tied to one Whoosh generation.
A cache that makes a run with nothing to do cheap; the index stays the truth.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.schema import schema_id
from ..engine.storage import latest_generation
from ..fsutil import atomic_write

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


# --- the manifest -------------------------------------------------------------

# A file as read: (mtime_ns, size, ino, ctime_ns).
StatKey = tuple[int, int, int, int]


def stat_key(st: os.stat_result) -> StatKey:
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


@dataclass
class Entry:
    """One indexed file as it was when read."""

    key: StatKey
    digest: str
    checked_ns: int

    def to_json(self) -> list[Any]:
        return [*self.key, self.digest, self.checked_ns]

    @classmethod
    def from_json(cls, v: list[Any]) -> "Entry":
        return cls(key=(int(v[0]), int(v[1]), int(v[2]), int(v[3])), digest=str(v[4]), checked_ns=int(v[5]))


@dataclass
class Failure:
    """A post that could not be read into the index (skipped until it changes)."""

    key: StatKey
    digest: str
    reason: str

    def to_json(self) -> list[Any]:
        return [*self.key, self.digest, self.reason]

    @classmethod
    def from_json(cls, v: list[Any]) -> "Failure":
        return cls(key=(int(v[0]), int(v[1]), int(v[2]), int(v[3])), digest=str(v[4]), reason=str(v[5]))


@dataclass
class Manifest:
    """What one generation of the index holds, for change detection without opening it."""

    generation: int
    posts: dict[str, Entry] = field(default_factory=dict)  # rel path -> entry
    failed: dict[str, Failure] = field(default_factory=dict)
    files: dict[str, tuple[int, str]] = field(default_factory=dict)  # index file -> (size, sha1)
    duplicates: dict[str, int] = field(default_factory=dict)  # rel path -> docs (> 1) for it
    derived: bool = False  # rebuilt from the index's stored fields (checksums unknown)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": MANIFEST_VERSION,
            "schema": schema_id(),
            "generation": self.generation,
            "posts": {k: v.to_json() for k, v in sorted(self.posts.items())},
            "failed": {k: v.to_json() for k, v in sorted(self.failed.items())},
            "files": {k: list(v) for k, v in sorted(self.files.items())},
            "duplicates": dict(sorted(self.duplicates.items())),
            "derived": self.derived,
        }


def read_manifest(folder: Path, *, generation: int | None = None) -> Manifest | None:
    """The folder's manifest when it describes `generation` (default: the latest), else None."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_bytes())
        gen = latest_generation(folder) if generation is None else generation
        if (
            not isinstance(data, dict)
            or data.get("version") != MANIFEST_VERSION
            or data.get("schema") != schema_id()
            or data.get("generation") != gen
        ):
            return None
        return Manifest(
            generation=gen,
            posts={k: Entry.from_json(v) for k, v in data["posts"].items()},
            failed={k: Failure.from_json(v) for k, v in data.get("failed", {}).items()},
            files={k: (int(v[0]), str(v[1])) for k, v in data.get("files", {}).items()},
            duplicates={k: int(v) for k, v in data.get("duplicates", {}).items()},
            derived=bool(data.get("derived")),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def write_manifest(folder: Path, manifest: Manifest) -> None:
    atomic_write(folder / MANIFEST_NAME, json.dumps(manifest.to_json(), ensure_ascii=False, separators=(",", ":")))


def manifest_from_reader(reader: Any, generation: int) -> Manifest:
    """The manifest rebuilt from stored fields (after a crash between commit and manifest)."""
    m = Manifest(generation=generation, derived=True)
    counts: dict[str, int] = {}
    for fields in reader.all_stored_fields():
        rel = fields["path"]
        counts[rel] = counts.get(rel, 0) + 1
        key = (
            int(fields.get("mtime_ns") or 0),
            int(fields.get("size") or 0),
            int(fields.get("ino") or 0),
            int(fields.get("ctime_ns") or 0),
        )
        m.posts[rel] = Entry(key=key, digest=fields.get("digest") or "", checked_ns=int(fields.get("checked_ns") or 0))
    m.duplicates = {k: n for k, n in counts.items() if n > 1}
    return m


# --- checksums of the index files -----------------------------------------------

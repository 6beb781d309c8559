"""What a run must do: from the manifest and the scan, the files to read and the entries to drop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

pass
from .manifest import Failure, Manifest
from .scan import Found, is_racy

# --- planning -------------------------------------------------------------------


@dataclass(slots=True)
class Item:
    """A post file to read."""

    rel: str
    path: str
    size: int
    indexed: bool  # a document for it is in the index now
    old_digest: str = ""  # digest of what is indexed (or of the known-bad bytes)
    old_reason: str = ""  # known bad: why
    force: bool = False  # re-index even if the bytes are the same


@dataclass
class Plan:
    items: list[Item] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # indexed, file gone
    unchanged: int = 0
    known_bad: dict[str, Failure] = field(default_factory=dict)  # skipped: same stat as when it failed
    dropped_bad: list[str] = field(default_factory=list)  # known bad whose file is gone

    @property
    def pending(self) -> bool:
        return bool(self.items or self.removed or self.dropped_bad)


def make_plan(manifest: Manifest, files: dict[str, Found], *, force: Iterable[str] = ()) -> Plan:
    force = set(force) | set(manifest.duplicates)
    plan = Plan()
    for rel, f in files.items():
        entry = manifest.posts.get(rel)
        if entry is not None:
            if entry.key == f.key and rel not in force and not is_racy(entry):
                plan.unchanged += 1
            else:
                plan.items.append(Item(rel, f.path, f.key[1], True, entry.digest, force=rel in force))
            continue
        bad = manifest.failed.get(rel)
        if bad is not None:
            if bad.key == f.key and rel not in force:
                plan.known_bad[rel] = bad
            else:
                plan.items.append(Item(rel, f.path, f.key[1], False, bad.digest, bad.reason, force=rel in force))
            continue
        plan.items.append(Item(rel, f.path, f.key[1], False))
    plan.removed = sorted(rel for rel in manifest.posts if rel not in files)
    plan.dropped_bad = sorted(rel for rel in manifest.failed if rel not in files)
    plan.items.sort(key=lambda it: it.rel)
    return plan

"""`check` (every difference between files and index, damaged files) and `check --repair`."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..engine.checksums import verify_files
from ..engine.storage import (
    index_state,
    latest_generation,
    live_folder,
    open_folder,
)
from ..errors import (
    IndexCorrupt,
)
from ..lock import write_lock
from .manifest import (
    MANIFEST_NAME,
    read_manifest,
)

if TYPE_CHECKING:
    from .result import IndexResult

from .apply import Progress
from .run import _interrupted, run_index
from .scan import scan_posts

# --- check -------------------------------------------------------------------------


@dataclass
class Problem:
    kind: str  # damaged | not-indexed | stale | orphan | duplicate | unreadable | missing-index | outdated | manifest
    what: str  # a path relative to the archive, or an index file
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.what}: {self.detail}"


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # untitled | undated: kept and indexed, worth a look
    posts_indexed: int = 0
    files: int = 0
    checksums: str = ""  # verified | unavailable
    repaired: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def damaged(self) -> bool:
        return any(p.kind in ("damaged", "missing-index", "outdated") for p in self.problems)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(settings: Settings, *, deep: bool = False) -> CheckReport:
    """Compare the index with the files and itself; every difference is one Problem. Takes no lock.

    A writer committing meanwhile can make a read fail; the check is then
    retried against the new generation before anything is called damaged.
    """
    for attempt in range(3):
        folder = live_folder(settings.state_dir)
        gen = latest_generation(folder) if folder else -1
        report = _check_once(settings, deep=deep)
        folder2 = live_folder(settings.state_dir)
        gen2 = latest_generation(folder2) if folder2 else -1
        if (folder, gen) == (folder2, gen2) or not report.damaged:
            return report
    return report


def _check_once(settings: Settings, *, deep: bool) -> CheckReport:
    t0 = time.monotonic()
    report = CheckReport()
    state_dir = settings.state_dir
    files, scan_problems = scan_posts(settings.root, settings.posts_dir)
    report.files = len(files)
    for rel, why in scan_problems:
        report.problems.append(Problem("unreadable", rel, why))
    try:
        state = index_state(state_dir)
    except IndexCorrupt as e:
        report.problems.append(Problem("damaged", "newsctl.json", e.message))
        return _done(report, t0)
    if state == "missing":
        report.problems.append(Problem("missing-index", str(state_dir), "there is no index (newsctl index builds it)"))
        return _done(report, t0)
    if state == "outdated":
        report.problems.append(Problem("outdated", str(state_dir), "the index was made by another version of newsctl"))
        return _done(report, t0)
    folder = live_folder(state_dir)
    assert folder is not None
    gen = latest_generation(folder)
    manifest = read_manifest(folder, generation=gen)
    if manifest is not None and manifest.files and not manifest.derived:
        for text in verify_files(folder, manifest.files):
            name = text.split()[2] if text.startswith("index file ") else "index"
            report.problems.append(Problem("damaged", name, text))
        report.checksums = "verified"
    else:
        report.checksums = "unavailable"
    indexed: dict[str, list[dict[str, Any]]] = {}
    try:
        ix = open_folder(folder)
        with ix.reader() as r:
            for fields in r.all_stored_fields():
                indexed.setdefault(fields["path"], []).append(fields)
            n_docs = r.doc_count()
            if n_docs != sum(len(v) for v in indexed.values()):
                report.problems.append(
                    Problem("damaged", "index", f"{n_docs} documents but {sum(len(v) for v in indexed.values())} stored records")
                )
            _walk_terms(r, deep=deep)
    except Exception as e:  # noqa: BLE001 - any failure to read is damage
        if _interrupted(e):
            raise
        report.problems.append(Problem("damaged", "index", f"cannot read the index: {type(e).__name__}: {e}"))
        return _done(report, t0)
    report.posts_indexed = sum(len(v) for v in indexed.values())
    failed = manifest.failed if manifest is not None else {}
    for rel, f in sorted(files.items()):
        docs = indexed.get(rel)
        if not docs:
            bad = failed.get(rel)
            if bad is not None and bad.key == f.key:
                report.problems.append(Problem("unreadable", rel, bad.reason))
            else:
                report.problems.append(Problem("not-indexed", rel, "the file is not in the index"))
            continue
        if len(docs) > 1:
            report.problems.append(Problem("duplicate", rel, f"indexed {len(docs)} times"))
        report.notes.extend(_notes(rel, docs[0]))
        try:
            digest = _sha1_path(f.path)
        except OSError as e:
            report.problems.append(Problem("unreadable", rel, f"cannot read: {e.strerror or e}"))
            continue
        if digest not in {d.get("digest") or "" for d in docs}:
            report.problems.append(Problem("stale", rel, "the file changed since it was indexed"))
    for rel in sorted(set(indexed) - set(files)):
        report.problems.append(Problem("orphan", rel, "indexed, but the file is gone"))
    if manifest is not None:
        mismatch = [rel for rel in set(manifest.posts) | set(indexed) if (rel in manifest.posts) != (rel in indexed)]
        if mismatch:
            report.problems.append(
                Problem("manifest", MANIFEST_NAME, f"lists {len(mismatch)} posts differently from the index (e.g. {sorted(mismatch)[0]})")
            )
    return _done(report, t0)


_DATE_NOTES = {
    "filename": "no date in the front matter (dated by its file name)",
    "mtime": "no date in the front matter or the file name (dated by the file's modification time)",
}


def _notes(rel: str, fields: dict[str, Any]) -> list[Problem]:
    """What `add` and `index` accept but a person may want to fix: no title, no date."""
    out = []
    if not str(fields.get("title") or "").strip():
        out.append(Problem("untitled", rel, 'no title in the front matter (shown as "(untitled)")'))
    origin = fields.get("date_origin")
    if origin in _DATE_NOTES:
        out.append(Problem("undated", rel, _DATE_NOTES[origin]))
    return out


def _walk_terms(reader: Any, *, deep: bool) -> None:
    """Read every term of every field (and with `deep` every posting list)."""
    for fieldname in reader.indexed_field_names():
        for term in reader.lexicon(fieldname):
            if deep:
                m = reader.postings(fieldname, term)
                while m.is_active():
                    m.id()
                    m.value()
                    m.next()


def _sha1_path(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha1").hexdigest()


def _done(report: CheckReport, t0: float) -> CheckReport:
    report.seconds = time.monotonic() - t0
    return report


def repair(settings: Settings, report: CheckReport, *, wait: float = 0.0, procs: int = 1, progress: Progress | None = None) -> "IndexResult":
    """Fix what `check` found: a damaged index is rebuilt, differences are re-indexed."""
    force = {p.what for p in report.problems if p.kind in ("stale", "duplicate", "not-indexed")}
    if report.damaged:
        return run_index(settings, wait=wait, procs=procs, progress=progress, rebuild=True, command="check --repair")
    with write_lock(settings.state_dir, wait=wait, command="newsctl check --repair"):
        folder = live_folder(settings.state_dir)
        if folder is not None and any(p.kind == "manifest" for p in report.problems):
            (folder / MANIFEST_NAME).unlink(missing_ok=True)  # rebuilt from the index below
    return run_index(settings, wait=wait, procs=procs, progress=progress, command="check --repair", force=force)

"""Run records: what each writing run (index, add, check --repair) did, in `<state>/state.json`.

    {"version": 1,
     "last": {...},        the newest run, whatever its outcome
     "last_ok": {...},     the newest run that finished (outcome ok or errors)
     "runs": [{...}, ...]} the newest RUNS_KEPT runs, newest first

A run record: command, mode (incremental | rebuild | add | repair), started /
finished (ISO 8601, UTC), seconds, waited (for the write lock), outcome (ok | errors | interrupted |
failed), added / changed / removed / unchanged / read, errors (path and
reason, at most ERRORS_KEPT) and error_count, posts (in the index after the
run), generation, note, message (for failed/interrupted runs).

Written atomically by the process holding the write lock; a failure to write
it never fails the run (it is a record, not the index).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import StorageError
from .fsutil import atomic_write

STATE_NAME = "state.json"
STATE_VERSION = 1
RUNS_KEPT = 20
ERRORS_KEPT = 100


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class RunRecord:
    command: str
    mode: str
    started: str = field(default_factory=now_iso)
    finished: str = ""
    seconds: float = 0.0
    waited: float = 0.0  # seconds spent waiting for another writer's lock before the run
    outcome: str = "running"
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    read: int = 0
    error_count: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    posts: int | None = None
    generation: int | None = None
    note: str = ""
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def state_path(state_dir: Path) -> Path:
    return state_dir / STATE_NAME


def read_state(state_dir: Path) -> dict[str, Any]:
    """The run records, {} when there are none or the file is unreadable."""
    try:
        data = json.loads(state_path(state_dir).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == STATE_VERSION else {}


def record_run(state_dir: Path, record: RunRecord) -> str | None:
    """Add `record` to state.json; returns a warning instead of raising when it cannot be written."""
    data = read_state(state_dir)
    rec = record.to_json()
    rec["errors"] = rec["errors"][:ERRORS_KEPT]
    runs = [rec] + [r for r in data.get("runs", []) if isinstance(r, dict)][: RUNS_KEPT - 1]
    out = {"version": STATE_VERSION, "last": rec, "last_ok": data.get("last_ok"), "runs": runs}
    if record.outcome in ("ok", "errors"):
        out["last_ok"] = rec
    try:
        atomic_write(state_path(state_dir), json.dumps(out, ensure_ascii=False, indent=1))
    except (StorageError, OSError) as e:
        return f"cannot record this run in {state_path(state_dir)}: {e}"
    return None

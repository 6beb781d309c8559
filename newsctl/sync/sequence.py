"""Numbering documents for `newsctl news`: the index's own sequence, not the posts' dates.

Each run that writes documents takes one stamp, `max(time_ns(), highest seq
in the index + 1)`, so stamps only grow, within an index and across rebuilds.
A document gets two numbers (engine/schema.py fields `seq`, `first_seq`):

- a post the index has never held: both the run's stamp — it is *new*, whatever
  its date says (a backdated post imported today is new);
- a post it held (same path, or the same title, date and text under another
  name): `first_seq` is kept, so it is not new again; `seq` is the run's stamp
  when its bytes changed (an edit: *changed*), else kept too;
- a build with no earlier index to read (the first one, or after the old one was
  lost): 0 and 0, "indexed before anything was followed", so a lost index
  never floods every watch with old posts.

A rebuild reads the numbers from the index it replaces, so `index --rebuild`
changes nothing `news` shows. Forked helper processes open their own reader.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ..engine.sequence import PriorIndex
from ..errors import EXIT_INTERRUPTED, NewsctlError


class Sequencer:
    """The numbers one run gives its documents (see the module docstring)."""

    def __init__(self, history: Path | None) -> None:
        """`history`: the index folder this run updates or replaces (None: there is none)."""
        self.history = history
        top = -1
        if history is not None:
            prior = self._open()
            if prior is not None:
                try:
                    top = prior.max_seq()
                finally:
                    prior.close()
        self.has_history = top >= 0
        self.stamp = max(time.time_ns(), top + 1)
        self._prior: PriorIndex | None = None
        self._pid = 0

    def _open(self) -> PriorIndex | None:
        try:
            return PriorIndex(self.history)  # type: ignore[arg-type]
        except NewsctlError as e:
            if e.exit_code == EXIT_INTERRUPTED:
                raise
            return None
        except Exception:  # an unreadable old index: numbered as having no history
            return None

    def _lookup(self, rel: str, fingerprint: str) -> Any:
        if self._pid != os.getpid():  # first use here, or in a forked helper
            self._prior = self._open()
            self._pid = os.getpid()
        return self._prior.lookup(rel, fingerprint) if self._prior is not None else None

    def number(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Set `doc`'s seq and first_seq (a document from engine.schema.post_document)."""
        if not self.has_history:
            doc["seq"], doc["first_seq"] = 0, 0
            return doc
        prior = self._lookup(doc["path"], doc["fingerprint"])
        if prior is None:
            doc["seq"] = doc["first_seq"] = self.stamp
        else:
            doc["first_seq"] = prior.first_seq
            doc["seq"] = prior.seq if prior.digest and prior.digest == doc["digest"] else self.stamp
        return doc

    def close(self) -> None:
        if self._prior is not None and self._pid == os.getpid():
            self._prior.close()
        self._prior = None
        self._pid = 0

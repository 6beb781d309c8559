"""What an index run did: counts, errors and notes, shown by the CLI and kept in state.json."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import PostError


@dataclass
class IndexResult:
    """What an index run (or the index part of `add`) did."""

    errors: list[PostError] = field(default_factory=list)  # this run's: file and reason
    seconds: float = 0.0
    mode: str = ""  # incremental | rebuild | add
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0  # looked at, nothing to do (never read unless its stat changed)
    read: int = 0  # post files read
    posts: int | None = None  # documents in the index afterwards
    generation: int | None = None
    known_bad: list[tuple[str, str]] = field(default_factory=list)  # unreadable before and unchanged: skipped
    notes: list[str] = field(default_factory=list)  # e.g. why it rebuilt
    warnings: list[str] = field(default_factory=list)  # the index is fine, a record is not
    waited: float = 0.0  # seconds waiting for another writer (--wait) before the run; not in `seconds`
    waited_for: str = ""

    @property
    def indexed(self) -> int:
        return self.added + self.changed

    def summary(self) -> str:
        """One line: `+added ~changed -removed, N errors, P posts, S s`."""
        err = len(self.errors)
        parts = [f"+{self.added} ~{self.changed} -{self.removed}", f"{err} error{'s' if err != 1 else ''}"]
        if self.posts is not None:
            parts.append(f"{self.posts} posts")
        parts.append(f"{self.seconds:.2f}s")
        line = ", ".join(parts)
        if self.mode == "rebuild":
            line += " (rebuilt)"
        if self.waited >= 0.05:
            line += f"; waited {self.waited:.1f}s for {self.waited_for or 'another writer'}"
        if self.known_bad:
            n = len(self.known_bad)
            line += f"; {n} unreadable post{'s' if n != 1 else ''} unchanged (newsctl status lists them)"
        return line

    def reset_counts(self, *, keep_errors: int = 0) -> None:
        """Start the counts again (a run that turns into a rebuild keeps its first `keep_errors`)."""
        self.added = self.changed = self.removed = self.unchanged = self.read = 0
        del self.errors[keep_errors:]
        self.known_bad = []

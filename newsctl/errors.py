"""One exception hierarchy for the whole library; `cli.main` maps it to exit codes.

Library code raises these with a message a user can act on (what happened and,
where useful, what to do). It never prints or exits itself.
"""

from __future__ import annotations

from pathlib import Path

# Exit codes shared by every command (ripgrep / notmuch / sysexits conventions).
EXIT_FOUND = 0
EXIT_NOTHING = 1
EXIT_ERROR = 2
EXIT_BUSY = 75  # EX_TEMPFAIL: try again later
EXIT_INTERRUPTED = 130


class NewsctlError(Exception):
    """Base of every error newsctl reports to a user."""

    exit_code: int = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class UsageError(NewsctlError):
    """A bad option or argument value (a date, a format, a field name)."""


class QueryError(UsageError):
    """A search query that cannot be parsed."""


class ConfigError(UsageError):
    """A config file that cannot be read or holds a bad value."""


class ArchiveNotFound(NewsctlError):
    """No archive given and none found above the current directory."""


class PostError(NewsctlError):
    """A post file that cannot be read or parsed; names the file."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class NotFound(NewsctlError):
    """Something asked for by name (a post id) does not exist."""

    exit_code = EXIT_NOTHING


class IndexMissing(NewsctlError):
    """The archive has no usable index yet."""


class IndexCorrupt(NewsctlError):
    """The index cannot be opened or read."""


class IndexBusy(NewsctlError):
    """Another process holds the archive's write lock."""

    exit_code = EXIT_BUSY


class StorageError(NewsctlError):
    """Writing failed (disk full, permission denied); nothing was changed."""

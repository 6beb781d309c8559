"""The typer app, its global options, and what every command shares.

Kept light: nothing heavy is imported here, so `newsctl --help` is fast.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from .. import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from ..archive import Archive
    from ..config import Settings

app = typer.Typer(
    name="newsctl",
    help=(
        "A command-line archive for news posts: add, list, search (Chinese included), "
        "show, count (stats) and index Jekyll posts; follow topics (watch, news, related).\n\n"
        "The archive is --archive DIR, else $NEWSCTL_ARCHIVE, else the nearest folder "
        "at or above the current one that holds _posts/."
    ),
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


@dataclass
class Runtime:
    """Global options; settings are resolved on first use, not for --help."""

    archive: Path | None = None
    index_dir: Path | None = None
    timezone: str | None = None
    color: str | None = None
    _settings: Any = field(default=None, repr=False)
    _archive: Any = field(default=None, repr=False)

    def settings(self) -> "Settings":
        if self._settings is None:
            from ..config import resolve_settings

            self._settings = resolve_settings(
                archive=self.archive, index_dir=self.index_dir, timezone=self.timezone, color=self.color
            )
        return self._settings

    def open_archive(self) -> "Archive":
        if self._archive is None:
            from ..archive import Archive

            self._archive = Archive(self.settings())
        return self._archive

    def color_choice(self) -> str:
        """Colour before an archive is known (errors) falls back to the flag or auto."""
        if self._settings is not None:
            return self._settings.color
        return self.color or "auto"

    def console(self, *, stderr: bool = False) -> "Console":
        from ..render.console import make_console

        return make_console(self.color_choice(), stderr=stderr)


def runtime(ctx: typer.Context) -> Runtime:
    obj = ctx.find_root().obj
    if not isinstance(obj, Runtime):
        obj = Runtime()
        ctx.find_root().obj = obj
    return obj


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def message(text: str) -> None:
    """A progress or summary line for people: always stderr, never stdout."""
    print(text, file=sys.stderr, flush=True)


def warn_if_stale(arc: "Archive") -> None:
    """One stderr line when _posts/ changed since the last index run (a few stat calls, no scan)."""
    from ..sync.freshness import STALE_MESSAGE

    if arc.index_is_stale():
        message(STALE_MESSAGE)


def _version(value: bool) -> None:
    if value:
        from ..records import RECORD_VERSION

        print(f"newsctl {__version__} (record format {RECORD_VERSION})")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    archive: Optional[Path] = typer.Option(
        None, "--archive", "-A", metavar="DIR", help="Archive folder (holds _posts/). [env: NEWSCTL_ARCHIVE]", show_default=False
    ),
    index_dir: Optional[Path] = typer.Option(
        None, "--index-dir", metavar="DIR", help="Keep the index here instead of <archive>/.newsctl. [env: NEWSCTL_INDEX_DIR]"
    ),
    timezone: Optional[str] = typer.Option(
        None, "--timezone", metavar="TZ", help="The archive's timezone for dates without an offset (default Asia/Shanghai). [env: NEWSCTL_TIMEZONE]"
    ),
    color: Optional[Color] = typer.Option(
        None, "--color", help="Colour and terminal styling: auto (on a terminal, unless NO_COLOR), always, never."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    ctx.obj = Runtime(archive=archive, index_dir=index_dir, timezone=timezone, color=color.value if color else None)

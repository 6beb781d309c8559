"""Consoles for people: colour only on a terminal, and never against the user's wishes.

`--color always` forces styling even into a pipe; `never`, `NO_COLOR` (any
value) and `TERM=dumb` turn every escape code off; `auto` styles only a
terminal.
"""

from __future__ import annotations

import os
import sys
from typing import IO

from rich.console import Console


def color_enabled(choice: str, stream: IO[str]) -> bool:
    if choice == "always":
        return True
    if choice == "never" or "NO_COLOR" in os.environ and os.environ["NO_COLOR"] != "":
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def make_console(choice: str, *, stderr: bool = False, file: IO[str] | None = None) -> Console:
    stream = file or (sys.stderr if stderr else sys.stdout)
    styled = color_enabled(choice, stream)
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if styled:
        return Console(file=stream, force_terminal=True, stderr=stderr, highlight=False,
                       no_color=False, emoji=False)
    # plain: no escape codes at all; on a pipe, no width limit so nothing is cut
    return Console(
        file=stream,
        force_terminal=False,
        color_system=None,
        no_color=True,
        highlight=False,
        emoji=False,
        stderr=stderr,
        width=None if tty else 10_000,
        soft_wrap=not tty,
    )

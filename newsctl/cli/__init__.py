"""Entry point: the one place where errors become messages and exit codes.

Exit codes: 0 something found/done, 1 nothing found, 2 usage or input error,
75 index busy (try again later), 130 interrupted.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Sequence

from ..errors import EXIT_ERROR, EXIT_INTERRUPTED, NewsctlError
from . import add_cmd, check_cmd, index_cmd, list_cmd, search_cmd, show_cmd, stats_cmd, status_cmd  # noqa: F401  (registers the commands)
from .app import app

from typer import Abort, Exit, TyperException


class Interrupted(NewsctlError):
    exit_code = EXIT_INTERRUPTED


def _on_signal(signum: int, frame: object) -> None:
    name = signal.Signals(signum).name
    raise Interrupted(f"stopped by {name}; nothing half-written was kept")


def _error(text: str) -> None:
    try:
        sys.stderr.write(f"newsctl: {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script passes it to sys.exit)."""
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        rv = app(args=list(argv) if argv is not None else None, prog_name="newsctl", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except NewsctlError as e:
        _error(f"error: {e}")
        code = e.exit_code
    except TyperException as e:  # click's usage errors (vendored by typer)
        code = e.exit_code
        ctx = getattr(e, "ctx", None)
        if type(e).__name__ == "NoArgsIsHelpError":
            e.show()  # type: ignore[attr-defined]
        else:
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            _error(f"error: {e.format_message()}{hint}")
    except Exit as e:
        code = e.exit_code
    except Abort:
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        # `newsctl list | head`: a closed pipe is a normal, quiet end
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return code

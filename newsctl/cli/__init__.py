"""Entry point: the one place where errors become messages and exit codes.

Exit codes: 0 something found/done, 1 nothing found, 2 usage or input error,
75 index busy (try again later), 130 interrupted.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, Sequence

from typer import Abort, Exit, TyperException

from ..errors import EXIT_ERROR, EXIT_INTERRUPTED, NewsctlError
from . import (  # noqa: F401  (registers the commands)
    add_cmd,
    check_cmd,
    index_cmd,
    list_cmd,
    news_cmd,
    related_cmd,
    search_cmd,
    server_cmd,
    show_cmd,
    stats_cmd,
    status_cmd,
    watch_cmd,
)
from .app import app


class _PipeClosed(Exception):
    """Not an OSError, so typer's own EPIPE handling (exit 1) never sees it."""


class _OutputFailed(Exception):
    """stdout cannot take the output (a full disk, /dev/full, an I/O error): exit 2, one line."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror or str(error))
        self.error = error


class _GuardedStream:
    """stdout (or its binary buffer) whose failed writes become _PipeClosed / _OutputFailed."""

    def __init__(self, stream) -> None:  # type: ignore[no-untyped-def]
        self._stream = stream

    def _call(self, name: str, *args):  # type: ignore[no-untyped-def]
        try:
            return getattr(self._stream, name)(*args)
        except BrokenPipeError:
            raise _PipeClosed from None
        except OSError as e:
            raise _OutputFailed(e) from None

    def write(self, data):  # type: ignore[no-untyped-def]
        return self._call("write", data)

    def flush(self) -> None:
        self._call("flush")

    @property
    def buffer(self):  # type: ignore[no-untyped-def]
        return _GuardedStream(self._stream.buffer)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._stream, name)


def _silence_stdout() -> None:
    """After a closed pipe: point fd 1 at /dev/null so the final flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())
    except (OSError, AttributeError, ValueError):
        pass


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


# The click command typer builds from `app` (~15 ms a run). The warm server
# (newsctl/server/) builds it once before it forks; an ordinary run builds it in
# app() as typer always does.
_prebuilt: Any = None


def prebuild() -> None:
    global _prebuilt
    from typer.main import get_command

    _prebuilt = get_command(app)


def _invoke(args: list[str] | None) -> Any:
    if _prebuilt is None or os.environ.get("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION"):
        return app(args=args, prog_name="newsctl", standalone_mode=False)
    from typer.main import except_hook

    sys.excepthook = except_hook  # as Typer.__call__ sets it
    return _prebuilt(args=args, prog_name="newsctl", standalone_mode=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script passes it to sys.exit)."""
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    real_stdout = sys.stdout
    if real_stdout is not None and not isinstance(real_stdout, _GuardedStream):
        sys.stdout = _GuardedStream(real_stdout)  # type: ignore[assignment]
    try:
        try:
            rv = _invoke(list(argv) if argv is not None else None)
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
        except RecursionError:  # a structure too deep for Python (queries are limited before this)
            _error("error: the input is nested too deeply to process")
            code = EXIT_ERROR
        sys.stdout.flush()
    except (_PipeClosed, BrokenPipeError):
        # `newsctl list | head`: a closed pipe is a normal, quiet end
        _silence_stdout()
        code = 0
    except _OutputFailed as e:
        # `newsctl search x > /dev/full`: the output is lost, so this is an error, not "nothing found"
        _silence_stdout()
        _error(f"error: cannot write to standard output: {e}")
        code = EXIT_ERROR
    finally:
        sys.stdout = real_stdout
    return code

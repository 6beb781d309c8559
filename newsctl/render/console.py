"""Consoles for people: colour only on a terminal, and never against the user's wishes.

Two questions are answered separately, once per run:

* layout: is the output a terminal? Then lines fit its width and titles are
  cut to fit; into a pipe nothing is cut and nothing is padded.
* styling: `--color always` forces escape codes (colour, bold, hyperlinks)
  even into a pipe; `never`, `NO_COLOR` (any non-empty value) and `TERM=dumb`
  turn every escape code off, on a terminal too; `auto` styles a terminal only.

So `NO_COLOR=1 newsctl search x` on a terminal keeps the terminal layout with
no escape codes at all, and `newsctl search x | cat` gets plain, uncut text.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import IO, Mapping

from rich.console import Console
from rich.pager import Pager

# Terminals known to print OSC 8 hyperlink sequences as garbage.
_NO_HYPERLINK_TERMS = ("dumb", "linux", "vt100", "vt220", "cons25")


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def color_enabled(choice: str, stream: IO[str], env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    if choice == "always":
        return True
    if choice == "never" or env.get("NO_COLOR", "") != "":
        return False
    if env.get("TERM") == "dumb":
        return False
    return _isatty(stream)


def hyperlinks_enabled(console: Console, env: Mapping[str, str] | None = None) -> bool:
    """Whether to wrap paths and URLs in OSC 8 hyperlinks: styled output, a terminal that copes."""
    env = os.environ if env is None else env
    if console.color_system is None:  # unstyled; a pipe is styled only with --color always
        return False
    if env.get("NEWSCTL_HYPERLINKS", "") in ("0", "no", "never"):
        return False
    term = env.get("TERM", "")
    return not term.startswith(_NO_HYPERLINK_TERMS)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """`newsctl ... | head`: stop writing, and let the CLI end quietly as for any closed pipe.

        rich's default exits with status 1 from inside the renderer; raising
        BrokenPipeError instead leaves the decision to `cli.main` (one place).
        """
        import errno

        self.quiet = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.file.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        raise BrokenPipeError(errno.EPIPE, "stdout closed")


def _terminal_color_system() -> str:
    """The colour system rich would pick for a terminal here (COLORTERM, TERM), for a styled pipe."""
    import io

    probe = Console(file=io.StringIO(), force_terminal=True)
    return probe.color_system or "standard"


def make_console(choice: str, *, stderr: bool = False, file: IO[str] | None = None) -> Console:
    stream = file or (sys.stderr if stderr else sys.stdout)
    styled = color_enabled(choice, stream)
    tty = _isatty(stream)
    if styled and tty:
        return _Console(file=stream, force_terminal=True, stderr=stderr, highlight=False,
                        no_color=False, emoji=False)
    if styled:
        # --color always into a pipe: the pipe's layout (nothing cut, wrapped or padded) with escape codes
        return _Console(file=stream, force_terminal=False, color_system=_terminal_color_system(), stderr=stderr,
                        highlight=False, no_color=False, emoji=False, width=10_000, soft_wrap=True)
    if tty:
        # a terminal without styling (NO_COLOR, TERM=dumb, --color never): same layout, no escape codes
        return _Console(file=stream, force_terminal=True, color_system=None, no_color=True,
                        highlight=False, emoji=False, stderr=stderr)
    # a pipe: no escape codes, no width limit so nothing is cut or padded
    return _Console(
        file=stream,
        force_terminal=False,
        color_system=None,
        no_color=True,
        highlight=False,
        emoji=False,
        stderr=stderr,
        width=10_000,
        soft_wrap=True,
    )


def pager_command(env: Mapping[str, str] | None = None) -> str:
    """NEWSCTL_PAGER, else PAGER, else less; '' or 'cat' means no pager."""
    env = os.environ if env is None else env
    for name in ("NEWSCTL_PAGER", "PAGER"):
        if name in env:
            return env[name].strip()
    return "less"


# The warm server's worker (newsctl/server/worker.py) has no controlling terminal,
# so a pager cannot open /dev/tty for its keys; less then reads them from fd 2.
# The worker sets this to the client's terminal, given to the pager as its stderr
# when newsctl's own stderr is not that terminal. None in an ordinary run.
pager_terminal_fd: int | None = None


def _pager_stderr() -> int | None:
    if pager_terminal_fd is None or _isatty(sys.stderr):
        return None
    return pager_terminal_fd


class CommandPager(Pager):
    """Pipes text to the pager command as git does (LESS=FRX unless set: colours pass through).

    A command without shell syntax is run directly, one with it through
    /bin/sh. A pager that cannot start (not found, not executable: the shell's
    126/127) does not lose the text: it is printed directly, after one line on
    stderr saying why, as git does.

    Ctrl-C belongs to the pager while it runs: newsctl waits for it instead of
    dying under it and leaving the terminal in the pager's state.
    """

    def __init__(self, command: str) -> None:
        self.command = command

    def _argv(self) -> list[str] | None:
        """The command as argv when it needs no shell, else None."""
        import shlex

        if any(c in self.command for c in "|&;<>()$`\\\"'*?[]#~=%{}!\n"):
            return None
        try:
            return shlex.split(self.command) or None
        except ValueError:
            return None

    def _fall_back(self, content: str, why: str) -> None:
        sys.stderr.write(f"newsctl: cannot start the pager {self.command!r} ({why}); printing directly\n")
        sys.stderr.flush()
        sys.stdout.write(content)
        sys.stdout.flush()

    def show(self, content: str) -> None:
        import signal

        env = dict(os.environ)
        env.setdefault("LESS", "FRX")
        env.setdefault("LV", "-c")
        argv = self._argv()
        previous = signal.signal(signal.SIGINT, lambda signum, frame: None)
        try:
            try:
                if argv is not None:
                    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env, stderr=_pager_stderr())
                else:
                    proc = subprocess.Popen(self.command, shell=True, stdin=subprocess.PIPE, env=env, stderr=_pager_stderr())
            except OSError as e:
                self._fall_back(content, e.strerror or str(e))
                return
            try:
                assert proc.stdin is not None
                proc.stdin.write(content.encode("utf-8", "replace"))
                proc.stdin.close()
            except OSError:  # the user quit the pager before the end (or it never started)
                pass
            code = proc.wait()
            if argv is None and code in (126, 127):  # the shell could not find or run it
                self._fall_back(content, "not found" if code == 127 else "not executable")
        finally:
            signal.signal(signal.SIGINT, previous)


def print_paged(console: Console, renderable: object, *, allow_pager: bool = True) -> bool:
    """Print `renderable`; through the pager when the console is a real terminal and it is taller
    than the screen. Returns whether the pager was used."""
    command = pager_command()
    use = (
        allow_pager
        and command not in ("", "cat")
        and console.is_terminal
        and _isatty(console.file)
        and os.environ.get("TERM") not in ("dumb", "emacs")  # no pager can drive these
    )
    if use:
        lines = console.render_lines(renderable, console.options.update(height=None), pad=False)  # type: ignore[arg-type]
        use = len(lines) > console.height
    if not use:
        console.print(renderable)  # type: ignore[arg-type]
        return False
    with console.pager(CommandPager(command), styles=console.color_system is not None, links=False):
        console.print(renderable)  # type: ignore[arg-type]
    return True

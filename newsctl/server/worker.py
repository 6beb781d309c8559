"""The forked worker: become the client's process in every way that shows, then run the CLI.

Same descriptors 0/1/2 (the client's own, received over the socket), cwd,
environment (os.environ replaced, TZ and locale re-read), umask, argv, and
std streams built as the client's interpreter built them (encoding, errors,
buffering). The worker leads a process group of its own so a forwarded
Ctrl-C reaches it and any pager it runs, as the terminal's would in-process.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import sys
import traceback

from .protocol import STDIO_FDS, ProtocolError, Request, StreamSpec, decode, recv_request

# The server's own handlers and ignores; a worker starts from Python's defaults.
_RESET = ("SIGTERM", "SIGHUP", "SIGCHLD", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGWINCH", "SIGCONT", "SIGALRM")


def wait_and_run(job: socket.socket, close: list[int]) -> None:
    """A worker forked ahead: wait for a command from the server, run it, _exit with its code.

    The job is one byte carrying the client's connection and descriptors
    (SCM_RIGHTS), then the client's request frame. End of file instead means
    the server retired this worker (or died): it exits having run nothing.
    """
    os.setpgid(0, 0)
    _reset_signals()
    for fd in close:
        try:
            os.close(fd)
        except OSError:
            pass
    try:
        data, fds, _flags, _addr = socket.recv_fds(job, 1, len(STDIO_FDS) + 2)
        if not data or len(fds) < 1 + len(STDIO_FDS):
            os._exit(0)
        body = recv_request(job)
    except (OSError, ProtocolError):
        os._exit(0)
    job.close()
    conn = socket.socket(fileno=fds[0])
    try:
        conn.sendall(f"pid {os.getpid()}\n".encode())  # before anything runs: the client may now signal us
    except OSError:  # the client is gone
        os._exit(0)
    run(Request.from_fields(decode(body)), fds[1:], conn)


def run(request: Request, fds: list[int], conn: socket.socket) -> None:
    """Never returns: runs the command and _exits with its code (after telling the client)."""
    code = 1
    try:
        _take_stdio(fds[:3], request.stdio)
        if len(fds) > 3:
            from ..render import console

            os.set_inheritable(fds[3], False)  # only the pager gets it, as its stderr
            console.pager_terminal_fd = fds[3]
        _become_client(request)
        code = _run_cli(request.argv)
    except BaseException:  # a bug here must not leave the client waiting
        try:
            traceback.print_exc()
        except BaseException:
            pass
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):  # done: a late forwarded signal must not change the outcome
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    try:
        conn.sendall(f"exit {code}\n".encode())
    except OSError:
        pass
    os._exit(code)


def _reset_signals() -> None:
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for name in _RESET:
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, signal.SIG_DFL)
    # SIGPIPE stays ignored, as Python sets it at start-up in every process


def _take_stdio(fds: list[int], specs: list[StreamSpec]) -> None:
    for target, fd in enumerate(fds):
        if fd != target:
            os.dup2(fd, target, inheritable=True)
            os.close(fd)
    streams = []
    for target, spec in enumerate(specs):
        streams.append(_text_stream(target, "r" if target == 0 else "w", spec))
    sys.stdin, sys.stdout, sys.stderr = streams
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams  # type: ignore[misc]


def _text_stream(fd: int, mode: str, spec: StreamSpec) -> io.TextIOWrapper:
    """As CPython's create_stdio makes it: closefd=False, newline '\\n', buffering as the client had."""
    unbuffered = spec.write_through and mode == "w"
    buf = io.open(fd, mode + "b", buffering=0 if unbuffered else -1, closefd=False)
    stream = io.TextIOWrapper(buf, encoding=spec.encoding, errors=spec.errors, newline="\n",  # type: ignore[arg-type]
                              line_buffering=spec.line_buffering, write_through=spec.write_through)
    stream.mode = mode  # type: ignore[misc]
    return stream


def _become_client(request: Request) -> None:
    import locale
    import time

    os.umask(request.umask)
    os.chdir(request.cwd)
    os.environb.clear()  # type: ignore[attr-defined]
    for name, value in request.env:
        os.environb[name] = value  # type: ignore[attr-defined]
    time.tzset()
    try:
        locale.setlocale(locale.LC_CTYPE, "")
    except locale.Error:
        pass
    sys.argv = [os.fsdecode(a) for a in request.argv]
    _forget_consoles()


def _forget_consoles() -> None:
    """rich keeps a global console bound to the server's streams: drop it."""
    rich = sys.modules.get("rich")
    if rich is not None and hasattr(rich, "_console"):
        rich._console = None


def _run_cli(argv: list[bytes]) -> int:
    """What the console script does: main(), then the interpreter's own exit steps."""
    import atexit

    from ..cli import main

    try:
        code = main([os.fsdecode(a) for a in argv[1:]])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if not isinstance(e.code, int) and e.code is not None:
            print(e.code, file=sys.stderr)
    except BaseException:  # what the interpreter does with an uncaught error in-process
        sys.excepthook(*sys.exc_info())
        code = 130 if isinstance(sys.exc_info()[1], KeyboardInterrupt) else 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    return code

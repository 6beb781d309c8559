"""The `newsctl` entry point: hand the command to a warm server if one answers, else run it here.

Imports only `_socket`, `signal` and two small modules of this package
before it knows whether a server is up (about 2 ms), so the in-process path
pays almost nothing for the try. Every doubt — no socket, a stale one, a
folder that is not private, a server of another user or installation, a
server that does not answer within HANDSHAKE_TIMEOUT, a refusal — ends in
`None` and the ordinary in-process run, with identical output.

NEWSCTL_SERVER chooses: `off` never asks a server; `on` (the default) uses
one that is running; `auto` also starts one in the background when none
answers (that command itself still runs in-process).
"""

from __future__ import annotations

import os
import signal
import sys

import _socket

from . import location, protocol

FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGWINCH", "SIGUSR1", "SIGUSR2", "SIGCONT")
EXIT_SERVER_LOST = 75  # the server and the worker died mid-command: try again


def main() -> int:
    """Console-script entry: the warm path when it can, else the CLI in this process."""
    code = run_warm(sys.argv)
    if code is None:
        from ..cli import main as cli_main

        code = cli_main()
    return code


def mode(env: dict[str, str] | None = None) -> str:
    value = (os.environ if env is None else env).get("NEWSCTL_SERVER", "on").strip().lower()
    if value in ("off", "0", "no", "never", "false"):
        return "off"
    return "auto" if value == "auto" else "on"


def run_warm(argv: list[str]) -> int | None:
    """The exit code of `argv` run by the server, or None when it must run in-process."""
    how = mode()
    if how == "off" or "server" in argv[1:]:  # `newsctl server ...` manages the server: never through it
        return None
    paths = location.server_paths()
    if not location.is_private(paths.folder):
        if how == "auto":
            _start_server(paths)
        return None
    sock = _connect(paths.socket)
    if sock is None:
        if how == "auto":
            _start_server(paths)
        return None
    try:
        return _converse(sock, argv, how, paths)
    finally:
        sock.close()


def _connect(path: str) -> _socket.socket | None:
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    sock.settimeout(protocol.CONNECT_TIMEOUT)
    try:
        sock.connect(path)
        # the server must be ours: a socket planted by anyone else is not spoken to
        cred = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
        if int.from_bytes(cred[4:8], sys.byteorder) != os.getuid():
            raise PermissionError
    except OSError:  # absent, refused (stale), timed out, not ours
        sock.close()
        return None
    return sock


def _converse(sock: _socket.socket, argv: list[str], how: str, paths: location.ServerPaths) -> int | None:
    try:
        frame = protocol.this_process_request("run", argv)
        sock.settimeout(protocol.HANDSHAKE_TIMEOUT)
        sock.sendall(frame)
        reader = protocol.LineReader(sock)
        answer = reader.line()
    except (OSError, protocol.ProtocolError, ValueError):  # a closed stdio fd, a timeout, a reset
        return None
    if answer != "ready":
        if answer == "stale" and how == "auto":
            _start_server(paths)
        return None
    worker = _Forwarder()
    try:
        sock.settimeout(None)  # committed: from `go` on, the command runs as long as it takes
        tty = _terminal()
        fds = [*protocol.STDIO_FDS, *([tty] if tty is not None else [])]
        try:
            packed = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in fds)
            sock.sendmsg([b"go\n"], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, packed)])
        finally:
            if tty is not None:
                os.close(tty)
        while True:
            line = reader.line()
            if line is None:
                if worker.pid is None:
                    return None  # the worker never started: nothing ran
                _say("the newsctl server stopped during the command (run it again; NEWSCTL_SERVER=off runs without it)")
                return EXIT_SERVER_LOST
            word, _, value = line.partition(" ")
            if word == "pid":
                worker.started(int(value))
            elif word == "exit":
                return int(value)
            elif word == "signal":
                return _die_like(int(value))
    except (OSError, protocol.ProtocolError, ValueError):
        if worker.pid is None:
            return None
        _say("lost the newsctl server during the command (run it again; NEWSCTL_SERVER=off runs without it)")
        return EXIT_SERVER_LOST
    finally:
        worker.restore()


def _terminal() -> int | None:
    """Our controlling terminal, for the worker's pager (it has none of its own); None without one."""
    try:
        return os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return None


class _Forwarder:
    """Signals for the worker's process group (Ctrl-C, SIGTERM, window size, Ctrl-Z): we pass them on.

    The terminal sends them to the client's process group; the worker and
    any pager it runs are in a group of their own, so they get them from here.
    """

    def __init__(self) -> None:
        self.pid: int | None = None
        self.pending: list[int] = []
        self.saved: dict[int, object] = {}
        for name in FORWARDED:
            number = getattr(signal, name, None)
            if number is not None:
                self.saved[number] = signal.signal(number, self._forward)
        if hasattr(signal, "SIGTSTP"):
            self.saved[signal.SIGTSTP] = signal.signal(signal.SIGTSTP, self._stop)

    def started(self, pid: int) -> None:
        self.pid = pid
        for number in self.pending:
            self._send(number)
        self.pending.clear()

    def _send(self, number: int) -> None:
        if self.pid is None:
            self.pending.append(number)
            return
        try:
            os.killpg(self.pid, number)
        except OSError:
            pass

    def _forward(self, number: int, frame: object) -> None:
        self._send(number)

    def _stop(self, number: int, frame: object) -> None:
        """Ctrl-Z: stop the worker's group, then ourselves; `fg` sends SIGCONT, forwarded too."""
        self._send(signal.SIGTSTP)
        os.kill(os.getpid(), signal.SIGSTOP)

    def restore(self) -> None:
        for number, handler in self.saved.items():
            try:
                signal.signal(number, handler)  # type: ignore[arg-type]
            except (OSError, TypeError, ValueError):
                pass


def _die_like(number: int) -> int:
    """The worker was killed by a signal: end the same way, so the shell sees what it would have seen."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError, AttributeError):
        pass
    try:
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    except (OSError, ValueError):
        pass
    return 128 + number


def _say(text: str) -> None:
    try:
        os.write(2, f"newsctl: error: {text}\n".encode("utf-8", "replace"))
    except OSError:
        pass


def _start_server(paths: location.ServerPaths) -> None:
    """NEWSCTL_SERVER=auto: start a server in the background for the next command (never waits for it).

    Not when the folder is someone else's or open to others (the server would
    refuse it too), nor while a server holds the lock (it is starting, or
    exiting for a new installation: a later command starts the next one).
    """
    import fcntl

    if os.path.lexists(paths.folder) and not location.is_private(paths.folder):
        return
    try:
        if location.is_private(paths.folder):
            lock = os.open(paths.lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            finally:
                os.close(lock)  # released: the new server takes it
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            os.posix_spawn(
                sys.executable, [sys.executable, "-P", "-m", "newsctl.server.daemon"], dict(os.environ),
                file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
                              (os.POSIX_SPAWN_DUP2, devnull, 2)],
                setsid=True,
            )
        finally:
            os.close(devnull)
    except OSError:  # BlockingIOError included: the lock is held
        pass

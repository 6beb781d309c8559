"""`newsctl server start|stop|status`, for the CLI: talk to the server, or start one detached."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from typing import Any

from ..errors import NewsctlError
from . import protocol
from .location import ServerPaths, is_private, make_private, server_paths

START_WAIT = 30.0  # seconds for a new server to load and listen (about 0.5 s on a quiet machine)
STOP_WAIT = 10.0


class ServerError(NewsctlError):
    """The server could not be started or reached."""


def _ask(paths: ServerPaths, kind: str, timeout: float = protocol.HANDSHAKE_TIMEOUT) -> str | None:
    """The server's one-line answer to a status/stop request, None when none answers."""
    if not is_private(paths.folder):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(paths.socket)
        sock.sendall(protocol.this_process_request(kind, []))
        return protocol.LineReader(sock).line()
    except (OSError, protocol.ProtocolError):
        return None
    finally:
        sock.close()


def status(paths: ServerPaths | None = None) -> dict[str, Any] | None:
    answer = _ask(paths or server_paths(), "status")
    if not answer or not answer.startswith("status "):
        return None
    try:
        return json.loads(answer[len("status ") :])
    except ValueError:
        return None


def start(*, idle: float, preload: list[str] = (), paths: ServerPaths | None = None) -> tuple[dict[str, Any], bool]:  # type: ignore[assignment]
    """(status, started now); a running server is left as it is."""
    paths = paths or server_paths()
    running = status(paths)
    if running is not None:
        return running, False
    if not make_private(paths.folder):
        raise ServerError(f"{paths.folder} is not a private folder (it must be yours, mode 0700)",
                          hint="remove it, or set NEWSCTL_SERVER_DIR")
    args = [sys.executable, "-P", "-m", "newsctl.server.daemon", "--idle", str(idle)]
    for state_dir in preload:
        args += ["--preload", state_dir]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, cwd="/")
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        time.sleep(0.05)
        running = status(paths)
        if running is not None:
            return running, True
        if proc.poll() is not None:
            running = status(paths)  # lost a race with another start: that one is fine too
            if running is not None:
                return running, False
            raise ServerError(f"the server did not start: {_last_log_line(paths)}", hint=f"see {paths.log}")
    raise ServerError(f"the server did not answer within {START_WAIT:g}s", hint=f"see {paths.log}")


def stop(paths: ServerPaths | None = None) -> int | None:
    """The pid of the server that was stopped, None when none was running."""
    paths = paths or server_paths()
    running = status(paths)
    if running is None:
        return None
    _ask(paths, "stop")
    deadline = time.monotonic() + STOP_WAIT
    while time.monotonic() < deadline:
        if not _alive(int(running["pid"])) or status(paths) is None:
            return int(running["pid"])
        time.sleep(0.05)
    raise ServerError(f"the server (pid {running['pid']}) did not stop within {STOP_WAIT:g}s")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _last_log_line(paths: ServerPaths) -> str:
    try:
        with open(paths.log, encoding="utf-8", errors="replace") as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError:
        return "no log"
    return lines[-1] if lines else "no message"

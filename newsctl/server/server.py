"""The resident server: one process, one thread, a fork per command.

It accepts only its own user (SO_PEERCRED), answers `stale` once its
installation changed, forks a worker per `run` request, tells the client the
worker's pid and, when the worker dies of a signal, how. Between commands it
reopens the index readers that went stale. It leaves when idle, when told
to stop, or when its socket was removed or taken over.
"""

from __future__ import annotations

import gc
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time
from typing import Any

from . import protocol, worker
from .fingerprint import installation_fingerprint
from .location import ServerPaths
from ..engine.warm import ReaderCache

CHECK_EVERY = 5.0  # seconds between checks that the socket is still ours


def log(text: str) -> None:
    print(time.strftime("%Y-%m-%d %H:%M:%S ") + text, file=sys.stderr, flush=True)


class _Child:
    __slots__ = ("conn", "report", "client_gone")

    def __init__(self, conn: socket.socket, report: int) -> None:
        self.conn = conn
        self.report = report
        self.client_gone = False


class _Spare:
    __slots__ = ("pid", "sock", "report")

    def __init__(self, pid: int, sock: socket.socket, report: int) -> None:
        self.pid = pid
        self.sock = sock  # its command comes through here
        self.report = report


class Server:
    def __init__(self, paths: ServerPaths, *, idle: float, preload: list[str] = ()) -> None:  # type: ignore[assignment]
        self.paths = paths
        self.idle = idle
        self.fingerprint = installation_fingerprint()
        # what is loaded now stays shared with the workers (no copy-on-write by the GC);
        # index readers come after, so replaced ones can be collected
        gc.freeze()
        self.readers = ReaderCache()
        self.readers.refresh(preload)
        self.children: dict[int, _Child] = {}
        self.started = time.time()
        self.served = 0
        self.last_active = time.monotonic()
        self.stopping = False
        self.inode = -1
        self.spare: _Spare | None = None

    # --- the loop -------------------------------------------------------------------------

    def serve(self) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            os.unlink(self.paths.socket)  # stale: we hold the lock, so no server is behind it
        except FileNotFoundError:
            pass
        old = os.umask(0o177)
        try:
            self.listener.bind(self.paths.socket)
        finally:
            os.umask(old)
        self.listener.listen(64)
        self.inode = os.stat(self.paths.socket).st_ino
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_stop_signal)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.listener, selectors.EVENT_READ, "accept")
        self.sel.register(self.wake_r, selectors.EVENT_READ, "wake")
        self._fork_spare()
        log(f"listening on {self.paths.socket} (pid {os.getpid()}, idle {self.idle:g}s)")
        try:
            self._loop()
        finally:
            self._close()

    def _loop(self) -> None:
        next_check = time.monotonic() + CHECK_EVERY
        while not self.stopping:
            now = time.monotonic()
            timeout = max(0.0, min(next_check, self.last_active + self.idle) - now)
            for key, _ in self.sel.select(timeout):
                if key.data == "accept":
                    self._accept()
                elif key.data == "wake":
                    self._drain_wake()
                else:
                    self._watch_client(key.data)
            self._reap()
            now = time.monotonic()
            if not self.children and now - self.last_active >= self.idle:
                log("idle: exiting")
                return
            if now >= next_check:
                next_check = now + CHECK_EVERY
                if not self._socket_is_ours():
                    log("socket removed or replaced: exiting")
                    return
                if not self.children:
                    self._refresh()  # an `index` run from cron meanwhile: reopen now, not in a command

    def _on_stop_signal(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _drain_wake(self) -> None:
        try:
            while os.read(self.wake_r, 512):
                pass
        except BlockingIOError:
            pass

    def _socket_is_ours(self) -> bool:
        try:
            return os.stat(self.paths.socket).st_ino == self.inode
        except OSError:
            return False

    def _close(self) -> None:
        self._retire_spare()
        if self._socket_is_ours():
            try:
                os.unlink(self.paths.socket)
            except OSError:
                pass
        self.listener.close()
        log(f"stopped after {self.served} commands")

    # --- one connection -------------------------------------------------------------------

    def _accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        self.last_active = time.monotonic()
        try:
            self._handle(conn)
        except Exception as e:  # one bad request never takes the server down
            log(f"request failed: {type(e).__name__}: {e}")
            conn.close()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(protocol.HANDSHAKE_TIMEOUT)
        pid, uid, gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
        if uid != os.getuid():
            log(f"refused pid {pid}: uid {uid} is not this server's user ({os.getuid()})")
            conn.sendall(b"refuse not your server\n")
            conn.close()
            return
        body = protocol.recv_request(conn)
        request = protocol.Request.from_fields(protocol.decode(body))
        if request.kind in ("status", "run") and installation_fingerprint() != self.fingerprint:
            log("another newsctl is installed: exiting")
            conn.sendall(b"stale\n")
            self.stopping = True
        elif request.kind == "status":
            conn.sendall(b"status " + json.dumps(self.status()).encode() + b"\n")
        elif request.kind == "stop":
            conn.sendall(b"stopping\n")
            self.stopping = True
        elif request.kind == "run":
            self._run(conn, request, body)
            return
        conn.close()

    def _refusal(self, request: protocol.Request) -> str | None:
        if len(request.stdio) != len(protocol.STDIO_FDS):
            return "refuse the three stdio streams are needed"
        if request.fs_encoding != sys.getfilesystemencoding() or request.utf8_mode != sys.flags.utf8_mode:
            return "refuse the client's interpreter is set up differently"
        if not os.path.isdir(request.cwd):
            return "refuse no such working directory"
        return None

    def _run(self, conn: socket.socket, request: protocol.Request, body: bytes) -> None:
        refusal = self._refusal(request)
        if refusal is not None:
            conn.sendall(refusal.encode() + b"\n")
            conn.close()
            return
        conn.sendall(b"ready\n")
        try:
            fds = protocol.recv_go(conn)
        except (OSError, protocol.ProtocolError):  # the client gave up: nothing runs
            conn.close()
            return
        try:
            if len(fds) not in (len(protocol.STDIO_FDS), len(protocol.STDIO_FDS) + 1):
                conn.close()  # before `pid`: the client runs the command itself
                return
            conn.settimeout(None)
            self._dispatch(conn, body, fds)
        finally:
            for fd in fds:
                os.close(fd)
        # only now: a worker forked while we held the client's descriptors would keep its stdout open
        self._fork_spare()

    # --- workers: one forked ahead, waiting for its command ---------------------------------

    def _fork_spare(self) -> None:
        """Fork the next worker now, so a command does not wait for a fork (nor a new process's start)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        report_r, report_w = os.pipe()
        close = [self.listener.fileno(), self.wake_r, self.wake_w, ours.fileno(), report_r]
        selector_fd = getattr(self.sel, "fileno", lambda: -1)()
        if selector_fd >= 0:
            close.append(selector_fd)
        for child in self.children.values():
            close += [child.conn.fileno(), child.report]
        pid = os.fork()
        if pid == 0:  # the worker, until its command comes
            try:
                self.readers.install(report_w)
                worker.wait_and_run(theirs, close)
            finally:
                os._exit(1)
        theirs.close()
        os.close(report_w)
        try:
            os.setpgid(pid, pid)  # also done by the worker: the client may signal the group at once
        except OSError:
            pass
        self.spare = _Spare(pid, ours, report_r)

    def _retire_spare(self) -> None:
        """The spare holds readers that went stale: let it go (it exits on end of file) and fork anew."""
        if self.spare is not None:
            self.spare.sock.close()
            os.close(self.spare.report)
            self.spare = None

    def _dispatch(self, conn: socket.socket, body: bytes, fds: list[int]) -> None:
        for attempt in (1, 2):
            if self.spare is None:
                self._fork_spare()
            spare, self.spare = self.spare, None
            assert spare is not None
            try:
                socket.send_fds(spare.sock, [b"J"], [conn.fileno(), *fds])
                spare.sock.sendall(len(body).to_bytes(4, "big") + body)
                break
            except OSError:  # that spare died meanwhile: another one
                spare.sock.close()
                os.close(spare.report)
                if attempt == 2:
                    raise
        spare.sock.close()
        self.children[spare.pid] = _Child(conn, spare.report)
        self.served += 1
        self.sel.register(conn, selectors.EVENT_READ, spare.pid)

    def _watch_client(self, pid: int) -> None:
        """The client's end became readable while its worker runs: it went away (killed, closed)."""
        child = self.children.get(pid)
        if child is None:
            return
        try:
            data = child.conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        self.sel.unregister(child.conn)
        if data == b"" and not child.client_gone:
            child.client_gone = True
            try:
                os.killpg(pid, signal.SIGTERM)  # as if the client had been stopped: nothing half-written is kept
            except OSError:
                pass

    def _reap(self) -> bool:
        """Collect finished workers and tell their clients how they ended; True if any."""
        used: list[str] = []
        reaped = False
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            child = self.children.pop(pid, None)
            if child is None:
                if self.spare is not None and pid == self.spare.pid:
                    log(f"the waiting worker {pid} died ({os.waitstatus_to_exitcode(status)})")
                    self._retire_spare()
                continue
            reaped = True
            self.last_active = time.monotonic()
            code = os.waitstatus_to_exitcode(status)
            try:
                # the worker said `exit N` itself; this covers a worker killed before it could
                child.conn.sendall((f"signal {-code}" if code < 0 else f"exit {code}").encode() + b"\n")
            except OSError:
                pass
            if not child.client_gone:
                self.sel.unregister(child.conn)
            child.conn.close()
            used += _read_report(child.report)
        if reaped:
            self._refresh(used)  # also reopens any archive a worker's `index` or `add` changed
        return reaped

    def _refresh(self, used: list[str] = ()) -> None:  # type: ignore[assignment]
        if self.readers.refresh(used):
            gc.collect()  # the replaced readers' maps: a rebuilt index's old files must not stay held
            self._retire_spare()
        if self.spare is None:
            self._fork_spare()

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "socket": self.paths.socket,
            "started": self.started,
            "idle_timeout": self.idle,
            "idle_for": round(time.monotonic() - self.last_active, 1),
            "served": self.served,
            "running": len(self.children),
            "workers": sorted(self.children),
            "archives": self.readers.names(),
            "python": sys.executable,
        }


def _read_report(fd: int) -> list[str]:
    os.set_blocking(fd, False)
    data = b""
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    except BlockingIOError:
        pass
    finally:
        os.close(fd)
    return [os.fsdecode(p) for p in data.split(b"\0") if p]

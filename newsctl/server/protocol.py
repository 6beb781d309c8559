"""What client and server say to each other over the UNIX socket.

One request frame (length-prefixed key/value pairs), then short ASCII lines:

    client                         server
    request               ----->
                          <-----   ready | refuse REASON | stale
    go + fds 0,1,2[,tty]  ----->                       (SCM_RIGHTS; only now may it run)
                          <-----   pid N               (the worker's process group)
                          <-----   exit N | signal N   (first one wins)

The two steps before `go` make a timeout safe: a client that gives up before
sending `go` has run nothing, so running in-process instead cannot run the
command twice; and it has handed over no descriptor, so a wedged server
cannot hold the client's stdout open (a `| cat` after it would never end).
`status` and `stop` requests get `status KEY=VALUE...` and
`stopping` instead. Only the standard library's cheapest modules: the
client imports this (no `typing`, no `socket`: `_socket` is a tenth of the cost).
"""

from __future__ import annotations

import os
import sys
TYPE_CHECKING = False  # not `from typing import ...`: typing alone costs the client ~3 ms
if TYPE_CHECKING:
    import socket
    from typing import Iterable

MAGIC = b"NEWSCTL-WARM/1"
CONNECT_TIMEOUT = 1.0  # seconds; a live server accepts at once
HANDSHAKE_TIMEOUT = 2.0  # seconds to `ready`: a stopped or wedged server means in-process
MAX_FRAME = 4 << 20
STDIO_FDS = (0, 1, 2)


class ProtocolError(Exception):
    """A frame or line that does not follow this protocol."""


def encode(fields: Iterable[tuple[str, bytes]]) -> bytes:
    parts = [MAGIC]
    for key, value in fields:
        k = key.encode("ascii")
        parts += [len(k).to_bytes(4, "big"), k, len(value).to_bytes(4, "big"), value]
    body = b"".join(parts)
    return len(body).to_bytes(4, "big") + body


def decode(body: bytes) -> list[tuple[str, bytes]]:
    if not body.startswith(MAGIC):
        raise ProtocolError("not a newsctl request (or another protocol version)")
    fields, pos, end = [], len(MAGIC), len(body)
    while pos < end:
        try:
            n = int.from_bytes(body[pos : pos + 4], "big")
            key = body[pos + 4 : pos + 4 + n].decode("ascii")
            pos += 4 + n
            m = int.from_bytes(body[pos : pos + 4], "big")
            value = body[pos + 4 : pos + 4 + m]
            pos += 4 + m
        except (UnicodeDecodeError, ValueError):
            raise ProtocolError("bad field") from None
        if pos > end:
            raise ProtocolError("truncated frame")
        fields.append((key, value))
    return fields


class StreamSpec:
    """How the client's interpreter set up one std stream, so the worker's is identical."""

    __slots__ = ("encoding", "errors", "line_buffering", "write_through")

    def __init__(self, encoding: str, errors: str, line_buffering: bool, write_through: bool) -> None:
        self.encoding = encoding
        self.errors = errors
        self.line_buffering = line_buffering
        self.write_through = write_through

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StreamSpec) and self.pack() == other.pack()

    def pack(self) -> bytes:
        return "\0".join((self.encoding, self.errors, str(int(self.line_buffering)), str(int(self.write_through)))).encode()

    @classmethod
    def unpack(cls, data: bytes) -> "StreamSpec":
        enc, errors, lb, wt = data.decode().split("\0")
        return cls(enc, errors, lb == "1", wt == "1")


def stream_spec(stream: object, default_errors: str) -> StreamSpec:
    return StreamSpec(
        getattr(stream, "encoding", None) or "utf-8",
        getattr(stream, "errors", None) or default_errors,
        bool(getattr(stream, "line_buffering", False)),
        bool(getattr(stream, "write_through", False)),
    )


class Request:
    """A decoded request; built only by the server (from_fields)."""

    def __init__(self, kind: str, argv: list[bytes], cwd: bytes, env: list[tuple[bytes, bytes]], umask: int,
                 stdio: list[StreamSpec], fs_encoding: str, utf8_mode: int) -> None:
        self.kind = kind  # run | status | stop
        self.argv = argv
        self.cwd = cwd
        self.env = env
        self.umask = umask
        self.stdio = stdio
        self.fs_encoding = fs_encoding
        self.utf8_mode = utf8_mode

    @classmethod
    def from_fields(cls, fields: list[tuple[str, bytes]]) -> "Request":
        one: dict[str, bytes] = {}
        argv: list[bytes] = []
        env: list[tuple[bytes, bytes]] = []
        stdio: list[StreamSpec] = []
        try:
            for key, value in fields:
                if key == "arg":
                    argv.append(value)
                elif key == "env":
                    name, _, val = value.partition(b"=")
                    env.append((name, val))
                elif key == "stdio":
                    stdio.append(StreamSpec.unpack(value))
                else:
                    one[key] = value
            return cls(
                kind=one.get("kind", b"").decode(), argv=argv, cwd=one.get("cwd", b""), env=env,
                umask=int(one.get("umask", b"18")), stdio=stdio, fs_encoding=one.get("fsenc", b"").decode(),
                utf8_mode=int(one.get("utf8", b"0")),
            )
        except ValueError:
            raise ProtocolError("bad request field") from None


def this_process_request(kind: str, argv: list[str]) -> bytes:
    """The frame for running `argv` here and now: our cwd, environment, umask and stdio set-up."""
    fields: list[tuple[str, bytes]] = [("kind", kind.encode())]
    fields += [("arg", os.fsencode(a)) for a in argv]
    if kind == "run":
        umask = os.umask(0o22)
        os.umask(umask)
        fields.append(("cwd", os.getcwdb()))
        fields += [("env", k + b"=" + v) for k, v in os.environb.items()]
        fields.append(("umask", str(umask).encode()))
        for stream, errors in ((sys.stdin, "strict"), (sys.stdout, "strict"), (sys.stderr, "backslashreplace")):
            fields.append(("stdio", stream_spec(stream, errors).pack()))
    fields.append(("fsenc", sys.getfilesystemencoding().encode()))
    fields.append(("utf8", str(sys.flags.utf8_mode).encode()))
    return encode(fields)


def recv_request(conn: "socket.socket") -> bytes:
    """One request frame."""
    chunks: list[bytes] = []
    have, size = 0, -1
    while size < 0 or have < size + 4:
        chunk = conn.recv(65536 if size < 0 else min(65536, size + 4 - have))
        if not chunk:
            raise ProtocolError("truncated frame")
        chunks.append(chunk)
        have += len(chunk)
        if size < 0 and have >= 4:
            size = int.from_bytes(b"".join(chunks)[:4], "big")
            if size > MAX_FRAME:
                raise ProtocolError("frame too large")
    return b"".join(chunks)[4:]


def recv_go(conn: "socket.socket") -> list[int]:
    """The client's `go` and the descriptors it carries: 0, 1, 2 and, when it has one, its
    controlling terminal (for a pager's keys). The caller owns and closes them."""
    import socket

    data, fds, _flags, _addr = socket.recv_fds(conn, 16, len(STDIO_FDS) + 1)
    if data != b"go\n":
        for fd in fds:
            os.close(fd)
        raise ProtocolError("expected go")
    return fds


class LineReader:
    """Reads the server's ASCII lines from a socket; None at end of stream."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def line(self) -> str | None:
        while b"\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                return None
            self.buf += chunk
            if len(self.buf) > 65536:
                raise ProtocolError("line too long")
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode("ascii", "replace")

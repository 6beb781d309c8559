"""Where a user's server listens: a private folder, one socket per installed newsctl.

Imports only the standard library's cheapest modules: the client reads this
before it knows whether a server is running.
"""

from __future__ import annotations

import os
import stat
import sys
import zlib
TYPE_CHECKING = False  # not `from typing import ...`: typing alone costs the client ~3 ms
if TYPE_CHECKING:
    from typing import Mapping


class ServerPaths:
    __slots__ = ("folder", "socket", "lock", "log")

    def __init__(self, folder: str, socket: str, lock: str, log: str) -> None:
        self.folder = folder
        self.socket = socket  # the UNIX socket clients connect to
        self.lock = lock  # flock-ed by the running server for its whole life: held = a server is up
        self.log = log  # the server's own messages (never a user's output)


def server_folder(env: Mapping[str, str] | None = None) -> str:
    """$NEWSCTL_SERVER_DIR, else $XDG_RUNTIME_DIR/newsctl, else /tmp/newsctl-$UID."""
    env = os.environ if env is None else env
    explicit = env.get("NEWSCTL_SERVER_DIR")
    if explicit:
        return explicit
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime) and _owned_private(runtime):
        return os.path.join(runtime, "newsctl")
    return f"/tmp/newsctl-{os.getuid()}"


def installation_key() -> str:
    """Names this installation (environment + package folder): two venvs never share a server.

    sys.prefix, not sys.executable: `python` and `python3` of one venv are one installation.
    """
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    text = f"{sys.prefix}\0{package}".encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(text):08x}"


def server_paths(env: Mapping[str, str] | None = None) -> ServerPaths:
    folder = server_folder(env)
    base = os.path.join(folder, installation_key())
    return ServerPaths(folder, base + ".sock", base + ".lock", base + ".log")


def _owned_private(path: str) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077


def is_private(folder: str) -> bool:
    """A real folder (not a symlink), ours, and closed to group and others (mode 0700)."""
    return _owned_private(folder)


def make_private(folder: str) -> bool:
    """Create the folder with mode 0700 if it is missing; whether it is private afterwards."""
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return False
    return is_private(folder)

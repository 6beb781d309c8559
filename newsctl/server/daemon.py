"""`python -m newsctl.server.daemon`: become the server (what `newsctl server start` runs, detached).

Takes the lock first (a second server exits at once), sends its own output
to the log beside the socket, loads everything, then listens.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
import time

from .location import make_private, server_paths

DEFAULT_IDLE = 1800.0  # seconds without a command before the server leaves
LOCK_WAIT = 3.0  # seconds: a server that is exiting (stale) releases its lock within this


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsctl.server.daemon")
    parser.add_argument("--idle", type=float, default=DEFAULT_IDLE)
    parser.add_argument("--preload", action="append", default=[], metavar="STATE_DIR")
    args = parser.parse_args(argv)
    paths = server_paths()
    if not make_private(paths.folder):
        print(f"newsctl server: {paths.folder} is not a private folder of this user", file=sys.stderr)
        return 2
    lock = os.open(paths.lock, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                return 0  # another server is running: nothing to do
            time.sleep(0.05)
    os.ftruncate(lock, 0)
    os.write(lock, f"{os.getpid()}\n".encode())
    log = os.open(paths.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(devnull)
    os.close(log)
    os.chdir("/")
    from .server import Server, log as say
    from .warmup import warm_up

    t0 = time.perf_counter()
    for problem in warm_up():
        say(f"warm-up: {problem}")
    server = Server(paths, idle=args.idle, preload=args.preload)
    say(f"loaded in {time.perf_counter() - t0:.2f}s")
    try:
        server.serve()
    except OSError as e:  # cannot bind: a socket path over ~107 bytes, a full disk
        say(f"cannot listen on {paths.socket}: {e.strerror or e}")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

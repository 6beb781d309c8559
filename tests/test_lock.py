"""The archive's write lock: one writer, who holds it, nothing stale after a crash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from newsctl.errors import EXIT_BUSY, IndexBusy, StorageError
from newsctl.lock import LOCK_NAME, read_holder, write_lock

HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from newsctl.lock import write_lock
    with write_lock(Path(sys.argv[1]), command="newsctl index"):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def hold(state: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the lock for `seconds` (returns once it has it)."""
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(state), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "locked"
    return p


def test_holder_note_while_held_and_cleared_after(tmp_path: Path) -> None:
    with write_lock(tmp_path, command="newsctl test"):
        info = json.loads((tmp_path / LOCK_NAME).read_text())
        assert info["pid"] == os.getpid() and info["command"] == "newsctl test"
        assert read_holder(tmp_path)["pid"] == os.getpid()
    assert (tmp_path / LOCK_NAME).read_text() == ""
    assert read_holder(tmp_path) is None


def test_second_writer_gets_busy_naming_the_holder(tmp_path: Path) -> None:
    p = hold(tmp_path, 10)
    try:
        t = time.monotonic()
        with pytest.raises(IndexBusy) as e:
            with write_lock(tmp_path, wait=0):
                pass
        assert time.monotonic() - t < 1
        assert e.value.exit_code == EXIT_BUSY
        assert f"pid {p.pid}" in str(e.value) and "newsctl index" in str(e.value)
        t = time.monotonic()
        with pytest.raises(IndexBusy, match="after waiting 0.5s"):
            with write_lock(tmp_path, wait=0.5):
                pass
        assert 0.45 < time.monotonic() - t < 2
    finally:
        p.kill()
        p.wait()


def test_waiting_writer_gets_the_lock_when_released(tmp_path: Path) -> None:
    p = hold(tmp_path, 0.5)
    try:
        t = time.monotonic()
        with write_lock(tmp_path, wait=10):
            assert read_holder(tmp_path)["pid"] == os.getpid()
        assert time.monotonic() - t < 5
    finally:
        p.wait()


def test_kill_9_leaves_no_stale_lock(tmp_path: Path) -> None:
    p = hold(tmp_path, 30)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    # the note is still there, but names a dead process: nobody holds it
    assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == p.pid
    assert read_holder(tmp_path) is None
    with write_lock(tmp_path, wait=0):
        pass


def test_unusable_state_folder_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="cannot create the write lock"):
        with write_lock(blocker / "state"):
            pass


def test_forked_helpers_do_not_keep_the_lock(tmp_path: Path) -> None:
    """A child that outlives the holder (it closed its copy) does not block the next writer."""
    from newsctl.lock import close_inherited

    r, w = os.pipe()
    with write_lock(tmp_path):
        pid = os.fork()
        if pid == 0:  # child: drop the lock copy, then linger
            close_inherited()
            os.write(w, b"x")
            time.sleep(5)
            os._exit(0)
        os.read(r, 1)
    try:
        with write_lock(tmp_path, wait=0):
            pass
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)

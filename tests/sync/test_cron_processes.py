"""The unattended path, tested with the installed `newsctl` as real processes:
two writers at once, kill -9 at several points, SIGTERM, a full disk, an
unwritable index, edits/removals/renames, a corrupted index file, and the
cron/systemd examples.

Crash points are reached with NEWSCTL_CRASH_AT (see newsctl/sync.py), which
makes the process SIGKILL itself there: the same as `kill -9` at that moment.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data"
NEWSCTL = shutil.which("newsctl") or str(Path(sys.executable).parent / "newsctl")
OLD = 1_640_000_000

pytestmark = pytest.mark.skipif(not Path(NEWSCTL).exists(), reason="newsctl is not installed")


def env_for(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCTL_")}
    env.update(XDG_CONFIG_HOME=str(tmp / "xdg"), NO_COLOR="1", **extra)
    return env


def nc(arc: Path, *args: str, timeout: float = 60, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEWSCTL, "--archive", str(arc), *args],
        capture_output=True, text=True, timeout=timeout, env=env_for(arc.parent, **extra),
    )


def indexed_paths(arc: Path) -> list[str]:
    r = nc(arc, "list", "--limit", "0", "--format", "paths")
    assert r.returncode == 0, r.stderr
    return sorted(r.stdout.split("\n")[:-1])


def file_paths(arc: Path) -> list[str]:
    return sorted(str(p) for p in (arc / "_posts").iterdir())


def copy_posts(dest: Path, sources: list[Path]) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for f in sources:
        shutil.copyfile(f, dest / f.name)
        os.utime(dest / f.name, (OLD, OLD))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An indexed archive of the 30 test posts; tests work on copies of it."""
    arc = tmp_path_factory.mktemp("base") / "arc"
    copy_posts(arc / "_posts", sorted((DATA / "posts").iterdir()))
    r = nc(arc, "index")
    assert r.returncode == 0, r.stderr
    return arc


@pytest.fixture
def arc(base: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "arc"
    shutil.copytree(base, dest, symlinks=True)
    return dest


def make_changes(arc: Path) -> list[str]:
    """Edit one post, remove one, rename one, add two; the post files expected afterwards."""
    posts = arc / "_posts"
    files = sorted(posts.iterdir())
    files[0].chmod(0o644)
    with open(files[0], "a", encoding="utf-8") as f:
        f.write("\n进程测试追加的一段独特文字\n")
    files[1].unlink()
    files[2].rename(posts / "2021-12-09-renamed-post.md")
    copy_posts(posts, sorted((DATA / "ranking").iterdir())[:2])
    return file_paths(arc)


# --- two writers --------------------------------------------------------------------------

HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from newsctl.lock import write_lock
    with write_lock(Path(sys.argv[1]), command="newsctl index"):
        print("locked", flush=True)
        sys.stdin.readline()  # hold until told
    """
)


def test_second_writer_exits_75_naming_the_holder_and_readers_carry_on(arc: Path) -> None:
    state = arc / ".newsctl"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(state)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        r = nc(arc, "index")
        assert r.returncode == 75
        assert f"pid {holder.pid}" in r.stderr and "newsctl index" in r.stderr and "--wait" in r.stderr
        t = time.monotonic()
        new = sorted((DATA / "ranking").iterdir())[0]
        waiting = subprocess.Popen(
            [NEWSCTL, "--archive", str(arc), "add", "--wait", "20", str(new)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_for(arc.parent),
        )
        # readers neither wait nor fail while a writer runs
        assert nc(arc, "list", "-n", "3").returncode == 0
        assert nc(arc, "search", "人民币").returncode == 0
        st = nc(arc, "status")
        assert st.returncode == 0 and f"pid {holder.pid}" in st.stdout
        assert waiting.poll() is None  # still waiting
        holder.stdin.close()  # the holder lets go
        out, err = waiting.communicate(timeout=30)
        assert waiting.returncode == 0, err
        assert time.monotonic() - t >= 0.5  # it waited for the holder
    finally:
        holder.kill()
        holder.wait()
    assert len(indexed_paths(arc)) == 31
    assert nc(arc, "check").returncode == 0


def test_two_real_writers_at_once_do_no_damage(arc: Path) -> None:
    make_changes(arc)
    cmds = [["index", "--rebuild"], ["index"]]
    procs = [
        subprocess.Popen([NEWSCTL, "--archive", str(arc), *c], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_for(arc.parent))
        for c in cmds
    ]
    codes = sorted(p.wait(timeout=60) for p in procs)
    assert codes in ([0, 0], [0, 75]), [p.stderr.read() for p in procs]
    assert nc(arc, "index", "--wait", "30").returncode == 0
    assert nc(arc, "check").returncode == 0
    assert indexed_paths(arc) == file_paths(arc)


# --- kill -9 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, point",
    [
        (["index"], "read:2"),
        (["index"], "before-commit"),
        (["index"], "after-commit"),
        (["index"], "after-manifest"),
        (["index", "--rebuild"], "read:10"),
        (["index", "--rebuild"], "after-commit"),
        (["index", "--rebuild"], "before-publish"),
        (["index", "--rebuild", "--procs", "2"], "read:5"),
    ],
)
def test_kill_9_then_one_run_restores_a_correct_index(arc: Path, args: list[str], point: str) -> None:
    before = indexed_paths(arc)
    expected = make_changes(arc)
    r = nc(arc, *args, NEWSCTL_CRASH_AT=point)
    assert r.returncode == -signal.SIGKILL, r.stderr
    # the index opens and answers: the old state or the new one, never a mix
    assert indexed_paths(arc) in (before, expected)
    time.sleep(0.2)  # helpers die with their parent (PR_SET_PDEATHSIG)
    r = nc(arc, "index")
    assert r.returncode == 0, r.stderr
    assert indexed_paths(arc) == expected  # nothing missing, nothing twice
    check = nc(arc, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert not list((arc / ".newsctl").glob("*.build"))
    assert nc(arc, "search", '"进程测试追加的一段独特文字"', "--format", "paths").stdout.strip().endswith(".md")


@pytest.mark.parametrize("point", ["before-commit", "after-commit"])
def test_kill_9_during_add_then_index_restores_a_correct_index(arc: Path, point: str) -> None:
    before = indexed_paths(arc)
    new = sorted((DATA / "ranking").iterdir())[0]
    r = nc(arc, "add", str(new), NEWSCTL_CRASH_AT=point)
    assert r.returncode == -signal.SIGKILL, r.stderr
    assert (arc / "_posts" / new.name).exists()  # the post file was written first
    assert indexed_paths(arc) in (before, file_paths(arc))
    assert nc(arc, "index").returncode == 0
    assert indexed_paths(arc) == file_paths(arc)
    assert nc(arc, "check").returncode == 0


def test_kill_9_during_the_first_build(tmp_path: Path) -> None:
    arc = tmp_path / "arc"
    copy_posts(arc / "_posts", sorted((DATA / "posts").iterdir()))
    assert nc(arc, "index", NEWSCTL_CRASH_AT="read:7").returncode == -signal.SIGKILL
    r = nc(arc, "list")
    assert r.returncode == 2 and "newsctl index" in r.stderr  # no index yet, and says what to do
    assert nc(arc, "index").returncode == 0
    assert indexed_paths(arc) == file_paths(arc)


def test_sigterm_stops_cleanly_with_helpers(tmp_path: Path) -> None:
    arc = tmp_path / "arc"
    posts = sorted((DATA / "posts").iterdir())
    for n in range(4):  # 120 posts: long enough to be caught reading
        copy_posts(arc / "_posts" / f"copy{n}", posts)
    p = subprocess.Popen(
        [NEWSCTL, "--archive", str(arc), "index", "--procs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_for(tmp_path),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(_children(p.pid)) < 2:
        time.sleep(0.02)
    helpers = _children(p.pid)
    assert len(helpers) == 2, "helpers never started"
    time.sleep(0.3)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 130, err
    assert "stopped by SIGTERM" in err
    time.sleep(0.5)
    assert [h for h in helpers if Path(f"/proc/{h}").exists() and _state(h) != "Z"] == []
    assert not list((arc / ".newsctl").glob("index.*"))  # the unfinished build is gone
    state = json.loads((arc / ".newsctl" / "state.json").read_text())
    assert state["last"]["outcome"] == "interrupted"
    assert nc(arc, "index", "-q").returncode == 0
    assert len(indexed_paths(arc)) == 120


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


# --- storage failures -----------------------------------------------------------------------


def test_full_disk_is_a_clear_error_and_keeps_the_previous_index(arc: Path) -> None:
    before = indexed_paths(arc)
    make_changes(arc)

    def small_files() -> None:  # writes past 64 KB fail (EFBIG), as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    for args in (["index", "--rebuild"], ["index"]):
        r = subprocess.run(
            [NEWSCTL, "--archive", str(arc), *args], capture_output=True, text=True,
            env=env_for(arc.parent), preexec_fn=small_files, timeout=60,
        )
        assert r.returncode == 2, r.stderr
        assert "cannot write the index" in r.stderr and "previous index is unchanged" in r.stderr
        assert indexed_paths(arc) == before
    assert not list((arc / ".newsctl").glob("*.build"))
    assert nc(arc, "index").returncode == 0
    assert nc(arc, "check").returncode == 0


def test_unwritable_index_folder_is_a_clear_error(arc: Path) -> None:
    before = indexed_paths(arc)
    folder = (arc / ".newsctl" / "index").resolve()
    make_changes(arc)
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("running as root without chattr +i")
        undo = ["chattr", "-i", str(folder)]
    else:
        folder.chmod(0o555)
        undo = ["chmod", "755", str(folder)]
    try:
        r = nc(arc, "index")
        assert r.returncode == 2, r.stderr
        assert "cannot write the index" in r.stderr and str(folder) in r.stderr
        assert indexed_paths(arc) == before
    finally:
        subprocess.run(undo, check=True)
    assert nc(arc, "index").returncode == 0
    assert nc(arc, "check").returncode == 0


# --- what one run reflects -------------------------------------------------------------------


def test_removed_renamed_and_edited_posts_after_one_run(arc: Path) -> None:
    expected = make_changes(arc)
    r = nc(arc, "index")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^indexed: \+3 ~1 -2, 0 errors, 31 posts, [0-9.]+s$", r.stderr, re.M), r.stderr
    assert indexed_paths(arc) == expected
    hit = nc(arc, "search", '"进程测试追加的一段独特文字"', "--format", "paths")
    assert hit.stdout.strip() == sorted(expected)[0]
    q = nc(arc, "index", "--quiet")
    assert (q.returncode, q.stdout, q.stderr) == (0, "", "")


def test_bad_post_exit_code_once_then_listed_by_status(arc: Path) -> None:
    bad = arc / "_posts" / "2022-05-05-broken.md"
    bad.write_text("---\ntitle: [unclosed\n---\nbody\n", "utf-8")
    r = nc(arc, "index", "--quiet")
    assert r.returncode == 2
    assert r.stderr.startswith(f"newsctl: skipped {bad}: ") and r.stdout == ""
    r = nc(arc, "index")
    assert r.returncode == 0 and "1 unreadable post unchanged" in r.stderr
    st = nc(arc, "status")
    assert "_posts/2022-05-05-broken.md" in st.stdout and "pending:   nothing" in st.stdout
    js = json.loads(nc(arc, "status", "--format", "json").stdout)
    assert js["posts"] == 30 and js["unreadable"][0]["path"] == "_posts/2022-05-05-broken.md"


def test_corrupted_index_file_detected_by_check_and_recovered(arc: Path) -> None:
    folder = (arc / ".newsctl" / "index").resolve()
    seg = next(folder.glob("MAIN_*.seg"))
    data = bytearray(seg.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 16] = b"\x00" * 16
    seg.unlink()
    seg.write_bytes(bytes(data))
    r = nc(arc, "check")
    assert r.returncode == 2 and f"damaged: {seg.name}" in r.stdout
    r = nc(arc, "check", "--repair")
    assert r.returncode == 0, r.stdout + r.stderr
    assert nc(arc, "check").returncode == 0
    assert indexed_paths(arc) == file_paths(arc)


def test_unreadable_toc_makes_index_rebuild_by_itself(arc: Path) -> None:
    folder = (arc / ".newsctl" / "index").resolve()
    toc = next(folder.glob("_MAIN_*.toc"))
    toc.write_bytes(b"garbage")
    r = nc(arc, "list")
    assert r.returncode == 2 and "check --repair" in r.stderr
    r = nc(arc, "index")
    assert r.returncode == 0 and "rebuilt: the index was unreadable" in r.stderr
    assert indexed_paths(arc) == file_paths(arc)


def test_older_schema_is_rebuilt_automatically(arc: Path) -> None:
    meta = (arc / ".newsctl" / "index").resolve() / "newsctl.json"
    meta.write_text(json.dumps({"schema": "0.0"}))
    assert nc(arc, "list").returncode == 2
    r = nc(arc, "index")
    assert r.returncode == 0 and "another version" in r.stderr
    assert indexed_paths(arc) == file_paths(arc)


# --- the examples ---------------------------------------------------------------------------


def test_cron_and_systemd_examples_run_as_written(arc: Path) -> None:
    cron = ROOT / "examples" / "cron"
    line = next(
        ln for ln in (cron / "crontab").read_text().splitlines() if ln.strip() and not ln.startswith(("#", "MAILTO", "PATH", "SHELL"))
    )
    command = shlex.split(" ".join(line.split()[5:]))
    service = (cron / "newsctl-index.service").read_text()
    exec_start = shlex.split(re.search(r"^ExecStart=(.*)$", service, re.M).group(1))
    assert re.search(r"^OnCalendar=", (cron / "newsctl-index.timer").read_text(), re.M)
    for cmd in (command, exec_start):
        assert Path(cmd[0]).name == "newsctl"
        args = [a for a in cmd[1:]]
        i = args.index("--archive")
        args[i + 1] = str(arc)
        r = subprocess.run([NEWSCTL, *args], capture_output=True, text=True, env=env_for(arc.parent), timeout=60)
        assert (r.returncode, r.stdout, r.stderr) == (0, "", ""), r.stderr

"""The warm path (newsctl/server/): the same results as in-process, and never needed for them.

Every command here runs twice through the installed `newsctl` — once with
NEWSCTL_SERVER=off (in-process) and once through a running server — and
stdout, stderr and the exit code must be identical. Then the server's
safety: another user is refused, a stale socket or a wedged server means
in-process at once, a killed server never leaves a client hanging, a new
installation or index generation is noticed.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import pytest
from conftest import copy_example_archive

ROOT = Path(__file__).resolve().parent.parent
NEWSCTL = Path(sys.executable).parent / "newsctl"
DATA = Path(__file__).parent / "data" / "posts"
NW_ID = "2022-02-28-NW202202282290536398"
POST = DATA.parent / "posts" / "2022-01-01-xwlb2022010100.md"


def base_env(home: Path, srv: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("NEWSCTL_") and k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS", "LINES", "PAGER", "MANPAGER")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(TERM="xterm-256color", XDG_CONFIG_HOME=str(home / "config"), LC_ALL="C.UTF-8", NEWSCTL_SERVER_DIR=str(srv))
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], *, stdin: bytes | None = None, cwd: Path | None = None,
        timeout: float = 60) -> tuple[int, str, str]:
    done = subprocess.run([str(NEWSCTL), *args], input=stdin, capture_output=True, env=env, cwd=cwd, timeout=timeout,
                          stdin=None if stdin is not None else subprocess.DEVNULL)
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def paths_for(env: dict[str, str]):
    from newsctl.server.location import server_paths

    return server_paths(env)


def status(env: dict[str, str]) -> dict | None:
    from newsctl.server import control

    return control.status(paths_for(env))


def served(env: dict[str, str]) -> int:
    info = status(env)
    assert info is not None, "the server is not running"
    return int(info["served"])


def start_server(env: dict[str, str], *extra: str) -> dict:
    code, _, err = run(["server", "start", *extra], env)
    assert code == 0, err
    info = status(env)
    assert info is not None
    return info


def wait_until(predicate, timeout: float = 20.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (not yet reaped) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def new_server_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="nsrv-", dir="/tmp"))  # short: a socket path has ~107 bytes


@pytest.fixture(scope="module")
def arc(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("warm") / "arc"
    copy_example_archive(dest)
    done = subprocess.run([str(NEWSCTL), "--archive", str(dest), "index"], capture_output=True, text=True,
                          env=base_env(dest.parent, Path("/nonexistent"), NEWSCTL_SERVER="off"))
    assert done.returncode == 0, done.stderr
    return dest


@pytest.fixture(scope="module")
def warm(arc: Path):
    """A running server for this module: its environment (NEWSCTL_SERVER_DIR set)."""
    srv = new_server_dir()
    env = base_env(arc.parent, srv)
    start_server(env, "--idle", "600")
    yield env
    run(["server", "stop"], env)
    shutil.rmtree(srv, ignore_errors=True)


def off(env: dict[str, str]) -> dict[str, str]:
    return {**env, "NEWSCTL_SERVER": "off"}


def same_both_ways(args: list[str], env: dict[str, str], *, stdin: bytes | None = None, cwd: Path | None = None,
                   normalise=lambda text: text) -> tuple[int, str, str]:
    """Run in-process and warm; assert identical (code, stdout, stderr) and that the server ran it."""
    before = served(env)
    cold = run(args, off(env), stdin=stdin, cwd=cwd)
    hot = run(args, env, stdin=stdin, cwd=cwd)
    assert served(env) == before + 1, "the command did not go through the server"
    assert (hot[0], normalise(hot[1]), normalise(hot[2])) == (cold[0], normalise(cold[1]), normalise(cold[2]))
    assert "Traceback" not in hot[2]
    return hot


# --- the equality matrix -----------------------------------------------------------------------

MATRIX = [
    ["search", "高新区"],
    ["search", "高新区", "--format", "json"],
    ["search", "高新区", "--format", "jsonl"],
    ["search", "高新区", "--format", "paths"],
    ["search", "新闻", "--format", "paths", "-0", "--limit", "3"],
    ["search", "新闻", "--count"],
    ["search", "没有这种词语吧"],
    ["search", "绵阳高新区排名"],
    ["search", "--explain", "高新区 -北京", "--format", "paths"],
    ["search", "--", "-北京", "--format", "paths", "--sort", "date", "--offset", "2", "--limit", "3"],
    ["list"],
    ["list", "--format", "json", "--limit", "0"],
    ["list", "--format", "csv", "--since", "2022-01", "--until", "2022-03"],
    ["show", NW_ID],
    ["show", NW_ID, "--format", "json"],
    ["show", NW_ID, "--raw"],
    ["stats"],
    ["stats", "高新区", "--format", "json"],
    ["status"],
    ["check"],
    ["--version"],
    ["--help"],
    ["search", "--help"],
    # errors
    ["search", "(高新区"],
    ["search", "--frob", "x"],
    ["frobnicate"],
    ["stats", "--since", "last tuesday"],
    ["show", "no-such-post"],
    ["show"],
    ["--color", "sometimes", "list"],
    ["search", "--batch", "x"],
]


@pytest.mark.parametrize("args", MATRIX, ids=lambda a: " ".join(a))
def test_warm_and_in_process_print_the_same(warm: dict[str, str], arc: Path, args: list[str]):
    clock = re.compile(r"\d+ s ago|\(\d+\.\d+s\)")  # `status`: the index's age; `check`: its own time
    same_both_ways(["--archive", str(arc), *args], warm, normalise=lambda t: clock.sub("T", t))


def test_batch_stdin_the_environment_and_the_working_directory_are_the_clients(warm: dict[str, str], arc: Path):
    code, out, _ = same_both_ways(["--archive", str(arc), "search", "--batch", "--limit", "2"], warm,
                                  stdin="高新区\n(坏\n新闻\n".encode())
    assert code == 2 and out.count("\n") == 3
    # the archive found from the cwd, dates in another timezone, colour switched by the environment
    env = {**warm, "NEWSCTL_TIMEZONE": "UTC", "NO_COLOR": "1"}
    code, out, _ = same_both_ways(["list", "--format", "jsonl", "-n", "2"], env, cwd=arc / "_posts")
    assert code == 0 and "+00:00" in out
    code, out, err = same_both_ways(["list"], {**warm, "NEWSCTL_ARCHIVE": str(arc)}, cwd=Path("/"))
    assert code == 0 and out
    code, _, err = same_both_ways(["list"], warm, cwd=Path("/"))  # no archive: the same one-line error
    assert code == 2 and "no archive" in err


def test_add_from_stdin_and_the_umask_through_the_server(warm: dict[str, str], tmp_path: Path):
    results = {}
    for how, env in (("off", off(warm)), ("warm", warm)):
        archive = tmp_path / how
        (archive / "_posts").mkdir(parents=True)
        before = served(warm)
        done = subprocess.run(f"umask 077; exec '{NEWSCTL}' --archive '{archive}' add -", shell=True,
                              input=POST.read_bytes(), capture_output=True, env=env, timeout=60)
        assert served(warm) == before + (how == "warm")
        files = list((archive / "_posts").iterdir())
        assert len(files) == 1 and files[0].read_bytes() == POST.read_bytes()
        results[how] = (done.returncode, done.stdout, done.stderr.replace(str(archive).encode(), b"ARC"),
                        files[0].stat().st_mode & 0o777)
    assert results["warm"] == results["off"] and results["warm"][3] == 0o600 and results["warm"][0] == 0


@pytest.mark.parametrize("args", [["search", "新闻", "--format", "jsonl"], ["list", "-n", "0"], ["show", NW_ID]])
def test_a_closed_pipe_is_a_quiet_normal_end_through_the_server(warm: dict[str, str], arc: Path, args: list[str]):
    outcomes = []
    for env in (off(warm), warm):
        read_end, write_end = os.pipe()
        os.close(read_end)  # like `| head` having exited
        try:
            proc = subprocess.Popen([str(NEWSCTL), "--archive", str(arc), *args], stdout=write_end,
                                    stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
        finally:
            os.close(write_end)
        _, err = proc.communicate(timeout=60)
        outcomes.append((proc.returncode, err))
    assert outcomes[0] == outcomes[1] == (0, b"")


# --- on a terminal -----------------------------------------------------------------------------

def on_pty(args: list[str], env: dict[str, str], *, cols: int = 80, rows: int = 40, keys: bytes = b"",
           before_keys=None) -> tuple[int, str, str]:
    """newsctl with stdin/stdout on a pty that is its controlling terminal (so ^C is a SIGINT)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def own_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([str(NEWSCTL), *args], stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env,
                            preexec_fn=own_terminal)
    os.close(slave)
    if keys:
        if before_keys is not None:
            before_keys(proc)
        os.write(master, keys)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    while True:
        ready, _, _ = select.select([master], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            proc.kill()
            raise TimeoutError(f"newsctl {args} did not finish")
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the other end is closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    code = proc.wait(timeout=30)
    err = proc.stderr.read().decode() if proc.stderr else ""
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n"), err


LINK_ID = re.compile(r"\x1b\]8;id=\d+;")  # rich numbers each hyperlink at random, in-process too


def same_on_pty(args: list[str], env: dict[str, str], **kw) -> tuple[int, str, str]:
    before = served(env)
    cold = on_pty(args, off(env), **kw)
    hot = on_pty(args, env, **kw)
    assert served(env) == before + 1
    assert (hot[0], LINK_ID.sub("", hot[1]), hot[2]) == (cold[0], LINK_ID.sub("", cold[1]), cold[2])
    return hot


@pytest.mark.parametrize("args, extra", [
    (["search", "新思想"], {}),
    (["search", "新思想"], {"NO_COLOR": "1"}),
    (["--color", "never", "search", "高新区", "-n", "2"], {}),
    (["list"], {}),
    (["stats"], {"TERM": "dumb"}),
    (["show", "--no-pager", NW_ID], {}),
], ids=lambda v: " ".join(v) if isinstance(v, list) else ",".join(v))
def test_a_terminal_looks_the_same_through_the_server(warm: dict[str, str], arc: Path, args: list[str], extra: dict):
    code, screen, err = same_on_pty(["--archive", str(arc), *args], {**warm, **extra}, cols=70)
    assert code == 0 and screen
    if args[0] == "search" and not extra and "never" not in args:
        assert "\x1b[" in screen and "posts match" in err  # styled, count on stderr: a terminal was seen


def test_the_pager_runs_through_the_server_as_in_process(warm: dict[str, str], arc: Path, tmp_path: Path):
    paged = tmp_path / "paged.txt"
    env = {**warm, "NEWSCTL_PAGER": f"cat > '{paged}'"}
    texts = []
    for how in (off(env), env):
        code, screen, _ = on_pty(["--archive", str(arc), "show", NW_ID], how, rows=20)
        assert code == 0 and screen == ""  # everything went to the pager
        texts.append(paged.read_text())
        paged.unlink()
    assert texts[0] == texts[1] and "\x1b[" in texts[0]


def test_the_environment_cwd_and_umask_are_exactly_the_clients(warm: dict[str, str], arc: Path, tmp_path: Path):
    """Seen by a child process of the command (the pager): every variable, the folder, the umask."""
    seen = tmp_path / "seen.txt"
    env = {**warm, "NEWSCTL_PAGER": f"(env | sort; pwd; umask) > '{seen}'", "SOME_ODD_VAR": "a=b ü \\n",
           "NEWSCTL_ARCHIVE": str(arc)}
    outcomes = []
    for how in (off(env), env):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 20, 80, 0, 0))
        done = subprocess.run(f"umask 027; exec '{NEWSCTL}' show {NW_ID}", shell=True, stdin=slave, stdout=slave,
                              stderr=subprocess.PIPE, env=how, cwd=arc / "_posts", timeout=60)
        os.close(slave)
        os.close(master)
        outcomes.append((done.returncode, seen.read_text()))
        seen.unlink()
    cold, hot = outcomes
    assert cold[0] == hot[0] == 0
    assert hot[1].replace("NEWSCTL_SERVER=off\n", "") == cold[1].replace("NEWSCTL_SERVER=off\n", "")
    assert "SOME_ODD_VAR=a=b ü \\n" in hot[1] and f"{arc / '_posts'}\n0027\n" in hot[1]


@pytest.mark.skipif(shutil.which("less") is None, reason="less is not installed")
def test_less_waits_for_its_keys_through_the_server_as_in_process(warm: dict[str, str], arc: Path):
    """The worker has no controlling terminal: less must still get the keys (stderr here is a pipe)."""
    env = {k: v for k, v in warm.items() if k not in ("LESS", "NEWSCTL_PAGER")}
    outcomes = []
    for how in (off(env), env):
        waited = []

        def quit_when_shown(proc: subprocess.Popen) -> None:
            time.sleep(0.2)
            waited.append(wait_until(lambda: proc.poll() is not None, timeout=4))  # False: less waits for a key

        code, screen, err = on_pty(["--archive", str(arc), "show", NW_ID], how, rows=15, keys=b"q",
                                   before_keys=quit_when_shown)
        outcomes.append((code, waited, err, "争当国家高新区建设发展新标杆" in screen))
    assert outcomes[0] == outcomes[1] == (0, [False], "", True)


def _reading_stdin(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/syscall").read_text().split()
    except OSError:
        return False
    return len(fields) > 1 and fields[0] == "0" and fields[1] == "0x0"  # read(0, ...) on x86_64


@pytest.mark.skipif(os.uname().machine != "x86_64" or not Path("/proc/self/syscall").exists(),
                    reason="tells when newsctl waits on stdin from /proc/PID/syscall (x86_64 numbers)")
def test_ctrl_c_on_the_terminal_stops_the_command_as_in_process(warm: dict[str, str], tmp_path: Path):
    (tmp_path / "a" / "_posts").mkdir(parents=True)
    outcomes = []
    for env in (off(warm), warm):
        def when_reading(proc: subprocess.Popen) -> None:
            def reader() -> int | None:
                if env.get("NEWSCTL_SERVER") == "off":
                    return proc.pid
                info = status(warm)
                return info["workers"][0] if info and info["workers"] else None
            assert wait_until(lambda: reader() is not None and _reading_stdin(reader())), "never read stdin"

        outcomes.append(on_pty(["--archive", str(tmp_path / "a"), "add", "-"], env, keys=b"\x03", before_keys=when_reading))
    assert outcomes[0] == outcomes[1]
    code, _, err = outcomes[1]
    assert code == 130 and "stopped by SIGINT" in err and not list((tmp_path / "a" / "_posts").iterdir())


# --- index generations -------------------------------------------------------------------------

def test_a_new_index_generation_is_seen_at_once(warm: dict[str, str], tmp_path: Path):
    archive = tmp_path / "gen"
    copy_example_archive(archive)
    assert run(["--archive", str(archive), "index"], off(warm))[0] == 0
    assert run(["--archive", str(archive), "search", "xwlb2022010100", "--count"], warm)[1] == "0\n"
    assert wait_until(lambda: str(archive / ".newsctl") in status(warm)["archives"])  # held open between commands
    code, _, err = run(["--archive", str(archive), "add", str(POST)], warm)
    assert code == 0, err
    for _ in range(2):  # right after the change, and once the server has reopened it
        assert same_both_ways(["--archive", str(archive), "search", "新闻联播", "--format", "paths"], warm)[0] == 0
    code, _, err = run(["--archive", str(archive), "index", "--rebuild"], warm)  # a new folder swapped in
    assert code == 0, err
    same_both_ways(["--archive", str(archive), "list", "--format", "jsonl"], warm)


# --- safety ------------------------------------------------------------------------------------

def test_the_client_imports_almost_nothing_before_it_knows(arc: Path):
    probe = ("import sys, newsctl.server.client; "
             "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'typer', 'rich', 'whoosh', 'yaml', 'json', 'subprocess', 'socket', 'selectors', 'threading'})))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout


def test_no_server_and_a_stale_socket_mean_in_process_at_once(arc: Path):
    srv = new_server_dir()
    try:
        env = base_env(arc.parent, srv)
        args = ["--archive", str(arc), "search", "高新区", "--format", "paths"]
        expected = run(args, off(env))
        assert run(args, env) == expected  # no socket at all
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(paths_for(env).socket)  # a socket file nobody listens on: what a killed server leaves
        stale.close()
        t0 = time.monotonic()
        assert run(args, env) == expected
        assert time.monotonic() - t0 < 10
        info = start_server(env)  # a new server replaces the stale socket
        assert run(args, env) == expected and served(env) == 1
        os.kill(info["pid"], signal.SIGKILL)
        assert wait_until(lambda: not alive(info["pid"]))
        assert run(args, env) == expected  # a killed server's socket: in-process again
    finally:
        shutil.rmtree(srv, ignore_errors=True)


def test_a_wedged_server_times_out_and_never_runs_the_command_twice(arc: Path, tmp_path: Path):
    srv = new_server_dir()
    env = base_env(arc.parent, srv)
    info = start_server(env)
    try:
        archive = tmp_path / "wedged"
        (archive / "_posts").mkdir(parents=True)
        os.kill(info["pid"], signal.SIGSTOP)
        t0 = time.monotonic()
        code, _, err = run(["--archive", str(archive), "add", "-"], env, stdin=POST.read_bytes())
        assert time.monotonic() - t0 < 15  # connect + handshake timeouts, then in-process
        assert code == 0 and err.startswith("added ")
        os.kill(info["pid"], signal.SIGCONT)  # it now finds the abandoned request in its backlog
        assert wait_until(lambda: status(env) is not None)
        assert served(env) == 0 and len(list((archive / "_posts").iterdir())) == 1
    finally:
        os.kill(info["pid"], signal.SIGCONT)
        run(["server", "stop"], env)
        shutil.rmtree(srv, ignore_errors=True)


def test_a_server_killed_mid_command_never_leaves_the_client_hanging(arc: Path, tmp_path: Path):
    srv = new_server_dir()
    env = base_env(arc.parent, srv)
    try:
        for kill_worker in (False, True):
            info = start_server(env)
            archive = tmp_path / f"killed-{kill_worker}"
            (archive / "_posts").mkdir(parents=True)
            client = subprocess.Popen([str(NEWSCTL), "--archive", str(archive), "add", "-"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            assert wait_until(lambda: bool(status(env)["workers"]))
            worker = status(env)["workers"][0]
            os.kill(info["pid"], signal.SIGKILL)
            if kill_worker:
                os.kill(worker, signal.SIGKILL)
            assert client.stdin is not None
            try:
                client.stdin.write(POST.read_bytes())
                client.stdin.close()
            except BrokenPipeError:  # the killed worker held the only reader
                pass
            client.wait(timeout=30)
            assert client.stderr is not None and client.stdout is not None
            err = client.stderr.read()
            client.stdout.close()
            client.stderr.close()
            if kill_worker:  # nobody can say how it ended: a one-line error, "try again"
                assert client.returncode == 75 and err.decode().startswith("newsctl: error: the newsctl server stopped")
                assert len(err.decode().splitlines()) == 1
            else:  # the worker outlives its server and reports itself
                assert client.returncode == 0 and err.decode().startswith("added ")
                assert len(list((archive / "_posts").iterdir())) == 1
            assert wait_until(lambda: not alive(info["pid"]))
    finally:
        shutil.rmtree(srv, ignore_errors=True)


def test_another_user_is_refused(warm: dict[str, str]):
    if os.getuid() != 0:
        pytest.skip("needs root to run a client as another user (os.setuid)")
    import pwd

    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user 'nobody'")
    paths = paths_for(warm)
    before = served(warm)
    folder_mode = os.stat(paths.folder).st_mode & 0o777
    os.chmod(paths.folder, 0o755)  # let nobody reach the socket: only the server's own check remains
    os.chmod(paths.socket, 0o777)
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
        if pid == 0:  # the client, as nobody
            answer = b"no answer"
            try:
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
                from newsctl.server import protocol

                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(5)
                sock.connect(paths.socket)
                try:
                    sock.sendall(protocol.this_process_request("run", ["newsctl", "--version"]))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server may refuse (and close) before the request is written: read why
                answer = sock.recv(100) or b"closed"
                if answer == b"ready\n":
                    socket.send_fds(sock, [b"go\n"], [0, 1, 2])
                    answer += sock.recv(100)
            except BaseException as e:
                answer = repr(e).encode()
            os.write(write_end, answer)
            os._exit(0)
        os.waitpid(pid, 0)
        os.close(write_end)
        answer = os.read(read_end, 100)
        assert answer == b"refuse not your server\n"
        os.chmod(paths.folder, folder_mode)
        assert served(warm) == before
        assert f"uid {nobody.pw_uid} is not this server's user" in Path(paths.log).read_text()
    finally:
        os.chmod(paths.folder, folder_mode)
        os.chmod(paths.socket, 0o600)
        os.close(read_end)


def test_a_folder_that_is_not_private_is_never_used(arc: Path):
    srv = new_server_dir()
    try:
        os.chmod(srv, 0o755)
        env = base_env(arc.parent, srv)
        code, out, err = run(["server", "start"], env)
        assert (code, out) == (2, "") and "not a private folder" in err and len(err.splitlines()) == 1
        assert run(["--archive", str(arc), "list"], env) == run(["--archive", str(arc), "list"], off(env))
    finally:
        shutil.rmtree(srv, ignore_errors=True)


def test_another_installed_newsctl_is_noticed(arc: Path, tmp_path: Path):
    """A copy of the package stands for an upgrade: change one file and the server must step aside."""
    srv = new_server_dir()
    package = tmp_path / "site"
    shutil.copytree(ROOT / "newsctl", package / "newsctl", ignore=shutil.ignore_patterns("__pycache__"))
    env = base_env(arc.parent, srv, PYTHONPATH=str(package))
    launcher = [sys.executable, "-P", "-c", "import sys; from newsctl.server.client import main; sys.argv[0] = 'newsctl'; sys.exit(main())"]

    def newsctl(*args: str, extra: dict | None = None) -> tuple[int, str, str]:
        done = subprocess.run([*launcher, *args], capture_output=True, text=True, env={**env, **(extra or {})}, timeout=60)
        return done.returncode, done.stdout, done.stderr

    def copy_status():
        done = subprocess.run([sys.executable, "-P", "-c", "import json; from newsctl.server import control; print(json.dumps(control.status()))"],
                              capture_output=True, text=True, env=env)
        return __import__("json").loads(done.stdout)

    try:
        assert newsctl("server", "start")[0] == 0
        pid = copy_status()["pid"]
        args = ["--archive", str(arc), "search", "高新区", "--format", "paths"]
        expected = newsctl(*args, extra={"NEWSCTL_SERVER": "off"})
        assert newsctl(*args) == expected and copy_status()["served"] == 1
        dates = package / "newsctl" / "dates.py"
        dates.write_text(dates.read_text() + "\n# upgraded\n")
        assert newsctl(*args) == expected  # run in-process: the server did not answer with old code
        assert wait_until(lambda: not alive(pid))
        assert copy_status() is None
        assert "another newsctl is installed" in "".join(p.read_text() for p in srv.glob("*.log"))
    finally:
        newsctl("server", "stop")
        shutil.rmtree(srv, ignore_errors=True)


def test_server_commands_and_the_idle_exit(arc: Path):
    srv = new_server_dir()
    env = base_env(arc.parent, srv)
    try:
        code, out, _ = run(["server", "status"], env)
        assert code == 1 and out.startswith("not running")
        code, _, err = run(["server", "stop"], env)
        assert code == 1 and "not running" in err
        code, _, err = run(["--archive", str(arc), "server", "start", "--idle", "2"], env)
        assert code == 0 and "started" in err
        code, _, err = run(["server", "start"], env)
        assert code == 0 and "already running" in err
        code, out, _ = run(["server", "status"], env)
        assert code == 0 and out.startswith("running: pid") and f"index open: {arc / '.newsctl'}" in out
        pid = status(env)["pid"]
        assert wait_until(lambda: not alive(pid), timeout=30)  # idle for 2 s: gone
        assert not Path(paths_for(env).socket).exists()
        assert "idle: exiting" in Path(paths_for(env).log).read_text()
    finally:
        run(["server", "stop"], env)
        shutil.rmtree(srv, ignore_errors=True)


def test_auto_starts_a_server_for_the_next_command(arc: Path):
    srv = new_server_dir()
    env = base_env(arc.parent, srv, NEWSCTL_SERVER="auto")
    try:
        args = ["--archive", str(arc), "list", "-n", "3"]
        expected = run(args, off(env))
        assert run(args, env) == expected  # in-process, and a server starts meanwhile
        assert wait_until(lambda: status(env) is not None, timeout=30)
        assert run(args, env) == expected and served(env) == 1
    finally:
        run(["server", "stop"], env)
        shutil.rmtree(srv, ignore_errors=True)


def test_inherited_readers_are_used_only_while_their_generation_is_live(tmp_path: Path):
    from newsctl.archive import Archive
    from newsctl.engine import storage as idx
    from newsctl.engine.warm import ReaderCache, WarmIndex

    archive = tmp_path / "gen"
    copy_example_archive(archive)
    arc = Archive.open(archive)
    arc.index()
    state_dir = arc.state_dir
    cache = ReaderCache()
    read_end, write_end = os.pipe()
    try:
        cache.install(write_end)
        assert not isinstance(idx.open_index(state_dir), WarmIndex)  # nothing open yet: reported instead
        assert os.read(read_end, 4096) == os.fsencode(str(state_dir)) + b"\0"
        cache.refresh([str(state_dir)])
        warm = idx.open_index(state_dir)
        assert isinstance(warm, WarmIndex)
        with warm.searcher() as s:
            assert s.doc_count() == 40
        with warm.searcher() as s:  # closing a searcher leaves the shared reader open
            assert s.doc_count() == 40
        arc.add_files([POST])  # a new generation
        fresh = idx.open_index(state_dir)
        assert not isinstance(fresh, WarmIndex) and fresh.doc_count() == 41
        cache.refresh()
        warm = idx.open_index(state_dir)
        assert isinstance(warm, WarmIndex) and warm.searcher().doc_count() == 41
    finally:
        idx.warm_index = None
        os.close(read_end)
        os.close(write_end)

"""The installed newsctl on a real pseudo-terminal and on pipes: what people and scripts get.

A pty (with a window size) is what an interactive shell gives newsctl: colour,
hyperlinks, lines cut to the width. A pipe must get no escape codes at all.
Also here: the colour switches (--color, NO_COLOR, TERM=dumb), the pager,
the config file under flags and environment, --help, shell completion, and
one-line errors for every failure a user can cause.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from conftest import copy_example_archive
from rich.cells import cell_len

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "archive"
NEWSCTL = Path(sys.executable).parent / "newsctl"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]")
NW_ID = "2022-02-28-NW202202282290536398"


@pytest.fixture(scope="module")
def arc(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("term") / "arc"
    copy_example_archive(dest)
    done = subprocess.run([str(NEWSCTL), "--archive", str(dest), "index"], capture_output=True, text=True, env=base_env(dest.parent))
    assert done.returncode == 0, done.stderr
    return dest


def base_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("NEWSCTL_") and k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS", "LINES", "PAGER", "MANPAGER")}
    env.update(TERM="xterm-256color", XDG_CONFIG_HOME=str(home / "config"), LC_ALL="C.UTF-8")
    env.update(extra)
    return env


def on_pty(args: list[str], env: dict[str, str], *, cols: int = 80, rows: int = 40, cwd: Path | None = None) -> tuple[int, str, str]:
    """Run newsctl with stdin/stdout on a pty of cols x rows; stderr apart. Returns (code, screen text, stderr)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen([str(NEWSCTL), *args], stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env, cwd=cwd)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    while True:
        ready, _, _ = select.select([master], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            proc.kill()
            raise TimeoutError(f"newsctl {args} did not finish (waiting for a pager?)")
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
    return code, b"".join(chunks).decode("utf-8").replace("\r\n", "\n"), err


def piped(args: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[int, str, str]:
    done = subprocess.run([str(NEWSCTL), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60)
    return done.returncode, done.stdout, done.stderr


def visible(text: str) -> list[str]:
    return ANSI.sub("", text).rstrip("\n").split("\n")


# --- what a terminal shows ------------------------------------------------------------------

def test_search_on_a_terminal_is_coloured_linked_and_fits(arc: Path):
    env = base_env(arc.parent)
    for cols in (60, 80, 120):
        code, screen, err = on_pty(["--archive", str(arc), "search", "新思想"], env, cols=cols)
        assert code == 0, err
        assert "\x1b[" in screen  # colour
        assert "\x1b]8;" in screen and "file://" in screen  # paths as OSC 8 hyperlinks
        lines = visible(screen)
        assert all(cell_len(line) <= cols for line in lines), lines
        assert lines[0].startswith(" 1. 【新思想引领新征程】")
        assert "…" in lines[0] or cols >= 120  # a long title is cut to the width
        assert "posts match" in err  # the count goes to stderr


@pytest.mark.parametrize("switch", [{"NO_COLOR": "1"}, {"TERM": "dumb"}, {"ARGS": "--color=never"}])
def test_no_colour_means_no_escape_codes_but_the_same_layout(arc: Path, switch: dict[str, str]):
    extra = dict(switch)
    flag = [extra.pop("ARGS")] if "ARGS" in extra else []
    code, plain, _ = on_pty([*flag, "--archive", str(arc), "search", "新思想"], base_env(arc.parent, **extra))
    assert code == 0 and "\x1b" not in plain
    _, coloured, _ = on_pty(["--archive", str(arc), "search", "新思想"], base_env(arc.parent))
    assert visible(plain) == visible(coloured)


def test_list_on_a_terminal_is_aligned_columns(arc: Path):
    code, screen, _ = on_pty(["--archive", str(arc), "list", "-n", "5"], base_env(arc.parent), cols=80)
    lines = visible(screen)
    assert code == 0 and lines[0].split() == ["date", "category", "title", "id"]
    assert all(cell_len(line) <= 80 for line in lines)
    title_col = {cell_len(line[: line.index(line.split()[3])]) for line in lines[1:]}
    assert len(title_col) == 1  # titles start in one column: Chinese measured as two cells


def test_stats_on_a_terminal(arc: Path):
    code, screen, _ = on_pty(["--archive", str(arc), "stats", "--by", "year"], base_env(arc.parent), cols=70)
    lines = visible(screen)
    assert code == 0 and "40 posts, 2021-12-08 … 2026-08-14" in "".join(lines)
    assert any(line.startswith("2021  ") and "█" in line for line in lines)
    assert all(cell_len(line) <= 70 for line in lines)


def test_show_pages_a_long_post_on_a_terminal(arc: Path, tmp_path: Path):
    paged = tmp_path / "paged.txt"
    env = base_env(arc.parent, NEWSCTL_PAGER=f"cat > '{paged}'")
    code, screen, _ = on_pty(["--archive", str(arc), "show", NW_ID], env, rows=20)
    assert code == 0 and screen == ""  # everything went to the pager
    text = paged.read_text()
    assert "\x1b[" in text  # styles kept for the pager (less -R via LESS=FRX)
    assert visible(text)[0] == "争当国家高新区建设发展新标杆"
    paged.unlink()
    code, screen, _ = on_pty(["--archive", str(arc), "show", "--no-pager", NW_ID], env, rows=20)
    assert code == 0 and not paged.exists()
    assert visible(screen)[0] == "争当国家高新区建设发展新标杆" and "（文章来源：绵阳日报）" in screen
    code, screen, _ = on_pty(["--archive", str(arc), "show", NW_ID], env, rows=500)
    assert code == 0 and not paged.exists() and "新年新气象" in screen  # fits the screen: no pager
    code, screen, _ = on_pty(["--archive", str(arc), "show", NW_ID], {**env, "TERM": "dumb"}, rows=20)
    assert code == 0 and not paged.exists() and "新年新气象" in screen and "\x1b" not in screen  # no pager can drive it


def test_show_on_a_terminal_wraps_by_display_width(arc: Path):
    code, screen, _ = on_pty(["--archive", str(arc), "show", "--no-pager", NW_ID], base_env(arc.parent), cols=50)
    lines = visible(screen)
    assert code == 0 and all(cell_len(line) <= 50 for line in lines)
    assert not any(line.startswith(("。", "，", "、", "；", "”")) for line in lines)


# --- what a pipe gets ---------------------------------------------------------------------------

PIPE_CASES = [
    ["search", "高新区"], ["search", "高新区", "--format", "json"], ["search", "高新区", "--format", "jsonl"],
    ["search", "高新区", "--format", "paths"], ["list"], ["list", "--format", "csv"], ["show", NW_ID],
    ["show", NW_ID, "--format", "json"], ["stats"], ["stats", "高新区", "--format", "json"], ["--help"], ["show", "--help"],
]


@pytest.mark.parametrize("args", PIPE_CASES, ids=lambda a: " ".join(a))
def test_piped_output_has_no_escape_codes(arc: Path, args: list[str]):
    code, out, err = piped(["--archive", str(arc), *args], base_env(arc.parent))
    assert code == 0, err
    assert out and "\x1b" not in out and "\x1b" not in err


def test_color_always_styles_even_a_pipe(arc: Path):
    code, out, _ = piped(["--color", "always", "--archive", str(arc), "search", "高新区"], base_env(arc.parent, NO_COLOR="1"))
    assert code == 0 and "\x1b[" in out


# --- settings: flags > environment > archive config > user config > defaults -------------------

def test_config_files_under_environment_under_flags(arc: Path, tmp_path: Path):
    home = tmp_path
    (home / "config" / "newsctl").mkdir(parents=True)
    (home / "config" / "newsctl" / "config.toml").write_text('limit = 3\ntimezone = "Europe/Paris"\n')
    local = arc / ".newsctl" / "config.toml"
    local.write_text('limit = 1\ncolor = "never"\n')
    try:
        env = base_env(home)
        code, screen, err = on_pty(["--archive", str(arc), "search", "新思想"], env)
        assert code == 0 and "\x1b" not in screen  # color = "never" from the archive's config
        assert screen.count("\n 2. ") == 0 and "1 shown" in err  # limit = 1: the archive beats the user's file
        _, screen, _ = on_pty(["--color", "always", "--archive", str(arc), "search", "-n", "2", "新思想"], env)
        assert "\x1b[" in screen and " 2. " in screen  # flags beat the config
        _, out, _ = piped(["--archive", str(arc), "show", NW_ID], env)
        assert "\ndate: 2022-02-28 00:45\n" in out  # timezone from the user's config (07:45 +08:00 in Paris)
        _, out, _ = piped(["--archive", str(arc), "show", NW_ID], {**env, "NEWSCTL_TIMEZONE": "UTC"})
        assert "\ndate: 2022-02-27 23:45\n" in out  # the environment beats the config
        _, out, _ = piped(["--timezone", "Asia/Shanghai", "--archive", str(arc), "show", NW_ID], {**env, "NEWSCTL_TIMEZONE": "UTC"})
        assert "\ndate: 2022-02-28 07:45\n" in out  # the flag beats the environment
        local.write_text("limit = -1\n")
        code, out, err = piped(["--archive", str(arc), "stats"], env)
        assert code == 2 and out == "" and len(err.splitlines()) == 1 and "limit" in err
    finally:
        local.unlink()


# --- help, start-up, completion ----------------------------------------------------------------

def test_every_command_has_help_with_examples(arc: Path):
    from newsctl.cli.app import app

    names = [c.name for c in app.registered_commands]
    assert {"show", "stats", "search", "list"} <= set(names)
    for name in names:
        code, out, _ = piped([name, "--help"], base_env(arc.parent))
        assert code == 0 and "Examples:" in out and f"newsctl {name}" in out.split("Examples:")[1], name


def test_help_is_fast_and_imports_nothing_heavy(arc: Path):
    probe = "import sys, newsctl.cli; print(' '.join(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'whoosh', 'yaml', 'selectolax', 'rjieba', 'zhconv', 'markdown_it'})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        piped(["--help"], base_env(arc.parent))
        times.append(time.perf_counter() - t0)
    assert sorted(times)[1] < 0.5  # measured ~0.1 s; loose so a busy machine does not fail it


def test_shell_completion_completes_commands_options_and_post_ids(arc: Path):
    def complete(words: str) -> list[str]:
        env = base_env(arc.parent, _NEWSCTL_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - 1))
        return piped([], env)[1].split()

    assert complete("newsctl sh") == ["show"]
    assert "--format" in complete("newsctl stats --f")
    assert complete(f"newsctl -A {arc} show xwlb202509") == ["xwlb2025091110"]
    assert complete(f"newsctl -A {arc} show 2025-0") == ["2025-01-18-xwlb2025011802", "2025-05-12-xwlb2025051200", "2025-09-11-xwlb2025091110"]
    for shell, marker in (("bash", "complete -o default -F _newsctl_completion newsctl"), ("zsh", "#compdef newsctl"), ("fish", "complete --command newsctl")):
        code, out, _ = piped([], base_env(arc.parent, _NEWSCTL_COMPLETE=f"source_{shell}"))
        assert code == 0 and marker in out, shell  # what docs/usage.md tells each shell to load


# --- errors a user can cause: one line, what happened and what to do, no traceback -------------

def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsctl: error: "), err
    return lines[0]


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["frobnicate"], 2, "No such command 'frobnicate'"),
        (["search", "--frob", "x"], 2, "No such option: --frob"),
        (["stats", "--since", "last tuesday"], 2, "cannot read date 'last tuesday'"),
        (["list", "--until", "2022-13"], 2, "cannot read date"),
        (["search", "(高新区"], 2, "missing ')'"),
        (["stats", "nosuchfield:x"], 2, "nosuchfield"),
        (["show", "no-such-post"], 1, "no post with id or path 'no-such-post'"),
        (["show"], 2, "Missing argument 'ID|PATH'"),
        (["--color", "sometimes", "list"], 2, "'sometimes' is not one of"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else str(v),
)
def test_usage_errors_are_one_line(arc: Path, args: list[str], code: int, words: str):
    got, out, err = piped(["--archive", str(arc), *args], base_env(arc.parent))
    assert (got, out) == (code, "")
    assert words in one_line(err)


def test_no_archive(tmp_path: Path):
    for cmd in (["list"], ["stats"], ["show", "x"], ["search", "x"]):
        code, out, err = piped(cmd, base_env(tmp_path), cwd=tmp_path)
        assert (code, out) == (2, "")
        assert "no archive" in one_line(err) and "--archive" in err


def test_index_missing(tmp_path: Path):
    (tmp_path / "a" / "_posts").mkdir(parents=True)
    for cmd in (["list"], ["stats"], ["search", "x"]):
        code, out, err = piped(["--archive", str(tmp_path / "a"), *cmd], base_env(tmp_path))
        assert (code, out) == (2, "")
        assert "run: newsctl index" in one_line(err)


def test_unreadable_post(arc: Path):
    bad = arc / "_posts" / "2022-03-01-broken.md"
    bad.write_bytes(b"---\ntitle: [unclosed\n---\n")
    try:
        code, out, err = piped(["--archive", str(arc), "show", "2022-03-01-broken"], base_env(arc.parent))
        assert (code, out) == (2, "")
        assert str(bad) in one_line(err) and "YAML" in err
    finally:
        bad.unlink()
        # _posts/ changed (and changed back): index, so later readers are not told the index is stale
        piped(["--archive", str(arc), "index", "--quiet"], base_env(arc.parent))


def test_index_busy(arc: Path, tmp_path: Path):
    from newsctl.lock import write_lock

    with write_lock(arc / ".newsctl", wait=0, command="a test holding the lock"):
        code, out, err = piped(["--archive", str(arc), "index", "--wait", "0"], base_env(tmp_path))
        assert (code, out) == (75, "")
        assert "try again" in one_line(err).lower() or "--wait" in err
        code, _, err = piped(["--archive", str(arc), "stats"], base_env(tmp_path))
        assert code == 0  # readers never wait for the writer


@pytest.mark.parametrize("args", [["search", "新闻", "--format", "jsonl"], ["stats", "--by", "day"], ["list", "-n", "0"]])
def test_a_closed_pipe_is_a_quiet_normal_end(arc: Path, args: list[str]):
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` having exited: every write fails with EPIPE
    try:
        proc = subprocess.Popen([str(NEWSCTL), "--archive", str(arc), *args], stdout=write_end, stderr=subprocess.PIPE,
                                env=base_env(arc.parent))
    finally:
        os.close(write_end)
    _, err = proc.communicate(timeout=60)
    assert err == b""
    assert proc.returncode == 0

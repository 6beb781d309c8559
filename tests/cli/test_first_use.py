"""What a new user met on a fresh clone (issue 9): limits in pipes, file modes, broken
stdout, deep queries, a pager that cannot start, a stale index, empty posts, untitled posts.

The installed `newsctl` is run as a user runs it, on pipes and on a pty
(helpers from render/test_terminal.py), on a copy of the example archive (40 posts).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import copy_example_archive

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "render"))  # the pty helpers of test_terminal.py
from test_terminal import NEWSCTL, base_env, on_pty, piped, visible  # noqa: E402

NW_ID = "2022-02-28-NW202202282290536398"


@pytest.fixture(scope="module")
def arc(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("first") / "arc"
    copy_example_archive(dest)
    code, _, err = piped(["--archive", str(dest), "index"], base_env(dest.parent))
    assert code == 0, err
    return dest


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """An indexed copy of the example archive this test may change."""
    dest = copy_example_archive(tmp_path / "arc")
    code, _, err = piped(["--archive", str(dest), "index"], base_env(tmp_path))
    assert code == 0, err
    return dest


def nc(archive: Path, *args: str, **env: str) -> tuple[int, str, str]:
    return piped(["--archive", str(archive), *args], base_env(archive.parent, **env))


# --- 2. list into a pipe gives every post; a cut is said on stderr -----------------------


def test_list_into_a_pipe_lists_every_post_as_search_does(arc: Path):
    code, out, err = nc(arc, "list", "--format", "paths")
    assert code == 0 and len(out.splitlines()) == 40
    assert err == ""  # nothing was cut
    code, out, _ = nc(arc, "list")
    assert len(out.splitlines()) == 40


def test_list_on_a_terminal_stops_at_20_and_says_so(arc: Path):
    code, screen, err = on_pty(["--archive", str(arc), "list"], base_env(arc.parent), rows=60)
    assert code == 0 and len(visible(screen)) == 21  # header + 20
    assert "20 of 40 posts listed (--limit 0 lists all)" in err


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "paths"])
def test_list_cut_by_a_limit_says_so_on_stderr_in_every_format(arc: Path, fmt: str):
    code, out, err = nc(arc, "list", "--format", fmt, "--limit", "5")
    assert code == 0
    assert err.strip() == "5 of 40 posts listed (--limit 0 lists all)"


def test_search_cut_by_a_limit_in_a_pipe_says_so(arc: Path):
    code, out, err = nc(arc, "search", "新闻", "--format", "paths")
    total = len(out.splitlines())
    assert code == 0 and total > 3 and err == ""
    code, out, err = nc(arc, "search", "新闻", "--format", "paths", "--limit", "3")
    assert len(out.splitlines()) == 3
    assert err.strip() == f"{total} posts match; 3 shown (--limit 0 shows all)"


def test_list_finding_nothing_on_a_terminal_says_so(arc: Path):
    code, screen, err = on_pty(["--archive", str(arc), "list", "--since", "2090"], base_env(arc.parent))
    assert code == 1 and screen == ""
    assert err.strip() == "no posts match"
    code, out, err = nc(arc, "list", "--since", "2090")
    assert (code, out, err) == (1, "", "")  # a pipe gets silence and the exit code


# --- 3. files follow the umask, as cp does ----------------------------------------------


def _under_umask(mask: str, archive: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    import shlex
    import subprocess

    cmd = f"umask {mask}; exec {shlex.quote(str(NEWSCTL))} --archive {shlex.quote(str(archive))} " + " ".join(map(shlex.quote, args))
    done = subprocess.run(["sh", "-c", cmd], input=stdin, capture_output=True, text=True, env=base_env(archive.parent), timeout=60)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("mask,file_mode,dir_mode", [("022", 0o644, 0o755), ("002", 0o664, 0o775), ("077", 0o600, 0o700)])
def test_posts_index_and_records_follow_the_umask(tmp_path: Path, mask: str, file_mode: int, dir_mode: int):
    archive = tmp_path / "arc"
    (archive / "_posts").mkdir(parents=True)
    src = Path(__file__).resolve().parents[1] / "data" / "posts" / f"{NW_ID}.md"
    code, _, err = _under_umask(mask, archive, "add", str(src))
    assert code == 0, err
    code, _, err = _under_umask(mask, archive, "add", "--title", "umask", stdin="正文\n")
    assert code == 0, err
    code, _, err = _under_umask(mask, archive, "index", "--rebuild")
    assert code == 0, err
    written = [*archive.joinpath("_posts").iterdir(), *archive.joinpath(".newsctl").rglob("*")]
    assert len(written) > 10
    for path in written:
        if path.is_symlink():
            continue
        want = dir_mode if path.is_dir() else file_mode
        assert path.stat().st_mode & 0o777 == want, f"{path}: {oct(path.stat().st_mode & 0o777)}"


# --- 4. no traceback, ever ------------------------------------------------------------------

FULL_COMMANDS = [
    ["search", "经济"], ["search", "经济", "--format", "json"], ["search", "经济", "--format", "jsonl"],
    ["search", "经济", "--format", "paths"], ["search", "经济", "--count"],
    ["list"], ["list", "--format", "json"], ["list", "--format", "jsonl"], ["list", "--format", "csv"],
    ["list", "--format", "paths", "-0"],
    ["show", NW_ID], ["show", NW_ID, "--format", "json"], ["show", NW_ID, "--raw"],
    ["stats"], ["stats", "经济", "--format", "json"],
    ["status"], ["status", "--format", "json"], ["--help"], ["--version"],
]


@pytest.mark.parametrize("args", FULL_COMMANDS, ids=" ".join)
def test_a_full_stdout_is_one_line_and_exit_2(arc: Path, args: list[str]):
    import subprocess

    with open("/dev/full", "w") as full:
        done = subprocess.run([str(NEWSCTL), "--archive", str(arc), *args], stdout=full, stderr=subprocess.PIPE,
                              text=True, env=base_env(arc.parent), timeout=60)
    assert done.returncode == 2
    assert done.stderr == "newsctl: error: cannot write to standard output: No space left on device\n"


@pytest.mark.parametrize("args", [["search", "经济"], ["list", "--format", "jsonl"], ["show", NW_ID, "--raw"], ["stats"]], ids=" ".join)
def test_a_closed_pipe_is_still_a_quiet_end(arc: Path, args: list[str]):
    import subprocess

    proc = subprocess.Popen([str(NEWSCTL), "--archive", str(arc), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=base_env(arc.parent))
    proc.stdout.read(1)
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert b"Traceback" not in proc.stderr.read()


def _cjk(n: int) -> list[str]:
    return [chr(0x4E00 + i) for i in range(n)]


def test_a_term_repeated_1000_times_is_answered_as_the_term(arc: Path):
    code, once, _ = nc(arc, "search", "经济", "--format", "paths")
    assert code == 0
    code, out, err = nc(arc, "search", *["经济"] * 1000, "--format", "paths")
    assert (code, out) == (0, once), err


@pytest.mark.parametrize("query", [
    " ".join(_cjk(200)),
    " OR ".join(_cjk(200)),
    "(" * 50 + "经济" + ")" * 50,
    "".join(f"(经济 OR {c} " for c in _cjk(50)) + ")" * 50,
    "NOT " * 49 + "经济",
    " OR ".join(f'"{a}{b}"' for a, b in zip(_cjk(100), _cjk(200)[100:])),
], ids=["and200", "or200", "parens50", "mixed50", "not49", "phrases100"])
@pytest.mark.parametrize("command", [["search", "--format", "json"], ["search", "--count"], ["stats"]], ids=" ".join)
def test_queries_at_the_limits_are_answered(arc: Path, query: str, command: list[str]):
    code, _, err = nc(arc, *command, "--", query)
    assert code in (0, 1), err
    assert "Traceback" not in err


@pytest.mark.parametrize("query,limit", [
    (" ".join(_cjk(1000)), "query has 1000 different terms; at most 200 are allowed"),
    (" OR ".join(_cjk(201)), "query has 201 different terms; at most 200 are allowed"),
    ("(" * 300 + "经济" + ")" * 300, "query nests more than 50 levels of parentheses or NOT (at column 51); at most 50 are allowed"),
    ("- " * 0 + "NOT " * 51 + "经济", "query nests more than 50 levels"),
])
@pytest.mark.parametrize("command", [["search"], ["stats"]], ids=" ".join)
def test_queries_past_the_limits_are_refused_naming_the_limit(arc: Path, query: str, limit: str, command: list[str]):
    code, out, err = nc(arc, *command, "--", query)
    assert code == 2 and out == ""
    assert err.startswith(f"newsctl: error: {limit}") and err.count("\n") == 1


# --- 5. a pager that cannot start does not lose the post --------------------------------------


@pytest.mark.parametrize("var", ["PAGER", "NEWSCTL_PAGER"])
def test_a_pager_that_cannot_start_falls_back_to_printing(arc: Path, var: str):
    env = base_env(arc.parent, **{var: "nonexistent-pager -R"})
    code, screen, err = on_pty(["--archive", str(arc), "show", NW_ID], env, rows=20)
    assert code == 0
    assert visible(screen)[0] == "争当国家高新区建设发展新标杆" and "（文章来源：绵阳日报）" in screen
    assert err == "newsctl: cannot start the pager 'nonexistent-pager -R' (No such file or directory); printing directly\n"


def test_a_shell_pager_command_that_is_not_found_falls_back_too(arc: Path, tmp_path: Path):
    env = base_env(arc.parent, NEWSCTL_PAGER=f"nonexistent-pager > '{tmp_path / 'x'}'")
    code, screen, err = on_pty(["--archive", str(arc), "show", NW_ID], env, rows=20)
    assert code == 0 and "（文章来源：绵阳日报）" in screen
    assert err.endswith("(not found); printing directly\n")


# --- 6. a stale index says so, cheaply -------------------------------------------------------

STALE = "index is older than _posts/; run newsctl index"


@pytest.mark.parametrize("change", ["add-by-hand", "delete", "rename", "new-subfolder"])
def test_search_list_and_stats_say_when_posts_changed_since_the_index(fresh: Path, change: str):
    posts = fresh / "_posts"
    for args in (["search", "经济"], ["list"], ["stats"]):
        assert STALE not in nc(fresh, *args)[2]
    victim = posts / f"{NW_ID}.md"
    if change == "add-by-hand":
        shutil.copy(victim, posts / "2022-03-01-copy.md")
    elif change == "delete":
        victim.unlink()
    elif change == "rename":
        victim.rename(posts / "2022-02-28-renamed.md")
    else:
        (posts / "2024").mkdir()
    for args in (["search", "经济"], ["search", "经济", "--format", "json"], ["list", "--format", "paths"], ["stats"]):
        code, out, err = nc(fresh, *args)
        assert STALE in err.splitlines(), (args, err)
        assert STALE not in out
    assert nc(fresh, "index", "--quiet")[0] == 0
    assert STALE not in nc(fresh, "search", "经济")[2]


def test_a_post_in_a_subfolder_is_seen_too(fresh: Path):
    sub = fresh / "_posts" / "2022"
    sub.mkdir()
    assert nc(fresh, "index", "--quiet")[0] == 0
    assert STALE not in nc(fresh, "list")[2]
    shutil.copy(fresh / "_posts" / f"{NW_ID}.md", sub / "2022-03-01-copy.md")
    assert STALE in nc(fresh, "list")[2]


def test_add_keeps_the_index_fresh(fresh: Path, tmp_path: Path):
    src = tmp_path / "in" / "2022-03-02-new.md"
    src.parent.mkdir()
    src.write_text("---\ntitle: 新的\ndate: 2022-03-02 08:00:00 +0800\n---\n\n正文经济\n", encoding="utf-8")
    assert nc(fresh, "add", str(src))[0] == 0
    code, _, err = nc(fresh, "search", "经济")
    assert code == 0 and STALE not in err


def test_the_check_costs_a_few_stats_not_a_scan(fresh: Path, monkeypatch):
    from newsctl.sync import freshness

    calls: list[str] = []
    real = os.stat
    monkeypatch.setattr(freshness.os, "stat", lambda p, *a, **k: calls.append(str(p)) or real(p, *a, **k))
    assert freshness.index_is_stale(fresh / ".newsctl", fresh) is False
    assert calls == [str(fresh / "_posts")]  # one folder: one stat, whatever the number of posts


# --- 7. add --title: the body from the editor on a terminal; an empty body is refused -------


def _editor(tmp_path: Path, body: str, code: int = 0) -> str:
    script = tmp_path / "fake-editor"
    script.write_text(f"#!/bin/sh\nprintf '%s' '{body}' > \"$1\"\nexit {code}\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script)


def test_add_title_on_a_terminal_takes_the_body_from_the_editor(fresh: Path, tmp_path: Path):
    env = base_env(fresh.parent, EDITOR=_editor(tmp_path, "编辑器里写的正文。"), VISUAL="")
    code, _, err = on_pty(["--archive", str(fresh), "add", "--title", "编辑器", "--date", "2030-01-01 08:00"], env)
    assert code == 0, err
    assert "waiting for your editor" in err
    (post,) = (fresh / "_posts").glob("2030-01-01-*.md")
    assert post.read_text(encoding="utf-8").endswith("\n\n编辑器里写的正文。\n")


def test_visual_wins_over_editor(fresh: Path, tmp_path: Path):
    visual = tmp_path / "v"
    visual.mkdir()
    env = base_env(fresh.parent, EDITOR=_editor(tmp_path, "EDITOR"), VISUAL=_editor(visual, "VISUAL"))
    code, _, err = on_pty(["--archive", str(fresh), "add", "--title", "谁", "--date", "2030-01-02"], env)
    assert code == 0, err
    (post,) = (fresh / "_posts").glob("2030-01-02-*.md")
    assert post.read_text(encoding="utf-8").endswith("\nVISUAL\n")


@pytest.mark.parametrize("body,code_,why", [("", 0, "the body from the editor is empty; nothing written"),
                                            ("  \n", 0, "the body from the editor is empty; nothing written"),
                                            ("x", 1, "failed (exit 1); nothing written")])
def test_an_empty_body_or_a_failed_editor_aborts_and_writes_nothing(fresh: Path, tmp_path: Path, body: str, code_: int, why: str):
    before = sorted((fresh / "_posts").iterdir())
    env = base_env(fresh.parent, EDITOR=_editor(tmp_path, body, code_))
    code, _, err = on_pty(["--archive", str(fresh), "add", "--title", "空的"], env)
    assert code == 2 and why in err
    assert sorted((fresh / "_posts").iterdir()) == before


@pytest.mark.parametrize("source", ["stdin", "file"])
def test_an_empty_body_from_stdin_or_a_file_is_refused_unless_allowed(fresh: Path, tmp_path: Path, source: str):
    import subprocess

    empty = tmp_path / "empty.md"
    empty.write_text("\n", encoding="utf-8")
    before = sorted((fresh / "_posts").iterdir())
    args = [str(NEWSCTL), "--archive", str(fresh), "add", "--title", "空的", "--date", "2030-02-02"]
    if source == "file":
        args += ["--body-file", str(empty)]
    done = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=base_env(fresh.parent))
    where = str(empty) if source == "file" else "stdin"
    assert done.returncode == 2
    assert done.stderr == f"newsctl: error: the body from {where} is empty; nothing written (write a body, or pass --allow-empty)\n"
    assert sorted((fresh / "_posts").iterdir()) == before
    done = subprocess.run(args + ["--allow-empty"], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=base_env(fresh.parent))
    assert done.returncode == 0, done.stderr
    assert len(list((fresh / "_posts").glob("2030-02-02-*.md"))) == 1


# --- 9. the smaller ones: add -------------------------------------------------------------


def test_add_without_date_writes_whole_seconds(fresh: Path):
    import subprocess

    done = subprocess.run([str(NEWSCTL), "--archive", str(fresh), "add", "--title", "现在"], input="正文\n",
                          capture_output=True, text=True, env=base_env(fresh.parent))
    assert done.returncode == 0, done.stderr
    path = Path(done.stderr.split("added ", 1)[1].split()[0])
    (date_line,) = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("date: ")]
    import re

    assert re.fullmatch(r"date: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0800", date_line), date_line


def test_add_force_on_a_post_already_in_posts_does_not_offer_force(fresh: Path):
    code, _, err = nc(fresh, "add", "--force", str(fresh / "_posts" / f"{NW_ID}.md"))
    assert code == 0
    assert "--force adds it" not in err
    assert f"skipped: {fresh / '_posts' / NW_ID}.md: already in the archive's _posts/ (newsctl index indexes it)" in err


@pytest.mark.parametrize("flags,named", [(["--body-file", "b.md"], "--body-file"), (["--allow-empty"], "--allow-empty"),
                                         (["--date", "2022-01-01", "--tag", "x"], "--date/--tag")])
def test_title_only_flags_without_title_say_they_go_with_title(fresh: Path, flags: list[str], named: str):
    code, out, err = nc(fresh, "add", *flags)
    assert code == 2 and out == ""
    assert err.startswith(f"newsctl: error: {named} go") and "with --title" in err


# --- 8. add and index agree on untitled and undated posts --------------------------------

UNTITLED = '---\nlayout: post\ntitle: ""\ndate:  +0800\ncategories: emnews\n---\n\n无题的正文，经济新闻。\n'


def _records(archive: Path) -> dict[str, dict]:
    code, out, err = nc(archive, "list", "--format", "json")
    assert code in (0, 1), err
    return {Path(r["path"]).name: r for r in json.loads(out)}


@pytest.mark.parametrize("how", ["jekyll-name", "other-name", "stdin"])
def test_add_takes_an_untitled_undated_post_as_index_reads_it(tmp_path: Path, how: str):
    import subprocess

    by_add = tmp_path / "by-add"
    (by_add / "_posts").mkdir(parents=True)
    src = tmp_path / ("2022-03-05-untitled.md" if how == "jekyll-name" else "scraped.md")
    src.write_text(UNTITLED, encoding="utf-8")
    os.utime(src, (1646460000, 1646460000))  # 2022-03-05 14:00 +0800
    args = [str(NEWSCTL), "--archive", str(by_add), "add", "-" if how == "stdin" else str(src)]
    done = subprocess.run(args, input=UNTITLED, capture_output=True, text=True, env=base_env(tmp_path))
    assert done.returncode == 0, done.stderr
    (written,) = (by_add / "_posts").iterdir()
    assert written.read_text(encoding="utf-8") == UNTITLED  # the bytes as given: nothing lost
    if how != "stdin":
        assert written.name.startswith("2022-03-05-")
    if how == "other-name":
        assert written.name == "2022-03-05-scraped.md"  # an untitled post is named after its file
    added = _records(by_add)[written.name]
    assert added["title"] == ""
    # the same file put in _posts/ by hand and indexed: the same record
    by_hand = tmp_path / "by-hand"
    (by_hand / "_posts").mkdir(parents=True)
    shutil.copy2(written, by_hand / "_posts" / written.name)
    assert nc(by_hand, "index", "--quiet")[0] == 0
    indexed = _records(by_hand)[written.name]
    assert {k: v for k, v in indexed.items() if k != "path"} == {k: v for k, v in added.items() if k != "path"}
    assert indexed["date"].endswith("T00:00:00+08:00")  # dated by the file name
    # shown as (untitled), found by search, and a second add is a duplicate
    assert "(untitled)" in on_pty(["--archive", str(by_add), "list"], base_env(tmp_path))[1]
    assert nc(by_add, "search", "无题")[0] == 0
    again = subprocess.run(args, input=UNTITLED, capture_output=True, text=True, env=base_env(tmp_path))
    assert again.returncode == 0 and "duplicate" in again.stderr
    assert len(list((by_add / "_posts").iterdir())) == 1


def test_check_notes_untitled_and_undated_posts_without_failing(fresh: Path):
    (fresh / "_posts" / "2022-03-05-untitled.md").write_text(UNTITLED, encoding="utf-8")
    assert nc(fresh, "index", "--quiet")[0] == 0
    code, out, err = nc(fresh, "check")
    assert code == 0, out + err
    assert 'untitled: _posts/2022-03-05-untitled.md: no title in the front matter (shown as "(untitled)")' in out.splitlines()
    assert "undated: _posts/2022-03-05-untitled.md: no date in the front matter (dated by its file name)" in out.splitlines()
    assert "2 notes" in err


# --- 9. the smaller ones: dates, config ---------------------------------------------------


@pytest.mark.parametrize("option", ["--since", "--until"])
@pytest.mark.parametrize("command", ["list", "search", "stats"])
def test_a_bad_since_or_until_names_the_option(arc: Path, option: str, command: str):
    args = [command, *(["经济"] if command == "search" else []), option, "2023-02-30"]
    code, out, err = nc(arc, *args)
    assert code == 2 and out == ""
    assert err.startswith(f"newsctl: error: {option}: cannot read date '2023-02-30': day is out of range for month")


@pytest.mark.parametrize("where", ["user", "archive"])
@pytest.mark.parametrize("line,key", [('color = "sometimes"', "'color' must be one of"), ("limit = -1", "'limit' must be a whole number"),
                                      ('timezone = "Mars/Base"', "unknown timezone 'Mars/Base' ('timezone' in ")])
def test_a_bad_config_value_names_its_file(tmp_path: Path, where: str, line: str, key: str):
    archive = copy_example_archive(tmp_path / "arc")
    path = (tmp_path / "config" / "newsctl" / "config.toml") if where == "user" else (archive / ".newsctl" / "config.toml")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(line + "\n", encoding="utf-8")
    code, out, err = nc(archive, "list")
    assert code == 2 and out == ""
    assert str(path) in err and key in err, err


# --- 9. the smaller ones: search ------------------------------------------------------------


@pytest.mark.parametrize("query,hint", [
    ("经*", "newsctl: wildcards are not supported: '经*' was searched as written; Chinese already matches any substring: search '经'"),
    ("econom*", "newsctl: wildcards are not supported: 'econom*' was searched as written; ASCII letters and digits match whole words: write the whole word"),
    ("经济 and 高新区", "newsctl: 'and' was searched as a word; the operator is AND (upper case)"),
    ("不存在的词 or 经济", "newsctl: 'or' was searched as a word; the operator is OR (upper case)"),
])
@pytest.mark.parametrize("count", [False, True])
def test_nothing_found_hints_at_wildcards_and_lower_case_operators(arc: Path, query: str, hint: str, count: bool):
    code, _, err = nc(arc, "search", *(["--count"] if count else []), "--", query)
    assert code == 1
    assert hint in err.splitlines()


def test_a_query_that_finds_something_gets_no_hint(arc: Path):
    code, _, err = nc(arc, "search", "--", "经济 OR 经*")
    assert code == 0 and "wildcards" not in err


@pytest.mark.parametrize("query", ['""', '" "', '经济 ""'])
def test_an_empty_phrase_is_an_error_as_an_empty_query_is(arc: Path, query: str):
    code, out, err = nc(arc, "search", query)
    assert code == 2 and out == ""
    assert err.startswith("newsctl: error: empty phrase") and "(put words between the quotes)" in err


def test_search_reverse_gives_the_order_backwards(arc: Path):
    def dates(*extra: str) -> list[str]:
        code, out, err = nc(arc, "search", "经济", "--format", "jsonl", *extra)
        assert code == 0, err
        return [json.loads(line)["date"] for line in out.splitlines()]

    newest_first = dates("--sort", "date")
    assert newest_first == sorted(newest_first, reverse=True) and len(newest_first) > 2
    assert dates("--sort", "date", "--reverse") == newest_first[::-1]
    assert dates("--sort", "date", "-r", "--limit", "2") == newest_first[::-1][:2]  # the oldest two, not the newest reversed
    code, out, _ = nc(arc, "search", "经济", "--format", "jsonl", "--reverse")
    scores = [json.loads(line)["score"] for line in out.splitlines()]
    assert scores == sorted(scores)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_count_in_a_json_format_prints_json(arc: Path, fmt: str):
    code, out, _ = nc(arc, "search", "经济", "--count", "--format", fmt)
    data = json.loads(out)
    assert code == 0 and data == {"query": "经济", "count": data["count"]} and data["count"] > 0
    assert nc(arc, "search", "经济", "--count")[1] == f"{data['count']}\n"  # the plain count stays a bare number
    code, out, _ = nc(arc, "search", "没有这个词的", "--count", "--format", fmt)
    assert code == 1 and json.loads(out) == {"query": "没有这个词的", "count": 0}


# --- 9. the smaller ones: index --wait, status ------------------------------------------------


def test_index_wait_says_how_long_it_waited_and_for_whom(fresh: Path):
    import re
    import subprocess
    import time

    from newsctl.lock import write_lock

    with write_lock(fresh / ".newsctl", command="newsctl test-holder"):
        proc = subprocess.Popen([str(NEWSCTL), "--archive", str(fresh), "index", "--wait", "30"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=base_env(fresh.parent))
        time.sleep(2.5)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    m = re.search(r", ([0-9.]+)s; waited ([0-9.]+)s for pid (\d+) on \S+ \(newsctl test-holder", err)
    assert m, err
    run_s, waited = float(m[1]), float(m[2])
    assert waited >= 1.0 and run_s < waited  # the run's own time leaves the wait out
    assert int(m[3]) == os.getpid()
    state = json.loads((fresh / ".newsctl" / "state.json").read_text(encoding="utf-8"))
    assert state["last"]["waited"] >= 1.0


def test_status_mentions_replaced_index_folders_kept_for_readers(fresh: Path):
    code, out, _ = nc(fresh, "status")
    assert code == 0 and "replaced:" not in out
    assert nc(fresh, "index", "--rebuild", "--quiet")[0] == 0
    code, out, _ = nc(fresh, "status")
    (line,) = [line for line in out.splitlines() if line.startswith("replaced:")]
    assert line.startswith("replaced:  1 older index folder, ") and "kept for readers that opened it" in line
    assert " KB" in line or " MB" in line
    data = json.loads(nc(fresh, "status", "--format", "json")[1])
    (old,) = data["replaced"]
    assert old["size_bytes"] > 0 and Path(old["folder"]).name.startswith("index.")


# --- 9. the smaller ones: --color always keeps the pipe's layout -----------------------------


@pytest.mark.parametrize("args", [["search", "新思想"], ["search", "经济", "-n", "3"], ["list"], ["stats", "--by", "year"],
                                  ["show", NW_ID]], ids=" ".join)
def test_color_always_into_a_pipe_keeps_the_pipe_layout(arc: Path, args: list[str]):
    from test_terminal import ANSI

    code, plain, _ = piped(["--color", "never", "--archive", str(arc), *args], base_env(arc.parent))
    code2, styled, _ = piped(["--color", "always", "--archive", str(arc), *args], base_env(arc.parent))
    assert code == code2 == 0
    assert ANSI.sub("", styled) == plain  # the same lines, only escape codes added
    if args[0] == "search":
        assert "\x1b[" in styled
        assert max(len(line) for line in plain.splitlines()) > 80  # nothing wrapped at 80 or cut

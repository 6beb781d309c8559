"""The CLI as users and scripts meet it: add, list, search, exit codes, streams."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsctl.cli import main
from newsctl.cli.app import app

DATA = Path(__file__).resolve().parents[1] / "data" / "posts"
NW = "2022-02-28-NW202202282290536398.md"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    for var in ("NEWSCTL_ARCHIVE", "NEWSCTL_INDEX_DIR", "NEWSCTL_TIMEZONE", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    (tmp_path / "arc" / "_posts").mkdir(parents=True)
    return tmp_path / "arc"


def run(capsys, *args: str, stdin: bytes | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def listed(capsys, archive: Path, *extra: str) -> list[dict]:
    code, out, err = run(capsys, "--archive", str(archive), "list", "--format", "json", "--limit", "0", *extra)
    assert code in (0, 1), err
    return json.loads(out)


def test_add_every_real_post_then_list_returns_each_once(capsys, empty: Path):
    files = sorted(DATA.iterdir())
    code, out, err = run(capsys, "--archive", str(empty), "add", *map(str, files))
    assert code == 0, err
    assert out == ""  # messages go to stderr
    assert f"added {len(files)}, duplicate 0, failed 0" in err
    records = listed(capsys, empty)
    assert sorted(r["id"] for r in records) == sorted(f.stem for f in files)
    assert set(records[0]) == {"id", "path", "title", "date", "categories", "tags", "source"}
    dates = [r["date"] for r in records]
    assert dates == sorted(dates, reverse=True)  # newest first
    nw = next(r for r in records if r["id"] == NW[:-3])
    assert nw["title"] == "争当国家高新区建设发展新标杆"
    assert nw["date"] == "2022-02-28T07:45:08+08:00"
    assert nw["categories"] == ["mianyangribao"] and nw["tags"] == ["绵阳日报新闻"]
    assert Path(nw["path"]).read_bytes() == (DATA / NW).read_bytes()  # copied byte for byte


def test_adding_the_same_posts_again_skips_them_as_duplicates(capsys, empty: Path):
    run(capsys, "--archive", str(empty), "add", str(DATA))
    before = sorted(p.name for p in (empty / "_posts").iterdir())
    renamed = empty.parent / "2022-02-28-renamed.md"
    shutil.copy(DATA / NW, renamed)
    code, _, err = run(capsys, "--archive", str(empty), "add", str(DATA / NW), str(renamed))
    assert code == 0
    assert "duplicate" in err and "added 0, duplicate 2, failed 0" in err
    assert sorted(p.name for p in (empty / "_posts").iterdir()) == before
    code, _, err = run(capsys, "--archive", str(empty), "add", "--force", str(renamed))
    assert code == 0 and "added" in err
    assert len(list((empty / "_posts").iterdir())) == len(before) + 1


def test_add_from_stdin(capsys, monkeypatch, empty: Path):
    data = (DATA / NW).read_bytes()
    code, _, err = run(capsys, "--archive", str(empty), "add", "-", stdin=data, monkeypatch=monkeypatch)
    assert code == 0, err
    (written,) = list((empty / "_posts").iterdir())
    assert written.name.startswith("2022-02-28-") and written.suffix == ".md"
    assert written.read_bytes() == data
    assert [r["title"] for r in listed(capsys, empty)] == ["争当国家高新区建设发展新标杆"]


def test_new_post_from_flags_gets_an_ascii_name_that_never_collides(capsys, monkeypatch, empty: Path):
    args = ["--archive", str(empty), "add", "--title", "绵阳高新区排名上升", "--date", "2022-03-01 08:00",
            "--category", "mianyangribao", "--tag", "绵阳", "--source", "http://example.org/a"]
    code, _, err = run(capsys, *args, stdin="正文第一段。\n".encode(), monkeypatch=monkeypatch)
    assert code == 0, err
    args[-1] = "http://example.org/b"
    code, _, err = run(capsys, *args, stdin="另一个正文。\n".encode(), monkeypatch=monkeypatch)
    assert code == 0, err
    names = sorted(p.name for p in (empty / "_posts").iterdir())
    assert len(names) == 2 and all(n.isascii() and n.startswith("2022-03-01-") for n in names)
    records = listed(capsys, empty)
    assert {r["source"] for r in records} == {"http://example.org/a", "http://example.org/b"}
    assert records[0]["date"] == "2022-03-01T08:00:00+08:00"
    assert records[0]["categories"] == ["mianyangribao"] and records[0]["tags"] == ["绵阳"]


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary\xff\xfe", "binary"),
        (b"---\ntitle: [unclosed\n---\nbody\n", "YAML"),
        ("no front matter at all\n".encode(), "front matter"),
    ],
)
def test_bad_input_is_one_line_naming_the_file_and_nothing_is_written(capsys, empty: Path, content: bytes, reason: str):
    bad = empty.parent / "2022-01-01-bad.md"
    bad.write_bytes(content)
    code, out, err = run(capsys, "--archive", str(empty), "add", str(bad), str(DATA / NW))
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("newsctl: error")]
    assert len(lines) == 1 and str(bad) in lines[0], err
    assert reason.lower() in lines[0].lower()
    assert "Traceback" not in err
    assert [p.name for p in (empty / "_posts").iterdir()] == [NW]  # the good one landed, nothing else
    assert "added 1, duplicate 0, failed 1" in err


def test_no_archive_is_exit_2_with_one_line(capsys, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "list")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no archive" in err and "--archive" in err


def test_list_filters_and_exit_codes(capsys, empty: Path):
    run(capsys, "--archive", str(empty), "add", str(DATA))
    feb = listed(capsys, empty, "--since", "2022-02", "--until", "2022-02")
    assert feb and all(r["date"].startswith("2022-02") for r in feb)
    emnews = listed(capsys, empty, "--category", "emnews")
    assert emnews and all(r["categories"] == ["emnews"] for r in emnews)
    tagged = listed(capsys, empty, "--tag", "新闻联播", "--reverse")
    assert tagged and [r["date"] for r in tagged] == sorted(r["date"] for r in tagged)
    code, out, _ = run(capsys, "--archive", str(empty), "list", "--since", "2030")
    assert code == 1 and out == ""
    code, out, err = run(capsys, "--archive", str(empty), "list", "--since", "last week")
    assert code == 2 and "cannot read date 'last week'" in err


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "paths"])
def test_every_list_format_is_plain_text_in_a_pipe(capsys, empty: Path, fmt: str):
    run(capsys, "--archive", str(empty), "add", str(DATA))
    code, out, _ = run(capsys, "--archive", str(empty), "list", "--format", fmt, "--limit", "3")
    assert code == 0 and "\x1b[" not in out
    if fmt == "jsonl":
        assert len([json.loads(line) for line in out.splitlines()]) == 3
    if fmt == "csv":
        assert out.splitlines()[0] == "id,path,title,date,categories,tags,source"
    if fmt == "paths":
        assert all(Path(p).is_file() for p in out.splitlines())


def test_null_separated_paths(capsys, empty: Path):
    run(capsys, "--archive", str(empty), "add", str(DATA))
    code, out, _ = run(capsys, "--archive", str(empty), "list", "--format", "paths", "-0", "--limit", "0")
    paths = out.split("\0")
    assert paths[-1] == "" and len(paths) - 1 == len(list(DATA.iterdir()))


def test_search_exit_codes_and_count(capsys, empty: Path):
    run(capsys, "--archive", str(empty), "add", str(DATA))
    code, out, _ = run(capsys, "--archive", str(empty), "search", "高新区", "--count")
    assert code == 0 and int(out) >= 1
    code, out, _ = run(capsys, "--archive", str(empty), "search", "没有这种词语吧", "--count")
    assert code == 1 and out.strip() == "0"
    code, out, err = run(capsys, "--archive", str(empty), "search", "(高新区")
    assert code == 2 and "missing ')'" in err and out == ""


def test_help_has_examples_for_every_command():
    runner = CliRunner()
    for command in ("list", "add", "search", "index"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Examples" in result.output, command


def test_installed_newsctl_runs_as_a_process(tmp_path: Path):
    exe = shutil.which("newsctl", path=str(Path(sys.executable).parent)) or shutil.which("newsctl")
    assert exe, "newsctl is not installed in this environment"
    arc = tmp_path / "arc"
    (arc / "_posts").mkdir(parents=True)
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    env.pop("NO_COLOR", None)
    added = subprocess.run([exe, "--archive", str(arc), "add", str(DATA)], capture_output=True, text=True, env=env)
    assert added.returncode == 0, added.stderr
    found = subprocess.run([exe, "search", "高新区", "--format", "jsonl"], cwd=arc / "_posts", capture_output=True, text=True, env=env)
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert hits[0]["id"] == NW[:-3]
    s, e = hits[0]["highlights"][0]
    assert hits[0]["snippet"][s:e] == "高新区"
    help_run = subprocess.run([exe, "--help"], capture_output=True, text=True, env=env)
    assert help_run.returncode == 0 and "search" in help_run.stdout


def test_a_post_left_unindexed_by_a_killed_add_still_counts_as_a_duplicate(capsys, empty: Path):
    run(capsys, "--archive", str(empty), "add", str(DATA / "2021-12-08-202112082206672930.md"))
    # as if `add` was killed after writing the file and before committing the index
    shutil.copy(DATA / NW, empty / "_posts" / NW)
    code, _, err = run(capsys, "--archive", str(empty), "add", str(DATA / NW))
    assert code == 0 and "added 0, duplicate 1, failed 0" in err
    assert len(list((empty / "_posts").iterdir())) == 2
    assert NW[:-3] in [r["id"] for r in listed(capsys, empty)]

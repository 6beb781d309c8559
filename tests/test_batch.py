"""`search --batch`: one JSON object a query line, the same hits as one search per query."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from newsctl.cli import main

DATA = Path(__file__).parent / "data" / "posts"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    for var in ("NEWSCTL_ARCHIVE", "NEWSCTL_INDEX_DIR", "NEWSCTL_TIMEZONE", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture(scope="module")
def arc(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("batch") / "arc"
    (root / "_posts").mkdir(parents=True)
    assert main(["--archive", str(root), "add", str(DATA)]) == 0
    return root


def run(capsys, monkeypatch, arc: Path, *args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(["--archive", str(arc), "search", *args])
    out, err = capsys.readouterr()
    return code, out, err


def records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_each_query_line_gets_one_record_with_the_hits_of_a_single_search(capsys, monkeypatch, arc: Path):
    queries = ["高新区", "人民币", '"国家高新区" OR 科技园']
    code, out, err = run(capsys, monkeypatch, arc, "--batch", "--limit", "2", stdin="\n".join(queries).encode() + b"\n")
    assert code == 0 and err == ""
    got = records(out)
    assert [r["query"] for r in got] == queries and [r["line"] for r in got] == [1, 2, 3]
    for record in got:
        _, single, _ = run(capsys, monkeypatch, arc, record["query"], "--format", "jsonl", "--limit", "2")
        assert record["hits"] == records(single)
        _, count, _ = run(capsys, monkeypatch, arc, record["query"], "--count")
        assert record["total"] == int(count) and record["fallbacks"] == []
        assert set(record) == {"query", "line", "total", "fallbacks", "hits"}


def test_a_bad_line_is_a_record_with_an_error_and_the_batch_goes_on(capsys, monkeypatch, arc: Path):
    code, out, err = run(capsys, monkeypatch, arc, "--batch", "--count", stdin="(高新区\n\n  \n人民币\n".encode() + b"\xff\n")
    got = records(out)
    assert code == 2  # any bad line: exit 2, after every line was answered
    assert got[0] == {"query": "(高新区", "line": 1, "error": "missing ')' at the end of query '(高新区'"}
    assert got[1]["query"] == "人民币" and got[1]["line"] == 4 and got[1]["total"] >= 1  # blank lines 2-3 skipped
    assert got[2]["line"] == 5 and got[2]["error"].startswith("not UTF-8")
    assert len(got) == 3 and "line 1:" in err and "line 5:" in err and "Traceback" not in err


def test_paths_format_gives_only_paths_the_same_as_a_single_search(capsys, monkeypatch, arc: Path):
    code, out, _ = run(capsys, monkeypatch, arc, "--batch", "--format", "paths", stdin="新闻\n".encode())
    (record,) = records(out)
    _, single, _ = run(capsys, monkeypatch, arc, "新闻", "--format", "paths")
    assert code == 0 and record["paths"] == single.splitlines() and "hits" not in record
    assert record["total"] == len(record["paths"])


def test_fallbacks_are_in_the_record_and_nothing_found_is_exit_1(capsys, monkeypatch, arc: Path):
    code, out, err = run(capsys, monkeypatch, arc, "--batch", stdin="没有这种词语吧\n".encode())
    (record,) = records(out)
    assert code == 1 and record["total"] == 0 and record["hits"] == [] and err == ""
    assert record["fallbacks"] == [{"term": "没有这种词语吧", "words": ["没有", "这种", "词语", "吧"]}]
    code, out, _ = run(capsys, monkeypatch, arc, "--batch", stdin=b"")
    assert (code, out) == (1, "")


@pytest.mark.parametrize("args, words", [
    (["--batch", "高新区"], "give no QUERY"),
    (["--batch", "--format", "table"], "--format jsonl"),
    (["--batch", "--format", "paths", "-0"], "--null"),
    (["--batch", "--explain"], "--explain"),
    ([], "Missing argument 'QUERY...'"),
])
def test_batch_usage_errors(capsys, monkeypatch, arc: Path, args: list[str], words: str):
    code, out, err = run(capsys, monkeypatch, arc, *args, stdin="x\n".encode())
    assert (code, out) == (2, "") and words in err and len(err.splitlines()) == 1


def test_the_json_page_batch_example_is_real_output(capsys, monkeypatch, tmp_path: Path):
    import re

    from conftest import copy_example_archive

    doc = (Path(__file__).parent.parent / "docs" / "json-format.md").read_text("utf-8")
    command = re.search(r"printf '%s\\n' (.+?) \| newsctl search (--batch[^\n]*)\n", doc)
    example = re.search(r"```jsonl\n(.+?)\n```", doc, re.S)
    assert command and example
    archive = copy_example_archive(tmp_path / "news")
    assert main(["--archive", str(archive), "index", "--quiet"]) == 0
    queries = [q.strip("'") for q in re.findall(r"'[^']*'|\S+", command.group(1))]
    code, out, _ = run(capsys, monkeypatch, archive, *command.group(2).split(), stdin=("\n".join(queries) + "\n").encode())
    assert code == 2 and out.replace(f"{archive}/", "/home/me/news/") == example.group(1) + "\n"

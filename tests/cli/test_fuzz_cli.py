"""Fuzzing through the CLI: whatever query or post file a user gives, newsctl ends with
exit 0, 1 or 2 and one-line messages — never a traceback, never another code.

`main()` runs in this process (as the console script runs it), so an exception that
escapes it fails the test with its traceback; stdout and stderr are captured.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import sys
from pathlib import Path

import pytest
from conftest import copy_example_archive
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsctl.cli import main

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def run(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # with a .buffer, as a real stdout has
    err = io.StringIO()
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        sys.stdin = saved
    out.flush()
    return code, out.buffer.getvalue().decode("utf-8", "replace"), err.getvalue()


def assert_clean(code: int, err: str, out: str = "") -> None:
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    for line in err.splitlines():
        assert line.strip(), err  # no blank lines, no dumped structures
    if code == 2:
        assert "newsctl: " in err or out, err  # an error, the posts index skipped, or check's problems


@pytest.fixture(scope="module")
def arc(tmp_path_factory) -> Path:
    dest = copy_example_archive(tmp_path_factory.mktemp("fuzz") / "arc")
    os.environ.setdefault("XDG_CONFIG_HOME", str(dest.parent / "config"))
    code, _, err = run("--archive", str(dest), "index", "--quiet")
    assert code == 0, err
    return dest


# --- the query language ------------------------------------------------------------------

_PIECES = [
    "(", ")", '"', "-", ":", " ", " ", "OR", "AND", "NOT", "or", "and", "not", "title:", "body:", "category:",
    "tag:", "source:", "date:", "..", "7d", "2w", "yesterday", "2022", "2022-02", "2022-02-30", "2022-13",
    "2021-12-08..2022-03", "..2025", "经济", "高新区", "新闻联播", "5G", "ＡＢＣ", "高新區", "*", "?", "经*", "econom*",
    '""', "\\", "'", "\t", "\u3000", "emnews", "http://", "%", "\u200b", "😀",
]
_queries = st.one_of(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map("".join),
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map(" ".join),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40),
)


@settings(FUZZ, max_examples=150)
@given(query=_queries)
def test_any_query_ends_with_0_1_or_2(arc: Path, query: str):
    for command in (["search", "--format", "jsonl"], ["search", "--count"], ["stats", "--format", "json"]):
        code, out, err = run("--archive", str(arc), *command, "--", query)
        assert_clean(code, err)
        if code == 0 and command[0] == "stats":
            json.loads(out)


@settings(FUZZ, max_examples=40)
@given(query=_queries, sort=st.sampled_from(["score", "date"]), reverse=st.booleans(), limit=st.integers(0, 3))
def test_any_query_on_the_human_view_ends_with_0_1_or_2(arc: Path, query: str, sort: str, reverse: bool, limit: int):
    args = ["--archive", str(arc), "search", "--sort", sort, "--limit", str(limit)] + (["--reverse"] if reverse else [])
    code, _, err = run(*args, "--", query)
    assert_clean(code, err)


# --- post files ----------------------------------------------------------------------------

_scalars = st.one_of(
    st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(),
    st.sampled_from(["", " +0800", "2022-02-28 07:45:08 +0800", "2021-12-08", "2023-02-30", "2022-02-28T07:45:08Z",
                     "9999-12-31 23:59:59 -2359", "0001-01-01", "2022-02-28 25:61", "now", "[]", "{}", "&a", "*a", "!!binary x"]),
)
_values = st.one_of(_scalars, st.lists(_scalars, max_size=3), st.dictionaries(st.text(max_size=5), _scalars, max_size=2))
_keys = st.sampled_from(["title", "date", "categories", "category", "tags", "tag", "source", "layout", "x"])


def _yaml_line(key: str, value: object) -> str:
    if isinstance(value, str):
        return f"{key}: {value}"
    return f"{key}: {json.dumps(value, ensure_ascii=False)}"  # JSON is YAML (mostly: the fuzz wants the rest too)


_bodies = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(["<p>", "</p>", "<script>", "&lt;", "&#x0;", "<http://x>", "<>", "[返回首页](../)", "经济",
                              "\n", "\r\n", "\r", "> ", "# ", "```", "<!--", "-->", "**", "\ufeff", "高新区"]), max_size=30).map("".join),
)


@st.composite
def post_files(draw) -> bytes:
    kind = draw(st.sampled_from(["structured", "structured", "structured", "bytes", "text"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "text":
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    lines = [_yaml_line(k, v) for k, v in draw(st.lists(st.tuples(_keys, _values), max_size=6))]
    opening = draw(st.sampled_from(["---\n", "\n---\n", "\ufeff---\n", "---\r\n", "--- \n"]))
    closing = draw(st.sampled_from(["---\n", "...\n", "---", "---\r\n", ""]))
    text = opening + "\n".join(lines) + "\n" + closing + "\n" + draw(_bodies)
    return text.encode("utf-8", "surrogatepass")


_names = st.one_of(
    st.sampled_from(["2022-02-28-post.md", "2023-02-30-bad-date.md", "post.md", "x.html", "2022-02-28-.markdown", "-.md"]),
    st.text(st.characters(categories=("L", "N")), min_size=1, max_size=10).map(lambda s: f"2022-01-01-{s}.md"),
)
_counter = itertools.count()


@pytest.fixture(scope="module")
def post_arc(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("fuzzposts") / "arc"
    (dest / "_posts").mkdir(parents=True)
    return dest


@settings(FUZZ, max_examples=60)
@given(data=post_files(), name=_names)
def test_any_post_file_ends_with_0_1_or_2(post_arc: Path, tmp_path_factory, data: bytes, name: str):
    archive = str(post_arc)
    n = next(_counter)
    for old in (post_arc / "_posts").iterdir():  # one fuzzed post at a time (its removal is fuzzed too)
        old.unlink()
    path = post_arc / "_posts" / f"{n}-{name}"
    path.write_bytes(data)
    for args in (["index", "--quiet"], ["list", "--format", "json"], ["list"], ["search", "经济"],
                 ["show", str(path)], ["show", str(path), "--format", "json"], ["show", str(path), "--raw"],
                 ["stats"], ["status"], ["check", "--quiet"]):
        code, out, err = run("--archive", archive, *args)
        assert_clean(code, err, out)
    outside = tmp_path_factory.mktemp("in") / name
    outside.write_bytes(data)
    code, _, err = run("--archive", archive, "add", "--quiet", str(outside))
    assert_clean(code, err)
    code, _, err = run("--archive", archive, "add", "--quiet", "-", stdin=data)
    assert_clean(code, err)

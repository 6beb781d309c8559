"""Posts go through python-frontmatter's handler API without its stock faults.

Each case pins one way the stock `frontmatter.loads`/`dumps` mishandles real
posts, read through `read_post` and through the handler itself.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import frontmatter
import pytest

from newsctl.errors import PostError
from newsctl.posts.frontmatter_handler import HANDLER, FrontMatterError, JekyllYAMLHandler
from newsctl.posts.naming import format_post
from newsctl.posts.post import read_post

HELENSI = "2021-12-08-202112082206747356.md"
NW = "2022-02-28-NW202202282290536398.md"
CST = timezone(timedelta(hours=8))


def post_from(tmp_path: Path, tz, data: bytes, name: str = HELENSI):
    p = tmp_path / name
    p.write_bytes(data)
    return read_post(p, tz)


def error_from(tmp_path: Path, tz, data: bytes) -> str:
    with pytest.raises(PostError) as info:
        post_from(tmp_path, tz, data)
    return info.value.reason


SIMPLE = "---\ntitle: 标题\ndate: 2022-02-28 07:45:08 +0800\n---\n\n正文第一段。\n\n第二段。\n"


# ---------------------------------------------------------------- line ends, BOM, closers


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xef\xbb\xbf" + SIMPLE.encode(), id="bom"),
        pytest.param(SIMPLE.replace("\n", "\r").encode(), id="lone-cr"),
        pytest.param(SIMPLE.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(b"\xef\xbb\xbf" + SIMPLE.replace("\n", "\r\n").encode(), id="bom-crlf"),
        pytest.param(b"\n \n\t\n" + SIMPLE.encode(), id="blank-lines-first"),
        pytest.param(SIMPLE.replace("\n---\n\n", "\n...\n\n").encode(), id="dots-closer"),
    ],
)
def test_quirky_files_read_the_same_post_and_body(tmp_path, tz, data):
    post = post_from(tmp_path, tz, data)
    assert post.title == "标题" and post.date == datetime(2022, 2, 28, 7, 45, 8, tzinfo=CST)
    assert post.date_origin == "front-matter"
    assert post.body == "正文第一段。\n\n第二段。\n"


def test_stock_python_frontmatter_misses_these_front_matters():
    """Why the handler exists: loads() finds nothing behind a BOM or lone CRs."""
    for text in ("\ufeff" + SIMPLE, SIMPLE.replace("\n", "\r")):
        assert frontmatter.loads(text).metadata == {}
        assert frontmatter.loads(text, handler=HANDLER)["title"] == "标题"


def test_dots_closer_splits_at_the_first_closing_line():
    fm, body = HANDLER.split("---\na: 1\n...\nb: 2\n---\nrest\n")
    assert HANDLER.load(fm) == {"a": 1} and body == "b: 2\n---\nrest\n"


def test_detect_sees_front_matter_behind_a_bom_and_blank_lines():
    assert HANDLER.detect("\ufeff\n\n---\na: 1\n---\n")
    assert not HANDLER.detect("no front matter\n---\n")


# ---------------------------------------------------------------- the body, exactly


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("\u3000\u3000新年新气象。\n", id="ideographic-space-indent"),
        pytest.param("    code block first\n", id="leading-spaces"),
        pytest.param("\n\nblank lines after the conventional one\n", id="leading-blank-lines"),
        pytest.param("final newline kept\n", id="final-newline"),
        pytest.param("two final newlines\n\n", id="two-final-newlines"),
        pytest.param("no final newline", id="no-final-newline"),
        pytest.param("trailing spaces  \n  ", id="trailing-spaces"),
    ],
)
def test_body_is_kept_exactly(tmp_path, tz, body):
    text = "---\ntitle: t\ndate: 2022-02-28\n---\n\n" + body
    assert post_from(tmp_path, tz, text.encode()).body == body
    assert HANDLER.split(text)[1] == body


def test_stock_parse_strips_the_body():
    """Why reading calls split()/load() itself: frontmatter.parse() strips both ends."""
    text = "---\ntitle: t\n---\n\n\u3000\u3000新年新气象。\n"
    assert frontmatter.parse(text, handler=HANDLER)[1] == "新年新气象。"
    assert HANDLER.split(text)[1] == "\u3000\u3000新年新气象。\n"


# ---------------------------------------------------------------- keys and values


@pytest.mark.parametrize("key", ["content", "handler"])
def test_a_key_named_like_posts_arguments_is_just_a_key(tmp_path, tz, key):
    text = f"---\ntitle: t\n{key}: 前言\ndate: 2022-02-28\n---\n\n正文\n"
    with pytest.raises(TypeError):  # the stock loads() passes keys as keyword arguments
        frontmatter.loads(text)
    post = post_from(tmp_path, tz, text.encode())
    assert post.meta[key] == "前言" and post.body == "正文\n" and post.title == "t"


def test_a_non_string_key_is_kept(tmp_path, tz):
    text = "---\ntitle: t\n1: one\nfalse: 否\n2022-02-28: a date key stays text\n---\n\nbody\n"
    with pytest.raises(TypeError):
        frontmatter.loads(text)
    post = post_from(tmp_path, tz, text.encode())
    assert post.meta[1] == "one" and post.meta[False] == "否"
    assert post.meta["2022-02-28"] == "a date key stays text"
    assert post.date_origin == "filename"


def test_dates_stay_strings_for_newsctls_own_rules():
    fm, _ = HANDLER.split(
        "---\na: 2021-12-08 10:46:18\nb: 2022-02-28 07:45:08 +0800\nc: 2021-12-08\nd: 2022-02-30\n---\n"
    )
    assert HANDLER.load(fm) == {
        "a": "2021-12-08 10:46:18", "b": "2022-02-28 07:45:08 +0800", "c": "2021-12-08", "d": "2022-02-30"
    }


def test_an_impossible_date_falls_back_to_the_file_name(tmp_path, tz):
    post = post_from(tmp_path, tz, b"---\ntitle: t\ndate: 2022-02-30 10:00:00\n---\n\nbody\n")
    assert post.date_origin == "filename" and post.date.date().isoformat() == HELENSI[:10]


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("fm", "kind"), [("- a\n- b\n", "list"), ("just words\n", "str"), ("42\n", "int"), ("'2022'\n", "str")]
)
def test_a_non_mapping_front_matter_is_an_error(tmp_path, tz, fm, kind):
    text = f"---\n{fm}---\n\nbody\n"
    with pytest.raises(FrontMatterError, match=f"not a mapping \\(it is a {kind}\\)"):
        HANDLER.load(HANDLER.split(text)[0])
    assert error_from(tmp_path, tz, text.encode()) == f"front matter is not a mapping (it is a {kind})"


@pytest.mark.parametrize("text", ["---\ntitle: t\n\nbody without a closing line\n", "---\n", "\ufeff---\r\na: 1\r\n"])
def test_an_unclosed_front_matter_is_an_error(tmp_path, tz, text):
    assert "not closed" in error_from(tmp_path, tz, text.encode())


def test_split_errors_are_not_value_errors():
    """frontmatter.parse() swallows a ValueError from split() and returns the whole file as body."""
    assert not issubclass(FrontMatterError, ValueError)
    with pytest.raises(FrontMatterError, match="not closed"):
        frontmatter.parse("---\ntitle: t\nbody\n", handler=HANDLER)
    with pytest.raises(FrontMatterError, match="no front matter"):
        HANDLER.split("just a body\n")
    with pytest.raises(FrontMatterError, match="empty file"):
        HANDLER.split("\ufeff\r\n")


def test_yaml_errors_name_the_file_line(tmp_path, tz):
    reason = error_from(tmp_path, tz, b"\n\n---\ntitle: t\na: b\n  c: d\n---\n\nbody\n")
    assert reason == "front matter is not valid YAML: mapping values are not allowed in this context at line 6: 'c: d'"
    reason = error_from(tmp_path, tz, b'---\ntitle: "unclosed\n---\n\nbody\n')
    assert reason == "front matter is not valid YAML: found unexpected end of stream at line 3, the closing line"


# ---------------------------------------------------------------- writing


def test_export_keeps_order_never_folds_quotes_titles_and_writes_jekyll_dates():
    title = "长标题" * 40 + " with: colons and 'quotes'"
    post = frontmatter.Post("正文\n", HANDLER)
    post.metadata.update(
        {"zeta": "first", "title": title, "date": datetime(2022, 2, 28, 7, 45, 8, tzinfo=CST), "alpha": "last"}
    )
    text = frontmatter.dumps(post)
    assert text == (
        f"---\nzeta: first\ntitle: \"{title}\"\ndate: 2022-02-28 07:45:08 +0800\nalpha: last\n---\n\n正文\n"
    )
    fm, body = HANDLER.split(text)
    assert list(HANDLER.load(fm)) == ["zeta", "title", "date", "alpha"] and body == "正文\n"
    assert HANDLER.load(fm)["title"] == title


@pytest.mark.parametrize(
    ("date", "written"),
    [
        (datetime(2022, 2, 28, 7, 45, 8, 120000, tzinfo=CST), "2022-02-28 07:45:08.120000 +0800"),
        (datetime(2022, 2, 28, 7, 45, tzinfo=timezone(timedelta(hours=-5, minutes=-30))), "2022-02-28 07:45:00 -0530"),
        (datetime(2022, 2, 28, tzinfo=timezone.utc), "2022-02-28 00:00:00 +0000"),
        (datetime(2022, 2, 28, 7, 45), "2022-02-28 07:45:00"),  # naive: Jekyll's site timezone
    ],
)
def test_export_dates(date, written):
    assert HANDLER.export({"date": date}) == f"date: {written}"


def test_export_rejects_a_sub_minute_offset():
    with pytest.raises(FrontMatterError, match="whole number of minutes"):
        HANDLER.export({"date": datetime(2022, 1, 1, tzinfo=timezone(timedelta(seconds=30)))})


def test_content_handler_and_non_string_keys_round_trip_through_post_and_dumps():
    post = frontmatter.Post("  body keeps its indent\n", HANDLER)
    post.metadata.update({"content": "a key", "handler": "another", 1: "one", "tags": ["a", "b"], "n": None})
    text = frontmatter.dumps(post)
    fm, body = HANDLER.split(text)
    assert HANDLER.load(fm) == {"content": "a key", "handler": "another", 1: "one", "tags": ["a", "b"], "n": None}
    assert body == "  body keeps its indent\n"


def test_empty_metadata_writes_an_empty_front_matter():
    assert frontmatter.dumps(frontmatter.Post("x\n", HANDLER)) == "---\n---\n\nx\n"


def test_format_post_goes_through_frontmatter_dumps(monkeypatch):
    seen = []
    real = JekyllYAMLHandler.format

    def spy(self, post, **kwargs):
        seen.append(dict(post.metadata))
        return real(self, post, **kwargs)

    monkeypatch.setattr(JekyllYAMLHandler, "format", spy)
    text = format_post(title="t", date=datetime(2022, 1, 1, tzinfo=CST), tags=["x"], body="b")
    assert text == '---\nlayout: post\ntitle: "t"\ndate: 2022-01-01 00:00:00 +0800\ntags: x\n---\n\nb\n'
    assert seen == [{"layout": "post", "title": "t", "date": datetime(2022, 1, 1, tzinfo=CST), "tags": "x"}]


# ---------------------------------------------------------------- imports


def test_frontmatter_and_yaml_are_imported_only_when_a_post_is_read_or_written():
    probe = (
        "import sys, newsctl.posts.post, newsctl.posts.naming, newsctl.archive, newsctl.cli, newsctl.render.post_view; "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} & {'frontmatter', 'yaml'})))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "", (done.stdout, done.stderr)

"""Reading post files: real posts from tests/data, and variants of them for the quirks."""

from __future__ import annotations

import os
import pickle
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsctl.errors import PostError
from newsctl.posts.post import Post, parse_date, parse_post, read_post

UTC8 = timezone(timedelta(hours=8))
NW = "2022-02-28-NW202202282290536398.md"  # long raw-HTML regional newspaper article
HELENSI = "2021-12-08-202112082206747356.md"  # back-links on two lines, no final newline
BLANK_FIRST = "2021-12-08-202112082206734275.md"  # blank line before '---', no final newline
XWLB_MD = "2022-01-01-xwlb2022010100.md"
XWLB_HTML = "2022-01-01-xwlb2022010102.md"


def real(data_posts: Path, name: str) -> bytes:
    return (data_posts / name).read_bytes()


def variant(data_posts: Path, name: str, old: str, new: str) -> bytes:
    """A real post with one piece of its text replaced (the replacement must apply)."""
    text = real(data_posts, name).decode("utf-8")
    assert old in text, f"{old!r} not in {name}"
    return text.replace(old, new, 1).encode("utf-8")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


# ---------------------------------------------------------------- real posts


def test_every_bundled_post_reads(data_posts, tz):
    files = sorted(data_posts.glob("*.md"))
    assert len(files) >= 30
    for f in files:
        post = read_post(f, tz)
        assert post.id == f.stem
        assert post.path == f
        assert post.date.tzinfo is not None and post.date.utcoffset() is not None
        assert post.date_origin == "front-matter" and not post.date_flagged
        assert post.categories and post.tags
        assert post.source and post.source.startswith("http")
        assert post.text.strip()
        assert post.meta["layout"] == "post"


def test_html_article_with_offset(data_posts, tz):
    post = read_post(data_posts / NW, tz)
    assert post.title == "争当国家高新区建设发展新标杆"
    assert post.date == datetime(2022, 2, 28, 7, 45, 8, tzinfo=UTC8)
    assert post.date.utcoffset() == timedelta(hours=8)
    assert post.categories == ("mianyangribao",)
    assert post.tags == ("绵阳日报新闻",)
    assert post.source == "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202202282290536398"
    assert post.body.startswith("<p>新年新气象，跨越新征程。")
    assert post.text.startswith("新年新气象，跨越新征程。")
    assert post.text.endswith("（文章来源：绵阳日报）")
    assert "<p>" not in post.text and "返回首页" not in post.text


def test_date_without_offset_is_in_archive_timezone(data_posts, tz):
    post = read_post(data_posts / HELENSI, tz)
    assert post.meta["date"] == "2021-12-08 10:41:52"  # kept as written
    assert post.date == datetime(2021, 12, 8, 10, 41, 52, tzinfo=tz)
    assert post.date.utcoffset() == timedelta(hours=8)
    other = read_post(data_posts / HELENSI, timezone.utc)
    assert other.date == datetime(2021, 12, 8, 10, 41, 52, tzinfo=timezone.utc)


def test_finews_markdown_post(data_posts, tz):
    post = read_post(data_posts / HELENSI, tz)
    assert post.title == "海伦司(09869.HK)涨超10%"
    assert post.categories == ("emnews",)
    assert post.tags == ("东财滚动新闻",)
    assert post.source == "http://hk.eastmoney.com/news/1533,202112082206747356.html"
    assert post.body == (
        "海伦司(09869.HK)涨超10%，现报17.96港元。\n\n"
        "<http://hk.eastmoney.com/news/1533,202112082206747356.html>\n\n"
        "[返回东财滚动新闻](../emnews/)\n[返回首页](../)"  # no final newline in the file
    )
    assert post.text == "海伦司(09869.HK)涨超10%，现报17.96港元。"


def test_blank_line_before_front_matter_and_no_final_newline(data_posts, tz):
    raw = real(data_posts, BLANK_FIRST)
    assert raw.startswith(b"\n---\n") and not raw.endswith(b"\n")
    post = read_post(data_posts / BLANK_FIRST, tz)
    assert post.title == "康斯特：MEMS传感器项目开发进度比预期的要顺利"
    assert post.source == "http://finance.eastmoney.com/news/1354,202112082206734275.html"
    assert post.body.endswith(".html>")
    assert post.text.endswith("压力测量仪表。")


def test_xwlb_markdown_and_html(data_posts, tz):
    md = read_post(data_posts / XWLB_MD, tz)
    assert md.date == datetime(2022, 1, 1, 19, 0, tzinfo=UTC8)
    assert md.categories == ("xinwenlianbo",) and md.tags == ("新闻联播",)
    assert md.body.startswith("**央视网消息**（新闻联播）")  # no blank line after '---'
    assert md.text.startswith("央视网消息（新闻联播）：2022年1月1日出版")
    html = read_post(data_posts / XWLB_HTML, tz)
    assert html.text.startswith("央视网消息（新闻联播）：新华社今天（1月1日）播发长篇通讯")
    assert "<" not in html.text


def test_data_argument_needs_no_file(data_posts, tz, tmp_path):
    ghost = tmp_path / "nowhere" / HELENSI
    post = read_post(ghost, tz, data=real(data_posts, HELENSI))
    assert post.path == ghost and post.title == "海伦司(09869.HK)涨超10%"


def test_post_is_frozen_hashable_and_picklable(data_posts, tz):
    post = read_post(data_posts / NW, tz)
    with pytest.raises(AttributeError):
        post.title = "x"  # type: ignore[misc]
    assert hash(post) == hash(read_post(data_posts / NW, tz))
    again = pickle.loads(pickle.dumps(post))
    assert again == post and again.meta == post.meta


# ---------------------------------------------------------------- variants of real posts


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda b: b.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda b: b.replace(b"\n", b"\r"), id="lone-cr"),
        pytest.param(lambda b: b"\xef\xbb\xbf" + b, id="bom"),
        pytest.param(lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"), id="bom-crlf"),
        pytest.param(lambda b: b"\n\n  \n" + b, id="blank-lines-first"),
        pytest.param(lambda b: b.rstrip(b"\n"), id="no-final-newline"),
    ],
)
@pytest.mark.parametrize("name", [HELENSI, NW, XWLB_MD, XWLB_HTML, BLANK_FIRST])
def test_byte_level_quirks_read_the_same(data_posts, tz, tmp_path, name, transform):
    expected = read_post(data_posts / name, tz)
    post = read_post(write(tmp_path, name, transform(real(data_posts, name))), tz)
    assert post.title == expected.title
    assert post.date == expected.date and post.date_origin == "front-matter"
    assert post.categories == expected.categories and post.tags == expected.tags
    assert post.source == expected.source
    assert post.body.rstrip("\n") == expected.body.rstrip("\n")
    assert post.text == expected.text


def test_date_offset_without_date_falls_back_to_filename(data_posts, tz, tmp_path):
    data = variant(data_posts, HELENSI, "date: 2021-12-08 10:41:52", "date:  +0800")
    post = read_post(write(tmp_path, HELENSI, data), tz)
    assert post.meta["date"] == "+0800"
    assert post.date == datetime(2021, 12, 8, tzinfo=tz)
    assert post.date_origin == "filename" and post.date_flagged


@pytest.mark.parametrize("line", ["date:", "date: ''", "date: not a date", "date: 2021-02-30 10:00:00", ""])
def test_empty_or_bad_date_falls_back_to_filename(data_posts, tz, tmp_path, line):
    data = variant(data_posts, HELENSI, "date: 2021-12-08 10:41:52\n", line + "\n" if line else "")
    post = read_post(write(tmp_path, HELENSI, data), tz)
    assert post.date == datetime(2021, 12, 8, tzinfo=tz) and post.date_origin == "filename"


def test_no_date_and_no_date_in_filename_uses_mtime(data_posts, tz, tmp_path):
    data = variant(data_posts, HELENSI, "date: 2021-12-08 10:41:52\n", "")
    p = write(tmp_path, "helensi.md", data)
    stamp = datetime(2023, 5, 6, 7, 8, 9, tzinfo=tz).timestamp()
    os.utime(p, (stamp, stamp))
    post = read_post(p, tz)
    assert post.date == datetime(2023, 5, 6, 7, 8, 9, tzinfo=tz)
    assert post.date.tzinfo is not None
    assert post.date_origin == "mtime" and post.date_flagged
    # parse_post takes the mtime from its caller when given
    post = parse_post(data.decode(), tmp_path / "missing.md", tz, mtime=stamp + 60)
    assert post.date == datetime(2023, 5, 6, 7, 9, 9, tzinfo=tz)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2022-02-28 07:45:08 +0800", datetime(2022, 2, 28, 7, 45, 8, tzinfo=UTC8)),
        ("2022-02-28 07:45:08 +08:00", datetime(2022, 2, 28, 7, 45, 8, tzinfo=UTC8)),
        ("2022-02-28T07:45:08+08:00", datetime(2022, 2, 28, 7, 45, 8, tzinfo=UTC8)),
        ("2022-02-27T23:45:08Z", datetime(2022, 2, 27, 23, 45, 8, tzinfo=timezone.utc)),
        ("2022-02-28 07:45:08.250 -0500", datetime(2022, 2, 28, 7, 45, 8, 250000, tzinfo=timezone(timedelta(hours=-5)))),
        ("2022-02-28 07:45", "local"),
        ("2021-12-08", "local-midnight"),
        (datetime(2021, 12, 8, 10, 46, 18), "yaml-naive"),
        (datetime(2021, 12, 8, 2, 46, 18, tzinfo=timezone.utc), "yaml-aware"),
        (datetime(2021, 12, 8).date(), "local-midnight"),
    ],
)
def test_parse_date_forms(tz, value, expected):
    got = parse_date(value, tz)
    assert got is not None and got.utcoffset() is not None
    if expected == "local":
        expected = datetime(2022, 2, 28, 7, 45, tzinfo=tz)
    elif expected == "local-midnight":
        expected = datetime(2021, 12, 8, tzinfo=tz)
    elif expected == "yaml-naive":
        expected = datetime(2021, 12, 8, 10, 46, 18, tzinfo=tz)
    elif expected == "yaml-aware":
        expected = value
    assert got == expected and got.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("value", [None, "", "  +0800", "+0800", "yesterday", "2021-13-01", "2021-12-08 25:00", 20211208, ["2021-12-08"]])
def test_parse_date_rejects(tz, value):
    assert parse_date(value, tz) is None


def test_iso_and_yaml_dates_in_front_matter(data_posts, tz, tmp_path):
    for line, expected in [
        ("date: 2021-12-08T10:41:52+08:00", datetime(2021, 12, 8, 10, 41, 52, tzinfo=UTC8)),
        ("date: 2021-12-08", datetime(2021, 12, 8, tzinfo=tz)),
        ("date: '2021-12-08 02:41:52 +0000'", datetime(2021, 12, 8, 2, 41, 52, tzinfo=timezone.utc)),
    ]:
        data = variant(data_posts, HELENSI, "date: 2021-12-08 10:41:52", line)
        post = read_post(write(tmp_path, HELENSI, data), tz)
        assert post.date == expected and post.date.utcoffset() == expected.utcoffset()
        assert post.date_origin == "front-matter"


@pytest.mark.parametrize("line", ['title: ""', "title:", "title: ''"])
def test_empty_title_is_allowed(data_posts, tz, tmp_path, line):
    data = variant(data_posts, HELENSI, 'title: "海伦司(09869.HK)涨超10%"', line)
    assert read_post(write(tmp_path, HELENSI, data), tz).title == ""


def test_missing_title_is_allowed(data_posts, tz, tmp_path):
    data = variant(data_posts, HELENSI, 'title: "海伦司(09869.HK)涨超10%"\n', "")
    assert read_post(write(tmp_path, HELENSI, data), tz).title == ""


def test_non_text_title(data_posts, tz, tmp_path):
    data = variant(data_posts, HELENSI, 'title: "海伦司(09869.HK)涨超10%"', "title: 2022")
    assert read_post(write(tmp_path, HELENSI, data), tz).title == "2022"
    data = variant(data_posts, HELENSI, 'title: "海伦司(09869.HK)涨超10%"', "title: [a, b]")
    with pytest.raises(PostError, match="title"):
        read_post(write(tmp_path, HELENSI, data), tz)


@pytest.mark.parametrize(
    "lines, categories, tags",
    [
        ("categories: emnews\ntags: 东财滚动新闻", ("emnews",), ("东财滚动新闻",)),
        ("categories: [emnews, anxinguojizhengquan(xianggang)]\ntags: 东财滚动新闻",
         ("emnews", "anxinguojizhengquan(xianggang)"), ("东财滚动新闻",)),
        ("categories:\n  - emnews\n  -\n  - ''\n  - emnews\n  - hk\ntags:\n- 东财滚动新闻\n- 港股",
         ("emnews", "hk"), ("东财滚动新闻", "港股")),
        ("categories: emnews  anxinguojizhengquan(xianggang) emnews\ntags: 东财滚动新闻 港股",
         ("emnews", "anxinguojizhengquan(xianggang)"), ("东财滚动新闻", "港股")),
        ("category: emnews\ntag: 东财滚动新闻", ("emnews",), ("东财滚动新闻",)),
        ("categories: emnews\ncategory: hk\ntags: [2021, 东财滚动新闻]\ntag: 港股",
         ("emnews", "hk"), ("2021", "东财滚动新闻", "港股")),
        ("categories:\ntags: ''", (), ()),
        ("layout2: none", (), ()),
    ],
)
def test_categories_and_tags(data_posts, tz, tmp_path, lines, categories, tags):
    data = variant(data_posts, HELENSI, "categories: emnews\ntags: 东财滚动新闻", lines)
    post = read_post(write(tmp_path, HELENSI, data), tz)
    assert post.categories == categories
    assert post.tags == tags


def test_source_field_wins_over_body_link(data_posts, tz, tmp_path):
    data = variant(data_posts, HELENSI, "tags: 东财滚动新闻\n", "tags: 东财滚动新闻\nsource: https://example.org/a?b=1\n")
    post = read_post(write(tmp_path, HELENSI, data), tz)
    assert post.source == "https://example.org/a?b=1"
    assert "eastmoney" not in post.text


def test_empty_autolink_means_no_source(data_posts, tz, tmp_path):
    data = variant(data_posts, HELENSI, "<http://hk.eastmoney.com/news/1533,202112082206747356.html>", "<>")
    post = read_post(write(tmp_path, HELENSI, data), tz)
    assert post.source is None
    assert post.text == "海伦司(09869.HK)涨超10%，现报17.96港元。"


def test_empty_front_matter_is_an_empty_mapping(data_posts, tz, tmp_path):
    text = real(data_posts, HELENSI).decode()
    body = text.split("---\n", 2)[2]
    post = read_post(write(tmp_path, HELENSI, ("---\n---\n" + body).encode()), tz)
    assert post.title == "" and post.categories == () and post.date_origin == "filename"
    assert post.source == "http://hk.eastmoney.com/news/1533,202112082206747356.html"


def test_dots_close_front_matter(data_posts, tz, tmp_path):
    data = variant(data_posts, HELENSI, "tags: 东财滚动新闻\n---", "tags: 东财滚动新闻\n...")
    assert read_post(write(tmp_path, HELENSI, data), tz).tags == ("东财滚动新闻",)


# ---------------------------------------------------------------- errors


def _error(tmp_path: Path, tz, data: bytes, name: str = HELENSI) -> PostError:
    p = write(tmp_path, name, data)
    with pytest.raises(PostError) as info:
        read_post(p, tz)
    assert info.value.path == p
    assert str(p) in str(info.value)
    return info.value


def test_error_missing_file(tmp_path, tz):
    with pytest.raises(PostError, match="cannot read file"):
        read_post(tmp_path / "2021-12-08-gone.md", tz)


def test_error_directory(tmp_path, tz):
    (tmp_path / "dir.md").mkdir()
    with pytest.raises(PostError, match="cannot read file"):
        read_post(tmp_path / "dir.md", tz)


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"\xef\xbb\xbf", b"\r\n"])
def test_error_empty(tmp_path, tz, data):
    assert _error(tmp_path, tz, data).reason == "empty file"


def test_error_nul_bytes(data_posts, tmp_path, tz):
    assert "binary" in _error(tmp_path, tz, real(data_posts, HELENSI)[:40] + b"\x00\x01\x02").reason
    utf16 = real(data_posts, HELENSI).decode().encode("utf-16")
    assert "binary" in _error(tmp_path, tz, utf16).reason


def test_error_not_utf8(data_posts, tmp_path, tz):
    gbk = real(data_posts, HELENSI).decode().encode("gbk")
    reason = _error(tmp_path, tz, gbk).reason
    assert reason.startswith("not UTF-8") and "offset" in reason


def test_error_invalid_yaml_names_the_line(data_posts, tmp_path, tz):
    data = variant(data_posts, BLANK_FIRST, 'categories: emnews', 'categories: [emnews')
    reason = _error(tmp_path, tz, data, BLANK_FIRST).reason
    assert reason.startswith("front matter is not valid YAML")
    assert "line " in reason
    data = variant(data_posts, HELENSI, 'title: "海伦司(09869.HK)涨超10%"', 'title: "海伦司"(09869.HK)涨超10%')
    reason = _error(tmp_path, tz, data).reason
    assert "line 3" in reason and "海伦司" in reason


def test_error_front_matter_not_a_mapping(data_posts, tmp_path, tz):
    text = real(data_posts, HELENSI).decode()
    body = text.split("---\n", 2)[2]
    for fm, kind in [("- a\n- b\n", "list"), ("just words\n", "str"), ("42\n", "int")]:
        reason = _error(tmp_path, tz, f"---\n{fm}---\n{body}".encode()).reason
        assert reason == f"front matter is not a mapping (it is a {kind})"


def test_error_no_front_matter(data_posts, tmp_path, tz):
    text = real(data_posts, HELENSI).decode()
    body = text.split("---\n", 2)[2]
    assert _error(tmp_path, tz, body.encode()).reason.startswith("no front matter")
    assert _error(tmp_path, tz, ("-- \n" + text).encode()).reason.startswith("no front matter")


def test_error_unclosed_front_matter(data_posts, tmp_path, tz):
    text = real(data_posts, HELENSI).decode()
    head = text.split("\n---\n", 1)[0]
    assert "not closed" in _error(tmp_path, tz, head.encode()).reason


def test_post_error_is_a_newsctl_error(tmp_path, tz):
    from newsctl.errors import EXIT_ERROR, NewsctlError

    e = _error(tmp_path, tz, b"")
    assert isinstance(e, NewsctlError) and e.exit_code == EXIT_ERROR


# ---------------------------------------------------------------- the whole corpus


@pytest.mark.corpus
@pytest.mark.slow
def test_whole_corpus_reads(corpus_dir, tz, request):
    finews = sorted((corpus_dir / "finews").glob("*.md"))
    assert len(finews) == 97
    posts = [read_post(f, tz) for f in finews]
    _check_corpus_posts(posts)
    assert {p.categories for p in posts} == {("emnews",), ("mianyangribao",)}
    assert sum(p.date.utcoffset() == timedelta(hours=8) for p in posts) == 97
    assert not any("返回" in p.text for p in posts)

    xwlb_dir = request.getfixturevalue("xwlb_dir")  # skips when the tarball is absent
    files = sorted(xwlb_dir.glob("*.md"))
    assert len(files) == 24090
    start = time.perf_counter()
    posts = [read_post(f, tz) for f in files]
    elapsed = time.perf_counter() - start
    _check_corpus_posts(posts)
    assert all(p.categories == ("xinwenlianbo",) and p.tags == ("新闻联播",) for p in posts)
    assert all(p.source.startswith("https://tv.cctv.com/") for p in posts)
    assert all(p.date.tzinfo is not None and p.date.second == 0 for p in posts)
    print(f"\nread {len(posts)} xwlb posts in {elapsed:.2f}s ({elapsed / len(posts) * 1000:.3f} ms/post)")


def _check_corpus_posts(posts: list[Post]) -> None:
    for p in posts:
        assert p.date_origin == "front-matter", p.path
        assert p.date.utcoffset() == timedelta(hours=8), p.path
        assert p.date.date().isoformat() == p.id[:10], p.path  # front matter agrees with the file name
        assert p.title, p.path
        assert p.text, p.path
        assert p.source and p.source.startswith("http"), p.path
        assert p.source not in p.text, p.path
        for junk in ("<p", "</p>", "<strong", "<http", "&lt;", "&nbsp;", "](", "\n\n\n"):
            assert junk not in p.text, (p.path, junk)

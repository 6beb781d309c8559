"""Slugs, post file names, and format_post round-tripping through parse_post."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsctl.errors import UsageError
from newsctl.posts.naming import format_post, post_filename, slugify
from newsctl.posts.post import parse_post, read_post

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def sha8(title: str) -> str:
    return hashlib.sha1(unicodedata.normalize("NFC", title).encode()).hexdigest()[:8]


# ---------------------------------------------------------------- slugify


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Fed raises rates by 25 basis points", "fed-raises-rates-by-25-basis-points"),
        ("争当国家高新区建设发展新标杆", "75e3db8c"),
        ("海伦司(09869.HK)涨超10%", "09869-hk-10-15a598b7"),
        ("华西证券李立峰：预计2022年净流入A股的资金约6550亿元", "2022-a-6550-4ab497b4"),
        ("Café — “quotes” ＡＢＣ", "cafe-quotes-abc-ee2da055"),
        ("!!! ... ???", "dac770b1"),
        ("", "da39a3ee"),
    ],
)
def test_slugify_known_values(title, slug):
    # pinned values (hashes checked with `printf '%s' TITLE | sha1sum`): a title's slug never changes
    assert slugify(title) == slug
    if not title.isascii() or not any(c.isalnum() for c in title):
        assert slug.endswith(sha8(title))


def test_slugify_nfc_and_nfd_agree():
    nfc = unicodedata.normalize("NFC", "Café au lait")
    nfd = unicodedata.normalize("NFD", "Café au lait")
    assert nfc != nfd and slugify(nfc) == slugify(nfd)


def test_slugify_long_titles_are_cut_with_a_hash():
    title = "Apple supplier Foxconn says quarterly revenue rose on strong iPhone demand in China and India"
    slug = slugify(title)
    assert len(slug) <= 60 and slug.startswith("apple-supplier-foxconn") and slug.endswith(sha8(title))
    assert len(slugify(title, max_len=20)) <= 20
    assert slugify("x" * 100, max_len=20) == "x" * 11 + "-" + sha8("x" * 100)
    with pytest.raises(ValueError):
        slugify(title, max_len=5)


@given(st.text(max_size=200), st.integers(min_value=8, max_value=100))
@settings(max_examples=300)
def test_slugify_properties(title, max_len):
    slug = slugify(title, max_len)
    assert slug and len(slug) <= max_len
    assert SLUG_RE.fullmatch(slug), slug
    assert slugify(title, max_len) == slug


# ---------------------------------------------------------------- post_filename


def test_post_filename_uses_the_dates_own_timezone():
    d = datetime(2022, 2, 28, 7, 45, 8, tzinfo=SHANGHAI)  # 2022-02-27 in UTC
    assert post_filename(d, "争当国家高新区建设发展新标杆") == "2022-02-28-75e3db8c.md"
    assert post_filename(d.astimezone(timezone.utc), "Fed holds") == "2022-02-27-fed-holds.md"


# ---------------------------------------------------------------- format_post


def test_format_post_of_a_real_post(data_posts):
    nw = read_post(data_posts / "2022-02-28-NW202202282290536398.md", SHANGHAI)
    text = format_post(
        title=nw.title, date=nw.date, categories=nw.categories, tags=nw.tags, source=nw.source, body=nw.body
    )
    assert text.startswith(
        "---\nlayout: post\n"
        'title: "争当国家高新区建设发展新标杆"\n'
        "date: 2022-02-28 07:45:08 +0800\n"
        "categories: mianyangribao\n"
        "tags: 绵阳日报新闻\n"
        "source: http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202202282290536398\n"
        "---\n\n<p>新年新气象"
    )
    assert text.endswith("\n") and not text.endswith("\n\n")
    again = parse_post(text, Path("2022-02-28-75e3db8c.md"), SHANGHAI)
    assert (again.title, again.date, again.categories, again.tags, again.source, again.text) == (
        nw.title, nw.date, nw.categories, nw.tags, nw.source, nw.text
    )
    assert again.body == nw.body + "\n"  # the original has no final newline


def test_format_post_quotes_what_yaml_would_misread():
    d = datetime(2021, 12, 8, 10, 41, 52, tzinfo=SHANGHAI)
    for title in ['高盛："买入"评级', "#1: - [x] {y} & *z* | 'q' %", "- leading dash", "yes", "null", "2022", "  padded  "]:
        text = format_post(title=title, date=d, categories=["true", "#tag", "a:b"], tags=["1.5", "-x"], body="正文")
        post = parse_post(text, Path("x.md"), SHANGHAI)
        assert post.title == title
        assert post.categories == ("true", "#tag", "a:b") and post.tags == ("1.5", "-x")


@pytest.mark.parametrize("title", ["第一行\n第二行", "a\rb", "a\u2028b", "nul\x00", "bell\x07"])
def test_format_post_rejects_multiline_or_control_titles(title):
    with pytest.raises(UsageError):
        format_post(title=title, date=datetime(2022, 1, 1, tzinfo=SHANGHAI), body="x")


def test_format_post_rejects_bad_dates_and_names():
    with pytest.raises(UsageError, match="timezone"):
        format_post(title="t", date=datetime(2022, 1, 1), body="x")
    with pytest.raises(UsageError, match="minutes"):
        format_post(title="t", date=datetime(2022, 1, 1, tzinfo=timezone(timedelta(seconds=30))), body="x")
    with pytest.raises(UsageError, match="spaces"):
        format_post(title="t", date=datetime(2022, 1, 1, tzinfo=SHANGHAI), categories=["a b"], body="x")
    with pytest.raises(UsageError, match="spaces"):
        format_post(title="t", date=datetime(2022, 1, 1, tzinfo=SHANGHAI), tags=[""], body="x")


def test_format_post_minimal():
    text = format_post(title="", date=datetime(2022, 1, 1, tzinfo=timezone.utc), body="")
    assert text == '---\nlayout: post\ntitle: ""\ndate: 2022-01-01 00:00:00 +0000\n---\n\n'
    post = parse_post(text, Path("2022-01-01-x.md"), SHANGHAI)
    assert post.title == "" and post.body == "" and post.categories == () and post.source is None
    assert post.date_origin == "front-matter"


# ---------------------------------------------------------------- round trip (property)

_TITLE_CHARS = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85")
_titles = st.one_of(
    st.text(_TITLE_CHARS, max_size=80),
    st.text(st.sampled_from(list("争当国家高新区建設發展新標杆郭明錤：“”‘’\"'#-:[]{}|>*&!%@`,?（）――… ")), max_size=40),
)
_names = st.lists(
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Zs")), min_size=1, max_size=20).filter(
        lambda s: not any(c.isspace() for c in s)
    ),
    max_size=4,
    unique=True,
)
_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_dates = st.one_of(
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30), timezones=_offsets),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(SHANGHAI)),
)
_sources = st.one_of(
    st.none(),
    st.from_regex(r"https?://[a-z0-9.-]{1,20}\.[a-z]{2,4}/[A-Za-z0-9_,./?=&%#-]{0,30}", fullmatch=True),
)
_bodies = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), max_size=300)


@given(title=_titles, date=_dates, categories=_names, tags=_names, source=_sources, body=_bodies)
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_format_then_parse_round_trips(title, date, categories, tags, source, body):
    text = format_post(title=title, date=date, categories=categories, tags=tags, source=source, body=body)
    post = parse_post(text, Path(post_filename(date, title)), SHANGHAI)
    assert post.title == title
    # same wall clock and offset, so the same instant (compared this way because a zoneinfo
    # time in a DST gap, e.g. 1991-04-14 02:00 Asia/Shanghai, never equals another zone's)
    assert post.date.replace(tzinfo=None) == date.replace(tzinfo=None, fold=0)
    assert post.date.utcoffset() == date.utcoffset()
    assert post.date.timestamp() == date.timestamp()
    assert post.date_origin == "front-matter"
    assert post.categories == tuple(categories)
    assert post.tags == tuple(tags)
    if source is not None:
        assert post.source == source
    assert post.body == (body if body.endswith("\n") or not body else body + "\n")
    # and the file a post is written to reads back the same
    assert read_post(Path("unused.md"), SHANGHAI, data=text.encode("utf-8")).title == title

"""The query language, by worked examples (the grammar is in newsctl/query.py)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from newsctl.errors import QueryError
from newsctl.query import (
    And,
    Dates,
    Keyword,
    Not,
    Or,
    Text,
    describe,
    parse_query,
    texts,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=TZ)


def q(s: str):
    return parse_query(s, TZ, now=NOW)


@pytest.mark.parametrize(
    "query, tree",
    [
        ("高新区", Text("高新区")),
        ("高新区 排名", And((Text("高新区"), Text("排名")))),
        ("高新区 AND 排名", And((Text("高新区"), Text("排名")))),
        ('"绵阳 高新区"', Text("绵阳 高新区", quoted=True)),
        ("高新 OR 科技园", Or((Text("高新"), Text("科技园")))),
        ("a b OR c", Or((And((Text("a"), Text("b"))), Text("c")))),
        ("a (b OR c)", And((Text("a"), Or((Text("b"), Text("c")))))),
        ("高新 -北京", And((Text("高新"), Not(Text("北京"))))),
        ("高新 NOT 北京", And((Text("高新"), Not(Text("北京"))))),
        ("title:5G", Text("5G", "title")),
        ('title:"国家 高新区"', Text("国家 高新区", "title", quoted=True)),
        ("category:emnews", Keyword("category", "emnews")),
        ("tag:新闻联播", Keyword("tag", "新闻联播")),
        ("source:eastmoney", Text("eastmoney", "source")),
        ("12:30", Text("12:30")),  # not a field: digits before the colon
        ("C++", Text("C++")),
        ("2022-02-28", Text("2022-02-28")),  # a hyphen inside a word is not NOT
    ],
)
def test_queries_parse_to_trees(query, tree):
    assert q(query) == tree


def test_dates_take_days_months_years_ranges_and_relative_forms():
    feb = q("date:2022-02")
    assert isinstance(feb, Dates)
    assert (feb.start, feb.end) == (datetime(2022, 2, 1, tzinfo=TZ), datetime(2022, 3, 1, tzinfo=TZ))
    rng = q("date:2022-01..2022-03")
    assert (rng.start, rng.end) == (datetime(2022, 1, 1, tzinfo=TZ), datetime(2022, 4, 1, tzinfo=TZ))
    open_end = q("date:2025..")
    assert (open_end.start, open_end.end) == (datetime(2025, 1, 1, tzinfo=TZ), None)
    rel = q("date:7d..")
    assert rel.start == datetime(2026, 3, 8, tzinfo=TZ) and rel.end is None


@pytest.mark.parametrize(
    "query, says",
    [
        ("", "empty query"),
        ("(高新", "missing ')'"),
        ("高新)", "unexpected ')'"),
        ('"高新', "unclosed quote"),
        ("高新 OR", "expected a term"),
        ("OR 高新", "expected a term"),
        ("titel:高新", "unknown field 'titel'"),
        ("date:2022-13", "date:2022-13"),
        ("date:soon", "cannot read date"),
        ("NOT", "needs a term"),
        ("title:", "title: needs a value"),
        ("高新 tag:", "tag: needs a value"),
    ],
)
def test_malformed_queries_say_what_is_wrong(query, says):
    with pytest.raises(QueryError) as err:
        q(query)
    assert says in str(err.value)


def test_highlighted_literals_skip_negated_terms():
    tree = q('高新 -北京 (title:排名 OR "科技 园")')
    assert [t.text for t in texts(tree)] == ["高新", "排名", "科技 园"]


def test_explain_names_fields_and_phrases():
    text = describe(q('title:5G "国家 高新区" -北京 date:2022'))
    assert "title contains term '5G'" in text
    assert "phrase '国家 高新区'" in text
    assert "NOT" in text and "date in [2022-01-01T00:00:00+08:00" in text

"""newsctl.analysis: normalisation, tokens, and the exactness contract.

The property tests index random texts in a small in-memory Whoosh index and
check that every literal finds exactly the documents its reference "grep"
(`literal_pattern` over normalised text) finds.
"""

from __future__ import annotations

import pickle
import re
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsctl.engine.analyzers import (
    ExactAnalyzer,
    WordAnalyzer,
    exact_field,
    word_field,
)
from newsctl.engine.codec import CompactCodec
from newsctl.engine.formats import VarintPositions
from newsctl.engine.matchers import CharPrefix, ExactPhrase, literal_query
from newsctl.text.normalize import (
    ANALYSIS_VERSION,
    normalize,
    normalize_with_offsets,
    original_span,
)
from newsctl.text.units import literal_pattern
from newsctl.text.words import segment_words

DATA_POSTS = Path(__file__).resolve().parents[1] / "data" / "posts"

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _schema():
    from whoosh import fields

    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=exact_field(stored=True),
        body=exact_field(),
        words=word_field(),
    )


def _index(texts: list[str], codec=None, segments: int = 1):
    """A RAM index of *texts* in the body field (doc id = list index)."""
    from whoosh.filedb.filestore import RamStorage

    ix = RamStorage().create_index(_schema())
    per = max(1, -(-len(texts) // segments))
    for start in range(0, max(len(texts), 1), per):
        w = ix.writer(codec=codec if codec is not None else CompactCodec())
        for i in range(start, min(start + per, len(texts))):
            w.add_document(id=str(i), title=texts[i][:12], body=texts[i], words=texts[i])
        w.commit(merge=False)
    return ix


def _found(searcher, q) -> set[int]:
    return {int(searcher.stored_fields(d)["id"]) for d in searcher.docs_for_query(q)}


def _grep(texts: list[str], literal: str) -> set[int]:
    pat = literal_pattern(literal)
    return {i for i, t in enumerate(texts) if pat.search(normalize(t))}


# --------------------------------------------------------------------------
# normalisation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, want",
    [
        ("內银", "内银"),  # Traditional 內 inside Simplified text (finews)
        ("郭明錤", "郭明𫓹"),  # zhconv's zh2Hans maps 錤 to the extension-C 𫓹
        ("ＡＢＣ５Ｇ", "abc5g"),  # full-width letters and digits
        ("（新闻联播）：", "(新闻联播):"),  # full-width punctuation
        ("Hello WORLD", "hello world"),
        ("經濟發展", "经济发展"),
        ("\u3000北京\u00a0上海", " 北京 上海"),  # ideographic and no-break spaces
        ("a\u200bb\ufeffc\u00adD", "abcd"),  # invisible format characters dropped
        ("㈱", "(株)"),  # NFKC expands
        ("a\udcffb", "a\ufffdb"),  # lone surrogate (argv with bad bytes): U+FFFD
    ],
)
def test_normalize(raw: str, want: str) -> None:
    assert normalize(raw) == want
    assert normalize(want) == want


def test_normalize_with_offsets_maps_back() -> None:
    raw = "Ａ㈱內\u200b銀"
    norm, offsets = normalize_with_offsets(raw)
    assert norm == "a(株)内银"
    assert offsets == [0, 1, 1, 1, 2, 4]
    # the Simplified query 内银 highlights the Traditional original 內\u200b銀
    m = literal_pattern("内银").search(norm)
    assert m is not None
    s, e = original_span(offsets, m.start(), m.end(), len(raw))
    assert raw[s:e] == "內\u200b銀"
    # a match inside an expansion covers the whole original character
    s, e = original_span(offsets, 2, 3, len(raw))
    assert raw[s:e] == "㈱"


def test_normalize_composes_like_nfkc() -> None:
    assert normalize("e\u0301") == "\u00e9"
    assert normalize("ｶﾞ") == "ガ"  # half-width kana + voiced mark
    norm, offsets = normalize_with_offsets("xe\u0301y")
    assert norm == "x\u00e9y" and offsets == [0, 1, 3]
    assert original_span(offsets, 1, 2, 4) == (1, 3)


# --------------------------------------------------------------------------
# tokens
# --------------------------------------------------------------------------


def _toks(text: str, **kw) -> list[tuple]:
    return [(t.text, t.pos) for t in ExactAnalyzer()(text, positions=True, **kw)]


def test_exact_tokens() -> None:
    assert _toks("A股市场 5G网络") == [
        ("a", 0),
        ("股", 1),  # a run of characters starts: its unigram too
        ("股市", 1),
        ("市场", 2),
        ("场", 3),  # last of the run: the unigram
        (" ", 4),
        ("5g", 5),
        ("网", 6),
        ("网络", 6),
        ("络", 7),
    ]
    assert _toks("猪") == [("猪", 0)]
    # full-width ， folds to ","; the curly quotes have no half-width form
    assert _toks("，“一”") == [(",", 0), (",“", 0), ("“一", 1), ("一”", 2), ("”", 3)]


def test_fast_path_matches_token_stream() -> None:
    text = DATA_POSTS.joinpath("2022-01-01-xwlb2022010100.md").read_text(encoding="utf-8")
    slow: dict[str, list[int]] = {}
    for t in ExactAnalyzer()(text, positions=True):
        slow.setdefault(t.text, []).append(t.pos)
    assert ExactAnalyzer().term_positions(text) == slow


def test_token_chars_are_original_coordinates() -> None:
    raw = "我们的５Ｇ網絡"
    toks = [(t.text, t.startchar, t.endchar) for t in ExactAnalyzer()(raw, chars=True)]
    assert ("5g", 3, 5) in toks
    assert ("网络", 5, 7) in toks
    for text, s, e in toks:
        assert normalize(raw[s:e]) == text


def test_query_mode_tokens_are_the_phrase() -> None:
    toks = [t.text for t in ExactAnalyzer()("G20峰会", mode="query")]
    assert toks == ["g20", "峰会"]
    assert literal_query("body", "G20峰会").words == toks


def test_word_tokens() -> None:
    words = [t.text for t in WordAnalyzer()("高新技术开发区，提高新能源")]
    assert "高新" in words and "高新技术" in words
    assert "，" not in words
    toks = [(t.text, t.startchar, t.endchar) for t in WordAnalyzer()("ＡＢＣ公司", chars=True)]
    assert toks == [("abc", 0, 3), ("公司", 3, 5)]
    # query mode segments without the search-mode sub-words
    assert [t.text for t in WordAnalyzer()("高新技术开发区", mode="query")] == ["高新技术", "开发区"]


def test_segment_words() -> None:
    assert segment_words("绵阳高新区排名") == ["绵阳", "高新区", "排名"]
    assert segment_words("  ") == []


def test_varint_positions_roundtrip() -> None:
    fmt = VarintPositions()
    for poslist in ([0], [5], [127, 128, 300], [1, 2, 3, 16383, 16384, 2_000_000]):
        v = fmt.encode(poslist)
        assert fmt.decode_positions(v) == poslist
        assert fmt.decode_frequency(v) == len(poslist)


# --------------------------------------------------------------------------
# queries
# --------------------------------------------------------------------------


def test_literal_query_shapes() -> None:
    from whoosh import query

    assert literal_query("body", "猪") == CharPrefix("body", "猪")
    assert isinstance(literal_query("body", "猪"), query.Prefix)
    assert literal_query("body", "5G") == query.Term("body", "5g")
    assert literal_query("body", "高新") == query.Term("body", "高新")
    assert literal_query("body", "高新区") == ExactPhrase("body", ["高新", "新区"])
    assert literal_query("body", "A股") == ExactPhrase("body", ["a", "股"])
    assert isinstance(literal_query("body", "A股"), query.Phrase)
    assert literal_query("body", " \u200b ") is query.NullQuery


def test_literal_pattern_semantics() -> None:
    assert literal_pattern("5G").search("5g网络")
    assert not literal_pattern("5G").search("25g")
    assert not literal_pattern("5G").search("5gb")
    assert literal_pattern("高新").search("提高新能源")
    assert literal_pattern("踔厉奋发 我们").search("踔厉奋发\n\n我们")
    assert not literal_pattern("踔厉奋发 我们").search("踔厉奋发我们")
    assert not literal_pattern("  ").search("  ")


CORPUS_LIKE = [
    "绵阳高新区排名第一，高新技术企业",
    "提高新能源汽车产量",
    "5G网络覆盖全国，２５Ｇ不是5G",
    "G20峰会在杭州举行",
    "A股市场 B股",
    "內银股 郭明錤表示",
    "踔厉奋发 我们一起向未来",
    "养猪场",
    "《求是》杂志发表“一带一路”",
    "COVID-19疫情",
]


@pytest.mark.parametrize(
    "literal",
    ["高新", "高新区", "猪", "5G", "５Ｇ", "25G", "G20峰", "A股", "股", "內银", "内银", "郭明錤",
     "郭明𫓹", "踔厉奋发 我们", "发 我", "“一带一路”", "》杂", "covid-19", "19疫", "-", "提高新",
     "a", "b股", "国，", "2", "市场 b"],
)
def test_examples_exact(literal: str) -> None:
    ix = _index(CORPUS_LIKE)
    with ix.searcher() as s:
        assert _found(s, literal_query("body", literal)) == _grep(CORPUS_LIKE, literal)


def test_char_prefix_union_and_spans() -> None:
    """One character over many terms and blocks; spans still work."""
    from whoosh import query

    texts = [f"{'一' * (i % 3 + 1)}{chr(0x4E00 + i)} x{i % 2}" for i in range(400)] + ["没有", "x0一"]
    ix = _index(texts, segments=2)
    with ix.searcher() as s:
        assert _found(s, literal_query("body", "一")) == _grep(texts, "一")
        hits = s.search(literal_query("body", "一"), limit=None)
        assert len({round(h.score, 6) for h in hits}) == 1  # constant score
        x0 = literal_query("body", "x0")
        near = query.SpanNear2([literal_query("body", "一"), x0], slop=3)
        # (Whoosh's own Prefix fails here: for many terms it ORs them with an
        # array matcher that has no spans.)
        assert _found(s, near) == {i for i in range(400) if i % 2 == 0}
        # the last 一 is 3 positions before x0 (char, space between) unless the
        # char itself is 一 (i == 0)
        far = query.SpanNear2([literal_query("body", "一"), x0], slop=2)
        assert _found(s, far) == {0}


def test_exact_phrase_agrees_with_whoosh_phrase() -> None:
    """Same documents, same scores, same spans as Whoosh's own Phrase."""
    from whoosh import query, scoring

    texts = [t * (i % 3 + 1) + f" 第{i}届" for i, t in enumerate(CORPUS_LIKE * 20)] + ["哈哈哈", "哈哈哈哈"]
    ix = _index(texts, segments=2)
    with ix.searcher(weighting=scoring.BM25F()) as s:
        for literal in ("高新区", "5G网络", "哈哈哈", "A股市场 B", "踔厉奋发 我们", "第1", "绵阳高新区排名第一"):
            mine = literal_query("body", literal).with_boost(2.0)
            assert isinstance(mine, ExactPhrase)
            theirs = query.Phrase("body", mine.words, boost=2.0)
            a = [(h["id"], round(h.score, 5)) for h in s.search(mine, limit=None)]
            b = [(h["id"], round(h.score, 5)) for h in s.search(theirs, limit=None)]
            assert a == b and sorted(int(i) for i, _ in a) == sorted(_grep(texts, literal))
            near_a = query.SpanNear2([mine, literal_query("body", "第")], slop=4)
            near_b = query.SpanNear2([theirs, literal_query("body", "第")], slop=4)
            assert _found(s, near_a) == _found(s, near_b), literal


def test_title_and_body_are_separate() -> None:
    from whoosh.filedb.filestore import RamStorage

    ix = RamStorage().create_index(_schema())
    w = ix.writer(codec=CompactCodec())
    w.add_document(id="0", title="绵阳高新", body="区排名", words="")
    w.commit()
    with ix.searcher() as s:
        for field in ("title", "body"):
            assert not _found(s, literal_query(field, "高新区"))
        assert _found(s, literal_query("title", "高新")) == {0}


# --------------------------------------------------------------------------
# property tests
# --------------------------------------------------------------------------

# A small alphabet, so that random literals actually occur: Simplified and
# Traditional pairs, full-width forms, an extension-B character, ASCII words,
# punctuation, several kinds of whitespace, invisibles and an expansion.
_ALPHABET = list("高新区提能源猪中国国內内銀银錤𫓹𠀀") + list("aBg5GZ029") + list("ＡＧ５２") + list(
    "，。“”《》、-.()"
) + [" ", "\n", "\u3000", "\u200b", "㈱", "\u0301", "ｶ", "ﾞ"]

texts_st = st.lists(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=40), min_size=1, max_size=8)


def _literals(draw, texts: list[str]) -> list[str]:
    out = []
    for _ in range(6):
        src = draw(st.sampled_from(texts + [normalize(t) for t in texts]))
        if src:
            i = draw(st.integers(0, len(src) - 1))
            j = draw(st.integers(i + 1, min(len(src), i + 8)))
            out.append(src[i:j])
    out.extend(draw(st.lists(st.text(alphabet=st.sampled_from(_ALPHABET), min_size=1, max_size=5), max_size=4)))
    return out


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), texts=texts_st)
def test_index_matches_grep(data, texts: list[str]) -> None:
    ix = _index(texts, segments=data.draw(st.integers(1, 2)))
    with ix.searcher() as s:
        for literal in _literals(data.draw, texts):
            got = _found(s, literal_query("body", literal))
            assert got == _grep(texts, literal), (literal, texts)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=30) | st.text(max_size=30))
def test_normalize_properties(text: str) -> None:
    norm, offsets = normalize_with_offsets(text)
    assert norm == normalize(text)
    assert normalize(norm) == norm  # idempotent
    assert len(offsets) == len(norm)
    assert offsets == sorted(offsets)
    assert all(0 <= o < len(text) for o in offsets)
    assert unicodedata.is_normalized("NFKC", norm)
    # every token's original span normalises back to the token's characters
    for t in ExactAnalyzer()(text, chars=True):
        span = text[t.startchar : t.endchar]
        if t.text == " ":
            assert any(c.isspace() for c in normalize(span))
        else:
            assert t.text in normalize(span)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_literal_query_never_fails(literal: str) -> None:
    q = literal_query("body", literal)
    pat = literal_pattern(literal)
    assert isinstance(pat, re.Pattern)
    assert q is not None


# --------------------------------------------------------------------------
# the codec and the schema
# --------------------------------------------------------------------------


def test_schema_pickles() -> None:
    schema = _schema()
    back = pickle.loads(pickle.dumps(schema))
    assert back["body"].format.__class__ is VarintPositions
    assert back["body"].analyzer == ExactAnalyzer()
    assert pickle.loads(pickle.dumps(CompactCodec())).__class__ is CompactCodec
    assert isinstance(ANALYSIS_VERSION, int)


def test_codec_same_results_and_scores_as_w3() -> None:
    """Many documents (multi-block posting lists), merges, other field types."""
    from whoosh import fields, query, scoring
    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.filedb.filestore import RamStorage

    schema = fields.Schema(
        path=fields.ID(stored=True, unique=True),
        date=fields.DATETIME(stored=True, sortable=True),
        tags=fields.KEYWORD(stored=True, commas=True),
        n=fields.NUMERIC(stored=True),
        body=exact_field(),
        boosted=exact_field(field_boost=1.5),
        words=word_field(),
    )
    base = datetime(2022, 1, 1)
    docs = []
    for i in range(700):
        text = "中国" * (i % 5 + 1) + f"第{i}届 5G" + ("高新区" if i % 7 == 0 else "提高新能源")
        docs.append(dict(path=f"p{i}", date=base + timedelta(days=i), tags="a,b" if i % 2 else "c",
                         n=i, body=text, boosted=text, words=text))
    results = {}
    for name, codec in (("w3", W3Codec()), ("compact", CompactCodec())):
        ix = RamStorage().create_index(schema)
        for chunk in (docs[:300], docs[300:]):
            w = ix.writer(codec=codec)
            for d in chunk:
                w.add_document(**d)
            w.commit(merge=False)
        w = ix.writer(codec=codec)
        w.delete_by_term("path", "p3")
        w.commit(optimize=True)  # merge segments through the codec
        qs = [
            literal_query("body", "中国中国中国"),
            literal_query("body", "高新区"),
            literal_query("boosted", "5G"),
            literal_query("body", "国"),
            query.Term("words", "能源"),
            query.Term("tags", "c"),
            query.NumericRange("n", 100, 200),
            query.DateRange("date", base, base + timedelta(days=30)),
        ]
        with ix.searcher(weighting=scoring.BM25F()) as s:
            results[name] = [
                [(h["path"], round(h.score, 4)) for h in s.search(q, limit=None)] for q in qs
            ]
    assert results["w3"] == results["compact"]
    assert all(results["compact"])


@pytest.mark.slow
def test_multiprocess_writer_is_exact(tmp_path: Path) -> None:
    from whoosh import index

    texts = CORPUS_LIKE * 30
    ix = index.create_in(str(tmp_path), _schema())
    w = ix.writer(procs=2, batchsize=50, codec=CompactCodec(), multisegment=True)
    for i, t in enumerate(texts):
        w.add_document(id=str(i), title=t[:5], body=t, words=t)
    w.commit()
    with ix.searcher() as s:
        for literal in ("高新", "5G", "猪", "A股", "发 我"):
            assert _found(s, literal_query("body", literal)) == _grep(texts, literal)

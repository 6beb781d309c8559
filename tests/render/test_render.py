"""Renderers as a terminal shows them (rich recording consoles) and as a pipe gets them.

Terminal checks use `Console(record=True, force_terminal=True, width=...)`:
widths are measured in cells (a Chinese character is two), styles are read
back from the exported text. Pipe checks use `make_console` on a StringIO,
which is what the CLI does when stdout is not a terminal.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from newsctl.posts.post import read_post
from newsctl.records import Hit, PostRecord
from newsctl.render.cells import NO_LINE_END, NO_LINE_START, fit, wrap
from newsctl.render.console import color_enabled, hyperlinks_enabled, make_console
from newsctl.render.hits import HitListRenderer
from newsctl.render.post_view import (
    body_blocks,
    html_paragraphs,
    plain_text,
    post_json,
    post_renderable,
)
from newsctl.render.stats_view import StatsView, bar
from newsctl.render.table import PostTableRenderer, short_id
from newsctl.search.stats import Stats

TZ = ZoneInfo("Asia/Shanghai")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "archive" / "_posts"
NW = EXAMPLES / "2022-02-28-NW202202282290536398.md"  # raw HTML body, back-links at the end
XWLB = EXAMPLES / "2025-09-11-xwlb2025091110.md"  # Markdown body, **bold** subheadings
ESC = re.compile(r"\x1b(\[[0-9;]*[A-Za-z]|\][^\x1b\x07]*(\x1b\\|\x07))")
LONG_TITLE = "【新思想引领新征程】分好“蛋糕”富民惠民 浙江扎实推进共同富裕示范区建设"


def terminal(width: int = 80) -> Console:
    return Console(record=True, force_terminal=True, width=width, color_system="truecolor",
                   file=io.StringIO(), highlight=False, emoji=False)


def pipe() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return make_console("auto", file=out), out


def lines_of(console: Console) -> list[str]:
    return console.export_text(styles=False).rstrip("\n").split("\n")


def record(title: str = LONG_TITLE, cats: tuple[str, ...] = ("xinwenlianbo",), rid: str = "2026-08-14-xwlb2026081401") -> PostRecord:
    return PostRecord(
        id=rid, path=Path(f"/arc/_posts/{rid}.md"), title=title,
        date=datetime(2026, 8, 14, 19, 2, tzinfo=TZ), categories=cats, tags=("新闻联播",), source=None,
    )


def hit(title: str = LONG_TITLE, snippet: str = "今年以来，浙江扎实推进高质量发展建设共同富裕示范区，" * 4) -> Hit:
    spans = tuple((m.start(), m.end()) for m in re.finditer("共同富裕", snippet))
    tspans = tuple((m.start(), m.end()) for m in re.finditer("共同富裕", title))
    return Hit(record=record(title), score=1.0, snippet=snippet, highlights=spans, title_highlights=tspans)


# --- display width ------------------------------------------------------------------

@given(st.text(alphabet=st.sampled_from(list("abc 12高新区，。“”《》—…") + ["\U0001f600"]), max_size=40), st.integers(1, 30))
@settings(max_examples=300, deadline=None)
def test_fit_never_exceeds_the_width_nor_splits_a_character(s: str, width: int):
    out = fit(Text(s), width)
    assert out.cell_len <= width
    if cell_len(s) <= width:
        assert out.plain == s
    else:
        assert out.plain.endswith("…")
        assert s.startswith(out.plain[:-1].rstrip()) or out.plain == "…"


def test_fit_cuts_chinese_at_a_character_boundary_with_no_gap_before_the_ellipsis():
    for width in range(3, 20):
        out = fit(Text("争当国家高新区建设发展新标杆"), width)
        assert out.cell_len in (width, width - 1)
        assert " " not in out.plain


@given(st.text(alphabet=st.sampled_from(list("高新区发展创新，。、；“”《》（）ab 12")), max_size=120), st.integers(4, 40))
@settings(max_examples=300, deadline=None)
def test_wrap_keeps_every_character_within_the_width(s: str, width: int):
    lines = wrap(Text(s), width)
    assert all(line.cell_len <= width for line in lines)
    assert "".join(line.plain for line in lines).replace(" ", "") == s.replace(" ", "")


def test_wrap_follows_chinese_line_breaking_rules():
    text = "绵阳高新区紧紧围绕《国家高新技术产业开发区综合评价指标体系》，通过加强创新主体培育、激发创新活力、优化创新生态。" * 3
    for width in range(10, 81, 7):
        lines = [line.plain for line in wrap(Text(text), width)]
        assert all(cell_len(line) <= width for line in lines)
        assert not any(line[0] in NO_LINE_START for line in lines[1:]), (width, lines)
        assert not any(line[-1] in NO_LINE_END for line in lines[:-1]), (width, lines)
        assert "".join(lines) == text


def test_wrap_keeps_ascii_words_whole():
    lines = [line.plain for line in wrap(Text("在 the quick brown fox 之后 2021年度"), 12)]
    assert all(word in " ".join(lines).split() for word in ("quick", "brown", "fox"))


# --- consoles -------------------------------------------------------------------------

class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    "choice, env, tty, styled",
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),  # empty NO_COLOR does not count (no-color.org)
        ("auto", {"TERM": "dumb"}, True, False),
        ("never", {}, True, False),
        ("always", {}, False, True),
        ("always", {"NO_COLOR": "1"}, False, True),  # an explicit flag beats the environment
    ],
)
def test_colour_choice(choice: str, env: dict, tty: bool, styled: bool):
    assert color_enabled(choice, _Stream(tty), env) is styled


def test_a_terminal_without_colour_keeps_the_terminal_layout_and_prints_no_escape_codes(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "50")
    stream = _Stream(True)
    c = make_console("auto", file=stream)
    assert c.is_terminal and c.color_system is None and c.width == 50
    HitListRenderer(c).item(hit())
    out = stream.getvalue()
    assert "\x1b" not in out
    assert all(cell_len(line) <= 50 for line in out.splitlines())
    assert "…" in out.splitlines()[0]


def test_hyperlinks_only_on_a_styled_terminal_that_copes():
    styled = terminal()
    assert hyperlinks_enabled(styled, {"TERM": "xterm-256color"})
    assert not hyperlinks_enabled(styled, {"TERM": "linux"})
    assert not hyperlinks_enabled(styled, {"TERM": "xterm", "NEWSCTL_HYPERLINKS": "0"})
    assert not hyperlinks_enabled(pipe()[0], {"TERM": "xterm"})


# --- search hits ----------------------------------------------------------------------------

def test_hits_on_a_terminal_fit_the_width_with_the_snippet_under_the_title(monkeypatch):
    monkeypatch.setenv("TERM", "xterm-256color")
    for width in (40, 60, 80, 120):
        c = terminal(width)
        r = HitListRenderer(c)
        r.item(hit())
        r.item(hit("国内联播快讯", "短句共同富裕。"))
        lines = lines_of(c)
        assert all(cell_len(line) <= width for line in lines), (width, lines)
        first = lines[0]
        assert first.startswith(" 1. ")
        assert first.rstrip().endswith("2026-08-14 19:02 · xinwenlianbo") or width < 60
        assert lines[1].startswith("    ")  # the snippet, indented under the title
        assert any("/arc/_posts/2026-08-14-xwlb2026081401.md" in line or "…" in line for line in lines[2:5])
    c = terminal(80)
    HitListRenderer(c).item(hit())
    assert "…" in lines_of(c)[0]  # the long title is cut, by display width


def test_hits_mark_matches_and_link_paths_on_a_terminal(monkeypatch):
    monkeypatch.setenv("TERM", "xterm-256color")
    c = terminal(100)
    HitListRenderer(c).item(hit())
    raw = c.file.getvalue()
    assert "\x1b[1;31m共同富裕" in raw  # the match in bold red
    assert "\x1b]8;" in raw and "file:///arc/_posts/2026-08-14-xwlb2026081401.md" in raw  # OSC 8 hyperlink


def test_snippets_take_at_most_three_lines_on_a_terminal():
    for width in (40, 80):
        c = terminal(width)
        HitListRenderer(c, show_paths=False).item(hit(snippet="很长的摘要" * 100))
        snippet = [line for line in lines_of(c) if "摘要" in line]
        assert len(snippet) == 3 and snippet[-1].rstrip().endswith("…")
        assert all(cell_len(line) <= width for line in snippet)


def test_hits_into_a_pipe_are_whole_lines_without_escape_codes():
    c, out = pipe()
    r = HitListRenderer(c)
    r.item(hit())
    r.finish()
    text = out.getvalue()
    assert "\x1b" not in text
    lines = text.splitlines()
    assert LONG_TITLE in lines[0] and "…" not in lines[0]
    assert lines[1].strip() == hit().snippet.strip()
    assert lines[2].strip() == "/arc/_posts/2026-08-14-xwlb2026081401.md"


# --- post lists -----------------------------------------------------------------------------

def test_list_table_fits_the_terminal_and_shows_short_ids(monkeypatch):
    rows = [record(), record("国内联播快讯", rid="2025-09-11-xwlb2025091110"), record("短", ("mianyangribao",), "2022-02-28-NW202202282290536398")]
    for width in (50, 80, 140):
        c = terminal(width)
        r = PostTableRenderer(c)
        for rec in rows:
            r.item(rec)
        r.finish()
        lines = lines_of(c)
        assert all(cell_len(line) <= width for line in lines), lines
        assert lines[0].split()[:1] == ["date"]
        assert lines[1].rstrip().endswith("xwlb2026081401")
        if width >= 80:
            assert "category" in lines[0] and "mianyangribao" in lines[3]
    assert short_id(rows[2]) == "NW202202282290536398"


def test_list_table_into_a_pipe_is_tab_separated_with_full_ids():
    c, out = pipe()
    r = PostTableRenderer(c)
    r.item(record())
    r.finish()
    assert out.getvalue() == f"2026-08-14 19:02\txinwenlianbo\t{LONG_TITLE}\t2026-08-14-xwlb2026081401\n"


# --- one post -------------------------------------------------------------------------------

def test_html_body_keeps_paragraphs_and_drops_source_and_back_links(tz):
    post = read_post(NW, tz)
    blocks = body_blocks(post.body)
    assert blocks and all(is_html for is_html, _ in blocks)
    paras = [p.plain for _, chunk in blocks for p in html_paragraphs(chunk)]
    assert paras[0].startswith("新年新气象，跨越新征程。")
    assert paras[1] == "值得欣喜的是，绵阳高新区综合质效和持续创新力排名第28位；绿色发展和宜居包容性排名第22位。"
    assert paras[-1] == "（文章来源：绵阳日报）"
    assert [p for p in post.text.split("\n\n")] == paras  # the same paragraphs the index sees


def test_post_on_a_terminal(tz, monkeypatch):
    monkeypatch.setenv("TERM", "xterm-256color")
    post = read_post(NW, tz)
    for width in (50, 80):
        c = terminal(width)
        c.print(post_renderable(post, c))
        lines = lines_of(c)
        assert lines[0] == "争当国家高新区建设发展新标杆"
        assert any(line.split()[:2] == ["categories", "mianyangribao"] for line in lines[1:8])
        assert any(line.startswith("source") for line in lines[1:8])
        assert all(cell_len(line) <= width for line in lines)
        body = lines[lines.index("─" * width) + 1:]
        assert body[0].startswith("新年新气象")
        assert not any(line[:1] in NO_LINE_START for line in body if line), "a line starts with closing punctuation"
        assert "" in body  # paragraphs are separated by blank lines
        joined = "".join(body)
        assert "返回首页" not in joined and "infoCode=" not in joined


def test_markdown_post_on_a_terminal_shows_bold_subheadings(tz):
    post = read_post(XWLB, tz)
    c = terminal(80)
    c.print(post_renderable(post, c))
    styled = c.export_text(styles=True)
    assert "\x1b[1m前8个月中国进出口银行投放外贸领域贷款8000亿元" in styled
    assert "**" not in c.export_text()


def test_post_into_a_pipe_is_a_header_block_then_the_text(tz):
    post = read_post(NW, tz)
    text = plain_text(post)
    head, _, body = text.partition("\n\n")
    assert head.splitlines() == [
        "title: 争当国家高新区建设发展新标杆",
        "date: 2022-02-28 07:45",
        "categories: mianyangribao",
        "tags: 绵阳日报新闻",
        "source: http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202202282290536398",
        "id: 2022-02-28-NW202202282290536398",
        f"path: {NW}",
    ]
    assert body == post.text + "\n"
    data = post_json(post)
    assert data["text"] == post.text and data["date"] == "2022-02-28T07:45:08+08:00"


# --- stats ----------------------------------------------------------------------------------

def _stats(days: dict[date, int], cats=(("emnews", 3),), tags=(("东财滚动新闻", 3),)) -> Stats:
    from collections import Counter

    ds = sorted(days)
    return Stats(
        query="高新区", total=sum(days.values()),
        first=datetime(ds[0].year, ds[0].month, ds[0].day, 8, tzinfo=TZ),
        last=datetime(ds[-1].year, ds[-1].month, ds[-1].day, 20, tzinfo=TZ),
        categories=list(cats), tags=list(tags), days=Counter(days),
    )


def test_bars_use_eighth_blocks_and_never_vanish():
    assert bar(10, 10, 5) == "█████"
    assert bar(1, 1000, 5) == "▏"
    assert bar(0, 10, 5) == ""
    assert bar(5, 10, 3) == "█▌"


def test_stats_chart_per_month_collapses_long_empty_runs():
    st = _stats({date(2022, 1, 5): 4, date(2022, 2, 1): 1, date(2022, 8, 3): 2})
    c = terminal(60)
    StatsView(c, unit="month").render(st)
    lines = lines_of(c)
    assert lines[0] == "高新区: 7 posts, 2022-01-05 … 2022-08-03"
    chart = lines[lines.index("posts per month") + 1:]
    assert chart[0].startswith("2022-01  4 ") and chart[0].rstrip().endswith("█" * (60 - 7 - 1 - 4))
    assert chart[1].startswith("2022-02  1 █")
    assert "5 months without posts (2022-03 … 2022-07)" in chart[2]
    assert chart[3].startswith("2022-08  2 █")
    assert all(cell_len(line) <= 60 for line in lines)


def test_stats_names_align_by_display_width():
    st = _stats({date(2022, 1, 5): 30}, tags=(("东财滚动新闻", 24), ("新闻联播", 5), ("ab", 1)))
    c = terminal(80)
    StatsView(c, unit="month").render(st)
    lines = lines_of(c)
    rows = lines[lines.index("tags (3)") + 1:]
    cols = {cell_len(row[: row.index("%")]) for row in rows}
    assert len(cols) == 1, rows  # the percent signs line up


def test_stats_by_year_draws_a_month_sparkline_per_year():
    st = _stats({date(2020, 1, 1): 8, date(2020, 12, 1): 1, date(2023, 6, 1): 4})
    c = terminal(80)
    StatsView(c, unit="year").render(st)
    lines = lines_of(c)
    years = lines[lines.index("posts per year  (months Jan…Dec)") + 1:][:4]
    assert [y[:4] for y in years] == ["2020", "2021", "2022", "2023"]
    assert years[0][6:18] == "█··········▁"
    assert years[1][6:18] == "·" * 12


def test_stats_into_a_pipe_has_no_escape_codes_and_bars_for_80_columns():
    st = _stats({date(2022, 1, 5): 4, date(2022, 2, 1): 1})
    c, out = pipe()
    StatsView(c, unit="month").render(st)
    text = out.getvalue()
    assert "\x1b" not in text
    assert max(cell_len(line) for line in text.splitlines()) <= 80


def test_hits_are_numbered_from_the_offset():
    c = terminal(80)
    r = HitListRenderer(c, start=11)
    r.item(hit())
    r.item(hit())
    lines = lines_of(c)
    assert lines[0].startswith("11. ") and any(line.startswith("12. ") for line in lines)
    assert lines[lines.index(next(line for line in lines if line.startswith("12. "))) - 1] == ""


def test_html_lists_and_table_rows_stay_together_and_apart_from_paragraphs():
    html = "<div><p>前言</p><ul><li>甲</li><li>乙</li></ul><table><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table><p>后记</p></div>"
    assert [p.plain for p in html_paragraphs(html)] == ["前言", "• 甲\n• 乙", "1  2\n3  4", "后记"]


def test_html_inline_styles_and_breaks():
    (para,) = html_paragraphs("<p>第一段<br> 换行 <b>加粗</b><i>斜体</i>  <a href='http://example.org/x'>链接</a></p>", hyperlinks=True)
    assert para.plain == "第一段\n换行 加粗斜体 链接"
    styles = {para.plain[s.start:s.end]: str(s.style) for s in para.spans}
    assert "bold" in styles["加粗"] and "italic" in styles["斜体"] and "http://example.org/x" in styles["链接"]

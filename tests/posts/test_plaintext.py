"""Bodies (Markdown, raw HTML, mixed) to plain text; the trailing source link."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from newsctl.posts.plaintext import find_source, split_trailer, to_plain_text

NW = "2022-02-28-NW202202282290536398.md"


def body_of(data_posts: Path, name: str) -> str:
    text = (data_posts / name).read_text(encoding="utf-8")
    return text.split("\n---\n", 1)[1]


# ---------------------------------------------------------------- real bodies


def test_long_html_article(data_posts):
    body = body_of(data_posts, NW)
    text = to_plain_text(body)
    paras = text.split("\n\n")
    assert len(paras) == body.count("<p>") + body.count("<p ")
    assert paras[0].startswith("新年新气象，跨越新征程。")
    assert paras[2] == "□智宏伟文/图"
    assert paras[3] == "紧紧抓住“创新引领”关键一招"
    assert paras[-1] == "（文章来源：绵阳日报）"
    assert "《绵阳高新区绿色发展五年行动方案(2021-2025年)》" in text
    assert "<" not in text and ">" not in text and "返回" not in text and "finews" not in text
    assert find_source(body) == "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202202282290536398"


def test_back_links_on_two_lines(data_posts):
    body = body_of(data_posts, "2021-12-08-202112082206747356.md")
    assert to_plain_text(body) == "海伦司(09869.HK)涨超10%，现报17.96港元。"
    assert find_source(body) == "http://hk.eastmoney.com/news/1533,202112082206747356.html"


def test_back_links_separated_by_fullwidth_bar(data_posts):
    body = body_of(data_posts, "2021-12-08-202112082206924746.md")
    assert "[返回东财滚动新闻](//finews.withounder.com/emnews/)｜[返回首页](//finews.withounder.com/)" in body
    text = to_plain_text(body)
    assert text.startswith("在今日举办的华西证券2022资本市场峰会上，华西证券副所长、首席策略分析师李立峰")
    assert text.endswith("两者差值即A股增量资金(静态测算)约为6550亿元。（财联社）")
    assert "返回" not in text and "｜" not in text and "eastmoney" not in text


def test_traditional_characters_and_dashes_are_kept(data_posts):
    text = to_plain_text(body_of(data_posts, "2021-12-08-202112082206885586.md"))
    assert "內银" in text
    text = to_plain_text(body_of(data_posts, "2021-12-08-202112082206972753.md"))
    assert "分布式光伏发电站点――中国石化广东石油广州" in text


def test_markdown_bold_lead(data_posts):
    text = to_plain_text(body_of(data_posts, "2022-01-01-xwlb2022010100.md"))
    assert text.startswith("央视网消息（新闻联播）：2022年1月1日出版的今年第1期《求是》杂志")
    assert "**" not in text and "tv.cctv.com" not in text
    assert len(text.split("\n\n")) == 7


def test_html_strong_lead(data_posts):
    text = to_plain_text(body_of(data_posts, "2022-01-01-xwlb2022010102.md"))
    assert text == (
        "央视网消息（新闻联播）：新华社今天（1月1日）播发长篇通讯"
        "《鲲鹏展翅九万里——以习近平同志为核心的党中央引领中华民族迈向伟大复兴述评》。"
    )


def test_bare_angle_brackets_survive(data_posts):
    # Markdown bodies
    text = to_plain_text(body_of(data_posts, "2022-11-11-xwlb2022111109.md"))
    assert "明确入境人员阳性判定标准为核酸检测Ct值<35，对解除集中隔离时" in text
    text = to_plain_text(body_of(data_posts, "2022-12-19-xwlb2022121908.md"))
    assert "关于<中国民主促进会章程>" in text or "关于<中国民主促进" in text
    # HTML bodies
    text = to_plain_text(body_of(data_posts, "2022-11-02-xwlb2022110207.md"))
    assert "《政协全国委员会关于部分修改<中国人民政治协商会议章程>的决定》" in text
    text = to_plain_text(body_of(data_posts, "2024-03-20-xwlb2024032006.md"))
    assert "祝贺香港特区<维护国家安全条例>顺利通过" in text


def test_html_numeric_entities_are_decoded(data_posts):
    text = to_plain_text(body_of(data_posts, "2025-03-22-xwlb2025032200.md"))
    assert text.startswith("央视网消息（新闻联播）：习近平总书记指出")  # &#x65B0; is 新
    text = to_plain_text(body_of(data_posts, "2025-09-01-xwlb2025090115.md"))
    assert "&#x3000;" not in text and "\u3000" in text


def test_markdown_escapes_are_unescaped(data_posts):
    text = to_plain_text(body_of(data_posts, "2023-01-31-xwlb2023013108.md"))
    assert "自西向东将有4~6℃降温" in text and "\\" not in text
    text = to_plain_text(body_of(data_posts, "2025-04-05-xwlb2025040501.md"))
    # `\&#xA;` is an escaped ampersand in Markdown: literal text, as a renderer shows it
    assert "&#xA;" in text and "\\&" not in text


def test_placeholder_posts_keep_their_words(data_posts):
    assert to_plain_text(body_of(data_posts, "2022-07-05-xwlb2022070504.md")) == "CONTENT NOTFOUND"
    assert to_plain_text(body_of(data_posts, "2025-03-02-xwlb2025030214.md")) == "CONTENT_NOT_FOUND"


# ---------------------------------------------------------------- variants


LEAD = "海伦司(09869.HK)涨超10%，现报17.96港元。"
SRC = "<http://hk.eastmoney.com/news/1533,202112082206747356.html>"


def test_blockquote_digest():
    body = f"> {LEAD}\n>\n> > 港股半导体板块走高，英恒科技涨近8%。\n\n{SRC}\n"
    assert to_plain_text(body) == f"{LEAD}\n\n港股半导体板块走高，英恒科技涨近8%。"


def test_bare_less_than_in_markdown():
    body = f"康斯特表示，MEMS传感器精度满足<1%，A<B 且 x < y。\n\n{SRC}"
    assert to_plain_text(body) == "康斯特表示，MEMS传感器精度满足<1%，A<B 且 x < y。"


def test_html_entities_comments_and_scripts():
    body = (
        "<center><p>郭明錤：苹果&lt;AR&gt;头显&nbsp;明年&amp;后年</p></center>\n"
        "<!-- 广告\n\n位 -->\n"
        "<p>第一行<br>第二行<br/>第三行</p><script>var x = '<p>no</p>';</script>"
        "<style>p { color: red }</style><p>  多余   空白 \n 合并 </p>\n\n" + SRC + "\n"
    )
    assert to_plain_text(body) == "郭明錤：苹果<AR>头显\xa0明年&后年\n\n第一行\n第二行\n第三行\n\n多余 空白 合并"


def test_markdown_syntax_is_dropped():
    body = (
        "# 标题 #\n\n"
        "## 二级标题\n\n"
        "**加粗**、*斜体*、__粗__、_斜_、~~删除~~、`代码`，snake_case_name 和 7*24 保留。\n\n"
        "见[东方财富](http://finance.eastmoney.com/a.html \"标题\")与![图片](http://x/y.png)。\n"
        "- 第一项\n"
        "* 第二项\n"
        "1. 第三项\n\n"
        "Setext 标题\n"
        "---------\n\n"
        "***\n\n"
        "[ref]: http://example.org\n"
        "原文 <http://example.org/a> 可见\n\n"
        + SRC
    )
    assert to_plain_text(body) == (
        "标题\n\n二级标题\n\n"
        "加粗、斜体、粗、斜、删除、代码，snake_case_name 和 7*24 保留。\n\n"
        "见东方财富与。\n第一项\n第二项\n1. 第三项\n\n"
        "Setext 标题\n\n"
        "原文 http://example.org/a 可见"
    )


def test_mixed_markdown_and_html_blocks():
    body = f"**央视网消息**（新闻联播）：导语。\n\n <p><strong>小标题</strong></p>\n <p>正文&lt;1%</p>\n\n结尾 *强调*。\n\n{SRC}\n"
    assert to_plain_text(body) == "央视网消息（新闻联播）：导语。\n\n小标题\n\n正文<1%\n\n结尾 强调。"


def test_inline_html_in_markdown():
    body = "**英文**<br>Apple <span class='x'>Inc.</span> &amp; <Enter> 键&nbsp;"
    assert to_plain_text(body) == "英文\nApple Inc. & <Enter> 键\xa0"


def test_source_variants():
    assert find_source(f"{LEAD}\n\n<>\n") is None
    assert to_plain_text(f"{LEAD}\n\n<>\n") == LEAD
    assert find_source(LEAD) is None
    assert find_source(f"{LEAD}\n\n{SRC}\r\n\r\n[返回首页](../)\r\n") == SRC[1:-1]
    assert find_source(f"原文：{SRC}\n") is None  # not on its own line: part of the text
    assert to_plain_text(f"原文：{SRC}\n") == "原文：" + SRC[1:-1]
    # only the last autolink line is the source; an earlier one is text
    assert split_trailer(f"{LEAD}\n\n<http://a.example/>\n\n{SRC}") == (f"{LEAD}\n\n<http://a.example/>", SRC[1:-1])


def test_back_link_variants():
    for trailer in [
        "[返回东财滚动新闻](../emnews/)\n[返回首页](../)",
        "[返回东财滚动新闻](//finews.withounder.com/emnews/)｜[返回首页](//finews.withounder.com/)",
        "[返回绵阳日报新闻](//finews.withounder.com/category/mianyangribao.html) | [返回首页](//x/)",
        "[返回首页](./)",
    ]:
        assert to_plain_text(f"{LEAD}\n\n{SRC}\n\n{trailer}") == LEAD
        assert to_plain_text(f"{LEAD}\n\n{trailer}\n") == LEAD
    # a link that is not a back-link stays
    assert to_plain_text(f"{LEAD}\n\n[阅读原文](http://x/)") == f"{LEAD}\n\n阅读原文"


def test_crlf_and_cr():
    body = f"{LEAD}\n\n第二段。\n\n{SRC}\n"
    assert to_plain_text(body.replace("\n", "\r\n")) == to_plain_text(body.replace("\n", "\r")) == to_plain_text(body)


def test_empty_bodies():
    assert to_plain_text("") == ""
    assert to_plain_text(f"\n\n{SRC}\n") == ""
    assert to_plain_text("<p></p>\n<!-- -->") == ""


# ---------------------------------------------------------------- properties

# Text without Markdown/HTML syntax characters: every non-blank character must survive, in order.
_PLAIN = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from(list("ABCxyz0123456789，。、：；？！“”‘’（）《》【】――…％．內錤郭明")),
        st.sampled_from([" ", "\n", "\u3000"]),
    ),
    max_size=300,
)


@given(_PLAIN)
def test_plain_text_keeps_every_character(s):
    out = to_plain_text(s)
    assert re.sub(r"\s", "", out) == re.sub(r"\s", "", s)


@given(st.text(max_size=400))
@settings(max_examples=300)
def test_never_raises_and_is_deterministic(s):
    out = to_plain_text(s)
    assert out == to_plain_text(s)
    assert "\n\n\n" not in out and out == out.strip("\n")


@given(st.lists(st.sampled_from(["<p>", "</p>", "<", ">", "**", "*", "_", "[", "]", "(", ")", "&lt;", "&",
                                 "\n", "\n\n", "> ", "# ", "\\", "`", "<!--", "-->", "<br>", "中文", "a", " ",
                                 "<http://x.y/>", "<>", "[返回首页](../)", "｜"]), max_size=60))
@settings(max_examples=500)
def test_markup_soup_never_raises(parts):
    to_plain_text("".join(parts))
    find_source("".join(parts))

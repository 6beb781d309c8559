"""A post body (Markdown or raw HTML) to plain text, and the body's source link.

`to_plain_text` is what the search index sees, so it is exact and
deterministic: every word of the article is kept as written (Traditional
characters, full-width punctuation, `――`, English), only markup is removed.
Normalisation (case, width, script) is `analysis.py`'s job, not this module's.

A body is read the way a Markdown renderer (kramdown, CommonMark) reads it:
it is split into blocks at blank lines, and a block whose first line starts
with a block-level HTML tag (`<p>`, `<div>`, `<center>`, `<!--`, ...) is raw
HTML, parsed with selectolax (lexbor); every other block is Markdown, whose
syntax (links, emphasis, `>` quote markers, `#` heading markers, images,
escapes) is stripped by hand. So a pure-HTML body, a pure-Markdown body and a
mix all come out right, and a bare `<` in Markdown (`精度满足<1%`,
`<中国人民政治协商会议章程>`) is text, as it is for a renderer.

The trailer at the end of a body is not article text: the source autolink on
its own line (`<http://...>`, or `<>` for none) and navigation back-links such
as `[返回东财滚动新闻](../emnews/)｜[返回首页](../)`. `find_source` returns the
link; `to_plain_text` drops both.

Output: paragraphs separated by one blank line, lines inside a paragraph by
one newline, ASCII blanks trimmed from line ends, no leading/trailing blank
lines. Entities are decoded (`&lt;` -> `<`, `&nbsp;` -> U+00A0).
"""

from __future__ import annotations

import html
import re

__all__ = ["find_source", "split_trailer", "to_plain_text"]

# ---------------------------------------------------------------- trailer

# A source autolink alone on its line: <http://...>, <https://...>, or <> (none).
_SOURCE_LINE = re.compile(r"<(?:(https?://[^\s<>]*))?>")
# A navigation line: one or more [返回…](…) links separated by ｜ / | / blanks.
_BACKLINK = r"\[返回[^\]\n]*\]\([^)\n]*\)"
_BACKLINK_LINE = re.compile(rf"{_BACKLINK}(?:[ \t\u3000]*[｜|]?[ \t\u3000]*{_BACKLINK})*[ \t\u3000]*[｜|]?")


def split_trailer(body: str) -> tuple[str, str | None]:
    """Split `body` into (article, source URL or None).

    Walks back from the end over blank lines, back-link lines and at most one
    source autolink line (`<http...>` / `<>`), and cuts them off.
    """
    if "\r" in body:
        body = _normalise_newlines(body)
    lines = body.split("\n")
    i = len(lines)
    source: str | None = None
    seen_source = removed = False
    while i > 0:
        s = lines[i - 1].strip()
        if not s:
            i -= 1
            continue
        if not seen_source and s[0] == "<" and s[-1] == ">":
            m = _SOURCE_LINE.fullmatch(s)
            if m:
                seen_source = removed = True
                source = m.group(1) or None
                i -= 1
                continue
        if s[0] == "[" and _BACKLINK_LINE.fullmatch(s):
            removed = True
            i -= 1
            continue
        break
    if not removed:
        return body, None
    return "\n".join(lines[:i]), source


def find_source(body: str) -> str | None:
    """The source URL of a body: its trailing `<http...>` autolink (`<>` -> None)."""
    return split_trailer(body)[1]


# ---------------------------------------------------------------- blocks

# CommonMark HTML block starts (types 1, 2, 4, 5 and 6): such a block is raw HTML.
_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    "details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|"
    "h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|"
    "optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|"
    "track|ul|pre|script|style|textarea"
)
_HTML_BLOCK_START = re.compile(
    rf"[ \t]{{0,3}}<(?:!--|![A-Za-z]|\?|/?(?:{_BLOCK_TAGS})(?=[\s/>]|$))", re.IGNORECASE
)
_RAW_OPEN = re.compile(r"<(script|style|pre|textarea)\b", re.IGNORECASE)


def _normalise_newlines(s: str) -> str:
    return s.replace("\r\n", "\n").replace("\r", "\n")


def _html_unclosed(chunk: str) -> bool:
    """Does an HTML chunk end inside a comment or a <script>/<style>/<pre>/<textarea>?"""
    if chunk.rfind("<!--") > chunk.rfind("-->"):
        return True
    low = None
    for m in _RAW_OPEN.finditer(chunk):
        if low is None:
            low = chunk.lower()
        if low.find(f"</{m.group(1).lower()}", m.end()) < 0:
            return True
    return False


def _segments(text: str) -> list[tuple[bool, str]]:
    """Split a body into (is_html, text) runs of whole blocks."""
    segs: list[tuple[bool, list[str]]] = []
    in_html = False
    at_block_start = True
    block_start = 0  # index in the current run's lines where the current HTML block starts
    for line in text.split("\n"):
        if not line.strip():
            if in_html:
                run = segs[-1][1]
                if _html_unclosed("\n".join(run[block_start:])):
                    run.append(line)  # a comment or <pre>/<script> goes on across blank lines
                    continue
            in_html = False
            at_block_start = True
            if segs:
                segs[-1][1].append("")
            continue
        if at_block_start:
            at_block_start = False
            is_html = "<" in line and _HTML_BLOCK_START.match(line) is not None
            if not segs or segs[-1][0] != is_html:
                segs.append((is_html, []))
            in_html = is_html
            block_start = len(segs[-1][1])
        segs[-1][1].append(line)
    return [(h, "\n".join(ls)) for h, ls in segs]


# ---------------------------------------------------------------- HTML

_WS = re.compile(r"[ \t\n\r\f]+")
_DROP_TAGS = frozenset({"-comment", "script", "style", "template", "noscript", "head", "title", "img", "iframe"})
_LINE_TAGS = frozenset({"br", "tr", "li", "dt", "dd", "option"})
_CELL_TAGS = frozenset({"td", "th"})
_BLOCK_SET = frozenset(
    {
        "p", "div", "center", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol",
        "dl", "table", "thead", "tbody", "tfoot", "caption", "section", "article", "aside",
        "header", "footer", "nav", "main", "figure", "figcaption", "pre", "hr", "address",
        "details", "summary", "form", "fieldset", "legend", "dialog", "menu", "html", "body",
    }
)
_PARA = "\n\n"


def _html_to_text(fragment: str) -> str:
    from selectolax.lexbor import LexborHTMLParser

    body = LexborHTMLParser(fragment).body
    if body is None:
        return ""
    out: list[str] = []
    # Iterative walk; the stack holds the open elements (node, tag) to leave.
    stack: list = []
    node = body.child
    pre_depth = 0
    while node is not None or stack:
        if node is None:
            node, tag = stack.pop()
            if tag in _BLOCK_SET:
                out.append(_PARA)
                if tag == "pre":
                    pre_depth -= 1
            elif tag in _LINE_TAGS:
                out.append("\n")
            elif tag in _CELL_TAGS:
                out.append(" ")
            node = node.next
            continue
        tag = node.tag
        if tag == "-text":
            t = node.text_content
            if t:
                out.append(t if pre_depth else _WS.sub(" ", t))
            node = node.next
            continue
        if tag in _DROP_TAGS or tag[0] == "-" or tag[0] == "!":
            node = node.next
            continue
        if tag == "br":
            out.append("\n")
            node = node.next
            continue
        if tag in _BLOCK_SET:
            out.append(_PARA)
            if tag == "pre":
                pre_depth += 1
        elif tag in _LINE_TAGS:
            out.append("\n")
        child = node.child
        if child is None:
            if tag in _BLOCK_SET:
                out.append(_PARA)
                if tag == "pre":
                    pre_depth -= 1
            elif tag in _CELL_TAGS:
                out.append(" ")
            node = node.next
            continue
        stack.append((node, tag))
        node = child
    return "".join(out)


# ---------------------------------------------------------------- Markdown

# Backslash escapes of ASCII punctuation are swapped for private-use characters
# while the syntax is stripped, then swapped back (so `\*` stays a star).
_ESC_BASE = 0xF0000
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_UNESCAPE = re.compile("[\U000f0021-\U000f007e]")
_INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_IMAGE = re.compile(r"!\[[^\]]*\](?:\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)|\[[^\]]*\])")
_LINK = re.compile(
    r"\[([^\]]*)\](?:\(\s*(?:<[^<>\n]*>|(?:[^()\s]|\([^()\s]*\))*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)|\[[^\]]*\])"
)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^\s<>]*|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+)>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HTML_TAG_NAMES = (
    "a|abbr|b|bdi|bdo|big|br|cite|code|data|del|dfn|em|font|i|img|ins|kbd|mark|q|s|samp|"
    "small|span|strike|strong|sub|sup|time|tt|u|var|wbr|" + _BLOCK_TAGS
)
_INLINE_TAG = re.compile(rf"</?(?:{_HTML_TAG_NAMES})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_BR_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_STRONG_STAR = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)
_STRONG_UNDER = re.compile(r"(?<![A-Za-z0-9_])__(?=\S)(.+?)(?<=\S)__(?![A-Za-z0-9_])", re.DOTALL)
_EM_STAR = re.compile(r"\*(?=[^\s*])(.+?)(?<=[^\s*])\*", re.DOTALL)
_EM_UNDER = re.compile(r"(?<![A-Za-z0-9_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![A-Za-z0-9_])", re.DOTALL)
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~", re.DOTALL)

_QUOTE = re.compile(r"[ \t]{0,3}>[ \t]?(?:>[ \t]?)*")
_HEADING = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]+|$)")
_HEADING_CLOSE = re.compile(r"[ \t]+#+[ \t]*$")
_SETEXT = re.compile(r"[ \t]{0,3}(?:=+|-+)[ \t]*")
_HRULE = re.compile(r"[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")
_BULLET = re.compile(r"[ \t]*[-*+][ \t]+(?=\S)")
_REF_DEF = re.compile(r"[ \t]{0,3}\[[^\]]+\]:[ \t]*\S+.*")
_FENCE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")
_TABLE_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*")


def _md_inline(s: str) -> str:
    escaped = "\\" in s
    if escaped:
        if _UNESCAPE.search(s):  # private-use characters already present: leave escapes alone
            escaped = False
        else:
            s = _ESCAPE.sub(lambda m: chr(_ESC_BASE + ord(m.group(1))), s)
    if "`" in s:
        s = _INLINE_CODE.sub(lambda m: m.group(2).strip(" ") or m.group(2), s)
    if "[" in s:
        s = _IMAGE.sub("", s)
        s = _LINK.sub(r"\1", s)
    if "<" in s:
        s = _AUTOLINK.sub(r"\1", s)
        s = _BR_TAG.sub("\n", s)
        s = _INLINE_TAG.sub("", s)
    if "*" in s:
        s = _STRONG_STAR.sub(r"\1", s)
        s = _EM_STAR.sub(r"\1", s)
    if "_" in s:
        s = _STRONG_UNDER.sub(r"\1", s)
        s = _EM_UNDER.sub(r"\1", s)
    if "~~" in s:
        s = _STRIKE.sub(r"\1", s)
    if "&" in s:
        s = _ENTITY.sub(lambda m: html.unescape(m.group(0)), s)
    if escaped:
        s = _UNESCAPE.sub(lambda m: chr(ord(m.group(0)) - _ESC_BASE), s)
    return s


def _markdown_to_text(text: str) -> str:
    if "<!--" in text:
        text = _COMMENT.sub("", text)
    paras: list[str] = []
    cur: list[str] = []

    def flush() -> None:
        if cur:
            paras.append(_md_inline("\n".join(cur)))
            cur.clear()

    fence: str | None = None
    for line in text.split("\n"):
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
                flush()
            else:
                cur.append(line)
            continue
        if not line.strip():
            flush()
            continue
        c = line.lstrip()[0]
        if c == ">":
            line = _QUOTE.sub("", line, count=1)
            if not line.strip():
                flush()
                continue
            c = line.lstrip()[0]
        if c == "#":
            m = _HEADING.match(line)
            if m:
                flush()
                h = _HEADING_CLOSE.sub("", line[m.end():])
                if h.strip():
                    paras.append(_md_inline(h))
                continue
        elif c in "=-*_+":
            if c in "=-" and _SETEXT.fullmatch(line):
                if cur:  # underline of a setext heading
                    flush()
                    continue
                if c == "-":  # a thematic break
                    continue
            if c in "-*_" and _HRULE.fullmatch(line):
                flush()
                continue
            m = _BULLET.match(line)
            if m:
                line = line[m.end():]
        elif c in "`~":
            m = _FENCE.match(line)
            if m:
                flush()
                fence = m.group(1)
                continue
        elif c == "[":
            if _REF_DEF.fullmatch(line):
                continue
        elif c in "|:" and _TABLE_RULE.fullmatch(line):
            continue
        if line.endswith("\\") and not line.endswith("\\\\"):
            line = line[:-1]  # a hard line break
        cur.append(line)
    flush()
    return "\n\n".join(paras)


# ---------------------------------------------------------------- assembly


def _tidy(raw: str) -> list[str]:
    """Raw text with newlines -> paragraphs (lists of trimmed non-blank lines)."""
    paras: list[str] = []
    cur: list[str] = []
    for line in raw.split("\n"):
        line = line.strip(" \t\f\v")
        if line and not line.isspace():
            cur.append(line)
        elif cur:
            paras.append("\n".join(cur))
            cur = []
    if cur:
        paras.append("\n".join(cur))
    return paras


def to_plain_text(body: str) -> str:
    """The article text of a post body: markup, source link and back-links removed."""
    if "\r" in body:
        body = _normalise_newlines(body)
    article, _ = split_trailer(body)
    if "<" not in article:
        return "\n\n".join(_tidy(_markdown_to_text(article)))
    parts: list[str] = []
    for is_html, seg in _segments(article):
        parts.append(_html_to_text(seg) if is_html else _markdown_to_text(seg))
    return "\n\n".join(_tidy("\n\n".join(parts)))

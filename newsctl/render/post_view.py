"""One post for reading: a header (title, date, categories, tags, source, file) and the body.

On a terminal the body is formatted: it is split into blocks the way a
CommonMark renderer splits it (markdown-it, which rich uses too); Markdown
blocks go to `rich.markdown.Markdown`, raw HTML blocks (which rich would drop)
become styled text here — paragraphs kept, bold/italic/links/headings/lists
shown, images and scripts left out. The source autolink and the navigation
back-links at the end of a body (`[返回首页](../)`) are not article text and are
dropped (`plaintext.split_trailer`, the rule the index uses).

Into a pipe the post is plain text a script can take apart: `key: value`
header lines, a blank line, then the article text as the index sees it
(paragraphs separated by blank lines, `plaintext.to_plain_text`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.style import Style
from rich.table import Table
from rich.text import Text

from ..posts.post import DATE_FROM_FILENAME, DATE_FROM_MTIME, Post
from .cells import Wrapped
from .console import hyperlinks_enabled
from .hits import display_path

DATE_FORMAT = "%Y-%m-%d %H:%M"
DATE_NOTES = {DATE_FROM_FILENAME: "from the file name", DATE_FROM_MTIME: "from the file's modification time"}


# --- header --------------------------------------------------------------------------


def header_fields(post: Post) -> list[tuple[str, str]]:
    """(label, value) for the header, in order; empty fields left out."""
    when = post.date.strftime(DATE_FORMAT)
    if post.date_origin in DATE_NOTES:
        when += f" ({DATE_NOTES[post.date_origin]})"
    fields = [("date", when)]
    if post.categories:
        fields.append(("categories", ", ".join(post.categories)))
    if post.tags:
        fields.append(("tags", ", ".join(post.tags)))
    if post.source:
        fields.append(("source", post.source))
    fields.append(("id", post.id))
    return fields


def plain_text(post: Post) -> str:
    """The pipe form: `key: value` lines, a blank line, the article as plain text."""
    lines = [f"title: {' '.join(post.title.split())}"]
    lines += [f"{label}: {value}" for label, value in header_fields(post)]
    lines.append(f"path: {post.path}")
    text = post.text.strip("\n")
    return "\n".join(lines) + "\n" + (f"\n{text}\n" if text else "")


def post_json(post: Post) -> dict[str, Any]:
    """`newsctl show --format json`: the list/search record plus the post's body and text."""
    return {
        "id": post.id,
        "path": str(post.path),
        "title": post.title,
        "date": post.date.isoformat(),
        "categories": list(post.categories),
        "tags": list(post.tags),
        "source": post.source,
        "date_origin": post.date_origin,
        "text": post.text,
        "body": post.body,
    }


def post_renderable(post: Post, console: Console) -> RenderableType:
    """Header, a rule, then the formatted body."""
    links = hyperlinks_enabled(console)
    title = Text(" ".join(post.title.split()) or "(untitled)", style="bold")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in header_fields(post):
        if label == "source" and links and re.match(r"https?://", value):
            grid.add_row(label, Text(value, style=Style(color="blue", link=value)))
        elif label in ("categories", "tags"):
            grid.add_row(label, Text(value, style="magenta"))
        elif label == "date":
            grid.add_row(label, Text(value, style="cyan"))
        else:
            grid.add_row(label, value)
    shown = display_path(Path(post.path))
    grid.add_row("file", Text(shown, style=Style(link=Path(post.path).resolve().as_uri()) if links else ""))
    parts: list[RenderableType] = [Wrapped(title), grid, Rule(style="dim")]
    blocks = body_renderables(post.body, hyperlinks=links)
    for n, block in enumerate(blocks):
        if n:
            parts.append(Text())
        parts.append(block)
    return Group(*parts)


# --- body ----------------------------------------------------------------------------


def body_blocks(body: str) -> list[tuple[bool, str]]:
    """(is_html, text) runs of a body's blocks, trailer (source link, back-links) removed."""
    from markdown_it import MarkdownIt

    from ..posts.plaintext import split_trailer

    article, _ = split_trailer(body.replace("\r\n", "\n").replace("\r", "\n"))
    lines = article.split("\n")
    runs: list[tuple[bool, int, int]] = []
    for tok in MarkdownIt("commonmark").parse(article):
        if tok.level != 0 or tok.map is None:
            continue
        start, end = tok.map
        is_html = tok.type == "html_block"
        if runs and runs[-1][0] == is_html:
            runs[-1] = (is_html, runs[-1][1], end)
        else:
            runs.append((is_html, start, end))
    out = []
    for is_html, start, end in runs:
        chunk = "\n".join(lines[start:end]).strip("\n")
        if chunk.strip():
            out.append((is_html, chunk))
    return out


def _markdown(chunk: str, hyperlinks: bool) -> RenderableType:
    """rich's Markdown, with paragraphs wrapped by the Chinese line-breaking rules."""
    from rich.markdown import Markdown, Paragraph

    class _Paragraph(Paragraph):
        def __rich_console__(self, console, options):  # type: ignore[no-untyped-def]
            yield Wrapped(self.text)

    class _Markdown(Markdown):
        elements = {**Markdown.elements, "paragraph_open": _Paragraph}

    return _Markdown(chunk, hyperlinks=hyperlinks)


def body_renderables(body: str, *, hyperlinks: bool = False) -> list[RenderableType]:
    out: list[RenderableType] = []
    for is_html, chunk in body_blocks(body):
        if is_html:
            out.extend(Wrapped(p) for p in html_paragraphs(chunk, hyperlinks=hyperlinks))
        else:
            out.append(_markdown(chunk, hyperlinks))
    return out


_WS = re.compile(r"[ \t\n\r\f]+")
_LEAD = " \t\u3000\u00a0"
_DROP = frozenset({"script", "style", "template", "noscript", "head", "title", "img", "iframe", "svg", "object", "video", "audio"})
_BLOCKS = frozenset(
    {
        "p", "div", "center", "blockquote", "ul", "ol", "dl", "table", "thead", "tbody", "tfoot",
        "caption", "section", "article", "aside", "header", "footer", "nav", "main", "figure",
        "figcaption", "address", "details", "summary", "form", "fieldset", "legend", "dialog",
        "menu", "html", "body", "dt", "dd",
    }
)
_LISTS = frozenset({"ul", "ol", "dl", "table", "menu"})
_HEADINGS = {"h1": "bold underline", "h2": "bold underline", "h3": "bold", "h4": "bold", "h5": "bold", "h6": "bold"}
_INLINE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "cite": "italic", "u": "underline",
    "ins": "underline", "del": "strike", "s": "strike", "strike": "strike", "code": "bold cyan",
    "kbd": "bold", "mark": "reverse", "sup": "", "sub": "",
}
MAX_DEPTH = 200


class _HtmlText:
    """Walks an HTML fragment into paragraphs of styled text."""

    def __init__(self, hyperlinks: bool) -> None:
        self.hyperlinks = hyperlinks
        self.blocks: list[tuple[Text, bool]] = []  # (text, tight: follows the previous one without a blank line)
        self.cur = Text()
        self.in_items = False  # the last block was a list item or table row of the list still open

    def flush(self, *, item: bool = False) -> None:
        plain = self.cur.plain
        start = len(plain) - len(plain.lstrip(_LEAD + "\n"))
        end = len(plain.rstrip(_LEAD + "\n"))
        if end > start:
            self.blocks.append((self.cur[start:end], item and self.in_items))
            self.in_items = item
        self.cur = Text()

    def add(self, text: str, style: Style | str, pre: bool = False) -> None:
        if not pre:
            text = _WS.sub(" ", text)
            plain = self.cur.plain
            if text.startswith(" ") and (not plain or plain[-1] in " \n"):
                text = text[1:]
        if text:
            self.cur.append(text, style)

    def walk(self, node: Any, style: Style, depth: int = 0, pre: bool = False) -> None:
        child = node.child
        while child is not None:
            self.visit(child, style, depth + 1, pre)
            child = child.next

    def visit(self, node: Any, style: Style, depth: int, pre: bool) -> None:
        tag = node.tag
        if tag == "-text":
            self.add(node.text_content or "", style, pre)
            return
        if tag in _DROP or tag.startswith("-") or tag.startswith("!"):
            return
        if depth > MAX_DEPTH:
            self.add(node.text(deep=True) or "", style, pre)
            return
        if tag == "br":
            self.cur.rstrip()
            self.cur.append("\n")
            return
        if tag == "hr":
            self.flush()
            self.cur.append("⁂", "dim")
            self.flush()
            return
        if tag in _HEADINGS:
            self.flush()
            self.walk(node, style + Style.parse(_HEADINGS[tag]), depth, pre)
            self.flush()
            return
        if tag in ("li", "tr"):
            self.flush(item=True)
            if tag == "li":
                self.cur.append("• ", "dim")
            self.walk(node, style, depth, pre)
            self.flush(item=True)
            return
        if tag in ("td", "th"):
            if self.cur.plain.strip():
                self.cur.append("  ")
            self.walk(node, style + Style(bold=True) if tag == "th" else style, depth, pre)
            return
        if tag == "pre":
            self.flush()
            self.walk(node, style, depth, True)
            self.flush()
            return
        if tag == "a":
            href = (node.attributes or {}).get("href") or ""
            link = Style(underline=True, link=href) if self.hyperlinks and re.match(r"https?://", href) else Style()
            self.walk(node, style + link, depth, pre)
            return
        if tag in _INLINE:
            extra = _INLINE[tag]
            self.walk(node, style + Style.parse(extra) if extra else style, depth, pre)
            return
        if tag in _BLOCKS:
            self.flush(item=self.in_items)  # text straight inside a list stays with its items
            self.walk(node, style, depth, pre)
            self.flush(item=self.in_items)
            if tag in _LISTS:
                self.in_items = False  # the next list starts after a blank line
            return
        self.walk(node, style, depth, pre)  # span, font and unknown tags: their text


def html_paragraphs(fragment: str, *, hyperlinks: bool = False) -> list[Text]:
    """An HTML fragment as paragraphs of styled text (list items and table rows one a line)."""
    from selectolax.lexbor import LexborHTMLParser

    body = LexborHTMLParser(fragment).body
    if body is None:
        return []
    walker = _HtmlText(hyperlinks)
    walker.walk(body, Style())
    walker.flush()
    out: list[Text] = []
    for text, tight in walker.blocks:
        if tight and out:
            out[-1] = out[-1] + Text("\n") + text
        else:
            out.append(text)
    return out

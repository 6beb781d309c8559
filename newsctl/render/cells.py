"""Display width: a Chinese character takes two terminal cells, so `len` is not width.

`fit` cuts a rich Text to a number of cells at a character boundary and adds
an ellipsis; it never splits a wide character (rich's own `truncate` pads the
cut half with a space, which leaves a gap before the ellipsis).
"""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text

ELLIPSIS = "…"

_BLANKS = str.maketrans("\n\r\t\v\f", "     ")


def one_line(text: str) -> str:
    """Line breaks and tabs as spaces, same length (so highlight offsets stay valid)."""
    return text.translate(_BLANKS)


def cut_index(text: str, width: int) -> int:
    """How many characters of `text` fit in `width` cells."""
    used = 0
    for i, ch in enumerate(text):
        used += get_character_cell_size(ch)
        if used > width:
            return i
    return len(text)


def fit(text: Text | str, width: int) -> Text:
    """`text` in at most `width` cells: whole if it fits, else cut with an ellipsis."""
    if isinstance(text, str):
        text = Text(text)
    if text.cell_len <= width:
        return text.copy()
    if width <= 0:
        return Text()
    keep = cut_index(text.plain, width - cell_len(ELLIPSIS))
    out = text[:keep]
    out.rstrip()
    out.append(ELLIPSIS)
    return out


def pad(text: Text, width: int) -> Text:
    """`text` fitted and padded with spaces to exactly `width` cells."""
    out = fit(text, width)
    if out.cell_len < width:
        out.append(" " * (width - out.cell_len))
    return out


# --- line breaking for Chinese text ------------------------------------------------------
#
# rich wraps at spaces and folds anything longer, so a Chinese paragraph (no
# spaces) breaks before "。" or after "“" as often as not. These follow the
# usual line-breaking rules (JIS X 4051 / CLREQ, simplified): no line starts
# with closing punctuation, none ends with opening punctuation, ASCII words
# and numbers stay whole when they fit, and a break is allowed between any
# two wide characters.

NO_LINE_START = frozenset(
    "。．，、；：？！）］｝〕〉》」』】〙〗〟’”｠»ー…‥・·〜～"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    ".,;:?!)]}%％‰℃°′″"
)
NO_LINE_END = frozenset("（［｛〔〈《「『【〘〖〝‘“｟«([{")


def _can_break_before(text: str, i: int) -> bool:
    a, b = text[i - 1], text[i]
    if b in NO_LINE_START or a in NO_LINE_END or b == " ":
        return False
    if a == " ":
        return True
    return get_character_cell_size(a) == 2 or get_character_cell_size(b) == 2


def line_starts(text: str, width: int) -> list[int]:
    """Offsets in `text` (one paragraph line, no newlines) where wrapped lines start."""
    starts: list[int] = []
    line_start, used, last_ok = 0, 0, -1
    for i, ch in enumerate(text):
        w = get_character_cell_size(ch)
        if i > line_start and _can_break_before(text, i):
            last_ok = i
        if used + w > width and i > line_start and ch != " ":
            cut = last_ok if last_ok > line_start else i
            starts.append(cut)
            line_start, last_ok = cut, -1
            used = cell_len(text[cut:i])
            if used + w > width and i > line_start:  # what moved down still does not fit: break here
                starts.append(i)
                line_start, used = i, 0
        used += w
    return starts


def wrap(text: Text, width: int) -> list[Text]:
    """`text` as lines of at most `width` cells (hard line breaks kept), styles kept."""
    out: list[Text] = []
    width = max(width, 2)
    for para in text.split("\n", allow_blank=True):
        starts = line_starts(para.plain, width)
        lines = para.divide(starts) if starts else [para]
        for line in lines:
            line.rstrip()
            out.append(line)
    return out


class Wrapped:
    """A renderable paragraph wrapped by `wrap` (for rich layouts and Markdown)."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console, options):  # type: ignore[no-untyped-def]
        for line in wrap(self.text, options.max_width):
            line.end = "\n"
            line.no_wrap = True
            yield line

    def __rich_measure__(self, console, options):  # type: ignore[no-untyped-def]
        from rich.measure import Measurement

        return Measurement.get(console, options, self.text)

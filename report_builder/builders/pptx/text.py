"""Deck text: evidence markup to PowerPoint runs, and fitting measured with the theme font's metrics."""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE

from report_builder.builders.pptx import oxml
from report_builder.inputs import markup
from report_builder.inputs.markup import Span

EMU_PER_PT = 12700  #: the deck's units (python-pptx's Pt(1) and Inches(1)), defined here for all of builders/pptx
EMU_PER_INCH = 914400
LINE = 1.2  #: exact line spacing, in font sizes; DejaVu Sans needs 1.164, so nothing is clipped
WIDTH_SLACK = 0.985  #: measured widths match LibreOffice to the point; keep a hair of room for other renderers
INDENT_PT = 0.32 * 72  #: hanging indent of a bulleted paragraph, as in the default master
NUMBER_HANG_EM = 1.9  #: "10." is 1.6 em wide in DejaVu Sans; the rest is the gap before the text
INSET_X_PT = 7.2
INSET_Y_PT = 3.6
TABLE_MARGIN_X_PT = 5.0
TABLE_MARGIN_Y_PT = 2.5


@dataclass(frozen=True)
class Para:
    """One paragraph to place: styled spans plus list style; sizes are relative to the box's size."""

    spans: tuple[Span, ...]
    level: int = 0
    bullet: str | None = None  #: a bullet character, "1." (numbered from `number`), "A." (lettered), or None
    number: int = 1
    bold: bool = False
    italic: bool = False
    colour: str | None = None
    scale: float = 1.0  #: relative size of secondary lines (population, source), never below `floor`
    floor: float = 11.0  #: smallest size in points a scaled line may take (11 in tables; body text passes 14)
    space_before: float = 0.5  #: in line heights of this paragraph
    align: str | None = None  #: "l", "ctr", "r"
    keep_with_next: bool = False  #: a heading never ends a page

    def at(self, size: float) -> float:
        """The font size of this paragraph in a box whose text is set at `size`."""
        return size if self.scale == 1.0 else max(size * self.scale, min(size, self.floor))

    def hang_pt(self, size: float) -> float:
        """Hanging indent of the bullet or number; numbers ("10.", "D.") need more room at large sizes."""
        if not self.bullet:
            return 0.0
        if self.bullet in ("1.", "A."):
            return max(INDENT_PT, NUMBER_HANG_EM * self.at(size))
        return INDENT_PT

    def indent_pt(self, size: float) -> float:
        return INDENT_PT * self.level + self.hang_pt(size)


def spans(text: str, numbers: Mapping[str, int]) -> tuple[Span, ...]:
    """Evidence text (with its inline markup) as spans; citations become [n]."""
    return tuple(markup.parse(text, numbers))


def plain_spans(text: str, **style) -> tuple[Span, ...]:
    """Our own wording: never interpreted as markup beyond cleaning."""
    return (Span(markup.clean(text), **style),) if text else ()


def para(text: str | Sequence[Span], numbers: Mapping[str, int] | None = None, **options) -> Para:
    parts = spans(text, numbers or {}) if isinstance(text, str) else tuple(text)
    return Para(parts, **options)


def labelled(label: str, text: str, numbers: Mapping[str, int], **options) -> Para:
    """"Label: text" with the label bold, the text from the evidence."""
    return Para(plain_spans(label + ": ", bold=True) + spans(text, numbers), **options)


def bullets(texts: Iterable[str], numbers: Mapping[str, int], bullet: str = "•") -> list[Para]:
    """One paragraph per text, with a bullet or, for "1.", its number."""
    return [para(t, numbers, bullet=bullet, number=i) for i, t in enumerate(texts, 1)]


# ------------------------------------------------------------------------------------------ metrics
class Metrics:
    """Text widths from the theme's TrueType files, so fitting matches what renderers draw."""

    def __init__(self, fonts: Mapping[str, Path], family: str | None = None):
        """family: the typeface name runs state, where it differs from the files' (Calibri measured with Carlito)."""
        from PIL import ImageFont

        # The basic layout engine: the same widths on every machine (raqm may be missing or refuse odd text).
        self._fonts = {
            style: ImageFont.truetype(str(fonts[style]), 200, layout_engine=ImageFont.Layout.BASIC)
            for style in ("regular", "bold", "italic", "bold_italic")
        }
        self.family = family or self._fonts["regular"].getname()[0]
        ascent, descent = self._fonts["regular"].getmetrics()
        self.natural_line = (ascent + descent) / 200  #: in font sizes
        # Fitting tries every paragraph at many sizes and widths: each is split into words, and each word
        # measured, once per build.
        self._lengths: dict[tuple[str, bool, bool], float | None] = {}  #: advance at 200 px; None: unmeasurable
        self._words: dict[tuple[Span, ...], list[tuple[str, bool, bool, str]]] = {}

    def width(self, text: str, bold: bool, italic: bool, size: float) -> float:
        """Advance width in points."""
        key = (text, bold, italic)
        if key not in self._lengths:
            try:
                self._lengths[key] = self._fonts[_STYLE[bold, italic]].getlength(text)
            except (OSError, RuntimeError, ValueError):
                self._lengths[key] = None
        length = self._lengths[key]
        if length is None:
            return len(text) * 0.7 * size  # text the font cannot lay out: a generous estimate, never a crash
        return length * size / 200

    def words(self, paragraph: Para) -> list[tuple[str, bool, bool, str]]:
        """(word, bold, italic, what follows) of a paragraph's spans (see _words)."""
        if paragraph.spans not in self._words:
            self._words[paragraph.spans] = _words(paragraph)
        return self._words[paragraph.spans]

    def lines(self, paragraph: Para, width_pt: float, size: float, remember: bool = True) -> int:
        """Lines a paragraph takes at a font size when wrapped greedily at spaces (as renderers do).
        remember=False for a paragraph measured once (the trials of a split would fill the memo)."""
        usable = (width_pt - paragraph.indent_pt(size)) * WIDTH_SLACK
        size = paragraph.at(size)
        if usable <= size:
            return 10_000
        count = 1
        x = 0.0
        space = self.width(" ", paragraph.bold, False, size)
        for word, bold, italic, breaks_after in self.words(paragraph) if remember else _words(paragraph):
            w = self.width(word, bold or paragraph.bold, italic or paragraph.italic, size)
            if x > 0 and x + w > usable:
                count += 1
                x = 0.0
            if w > usable:  # a word wider than the line is broken by characters
                count += math.ceil(w / usable) - 1
                w = w % usable
            x += w
            if breaks_after == "space":
                x += space
            elif breaks_after == "newline":
                count += 1
                x = 0.0
        return count

    def widest_word(self, paragraphs: Sequence[Para], size: float) -> float:
        """Room the longest unbreakable word needs, indent included: wider than its column, it would be split."""
        return max((p.indent_pt(size) + self.width(word, bold or p.bold, italic or p.italic, p.at(size))
                    for p in paragraphs for word, bold, italic, _ in self.words(p)), default=0.0)

    def height(self, paragraphs: Sequence[Para], width_pt: float, size: float, first: bool = True,
               remember: bool = True) -> float:
        """Height in points of paragraphs stacked in a box of this width."""
        total = 0.0
        for i, p in enumerate(paragraphs):
            line = LINE * p.at(size)
            total += self.lines(p, width_pt, size, remember) * line
            if i > 0 or not first:
                total += p.space_before * line
        return total


_STYLE = {(False, False): "regular", (True, False): "bold", (False, True): "italic", (True, True): "bold_italic"}
_HYPHEN_BREAK = re.compile(r"(?<=[A-Za-z0-9]-)(?=[A-Za-z]{2})")


def _words(paragraph: Para) -> list[tuple[str, bool, bool, str]]:
    """(word, bold, italic, what follows) over all spans; words may continue across span boundaries."""
    pieces: list[tuple[str, bool, bool, str]] = []
    for span in paragraph.spans:
        text = span.text
        lines = text.split("\n")
        for li, line in enumerate(lines):
            tokens = line.split(" ")
            for ti, token in enumerate(tokens):
                last_token = ti == len(tokens) - 1
                if last_token and li < len(lines) - 1:
                    after = "newline"
                elif not last_token:
                    after = "space"
                else:
                    after = "join"  # the word may continue in the next span
                # Renderers also break after a hyphen between letters ("CD22-|positive").
                parts = _HYPHEN_BREAK.split(token)
                for pi, part in enumerate(parts[:-1]):
                    pieces.append((part, span.bold, span.italic, "hyphen"))
                token = parts[-1]
                if token or after != "join":
                    pieces.append((token, span.bold, span.italic, after))
    # Join pieces that continue across spans (e.g. "CR" + "[2]") into one unbreakable word.
    merged: list[tuple[str, bool, bool, str]] = []
    carry: list[tuple[str, bool, bool, str]] = []
    for piece in pieces:
        carry.append(piece)
        if piece[3] != "join":
            merged.extend(_merge(carry))
            carry = []
    if carry:
        merged.extend(_merge(carry))
    return merged


def _merge(carry: list[tuple[str, bool, bool, str]]) -> list[tuple[str, bool, bool, str]]:
    if len(carry) == 1:
        return carry
    # Width of a mixed-style word: measure its bold parts as bold (the conservative choice).
    text = "".join(p[0] for p in carry)
    bold = any(p[1] for p in carry)
    italic = any(p[2] for p in carry)
    return [(text, bold, italic, carry[-1][3])]


# ------------------------------------------------------------------------------------------ fitting
@dataclass(frozen=True)
class Box:
    """A rectangle on the slide in EMU."""

    left: int
    top: int
    width: int
    height: int

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @property
    def right(self) -> int:
        return self.left + self.width

    def inner_width_pt(self) -> float:
        return self.width / EMU_PER_PT - 2 * INSET_X_PT

    def inner_height_pt(self) -> float:
        return self.height / EMU_PER_PT - 2 * INSET_Y_PT

    def split_h(self, left_share: float, gap: int) -> tuple["Box", "Box"]:
        lw = int((self.width - gap) * left_share)
        return (Box(self.left, self.top, lw, self.height),
                Box(self.left + lw + gap, self.top, self.width - lw - gap, self.height))

    def split_v(self, top_height: int, gap: int) -> tuple["Box", "Box"]:
        return (Box(self.left, self.top, self.width, top_height),
                Box(self.left, self.top + top_height + gap, self.width, self.height - top_height - gap))


@dataclass
class Fit:
    size: float
    pages: list[list[Para]] = field(default_factory=list)


def sizes(largest: float, smallest: float, step: float = 1.0) -> list[float]:
    out = []
    s = largest
    while s >= smallest - 1e-9:
        out.append(round(s, 1))
        s -= step
    return out


def fit_size(metrics: Metrics, paragraphs: Sequence[Para], box: Box, largest: float, smallest: float) -> float | None:
    """The largest size at which every paragraph fits the box, or None."""
    for size in sizes(largest, smallest):
        if metrics.height(paragraphs, box.inner_width_pt(), size) <= box.inner_height_pt():
            return size
    return None


def paginate(metrics: Metrics, paragraphs: Sequence[Para], box: Box, largest: float, smallest: float,
             page_size: float | None = None) -> Fit:
    """One page at the largest size that fits, else pages filled at page_size (continued slides)."""
    size = fit_size(metrics, paragraphs, box, largest, smallest)
    if size is not None:
        return Fit(size, [list(paragraphs)])
    size = max(smallest, min(largest, page_size or smallest))
    width, height = box.inner_width_pt(), box.inner_height_pt()
    pieces: list[Para] = []
    for p in paragraphs:
        pieces.extend(_split_tall(metrics, p, width, height, size))
    # Each page's height is kept as a running sum, added to in the order height() adds (the same floats), so
    # paginating is linear in the number of paragraphs rather than re-measuring the page at every one.
    pages: list[list[Para]] = [[]]
    filled = 0.0
    for i, p in enumerate(pieces):
        # A heading that would end a page moves to the next one with its first item.
        following = [pieces[i + 1]] if p.keep_with_next and i + 1 < len(pieces) else []
        with_p = _stack(metrics, filled, [p], width, size, first=not pages[-1])
        if pages[-1] and _stack(metrics, with_p, following, width, size, first=False) > height:
            pages.append([p])
            filled = _stack(metrics, 0.0, [p], width, size, first=True)
        else:
            pages[-1].append(p)
            filled = with_p
    return Fit(size, [page for page in pages if page])


def _stack(metrics: Metrics, total: float, paragraphs: Sequence[Para], width: float, size: float,
           first: bool) -> float:
    """total plus the height of paragraphs stacked below it, added up exactly as Metrics.height adds."""
    for i, p in enumerate(paragraphs):
        line = LINE * p.at(size)
        total += metrics.lines(p, width, size) * line
        if i > 0 or not first:
            total += p.space_before * line
    return total


def _split_tall(metrics: Metrics, p: Para, width: float, height: float, size: float) -> list[Para]:
    """A single paragraph taller than a page is cut at word boundaries (rare: very long evidence text)."""
    if metrics.height([p], width, size) <= height:
        return [p]
    words: list[Span] = []
    for span in p.spans:
        for i, word in enumerate(span.text.split(" ")):
            words.append(replace(span, text=(" " if i else "") + word))
    # Each page takes the most words that fit (a prefix never takes fewer lines than a shorter one), found by
    # doubling then halving: the cuts of trying one word more at a time, in time W log(words per page) rather
    # than W x words per page.
    out: list[Para] = []
    start = 0
    while start < len(words):
        first = replace(words[start], text=words[start].text.lstrip(" ")) if out else words[start]

        def fits(end: int) -> bool:
            trial = replace(p, spans=(first, *words[start + 1:end]))
            return metrics.height([trial], width, size, remember=False) <= height

        low, step = start + 1, 1  # low always fits: a page holds at least one word
        while low + step <= len(words) and fits(low + step):
            low, step = low + step, step * 2
        high = min(low + step - 1, len(words))  # low + step does not fit, or is past the end
        while low < high:
            middle = (low + high + 1) // 2
            if fits(middle):
                low = middle
            else:
                high = middle - 1
        out.append(replace(p, spans=(first, *words[start + 1:low])))
        p = replace(p, bullet=None if p.bullet and not p.bullet.endswith(".") else p.bullet)
        start = low
    return out


# ------------------------------------------------------------------------------------------ writing
ANCHORS = {"t": MSO_ANCHOR.TOP, "ctr": MSO_ANCHOR.MIDDLE, "b": MSO_ANCHOR.BOTTOM}


def write(text_frame, paragraphs: Sequence[Para], size: float, family: str, colour: str | None = None,
          anchor: str | None = "t", insets: tuple[float, float] = (INSET_X_PT, INSET_Y_PT)) -> None:
    """Replace a text frame's content with our paragraphs, every size and spacing explicit."""
    set_body_properties(text_frame, anchor, insets)
    oxml.set_paragraphs(text_frame, [paragraph_xml(p, size, family, colour) for p in paragraphs])
    _link_runs(text_frame, paragraphs)


def _link_runs(text_frame, paragraphs: Sequence[Para]) -> None:
    """Spans with a link become hyperlinks through python-pptx's public API, on the runs paragraph_xml made
    (one per non-empty line of each span)."""
    for paragraph, shown in zip(paragraphs, text_frame.paragraphs):
        if not any(span.link for span in paragraph.spans):
            continue
        runs = iter(shown.runs)
        for span in paragraph.spans:
            for _ in [line for line in span.text.split("\n") if line]:
                run = next(runs)
                if span.link:
                    run.hyperlink.address = span.link


def set_body_properties(text_frame, anchor: str | None, insets: tuple[float, float]) -> None:
    """Insets and wrapping stated on the shape, so the measured box is the box renderers use."""
    text_frame.word_wrap = True
    oxml.set_insets(text_frame, int(insets[0] * EMU_PER_PT), int(insets[1] * EMU_PER_PT))
    if anchor is not None:
        text_frame.vertical_anchor = ANCHORS[anchor]
    text_frame.auto_size = MSO_AUTO_SIZE.NONE  # we measured the text: renderers must neither shrink nor grow it


def paragraph_xml(paragraph: Para, size: float, family: str, colour: str | None):
    """The a:p of a paragraph set at `size`: spacing, indents and bullets explicit, one run per span."""
    at = paragraph.at(size)
    format_ = oxml.ParagraphFormat(
        margin=int(paragraph.indent_pt(size) * EMU_PER_PT), indent=-int(paragraph.hang_pt(size) * EMU_PER_PT),
        line=LINE * at, before=paragraph.space_before * LINE * at, align=paragraph.align, bullet=paragraph.bullet,
        number=paragraph.number)
    runs = [(span.text, run_format(span, paragraph, at, family, colour)) for span in paragraph.spans]
    return oxml.paragraph(format_, runs, run_format(Span(""), paragraph, at, family, colour))


def run_format(span: Span, paragraph: Para, size: float, family: str, colour: str | None) -> oxml.RunFormat:
    baseline = 30000 if span.superscript or span.citation else (-25000 if span.subscript else None)
    return oxml.RunFormat(size, family, bool(span.bold or paragraph.bold), bool(span.italic or paragraph.italic),
                          baseline, paragraph.colour or colour or None)

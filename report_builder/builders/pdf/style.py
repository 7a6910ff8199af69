"""Typography, colours, page furniture and reusable flowables of the PDF evidence summary."""
from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate, Flowable, KeepTogether, PageTemplate, Paragraph, Table, TableStyle,
)
from reportlab.platypus.doctemplate import FrameBreak

from report_builder.builders.pdf.tagging import TaggedFrame, TaggedTable, Tagger, TaggingCanvas

if TYPE_CHECKING:
    from report_builder.theme.template import ResolvedTheme

PAGE_SIZES = {"A4": A4, "Letter": LETTER}
MARGIN_X = 14 * mm
MARGIN_TOP = 16 * mm
MARGIN_BOTTOM = 17 * mm
BASE_SIZE = 9.5  #: body text, pt: read at arm's length on a ward, not at a desk
CELL_SIZE = 8.0  #: table text, pt
NOTE_SIZE = 7.0  #: footnotes and the small print inside cells: the smallest text of the handout
WHITE = colors.white


@dataclass(frozen=True)
class Fonts:
    """ReportLab names of the template's four TrueType faces."""

    regular: str
    bold: str
    italic: str
    bold_italic: str


def register_fonts(theme: "ResolvedTheme") -> Fonts:
    """Register the template's TTFs once per distinct file: ReportLab's registry is process-wide.

    Names carry a content hash so two templates with different files of the same name never clash,
    and the same file always gets the same name (byte-identical output across builds).
    """
    names = {}
    for key in ("regular", "bold", "italic", "bold_italic"):
        path = theme.fonts[key]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        name = f"RB-{path.stem}-{digest}"
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
        names[key] = name
    pdfmetrics.registerFontFamily(
        names["regular"], normal=names["regular"], bold=names["bold"],
        italic=names["italic"], boldItalic=names["bold_italic"],
    )
    return Fonts(**names)


def color(hex_value: str) -> colors.Color:
    return colors.HexColor(hex_value)


def mix(hex_value: str, amount: float) -> colors.Color:
    """The colour lightened toward white: tints for rules and backgrounds from the theme's own colours."""
    base = colors.HexColor(hex_value)
    return colors.Color(*(c + (1 - c) * amount for c in (base.red, base.green, base.blue)))


class GlyphFallback:
    """Characters the template's font lacks (✓ ✗ ⚠ in a serif face, say) set in the bundled DejaVu Sans.

    A missing glyph would print as an empty box; a clinical symbol must never silently vanish.
    """

    _TAG = re.compile(r"(<[^>]*>)")

    def __init__(self, fonts: Fonts, fallback: Path):
        self.present = set.intersection(*(set(pdfmetrics.getFont(name).face.charToGlyph)
                                          for name in (fonts.regular, fonts.bold)))
        self.fallback_path = fallback
        self._fallback: tuple[str, set[int]] | None = None

    def _font(self) -> tuple[str, set[int]] | None:
        if self._fallback is None and self.fallback_path.is_file():
            digest = hashlib.sha256(self.fallback_path.read_bytes()).hexdigest()[:10]
            name = f"RB-{self.fallback_path.stem}-{digest}"
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(self.fallback_path)))
            self._fallback = (name, set(pdfmetrics.getFont(name).face.charToGlyph))
        return self._fallback

    def __call__(self, markup: str | None) -> str | None:
        if not markup or all(ord(ch) in self.present for ch in markup):
            return markup
        found = self._font()
        if found is None:
            return markup
        name, covered = found

        def swap(text: str) -> str:
            return re.sub(r"[^\x00-\x7f]+", lambda m: "".join(
                f'<font face="{name}">{ch}</font>' if ord(ch) not in self.present and ord(ch) in covered else ch
                for ch in m[0]), text)

        return "".join(part if part.startswith("<") else swap(part) for part in self._TAG.split(markup))

    def runs(self, text: str) -> list[tuple[str | None, str]]:
        """Plain text (a chart's) in runs: (None, run) for the template's font, (fallback font, run) for
        characters it lacks and the fallback has."""
        found = None if all(ord(ch) in self.present for ch in text) else self._font()
        if found is None:
            return [(None, text)]
        name, covered = found
        runs: list[tuple[str | None, str]] = []
        for ch in text:
            font = name if ord(ch) not in self.present and ord(ch) in covered else None
            if runs and runs[-1][0] == font:
                runs[-1] = (font, runs[-1][1] + ch)
            else:
                runs.append((font, ch))
        return runs


class Para(Paragraph):
    """A paragraph whose text gets the style's glyph fallback (see GlyphFallback)."""

    def __init__(self, text: str | None, style: ParagraphStyle, bulletText: str | None = None, **kw: Any):
        fix = getattr(style, "glyph_fallback", None)
        super().__init__(fix(text) if fix and text else text, style, bulletText=bulletText, **kw)
        self._wrapped: tuple[float, Any, tuple[float, float]] | None = None  #: width, its lines, the size

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Lines broken once per width: a table cell is measured at the same width for the table's
        height, again for each split and again when drawn. Paragraph.wrap reads only the width; the
        size is reused while the lines it broke are still the paragraph's (a split replaces them)."""
        if (self._wrapped is None or self._wrapped[0] != availWidth
                or getattr(self, "blPara", None) is not self._wrapped[1]):
            size = super().wrap(availWidth, availHeight)
            self._wrapped = (availWidth, getattr(self, "blPara", None), size)
        return self._wrapped[2]


class Styles:
    """Every paragraph style of the document, all in the template's fonts (never ReportLab's Helvetica)."""

    def __init__(self, theme: "ResolvedTheme", fonts: Fonts, fallback: GlyphFallback | None = None):
        c = theme.colors
        text, muted, primary = color(c["text"]), color(c["muted"]), color(c["primary"])

        def style(name: str, size: float = BASE_SIZE, leading: float | None = None, font: str = fonts.regular,
                  **kw: Any) -> ParagraphStyle:
            kw.setdefault("textColor", text)
            made = ParagraphStyle(
                name, fontName=font, fontSize=size, leading=leading or round(size * 1.28, 2),
                bulletFontName=fonts.regular, bulletFontSize=size, allowWidows=0, allowOrphans=0, **kw,
            )
            made.glyph_fallback = fallback
            return made

        self.fonts = fonts
        self.body = style("body", spaceAfter=4)
        self.body_tight = style("body_tight")
        # Bullets hang: wrapped lines start under the text, not under the bullet.
        self.bullet = style("bullet", leftIndent=12, bulletIndent=2, spaceAfter=2.5)
        self.number = style("number", leftIndent=15, bulletIndent=0, spaceAfter=2.5)
        self.small = style("small", 8.2, textColor=muted)
        self.intro = style("intro", 8.2, textColor=muted, spaceAfter=3, keepWithNext=1)  # stays with its table
        self.footnote = style("footnote", NOTE_SIZE, 8.4, leftIndent=8, bulletIndent=0, textColor=muted, spaceAfter=1)
        self.caption = style("caption", 8.2, textColor=muted, spaceBefore=3, spaceAfter=8)
        cell_leading = round(CELL_SIZE * 1.22, 2)  # tables are scanned, not read at length: set them tighter
        # No embeddedHyphenation: ReportLab 4 can drop the hyphen of "investigator-assessed" when it
        # re-joins the halves on one line, which alters the evidence text. Columns are sized instead.
        self.cell = style("cell", CELL_SIZE, cell_leading)
        self.cell_bold = style("cell_bold", CELL_SIZE, cell_leading, font=fonts.bold)
        self.cell_bullet = style("cell_bullet", CELL_SIZE + 0.5, leftIndent=9, bulletIndent=0, spaceAfter=2)
        self.header_cell = style("header_cell", CELL_SIZE, cell_leading, font=fonts.bold, textColor=WHITE)
        self.eyebrow = style("eyebrow", 9, textColor=color(c["secondary"]), spaceAfter=2)
        self.title = style("title", 17, 20.5, font=fonts.bold, textColor=primary, spaceAfter=3)
        self.subtitle = style("subtitle", 10.5, 13.5, textColor=muted, spaceAfter=3)
        self.meta = style("meta", 8.2, textColor=muted, spaceAfter=3)
        self.lead = style("lead", 10, 12.8, textColor=color(c["secondary"]), spaceAfter=4)
        self.h1 = style("h1", 12.6, 15.2, font=fonts.bold, textColor=primary, spaceBefore=7, spaceAfter=3.5,
                        keepWithNext=1)
        self.h2 = style("h2", 11, 13.5, font=fonts.bold, textColor=color(c["secondary"]), spaceBefore=8,
                        spaceAfter=3, keepWithNext=1)
        self.h3 = style("h3", 9.6, 12, font=fonts.bold, textColor=primary, spaceBefore=5, spaceAfter=2,
                        keepWithNext=1)
        self.appendix_title = style("appendix_title", 15, 18, font=fonts.bold, textColor=primary, spaceAfter=4,
                                    keepWithNext=1)
        self.box_title = style("box_title", 10.5, 13, font=fonts.bold, textColor=primary, spaceAfter=2)
        self.box_body = style("box_body", BASE_SIZE, 12.4, leftIndent=11, bulletIndent=0, spaceAfter=3)
        self.key_number = style("key_number", 15, 18, font=fonts.bold, textColor=primary, spaceAfter=1)
        self.key_label = style("key_label", 8.5, 10.6, font=fonts.bold, textColor=text, spaceAfter=1)
        self.key_status = style("key_status", 8, 10, textColor=text)
        self.warning_title = style("warning_title", 9.8, 12.4, font=fonts.bold, textColor=color(c["warning"]))
        self.reference = style("reference", 8, 10, leftIndent=14, bulletIndent=0, spaceAfter=1.8)
        self.header = style("header", 7.5, textColor=muted)
        self.footer = style("footer", NOTE_SIZE, 8.6, textColor=muted, alignment=TA_LEFT)


class SplitTable(TaggedTable):
    """A table that splits between rows, and inside a row only when that row is too tall to move.

    ReportLab's splitInRow would also cut a three-line row in two at a page foot; moving such a row
    to the next page reads better. Rows taller than TALL_ROW (only with very long texts) must be cut,
    or they could never be placed at all.
    """

    TALL_ROW = 220.0
    MIN_ROWS = 3  #: no page holds fewer rows of a table than this (a lone row reads as a stray)
    keep_whole_below = 0.0  #: a table at most this tall moves to the next page whole instead of splitting

    def split(self, availWidth: float, availHeight: float) -> list[Any]:
        self._calc(availWidth, availHeight)
        if self._height <= self.keep_whole_below:
            return []
        head = self.repeatRows
        first = min(head, len(self._rowHeights) - 1)
        self.splitInRow = 1 if self._rowHeights[first] > self.TALL_ROW else 0
        parts = super().split(availWidth, availHeight)
        frame = getattr(self, "_frame", None)
        at_top = frame is not None and getattr(frame, "_atTop", False)
        if at_top and not parts and not self.splitInRow:
            self.splitInRow = 1  # a whole page cannot hold the next row (very long texts): cut inside it
            return super().split(availWidth, availHeight)
        if len(parts) != 2 or self.splitInRow or at_top:
            return parts
        rows = len(self._rowHeights) - head
        shown = len(parts[0]._cellvalues) - head
        if shown < self.MIN_ROWS or rows - self.MIN_ROWS < self.MIN_ROWS:
            return []  # the whole table starts on the next page
        if rows - shown < self.MIN_ROWS:  # leave at least MIN_ROWS rows for the next page
            keep = rows - self.MIN_ROWS
            return super().split(availWidth, sum(self._rowHeights[:head + keep]) + 0.5)
        return parts


class TableWithNotes(Flowable):
    """A table followed by its footnotes, which always print on the page where the table ends.

    When the notes do not fit under the table's end, the table is split earlier so that its last
    rows go to the next page with them. It only ever splits into its parts, so the table and notes
    stay ordinary flowables on the page. Not a ReportLab container (KeepTogether): a heading before
    it could not then be kept with it.
    """

    def __init__(self, flowables: Sequence[Any]):
        super().__init__()
        self._content = list(flowables)

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        return aW, 0xFFFFFF  # always split into the parts (as KeepTogether does)

    def getSpaceBefore(self) -> float:
        return self._content[0].getSpaceBefore()

    def getSpaceAfter(self) -> float:
        return self._content[-1].getSpaceAfter()

    def split(self, aW: float, aH: float) -> list[Any]:
        table, *notes = self._content
        table_h = table.wrap(aW, aH)[1] + table.getSpaceBefore()
        notes_h = sum(f.wrap(aW, aH)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in notes)
        if table_h + notes_h <= aH:
            return list(self._content)
        parts = table.split(aW, aH - notes_h if table_h <= aH else aH)
        if len(parts) == 2:
            return [parts[0], TableWithNotes([parts[1], *notes])]
        frame = getattr(self, "_frame", None)
        if frame is None or not getattr(frame, "_atTop", False):
            return []  # nothing of it here: the whole goes to the next page (with a heading kept before it)
        # At the top of a page and still too tall (very long texts): split as ReportLab must, inside rows.
        table.splitInRow = 1
        parts = Table.split(table, aW, aH)
        return [parts[0], TableWithNotes([parts[1], *notes])] if len(parts) == 2 else list(self._content)


def table(rows: Sequence[Sequence[Any]], widths: Sequence[float], theme: "ResolvedTheme", fonts: Fonts,
          header: bool = True, zebra: bool = True, extra: Sequence[tuple] = ()) -> Table:
    """A data table: header repeated on every page, rows split across pages, cells wrap (Paragraphs)."""
    c = theme.colors
    t = SplitTable(list(rows), colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
    commands: list[tuple] = [
        # Any plain-string cell would otherwise be drawn in ReportLab's default Helvetica.
        ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
        ("FONTSIZE", (0, 0), (-1, -1), CELL_SIZE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
        ("LINEBELOW", (0, 0), (-1, -1), 0.35, mix(c["muted"], 0.55)),
        ("LINEABOVE", (0, 0), (-1, 0), 0.9, color(c["primary"])),
        ("LINEBELOW", (0, -1), (-1, -1), 0.9, color(c["primary"])),
    ]
    if header:
        commands += [("BACKGROUND", (0, 0), (-1, 0), color(c["primary"])), ("FONTNAME", (0, 0), (-1, 0), fonts.bold)]
    if zebra and len(rows) > 2:
        commands.append(("ROWBACKGROUNDS", (0, 1 if header else 0), (-1, -1), [WHITE, color(c["light"])]))
    t.setStyle(TableStyle(commands + list(extra)))
    return t


def callout(flowables: Sequence[Any], width: float, theme: "ResolvedTheme", fonts: Fonts, tone: str = "primary",
            background: str | None = None) -> Table:
    """A framed box with a thick left bar; one row per paragraph so it splits across pages.

    The bar and frame make it stand out in greyscale print too, not only by colour.
    """
    c = theme.colors
    edge = color(c[tone])
    t = SplitTable([[f] for f in flowables], colWidths=[width], hAlign="LEFT")
    t.keep_whole_below = 320  # a box of ordinary length is never cut; only a page-long one is
    t.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
        ("BACKGROUND", (0, 0), (-1, -1), color(background) if background else mix(c[tone], 0.92)),
        ("BOX", (0, 0), (-1, -1), 0.7, edge),
        ("LINEBEFORE", (0, 0), (0, -1), 4.5, edge),
        ("LEFTPADDING", (0, 0), (-1, -1), 10),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("TOPPADDING", (0, 0), (-1, 0), 7),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
    ]))
    return t


# ------------------------------------------------------------------------------------------- pages
@dataclass(frozen=True)
class Furniture:
    """What every page carries: running header, footer with the disclaimer, and "page X of Y".

    All plain text, cut to fit with an ellipsis: a long drug name or disclaimer must never run
    into the page body.
    """

    header_left: str
    header_right: str
    footer: str
    page_label: Callable[[int, int], str]  #: (page, pages) -> plain text
    styles: Styles
    rule: colors.Color

    def draw(self, canv: Canvas, page: int, pages: int) -> None:
        width, height = canv._pagesize
        inner = width - 2 * MARGIN_X
        st = self.styles
        size = st.header.fontSize
        canv.saveState()
        canv.setFillColor(st.header.textColor)
        base = height - 11 * mm
        canv.setFont(st.fonts.bold, size)
        canv.drawString(MARGIN_X, base, fit(self.header_left, st.fonts.bold, size, inner * 0.38))
        canv.setFont(st.fonts.regular, size)
        canv.drawRightString(width - MARGIN_X, base, fit(self.header_right, st.fonts.regular, size, inner * 0.6))
        canv.setStrokeColor(self.rule)
        canv.setLineWidth(0.6)
        canv.line(MARGIN_X, base - 3.5, width - MARGIN_X, base - 3.5)
        foot_y = 14 * mm
        canv.line(MARGIN_X, foot_y, width - MARGIN_X, foot_y)
        label = self.page_label(page, pages)
        canv.drawRightString(width - MARGIN_X, foot_y - size - 2, fit(label, st.fonts.regular, size, 30 * mm))
        foot = fit_paragraph(self.footer, st.footer, inner - 34 * mm, lines=1)
        _, fh = foot.wrap(inner - 34 * mm, 12 * mm)
        foot.drawOn(canv, MARGIN_X, foot_y - 2.5 - fh)
        canv.restoreState()


def fit(text: str, font: str, size: float, width: float) -> str:
    """The text, cut at a word with an ellipsis if it is wider than width."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    words = text.split()
    while words and pdfmetrics.stringWidth(" ".join(words) + "…", font, size) > width:
        words.pop()
    return " ".join(words) + "…" if words else "…"


def fit_paragraph(text: str, style: ParagraphStyle, width: float, lines: int) -> Paragraph:
    """Plain text as a paragraph of at most `lines` lines, cut at a word with an ellipsis."""
    def para(t: str) -> Paragraph:
        return Paragraph(t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), style)

    limit = lines * style.leading + 0.5
    candidate = para(text)
    if candidate.wrap(width, 10 * limit)[1] <= limit:
        return candidate
    words = text.split()
    low, high = 0, len(words)  # the longest prefix that fits, by bisection
    while low < high:
        mid = (low + high + 1) // 2
        if para(" ".join(words[:mid]) + "…").wrap(width, 10 * limit)[1] <= limit:
            low = mid
        else:
            high = mid - 1
    return para(" ".join(words[:low]) + "…")


def canvas_class(furniture: Furniture, date_stamp: str, initial_font: str,
                 tagger: Tagger | None = None) -> type[Canvas]:
    """A canvas that holds pages back until the end, so each can say "page X of Y".

    It also fixes the PDF's creation date to the evidence date (never the build clock).
    """

    class NumberedCanvas(TaggingCanvas):
        def __init__(self, *args: Any, **kwargs: Any):
            kwargs["initialFontName"] = initial_font  # else the page preamble declares Helvetica
            super().__init__(*args, **kwargs)
            self.tagger = tagger
            self.setDateFormatter(lambda *_: date_stamp)
            self.showOutline()  # open the bookmarks pane: the outline is how readers jump between studies
            self._held_pages: list[dict] = []

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            # Bookmarks and links name their page by this counter: keep it counting while pages wait.
            self._doc.pageCounter += 1
            self._startPage()

        def save(self) -> None:
            pages = len(self._held_pages)
            self._doc.pageCounter = 1
            for number, state in enumerate(self._held_pages, start=1):
                self.__dict__.update(state)
                with self.artifact():
                    furniture.draw(self, number, pages)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


class KeepWithNext(KeepTogether):
    """A heading kept with the start of what follows, not with all of it.

    ReportLab's own grouping moves a heading and a whole long table to the next page when they do not
    fit together, leaving half a page blank; here the heading stays if the next flowable's first part
    (or all of a small one) fits below it. Unsplittable followers (figures, boxes) still move with it,
    which is why figures and boxes are one-piece tables here rather than ReportLab KeepTogethers
    (those are never grouped with a preceding heading).
    """

    def split(self, aW: float, aH: float) -> list[Any]:
        content = list(self._content)
        *heads, last = content
        used = 0.0
        for f in heads:
            used += f.wrap(aW, aH)[1] + f.getSpaceBefore() + f.getSpaceAfter()
        room = aH - used - last.getSpaceBefore()
        if room > 0:
            if last.wrap(aW, room)[1] <= room:
                return content
            if last.split(aW, room):
                return content
        frame = getattr(self, "_frame", None)
        if frame is not None and getattr(frame, "_atTop", False):
            return content  # already at the top of a page: breaking again would loop
        return [FrameBreak()] + content


class OutlinedDoc(BaseDocTemplate):
    """A one-frame document that turns marked headings into PDF outline entries (bookmarks)."""

    def __init__(self, buffer: io.BytesIO, page_size: tuple[float, float], **kw: Any):
        super().__init__(
            buffer, pagesize=page_size, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM, invariant=1, keepTogetherClass=KeepWithNext, **kw,
        )
        frame = TaggedFrame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    def afterFlowable(self, flowable: Any) -> None:
        entry = getattr(flowable, "outline_entry", None)
        if entry is not None:
            title, key, level = entry
            self.canv.addOutlineEntry(title, key, level=level, closed=level > 0)


def heading(markup: str, plain_title: str, key: str, level: int, style: ParagraphStyle) -> Para:
    """A heading that is also a link destination and an outline entry."""
    para = Para(f'<a name="{key}"/>{markup}', style)
    para.outline_entry = (plain_title, key, level)
    return para


class Anchor(Flowable):
    """A zero-size link destination and outline entry, for sections whose title sits inside a box."""

    def __init__(self, key: str, title: str, level: int = 0):
        super().__init__()
        self.key = key
        self.outline_entry = (title, key, level)
        self.keepWithNext = 1  # never bookmark the bottom of a page whose box starts on the next

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.bookmarkHorizontal(self.key, 0, 0)

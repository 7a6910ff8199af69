"""What every PDF section needs: the report, the template's wording and styles, citations, figures and footnotes."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, TableStyle

from report_builder.analysis.arms import arm_label
from report_builder.inputs import markup
from report_builder.builders.pdf.chart import RecordedChart
from report_builder.builders.pdf.tagging import TaggedTable
from report_builder.builders.pdf.wording import PdfWording
from report_builder.builders.pdf.style import (
    MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, NOTE_SIZE, PAGE_SIZES, GlyphFallback, Para, SplitTable, Styles,
    register_fonts,
)
from report_builder.resources import templates_root

if TYPE_CHECKING:
    from report_builder.charts import Chart, ChartSet
    from report_builder.inputs.evidence import Waiver
    from report_builder.analysis.report import Report
    from report_builder.theme.template import Template

#: A chart is printed at the size it was drawn (charts.media.PRINT), so its text keeps its point size;
#: only a chart taller than this share of the page is shrunk, and never below MIN_FIGURE_SCALE.
MAX_FIGURE_SHARE = 0.85
MIN_FIGURE_SCALE = 7.0 / 7.5  # the charts' smallest text (7.5 pt) never prints below 7 pt


def escape(text: str) -> str:
    """Plain text (numbers, ids, labels already formatted) made safe for ReportLab markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr(text: str) -> str:
    return escape(text).replace('"', "&quot;")


class Context:
    """One build of the PDF: shared state the section renderers read and add to."""

    def __init__(self, report: "Report", charts: "ChartSet", template: "Template"):
        self.report = report
        self.evidence = report.evidence
        self.charts = charts
        self.template = template
        self.theme = template.theme
        self.page_size = PAGE_SIZES[self.theme.page_size]
        self.width = self.page_size[0] - 2 * MARGIN_X
        self.frame_height = self.page_size[1] - MARGIN_TOP - MARGIN_BOTTOM
        self.fonts = register_fonts(self.theme)
        default_font = templates_root() / "default" / "fonts" / "DejaVuSans.ttf"
        self.glyph_fallback = GlyphFallback(self.fonts, default_font)
        self.styles = Styles(self.theme, self.fonts, self.glyph_fallback)
        self.numbers = report.reference_numbers
        self.link_color = self.theme.colors["secondary"]
        # Citations link to reference entries only when the reference list is printed (no dangling links).
        self.links_to_references = "references" in template.pdf_sections
        self.figure_count = 0
        self.shown_waivers: set[tuple[str, str]] = set()
        self.wording = PdfWording(report, template)
        self.labels = self.wording.labels

    # ----------------------------------------------------------------------------------- text
    def md(self, text: str) -> str:
        """Evidence text (or rendered wording) as ReportLab markup: escaped, with our inline styles only."""
        return markup.to_reportlab(text, self.numbers, link=self._cite_link)

    def _cite_link(self, label: str) -> str:
        if not self.links_to_references:
            return label
        return re.sub(r"\d+", lambda m: f'<a href="#ref-{m[0]}" color="{self.link_color}">{m[0]}</a>', label)

    def cite(self, ref_ids: Iterable[str]) -> str:
        """"[2,3]" for source ids, linked like in-text citations."""
        label = markup.cite_numbers(list(ref_ids), self.numbers)
        return self._cite_link(label) if label else ""

    def words(self, key: str, **context: Any) -> str:
        """Markup of a wording file under wording/pdf/, with the usual context variables."""
        return self.md(self.text(key, **context))

    def text(self, key: str, **context: Any) -> str:
        return self.wording.text(key, **context)

    def base_context(self) -> dict[str, Any]:
        """The variables every PDF wording file can use."""
        return self.wording.base_context()

    def label(self, key: str) -> str:
        return escape(self.labels[key])

    def para(self, markup_text: str, style: Any = None, bullet: str | None = None) -> Para:
        return Para(markup_text, style or self.styles.body, bulletText=bullet)

    def link(self, url: str, text: str | None = None) -> str:
        return f'<a href="{attr(url)}" color="{self.link_color}">{escape(text or url)}</a>'

    # ----------------------------------------------------------------------------------- figures
    def figure(self, chart: "Chart") -> list[Any]:
        """The chart as vector graphics at the size it was drawn, the numbered caption below, kept on one page.

        Charts are laid out for the text column (charts.media.PRINT) with 7.5-9 pt text and printed
        unscaled, so the chart text is as large on paper as in the drawing; the caption below uses
        the full width rather than leaving a hole beside a narrower chart. A chart taller than a page
        even at MIN_FIGURE_SCALE goes on over the next pages (RecordedChart.split), its caption after it.
        """
        drawing = RecordedChart.of(chart, self.fonts, self.glyph_fallback)
        self.figure_count += 1
        caption = self.para(self.words("chart/caption", chart=chart, number=self.figure_count), self.styles.caption)
        scale = min(1.0, self.width / drawing.width)
        if drawing.height * scale > MAX_FIGURE_SHARE * self.frame_height:
            scale = max(MIN_FIGURE_SCALE, MAX_FIGURE_SHARE * self.frame_height / drawing.height)
        drawing.scale(scale)
        if drawing.height + caption.wrap(self.width, self.frame_height)[1] > 0.95 * self.frame_height:
            return [drawing, caption]  # only with a page-long caption: it must be free to split
        t = TaggedTable([[drawing], [caption]], colWidths=[self.width], hAlign="LEFT", splitByRow=0)  # one piece
        t.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 1), (0, 1), 3), ("BOTTOMPADDING", (0, 1), (0, 1), 6),
                               ("ALIGN", (0, 0), (0, 0), "CENTER"),
                               ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular)]))
        return [t]

    def figures(self, charts: Sequence["Chart"]) -> list[Any]:
        return [f for chart in charts for f in self.figure(chart)]

    # ----------------------------------------------------------------------------------- footnotes
    def waiver_text(self, waiver: "Waiver") -> str:
        self.shown_waivers.add((waiver.path, waiver.check))
        return self.words("footnotes/waiver", check=waiver.check, where=self.where(waiver.path),
                          reason=waiver.reason, detail=waiver.detail)

    def where(self, path: str) -> str:
        """A waiver's dotted path in the reader's words: study, outcome, arm and field."""
        parts: list[str] = []
        study = None
        tokens = re.findall(r"([A-Za-z_]+)(?:\[(\d+)\])?", path)
        try:
            for i, (name, index) in enumerate(tokens):
                prev = tokens[i - 1][0] if i else ""
                if name == "studies" and index:
                    study = self.evidence.studies[int(index)]
                    parts.append(study.short_name)
                elif name == "outcomes" and index and study is not None:
                    parts.append(study.outcomes[int(index)].name)
                elif name == "adverse_events" and index and study is not None:
                    parts.append(study.adverse_events[int(index)].term)
                elif name == "flow" and index and study is not None:
                    parts.append(study.flow[int(index)].stage)
                elif name == "schedules" and index and self.evidence.dosing is not None:
                    parts.append(self.evidence.dosing.schedules[int(index)].name)
                elif prev == "arms" and study is not None:
                    parts.append(arm_label(study, name, self.labels.get("pooled", name)))
                elif name not in ("arms", "dosing", "studies") and not index:
                    parts.append(name.replace("_", " "))
        except (IndexError, AttributeError):
            return path
        return ", ".join(parts) or path


class Footnotes:
    """Lettered footnotes of one table: the same text always gets the same letter."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.texts: list[str] = []
        self.groups: dict[str, tuple[int, str, list[str]]] = {}  #: key -> (index, lead, items)

    def mark(self, markup_text: str) -> str:
        if markup_text not in self.texts:
            self.texts.append(markup_text)
        return _superscript(_letter(self.texts.index(markup_text)))

    def collect(self, key: str, lead: str, item: str) -> str:
        """One footnote gathering many short items (e.g. every unrounded 1/RD of a table): the same letter."""
        if key not in self.groups:
            self.texts.append(key)
            self.groups[key] = (len(self.texts) - 1, lead, [])
        index, _, items = self.groups[key]
        items.append(item)
        self.texts[index] = f"{lead} {'; '.join(items)}."
        return _superscript(_letter(index))

    def marks(self, markup_texts: Iterable[str]) -> str:
        """Several marks as one superscript, "d,e": run together they would read as a footnote "de"."""
        letters = [_letter(self.texts.index(t)) for t in markup_texts if self.mark(t)]
        return _superscript(",".join(letters)) if letters else ""

    def flowables(self, tail: Sequence[Any] = (), last: Sequence[Any] = ()) -> list[Any]:
        """The notes (and any general note, `tail`, full width below), in two columns when there are several;
        `last` ends the notes' second column, unlettered (it fills the room the shorter column leaves)."""
        style = self.ctx.styles.footnote
        notes = [Para(text, style, bulletText=_letter(i)) for i, text in enumerate(self.texts)]
        return self._columns(notes, list(last)) + list(tail)

    def _columns(self, notes: list[Any], last: list[Any]) -> list[Any]:
        if len(notes) < 4:
            return notes + last
        half = (len(notes) + 1) // 2
        gap = 8
        width = (self.ctx.width - gap) / 2
        t = SplitTable([[notes[:half], notes[half:] + last]], colWidths=[width + gap, width], hAlign="LEFT")
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (0, -1), gap), ("RIGHTPADDING", (1, 0), (1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                               ("FONTNAME", (0, 0), (-1, -1), self.ctx.fonts.regular)]))
        return [t]


def _superscript(text: str) -> str:
    """A footnote mark: raised, at the smallest size the handout prints (ReportLab's default would be 80%
    of the cell's 8 pt)."""
    return f'<super size="{NOTE_SIZE}">{text}</super>'


def _letter(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]

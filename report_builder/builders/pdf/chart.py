"""A chart in the PDF: its recorded drawing operations (charts.record) replayed on the ReportLab canvas.

Vectors and real text in the template's embedded fonts, like the SVG, without parsing the SVG.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from reportlab.platypus import Flowable

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

    from report_builder.builders.pdf.style import Fonts, GlyphFallback
    from report_builder.charts import Chart


#: A chart taller than the page is split between text lines; a piece is never less than this share of the
#: space it is offered (a cut through a label is better than a page left almost empty).
MIN_PIECE_SHARE = 0.5
MIN_PIECE_POINTS = 72.0  #: less room than this at the foot of a page: the chart goes on from the next page
CONTINUED = "The figure above, continued."  #: the alternative text of a split chart's later pieces


class RecordedChart(Flowable):
    """The chart at `scale` times its drawn size (points); `width` and `height` are the scaled size.

    `window` is the band of the drawing (bottom, top, in drawn points) this flowable shows: the whole
    drawing, or one piece of a chart taller than a page (split() cuts it between lines of text).
    """

    def __init__(self, ops: list[list[Any]], width: float, height: float, fonts: Fonts,
                 fallback: GlyphFallback | None = None, window: tuple[float, float] | None = None):
        super().__init__()
        self.fallback = fallback  #: sets characters the template's fonts lack in DejaVu Sans, as Matplotlib drew them
        self.ops = ops
        self.natural = (width, height)
        self.window = window or (0.0, height)
        self.width, self.height = width, self.window[1] - self.window[0]
        self.fonts = {"regular": fonts.regular, "bold": fonts.bold, "italic": fonts.italic,
                      "bold_italic": fonts.bold_italic}
        self.font_set = fonts
        self.hAlign = "CENTER"
        self.alt_text: str | None = None

    @classmethod
    def of(cls, chart: Chart, fonts: Fonts, fallback: GlyphFallback | None = None) -> RecordedChart:
        """The chart's recording; one that cannot be read is a bug (see charts.Chart), as in the deck."""
        try:
            document = json.loads(chart.ops)
            width, height, ops = float(document["width"]), float(document["height"]), document["ops"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"chart {chart.id!r}: its recorded drawing cannot be read ({exc})") from None
        if width <= 0 or height <= 0:
            raise ValueError(f"chart {chart.id!r}: its recorded drawing has no size ({width} x {height})")
        drawing = cls(ops, width, height, fonts, fallback)
        drawing.alt_text = chart.alt_text  # tagged as a Figure with this text (see tagging.py)
        return drawing

    @property
    def factor(self) -> float:
        return self.width / self.natural[0]

    def scale(self, factor: float) -> RecordedChart:
        bottom, top = self.window
        self.width, self.height = self.natural[0] * factor, (top - bottom) * factor
        return self

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[RecordedChart]:
        """A chart taller than the page (a row for each of many studies or events) goes on over the next
        pages: the top piece as tall as fits, cut between lines of text where there is such a gap."""
        bottom, top = self.window
        room = available_height / self.factor  # in drawn points
        if available_height < MIN_PIECE_POINTS or top - bottom <= room:
            return []
        lowest, highest = top - room, top - MIN_PIECE_SHARE * room
        cut = _cut_between_text(self._text_bands(), lowest, highest)
        first, rest = self._piece((cut, top)), self._piece((bottom, cut))
        first.alt_text, rest.alt_text = self.alt_text, (CONTINUED if self.alt_text else None)
        return [first, rest]

    def _piece(self, window: tuple[float, float]) -> RecordedChart:
        piece = RecordedChart(self.ops, *self.natural, self.font_set, self.fallback, window)
        return piece.scale(self.factor)

    def _text_bands(self) -> list[tuple[float, float]]:
        """The vertical extent of every text, in drawn points: a cut must not pass through one."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        bands = []
        for op in self.ops:
            if op[0] != "text":
                continue
            _, x, y, angle, font, size, _, text, _ = op
            if angle % 180:  # rotated (an axis title): it spans its length upwards
                length = stringWidth(text, self.fonts.get(font, self.fonts["regular"]), size)
                bands.append((y - size, y + length))
            else:
                bands.append((y - 0.3 * size, y + size))
        return bands

    def draw(self) -> None:
        canvas = self.canv
        bottom, top = self.window
        canvas.saveState()
        canvas.scale(self.factor, self.factor)
        if (bottom, top) != (0.0, self.natural[1]):
            clip = canvas.beginPath()
            clip.rect(0, 0, self.natural[0], top - bottom)
            canvas.clipPath(clip, stroke=0, fill=0)
            canvas.translate(0, -bottom)
        for op in self.ops:
            if op[0] == "path":
                self._path(canvas, *op[1:])
            elif op[0] == "text":
                self._text(canvas, *op[1:])
        canvas.restoreState()

    # ------------------------------------------------------------------------------------ replay
    def _style(self, canvas: Canvas, state: list[Any]) -> None:
        width, dashes, phase, cap, join, rect, shape = state
        if rect is not None or shape is not None:
            clip = canvas.beginPath()
            if rect is not None:
                clip.rect(*rect)
            if shape is not None:
                _trace(clip, shape)
            canvas.clipPath(clip, stroke=0, fill=0)
        canvas.setLineWidth(width)
        canvas.setDash(dashes or [], phase)
        canvas.setLineCap(cap)
        canvas.setLineJoin(join)

    def _path(self, canvas: Canvas, segments: list[Any], fill: list[float] | None, stroke: list[float] | None,
              state: list[Any]) -> None:
        canvas.saveState()
        self._style(canvas, state)
        if fill is not None:
            canvas.setFillColorRGB(*fill[:3], alpha=fill[3] if fill[3] < 1 else None)
        if stroke is not None:
            canvas.setStrokeColorRGB(*stroke[:3], alpha=stroke[3] if stroke[3] < 1 else None)
        path = canvas.beginPath()
        _trace(path, segments)
        canvas.drawPath(path, stroke=int(stroke is not None), fill=int(fill is not None), fillMode=1)  # nonzero, as Matplotlib fills
        canvas.restoreState()

    def _text(self, canvas: Canvas, x: float, y: float, angle: float, font: str, size: float, colour: list[float],
              text: str, state: list[Any]) -> None:
        canvas.saveState()
        self._style(canvas, state)
        canvas.setFillColorRGB(*colour[:3], alpha=colour[3] if colour[3] < 1 else None)
        canvas.translate(x, y)
        if angle:
            canvas.rotate(angle)
        face = self.fonts.get(font, self.fonts["regular"])
        runs = self.fallback.runs(text) if self.fallback is not None else [(None, text)]
        if len(runs) == 1 and runs[0][0] is None:
            canvas.setFont(face, size)
            canvas.drawString(0, 0, text)
        else:
            line = canvas.beginText(0, 0)
            for run_face, run in runs:
                line.setFont(run_face or face, size)
                line.textOut(run)
            canvas.drawText(line)
        canvas.restoreState()


def _cut_between_text(bands: list[tuple[float, float]], lowest: float, highest: float) -> float:
    """The lowest height in [lowest, highest] that no text band crosses; `lowest` when there is none."""
    candidates = [lowest] + [top for _, top in bands if lowest < top <= highest]
    for cut in sorted(candidates):
        if not any(low < cut < high for low, high in bands):
            return cut
    return lowest


def _trace(path: Any, segments: list[Any]) -> None:
    i, n = 0, len(segments)
    while i < n:
        code = segments[i]
        if code == "M":
            path.moveTo(segments[i + 1], segments[i + 2])
            i += 3
        elif code == "L":
            path.lineTo(segments[i + 1], segments[i + 2])
            i += 3
        elif code == "C":
            path.curveTo(*segments[i + 1:i + 7])
            i += 7
        else:  # "Z"
            path.close()
            i += 1

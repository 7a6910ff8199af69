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


class RecordedChart(Flowable):
    """The chart at `scale` times its drawn size (points); `width` and `height` are the scaled size."""

    def __init__(self, ops: list[list[Any]], width: float, height: float, fonts: Fonts,
                 fallback: GlyphFallback | None = None):
        super().__init__()
        self.fallback = fallback  #: sets characters the template's fonts lack in DejaVu Sans, as Matplotlib drew them
        self.ops = ops
        self.natural = (width, height)
        self.width, self.height = width, height
        self.fonts = {"regular": fonts.regular, "bold": fonts.bold, "italic": fonts.italic,
                      "bold_italic": fonts.bold_italic}
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

    def scale(self, factor: float) -> RecordedChart:
        self.width, self.height = self.natural[0] * factor, self.natural[1] * factor
        return self

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.scale(self.width / self.natural[0], self.height / self.natural[1])
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

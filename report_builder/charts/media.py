"""Where a chart is shown (paper, a slide): its layout width, the scale it is shown at, the forms it needs."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Medium:
    """Where a chart is shown. Each chart is drawn once per medium, laid out at `width_in` with the
    chart text sizes of charts.style and shown `scale` times that size: text on a slide is then
    `scale` times larger than on paper, without a second set of layout rules. A medium lists the
    forms its builder embeds; every kind of chart has them all (charts.style.render), so a new kind
    needs no registration with the builders.
    """

    name: str
    width_in: float  #: layout width in inches, at the base text sizes (charts.style.SIZE ...)
    scale: float  #: shown size / layout size
    forms: tuple[str, ...]
    dpi: int = 200  #: pixels per shown inch of a PNG

    @property
    def shown_width_in(self) -> float:
        return self.width_in * self.scale


#: Paper: the PDF replays the operations unscaled, centred in the text column (7.17 in on A4, 7.39 in
#: on Letter), so chart text prints at its drawn 9/8/7.5 pt; the SVG is the same drawing for readers
#: who reuse a chart in print.
PRINT = Medium("print", width_in=6.5, scale=1.0, forms=("svg", "ops"))
#: A 16:9 slide: laid out narrower and shown 1.8 times larger (a 6.5-inch layout fills 11.7 of the
#: slide's 13.3 inches), so chart text is 16/14/13.5 pt where it is projected; the deck embeds the PNG,
#: at 150 pixels per shown inch: more than a 1920-pixel projector shows of a 13.3-inch slide (144).
SLIDE = Medium("slide", width_in=6.5, scale=1.8, forms=("png",), dpi=150)
MEDIA = {medium.name: medium for medium in (PRINT, SLIDE)}
#: The tallest a figure for paper is laid out: it then prints unscaled, its caption on the same page, on
#: the shorter bundled page (Letter: a 9.7-inch text frame, of which the PDF gives a figure 85% before it
#: shrinks it, builders/pdf/context.py). A chart that would be taller cuts its list or goes on over pages.
PAGE_HEIGHT_IN = 8.0

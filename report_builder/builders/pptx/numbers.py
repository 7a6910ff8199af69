"""Big-number slides: a few outcomes as rows, one column per arm, each figure large enough to read from the back."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from report_builder.inputs import markup
from report_builder.builders.pptx.shapes import add_text, rgb
from report_builder.builders.pptx.text import EMU_PER_INCH, EMU_PER_PT, LINE, Box, Para, fit_size, plain_spans

if TYPE_CHECKING:
    from report_builder.builders.pptx.deck import Deck, SlideHandle

BIG_LARGEST, BIG_SMALLEST = 54.0, 24.0  #: the figures themselves
LABEL_LARGEST, LABEL_SMALLEST = 24.0, 20.0  #: outcome names and arm names: body text
DETAIL_PT = 16.0  #: counts, intervals, effects under a figure: secondary, never below 14 pt
MISSING_PT = 20.0  #: "not reported" / "not in this summary" are words, never a figure (and never a zero)
STRIP = int(0.07 * EMU_PER_INCH)  #: the arm's colour, under its name: identity without coloured text


@dataclass(frozen=True)
class Figure:
    big: str  #: "80.7%", "7.7"
    small: str = ""  #: "88/109; 95% CI 72.1–87.7"
    missing: bool = False  #: big is a phrase ("not reported"), set as words
    words: bool = False  #: big is a result said in words ("not reached"): set as words, but as a result


@dataclass(frozen=True)
class FigureRow:
    name: str
    detail: str  #: the effect or the population, under the name
    figures: tuple[Figure, ...]  #: one per column


@dataclass(frozen=True)
class Column:
    label: str
    colour: str


def figure_grid(deck: "Deck", handle: "SlideHandle", box: Box, columns: Sequence[Column],
                rows: Sequence[FigureRow]) -> None:
    """Rows of outcomes against arm columns; names at the left, each figure big, its detail small under it."""
    slide = handle.slide
    gap = int(0.15 * EMU_PER_INCH)
    label_w = int(box.width * (0.46 if len(columns) <= 2 else 0.34))
    col_w = (box.width - label_w - gap * len(columns)) // max(len(columns), 1)
    head_h = int(0.62 * EMU_PER_INCH)
    # A little room below the last row: renderers' line heights differ by a point or two.
    row_h = min(int(1.55 * EMU_PER_INCH), (box.height - head_h - int(0.1 * EMU_PER_INCH)) // max(len(rows), 1))
    lefts = [box.left + label_w + gap + i * (col_w + gap) for i in range(len(columns))]
    # The header: arm names, each over a strip of its colour.
    heads = [[Para(plain_spans(c.label), bold=True, align="ctr", space_before=0)] for c in columns]
    head_size = min(fit_size(deck.metrics, h, Box(0, 0, col_w, head_h - STRIP), LABEL_LARGEST, LABEL_SMALLEST)
                    or LABEL_SMALLEST for h in heads) if heads else LABEL_SMALLEST
    for left, head, column in zip(lefts, heads, columns):
        add_text(slide, Box(left, box.top, col_w, head_h - STRIP), head, head_size, deck.family,
                 name=f"Arm {markup.clean(column.label)}", colour=deck.colors["text"], anchor="b")
        strip = slide.shapes.add_shape(1, left, box.top + head_h - STRIP, col_w, STRIP)  # 1: rectangle
        strip.name = f"Arm colour {markup.clean(column.label)}"  # shape names are XML too
        strip.fill.solid()
        strip.fill.fore_color.rgb = rgb(column.colour)
        strip.line.fill.background()
        strip.shadow.inherit = False
    # One size for every figure and one for every name, so the rows read as a table.
    names = [[Para(plain_spans(r.name), bold=True, space_before=0)]
             + ([Para(plain_spans(r.detail), colour=deck.colors["muted"], scale=DETAIL_PT / LABEL_LARGEST,
                      floor=DETAIL_PT, space_before=0.2)] if r.detail else []) for r in rows]
    name_size = min((fit_size(deck.metrics, n, Box(0, 0, label_w, row_h), LABEL_LARGEST, LABEL_SMALLEST)
                     or LABEL_SMALLEST) for n in names)
    small_h = int(LINE * DETAIL_PT * 2.2 * EMU_PER_PT)
    big_size = BIG_LARGEST
    for r in rows:
        for f in r.figures:
            if not (f.missing or f.words):
                fit = fit_size(deck.metrics, [Para(plain_spans(f.big), bold=True)],
                               Box(0, 0, col_w, max(row_h - small_h, int(BIG_SMALLEST * 1.25 * EMU_PER_PT))),
                               BIG_LARGEST, BIG_SMALLEST)
                big_size = min(big_size, fit or BIG_SMALLEST)
    top = box.top + head_h
    for index, (row, name) in enumerate(zip(rows, names)):
        y = top + index * row_h
        if index % 2:
            band = slide.shapes.add_shape(1, box.left, y, box.width, row_h)
            band.name = "Row band"
            band.fill.solid()
            band.fill.fore_color.rgb = rgb(deck.colors["light"])
            band.line.fill.background()
            band.shadow.inherit = False
        add_text(slide, Box(box.left, y, label_w, row_h), name, name_size, deck.family, name="Outcome",
                 colour=deck.colors["text"], anchor="ctr")
        for left, figure in zip(lefts, row.figures):
            if figure.missing:
                paragraphs = [Para(plain_spans(figure.big), italic=True, align="ctr", space_before=0,
                                   colour=deck.colors["muted"])]
                add_text(slide, Box(left, y, col_w, row_h), paragraphs, MISSING_PT, deck.family,
                         name="Not available", anchor="ctr")
                continue
            size = MISSING_PT if figure.words else big_size  # a result in words is set at the phrase size
            paragraphs = [Para(plain_spans(figure.big), bold=True, align="ctr", space_before=0)]
            if figure.small:
                paragraphs.append(Para(plain_spans(figure.small), align="ctr", colour=deck.colors["muted"],
                                       scale=DETAIL_PT / size, floor=DETAIL_PT, space_before=0.1))
            add_text(slide, Box(left, y, col_w, row_h), paragraphs, size, deck.family, name="Figure",
                     colour=deck.colors["text"], anchor="ctr")

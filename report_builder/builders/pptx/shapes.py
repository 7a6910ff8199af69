"""Deck shapes: pictures with alt text, native editable bar charts, measured tables, callouts."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from report_builder.builders.pptx import oxml
from report_builder.theme.contrast import black_or_white
from report_builder.builders.pptx.text import (
    EMU_PER_INCH, EMU_PER_PT, LINE, TABLE_MARGIN_X_PT, TABLE_MARGIN_Y_PT, Box, Metrics, Para, paragraph_xml, write,
)

INSIDE_FROM = 60.0  #: percent above which a bar's label goes inside the bar


def rgb(colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(colour.lstrip("#").upper())


def set_alt_text(shape, description: str, title: str = "") -> None:
    """The shape's alternative text (and title), for screen readers."""
    from report_builder.inputs.markup import clean

    oxml.set_alt_text(shape, clean(description), clean(title) if title else "")


# ------------------------------------------------------------------------------------------ pictures
def add_picture(slide, chart, box: Box):
    """The chart's PNG scaled into the box (aspect kept, centred), with the chart's alt text."""
    import io

    ratio = min(box.width / (chart.width_in * EMU_PER_INCH), box.height / (chart.height_in * EMU_PER_INCH))
    width = int(chart.width_in * EMU_PER_INCH * ratio)
    height = int(chart.height_in * EMU_PER_INCH * ratio)
    left = box.left + (box.width - width) // 2
    top = box.top + (box.height - height) // 2
    picture = slide.shapes.add_picture(io.BytesIO(chart.png), left, top, width, height)
    picture.name = f"Chart {chart.id}"
    set_alt_text(picture, chart.alt_text, chart.title)
    return picture


# ------------------------------------------------------------------------------------------ native charts
@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  #: reported percentages (or the model's proportion), never recomputed
    labels: tuple[str | None, ...]  #: data-label text exactly as reported, e.g. "80.7%"
    colour: str
    point_colours: tuple[str, ...] | None = None  #: one bar per study arm: each bar in its arm's colour


def add_bar_chart(slide, box: Box, categories: Sequence[str], series: Sequence[Series], *, family: str,
                  text_colour: str, grid_colour: str, horizontal: bool, axis_title: str, alt_text: str,
                  name: str, font_size: float = 14):
    """A clustered bar chart presenters can restyle; labels carry the reported text, not a reformatting."""
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_TICK_LABEL_POSITION
    from pptx.util import Pt

    from report_builder.inputs.markup import clean

    data = CategoryChartData(number_format="0.0")
    data.categories = [clean(c) for c in categories]
    for s in series:
        data.add_series(clean(s.name), list(s.values))
    kind = XL_CHART_TYPE.BAR_CLUSTERED if horizontal else XL_CHART_TYPE.COLUMN_CLUSTERED
    frame = slide.shapes.add_chart(kind, box.left, box.top, box.width, box.height, data)
    frame.name = name
    set_alt_text(frame, alt_text, name)
    chart = frame.chart
    chart.font.name = family
    chart.font.size = Pt(font_size)
    chart.font.color.rgb = rgb(text_colour)
    chart.has_title = False
    # No legend: renderers disagree on its order for horizontal bars; each label names its arm instead.
    chart.has_legend = False
    named = len(series) > 1
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.overlap = -10
    plot.vary_by_categories = False
    value_axis = chart.value_axis
    value_axis.minimum_scale = 0
    value_axis.maximum_scale = 100
    value_axis.major_unit = 25
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = rgb(grid_colour)
    value_axis.format.line.fill.background()
    value_axis.tick_labels.font.size = Pt(font_size - 2)
    value_axis.tick_labels.font.name = family
    value_axis.tick_labels.number_format = '0"%"'
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.has_title = True
    value_axis.axis_title.text_frame.text = axis_title
    title_font = value_axis.axis_title.text_frame.paragraphs[0].runs[0].font
    title_font.size = Pt(font_size - 2)
    title_font.bold = False
    title_font.name = family
    category_axis = chart.category_axis
    category_axis.tick_labels.font.size = Pt(font_size - 1)
    category_axis.tick_labels.font.name = family
    category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    category_axis.format.line.color.rgb = rgb(grid_colour)
    if horizontal:
        # First category on top, as it is read; the value axis then crosses at the last category (bottom).
        category_axis.reverse_order = True
        oxml.value_axis_crosses_at_maximum(chart)
    for s, chart_series in zip(series, plot.series):
        chart_series.format.fill.solid()
        chart_series.format.fill.fore_color.rgb = rgb(s.colour)
        chart_series.invert_if_negative = False
        for index, colour in enumerate(s.point_colours or ()):
            point_format = chart_series.points[index].format
            point_format.fill.solid()
            point_format.fill.fore_color.rgb = rgb(colour)
        for index, label in enumerate(s.labels):
            value = s.values[index]
            if label is None or value is None:
                continue
            bar = (s.point_colours or ())[index] if s.point_colours else s.colour
            # Long bars carry their label inside (no clipping at 100%), in the colour that contrasts best.
            inside = value > INSIDE_FROM
            point_label = chart_series.points[index].data_label
            point_label.position = XL_LABEL_POSITION.INSIDE_END if inside else XL_LABEL_POSITION.OUTSIDE_END
            frame_ = point_label.text_frame
            frame_.text = clean(f"{s.name} {label}" if named else label)
            run_font = frame_.paragraphs[0].runs[0].font
            run_font.size = Pt(font_size - 1)
            run_font.name = family
            run_font.bold = inside
            run_font.color.rgb = rgb(black_or_white(bar) if inside else text_colour)
    return frame


# ------------------------------------------------------------------------------------------ tables
@dataclass(frozen=True)
class Cell:
    paragraphs: tuple[Para, ...]
    fill: str | None = None
    colour: str | None = None


def cell_height(metrics: Metrics, cell: Cell, width_emu: int, size: float) -> float:
    """Points a cell needs: its text wrapped in the column, plus the cell margins."""
    width_pt = width_emu / EMU_PER_PT - 2 * TABLE_MARGIN_X_PT
    return metrics.height(cell.paragraphs, width_pt, size) + 2 * TABLE_MARGIN_Y_PT + 1.0


def row_heights(metrics: Metrics, rows: Sequence[Sequence[Cell]], widths: Sequence[int], size: float) -> list[float]:
    return [max(cell_height(metrics, c, w, size) for c, w in zip(row, widths)) for row in rows]


def paginate_rows(metrics: Metrics, header: Sequence[Cell], rows: Sequence[Sequence[Cell]], widths: Sequence[int],
                  box: Box, largest: float, smallest: float, page_size: float | None = None,
                  ) -> tuple[float, list[list[Sequence[Cell]]]]:
    """The largest size at which the table fits one slide; else pages at page_size, header repeated."""
    height_pt = box.height / EMU_PER_PT
    candidates = _sizes(largest, smallest)
    # A word only grows with the size: from the largest size down, the first at which every word fits its
    # column whole and all smaller sizes are the candidates.
    while candidates and not words_fit(metrics, [header, *rows], widths, candidates[0]):
        candidates.pop(0)
    candidates = candidates or [smallest]
    for size in candidates:
        if sum(row_heights(metrics, [header, *rows], widths, size)) <= height_pt:
            return size, [list(rows)]
    size = min(page_size or smallest, candidates[0])
    heights = row_heights(metrics, [header, *rows], widths, size)
    if any(heights[0] + h > height_pt for h in heights[1:]):
        size = smallest  # a row that fills a whole slide at page_size: take the smallest size instead
    head = row_heights(metrics, [header], widths, size)[0]
    pages: list[list[Sequence[Cell]]] = [[]]
    used = head
    for row, h in zip(rows, row_heights(metrics, rows, widths, size)):
        if pages[-1] and used + h > height_pt:
            pages.append([])
            used = head
        pages[-1].append(row)
        used += h
    return size, pages


def words_fit(metrics: Metrics, rows: Sequence[Sequence[Cell]], widths: Sequence[int], size: float) -> bool:
    """Every word of every cell fits its column whole: a header such as "Source" split as "Sourc|e" is unreadable."""
    return all(metrics.widest_word(cell.paragraphs, size) <= (w / EMU_PER_PT - 2 * TABLE_MARGIN_X_PT) * 0.985
               for row in rows for cell, w in zip(row, widths))


def _sizes(largest: float, smallest: float) -> list[float]:
    out, s = [], largest
    while s >= smallest - 1e-9:
        out.append(round(s, 1))
        s -= 0.5
    return out


def add_table(slide, box: Box, header: Sequence[Cell], rows: Sequence[Sequence[Cell]], widths: Sequence[int],
              metrics: Metrics, size: float, *, header_fill: str, header_colour: str, rule_colour: str,
              band_fill: str, name: str, alt_text: str):
    """A table whose row heights are measured, styled explicitly so any master shows it the same way."""
    all_rows = [header, *rows]
    heights = row_heights(metrics, all_rows, widths, size)
    frame = slide.shapes.add_table(len(all_rows), len(widths), box.left, box.top, sum(widths),
                                   int(sum(heights) * EMU_PER_PT))
    frame.name = name
    set_alt_text(frame, alt_text, name)
    table = frame.table
    table.first_row = table.horz_banding = False
    oxml.set_table_style(frame)  # no style: every colour below is explicit
    for column, w in zip(table.columns, widths):
        column.width = w
    for r, (cells, h, row) in enumerate(zip(all_rows, heights, table.rows)):
        row.height = int(h * EMU_PER_PT)
        for cell, target in zip(cells, row.cells):
            fill = cell.fill or (header_fill if r == 0 else (band_fill if r % 2 == 0 else None))
            colour = cell.colour or (header_colour if r == 0 else None)
            _fill_cell(target, cell, size, metrics.family, fill, colour, rule_colour)
    return frame


def _fill_cell(target, cell: Cell, size: float, family: str, fill: str | None, colour: str | None,
               rule: str) -> None:
    """One table cell: our paragraphs, margins, top anchor, a rule below and the fill."""
    from pptx.enum.text import MSO_ANCHOR

    oxml.set_paragraphs(target.text_frame, [paragraph_xml(p, size, family, colour)
                                            for p in cell.paragraphs or (Para(()),)])
    target.margin_left = target.margin_right = int(TABLE_MARGIN_X_PT * EMU_PER_PT)
    target.margin_top = target.margin_bottom = int(TABLE_MARGIN_Y_PT * EMU_PER_PT)
    target.vertical_anchor = MSO_ANCHOR.TOP
    oxml.set_cell_rules(target, rule, 9525)  # before the fill, which the schema places after the borders
    if fill:
        target.fill.solid()
        target.fill.fore_color.rgb = rgb(fill)
    else:
        target.fill.background()


# ------------------------------------------------------------------------------------------ text boxes
def add_text(slide, box: Box, paragraphs: Sequence[Para], size: float, family: str, *, name: str,
             colour: str | None = None, fill: str | None = None, line: str | None = None, anchor: str = "t",
             line_width_pt: float = 2.0):
    """A text box (or a framed callout when fill/line are given) whose text was measured to fit."""
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Pt

    if fill or line:
        shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, box.left, box.top, box.width, box.height)
        shape.shadow.inherit = False
        if fill:
            shape.fill.solid()
            shape.fill.fore_color.rgb = rgb(fill)
        else:
            shape.fill.background()
        if line:
            shape.line.color.rgb = rgb(line)
            shape.line.width = Pt(line_width_pt)
        else:
            shape.line.fill.background()
    else:
        shape = slide.shapes.add_textbox(box.left, box.top, box.width, box.height)
    shape.name = name
    write(shape.text_frame, paragraphs, size, family, colour, anchor=anchor)
    return shape


def line_height_emu(size: float) -> int:
    return int(LINE * size * EMU_PER_PT)


__all__ = ["Cell", "Series", "add_bar_chart", "add_picture", "add_table", "add_text", "paginate_rows",
           "set_alt_text", "line_height_emu"]

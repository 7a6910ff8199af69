"""Deck shapes: pictures with alt text, native editable bar charts, measured tables, callouts."""
from __future__ import annotations

import copy
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from report_builder.builders.pptx.text import (
    EMU_PER_PT, LINE, TABLE_MARGIN_X_PT, TABLE_MARGIN_Y_PT, Box, Metrics, Para, _element, _qn, _sub, paragraph_xml,
    set_body_properties, write,
)

EMU_PER_INCH = 914400
INSIDE_FROM = 60.0  #: percent above which a bar's label goes inside the bar


def contrasting(colour: str) -> str:
    """Black or white, whichever contrasts more with the colour (WCAG relative luminance)."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    h = colour.lstrip("#")
    r, g, b = (channel(int(h[i:i + 2], 16)) for i in (0, 2, 4))
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#FFFFFF" if (1.05 / (lum + 0.05)) >= (lum + 0.05) / 0.05 else "#000000"


def rgb(colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(colour.lstrip("#").upper())


def set_alt_text(shape, description: str, title: str = "") -> None:
    """python-pptx has no alt-text API: set descr (and title) on the shape's cNvPr."""
    from report_builder.inputs.markup import clean

    element = shape._element
    c_nv_pr = element.xpath("./*[1]/p:cNvPr")[0]
    c_nv_pr.set("descr", clean(description))
    if title:
        c_nv_pr.set("title", clean(title))


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
        value_axis._element.xpath("./c:crosses")[0].set("val", "max")
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
            run_font.color.rgb = rgb(contrasting(bar) if inside else text_colour)
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
    candidates = whole_word_sizes(metrics, [header, *rows], widths, _sizes(largest, smallest)) or [smallest]
    for size in candidates:
        if _fits(metrics, [header, *rows], widths, size, height_pt):
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


def whole_word_sizes(metrics: Metrics, rows: Sequence[Sequence[Cell]], widths: Sequence[int],
                     sizes: Sequence[float]) -> list[float]:
    """[s for s in sizes if words_fit(s)] for sizes from the largest down, testing only until one fits: a word's
    room (indent plus width, each rounded up or down with the size) never shrinks as the size grows, so every
    smaller size fits as well."""
    for i, size in enumerate(sizes):
        if words_fit(metrics, rows, widths, size):
            return list(sizes[i:])
    return []


def _fits(metrics: Metrics, rows: Sequence[Sequence[Cell]], widths: Sequence[int], size: float,
          height_pt: float) -> bool:
    """sum(row_heights(...)) <= height_pt, without measuring every row of a table far taller than the slide:
    heights are positive, so once the rows so far are clearly past the height (the 1 pt dwarfs any rounding
    difference between this running total and sum()), the rest cannot bring the total back."""
    heights = []
    running = 0.0
    for row in rows:
        heights.append(row_heights(metrics, [row], widths, size)[0])
        running += heights[-1]
        if running > height_pt + 1.0:
            return False
    return sum(heights) <= height_pt


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
    total = int(sum(heights) * EMU_PER_PT)
    frame = slide.shapes.add_table(len(all_rows), len(widths), box.left, box.top, sum(widths), total)
    frame.name = name
    set_alt_text(frame, alt_text, name)
    table = frame.table
    tbl_pr = table._tbl.tblPr
    for flag in ("bandRow", "firstRow"):
        tbl_pr.set(flag, "0")
    style_id = tbl_pr.find("{http://schemas.openxmlformats.org/drawingml/2006/main}tableStyleId")
    if style_id is not None:
        # {2D5ABB26-...}: "No Style, No Grid"; every colour below is explicit.
        style_id.text = "{2D5ABB26-0587-4C30-8999-92F81FD0307C}"
    # Column widths and row heights set on the XML: python-pptx's setters re-add every column (row) to resize
    # the frame after each one; the frame ends up as wide (tall) as their sums, as it does here.
    tbl = table._tbl
    for grid_col, w in zip(tbl.tblGrid.gridCol_lst, widths):
        grid_col.w = w
    frame.width = sum(grid_col.w for grid_col in tbl.tblGrid.gridCol_lst)
    trs = tbl.tr_lst
    for r, (cells, h, tr) in enumerate(zip(all_rows, heights, trs)):
        tr.h = int(h * EMU_PER_PT)
        tcs = tr.tc_lst
        for c, cell in enumerate(cells):
            fill = cell.fill or (header_fill if r == 0 else (band_fill if r % 2 == 0 else None))
            colour = cell.colour or (header_colour if r == 0 else None)
            _fill_cell(tcs[c], cell, size, metrics.family, fill, colour, rule_colour, header=r == 0)
    frame.height = sum(tr.h for tr in trs)
    return frame


def _solid_fill(colour: str):
    """<a:solidFill><a:srgbClr val="RRGGBB"/></a:solidFill> for a "#rrggbb" theme colour."""
    solid = _element("a:solidFill")
    _sub(solid, "a:srgbClr").set("val", colour.lstrip("#").upper())
    return solid


def _fill_cell(tc, cell: Cell, size: float, family: str, fill: str | None, colour: str | None, rule: str,
               header: bool) -> None:
    """Write one a:tc: our paragraphs, margins, top anchor, a rule below and the fill (python-pptx's _Cell
    setters, applied to the element directly)."""
    body = tc.get_or_add_txBody()
    for p in list(body.findall(_qn("a:p"))):
        body.remove(p)
    for paragraph in cell.paragraphs or (Para(()),):
        body.append(paragraph_xml(paragraph, size, family, colour))
    tc_pr = tc.get_or_add_tcPr()
    tc_pr.marL = tc_pr.marR = int(TABLE_MARGIN_X_PT * EMU_PER_PT)
    tc_pr.marT = tc_pr.marB = int(TABLE_MARGIN_Y_PT * EMU_PER_PT)
    tc_pr.anchor = None
    tc_pr.set("anchor", "t")
    for child in list(tc_pr):
        tc_pr.remove(child)
    for child in _cell_lines_and_fill(rule, fill):
        tc_pr.append(copy.deepcopy(child))


@functools.lru_cache(maxsize=64)
def _cell_lines_and_fill(rule: str, fill: str | None) -> tuple:
    """A cell's a:tcPr children, built once per colour pair and copied into every cell (they depend on the colours
    only). Border order is fixed by the schema: lnL, lnR, lnT, lnB, then the fill."""
    children = []
    for side in ("a:lnL", "a:lnR", "a:lnT", "a:lnB"):
        line = _element(side)
        if side == "a:lnB":
            line.set("w", "9525")
            line.append(_solid_fill(rule))
        else:
            line.set("w", "0")
            line.append(_element("a:noFill"))
        children.append(line)
    children.append(_solid_fill(fill) if fill else _element("a:noFill"))
    return tuple(children)


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
           "set_alt_text", "set_body_properties", "line_height_emu"]

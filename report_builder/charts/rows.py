"""Dot-and-whisker panels with a header per group, coloured arm labels and measured value columns."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from report_builder.charts.style import (
    SIZE, SLOT, SMALL, TINY, Look, axes_at, figure, inch_x, make_pen, render,
)

if TYPE_CHECKING:
    from report_builder.charts.media import Medium
    from report_builder.charts import ChartPlan

MARGIN = 0.08  #: inches at the left and right edges
HEADER = 0.21  #: inches for a group's header line
PANEL_HEAD = 0.26  #: inches for a panel's title / column-header line
AXIS = 0.5  #: inches under a panel for tick labels and the axis label
COL_GAP = 0.14
ARM_W = 1.5  #: inches at most for an arm label beside the plot
ARM_LINES = 2  #: lines an arm label may take before it is cut
ARM_LINE = 0.13  #: inches a row grows by for each further line of its label
CELL_W = 1.45  #: inches at most for a value column (figures are far shorter; wording overrides may not be)
MIN_PLOT = 1.6  #: inches the plot keeps however wide the labels and columns are
FOOT_LINE = 0.15
FOOT_LINES = 6  #: lines per footnote at most


@dataclass(frozen=True)
class Row:
    label: str  #: after layout, its lines joined by newlines
    colour: str
    value: float | None  #: None: nothing to plot (e.g. median not reached); the cells say why
    low: float | None = None
    high: float | None = None
    cells: tuple[str, ...] = ()
    hollow: bool = False  #: a reported figure without the counts an interval needs
    quiet: tuple[int, ...] = ()  #: cells shown muted and italic (explanations, not figures)


@dataclass(frozen=True)
class Group:
    title: str  #: bold, e.g. the study
    subtitle: str = ""  #: regular, after the title, e.g. the outcome
    rows: tuple[Row, ...] = ()


@dataclass(frozen=True)
class Panel:
    groups: tuple[Group, ...]
    xlim: tuple[float, float]
    xticks: tuple[float, ...]
    xlabel: str
    title: str = ""
    headers: tuple[str, ...] = ()  #: one per cell column
    tick_format: str = "{:g}"


@dataclass(frozen=True)
class Layout:
    """Where everything goes, in inches; computed from measured text alone (no Matplotlib)."""

    panels: tuple[Panel, ...]  #: labels, headers and cells fitted to their columns
    headers: tuple[tuple[tuple[tuple[str, str], ...], ...], ...]  #: per panel, per group: header lines
    columns: tuple[float, ...]
    axes_left: float
    axes_right: float
    heights: tuple[float, ...]
    foot_lines: tuple[str, ...]
    height: float


def layout_panels(look: Look, panels: Sequence[Panel], footnotes: Sequence[str] = ()) -> Layout:
    """Stack the panels top-down with one fixed layout; every width comes from measured text."""
    panels = [_fitted(look, p) for p in panels]
    ncols = max((len(r.cells) for p in panels for g in p.groups for r in g.rows), default=0)
    widths = [0.0] * ncols
    for panel in panels:
        for i, header in enumerate(panel.headers[:ncols]):
            widths[i] = max(widths[i], look.measure(header, SMALL, bold=True))
        for group in panel.groups:
            for row in group.rows:
                for i, cell in enumerate(row.cells):
                    widths[i] = max(widths[i], look.measure(cell, SMALL, italic=i in row.quiet))
    columns: list[float] = []
    x = look.width - MARGIN
    for w in reversed(widths):
        x -= w
        columns.insert(0, x)
        x -= COL_GAP
    title_w = (columns[0] if columns else look.width - MARGIN) - MARGIN - 0.15
    panels = [replace(p, title=look.fit(p.title, title_w, SIZE, bold=True)) for p in panels]
    arm_w = max((look.measure(line, SMALL) for p in panels for g in p.groups for r in g.rows
                 for line in r.label.split("\n")), default=0.5)
    axes_left = MARGIN + 0.18 + arm_w + 0.06
    axes_right = max((columns[0] if columns else look.width - MARGIN) - 0.2, axes_left + MIN_PLOT)
    foot_lines = tuple(line for note in footnotes for line in look.wrap(note, look.width - 2 * MARGIN, TINY,
                                                                        max_lines=FOOT_LINES))
    headers = tuple(tuple(tuple(_header_lines(look, g)) for g in p.groups) for p in panels)
    heights = tuple(PANEL_HEAD + _body(p, h) + AXIS for p, h in zip(panels, headers))
    height = sum(heights) + (len(foot_lines) * FOOT_LINE + 0.1 if foot_lines else 0.05)
    return Layout(tuple(panels), headers, tuple(columns), axes_left, axes_right, heights, foot_lines, height)


def render_panels(plan: "ChartPlan", media: tuple[Medium, ...] = ()) -> dict[str, bytes]:
    pen = make_pen(plan.look)
    layout = layout_panels(pen, plan.draw["panels"], plan.draw["footnotes"])
    with figure(pen, pen.width, layout.height) as fig:
        top = 0.0
        for panel, headers, h in zip(layout.panels, layout.headers, layout.heights):
            _draw_panel(fig, pen, panel, headers, top, layout)
            top += h
        for k, line in enumerate(layout.foot_lines):
            fig.text(MARGIN / pen.width, 1 - (top + 0.05 + (k + 0.5) * FOOT_LINE) / layout.height, line, fontsize=TINY,
                     color=pen.muted, ha="left", va="center")
        return render(fig, pen, media)


def _fitted(look: Look, panel: Panel) -> Panel:
    """Arm labels, headers and wording cut with "…" to their widths: long text never squeezes the plot away."""
    groups = []
    for group in panel.groups:
        # Figures are never cut (a shortened number is a wrong number); explanations in quiet cells may be.
        rows = tuple(replace(r, label=_arm_label(look, r.label),
                             cells=tuple(look.fit(c, CELL_W, SMALL, italic=True) if i in r.quiet else c
                                         for i, c in enumerate(r.cells))) for r in group.rows)
        groups.append(replace(group, rows=rows))
    return replace(panel, groups=tuple(groups), headers=tuple(look.fit(h, CELL_W, SMALL, bold=True)
                                                              for h in panel.headers),
                   xlabel=look.fit(panel.xlabel, look.width - 2 * MARGIN, SMALL))


def _arm_label(look: Look, label: str) -> str:
    """A label that fits on two lines is shown whole, on two ("InO + mini-HCVD ±" / "blinatumomab"); a longer
    one is cut on one line, so a panel of many rows never grows past its page."""
    lines = look.wrap(label, ARM_W, SMALL, max_lines=ARM_LINES)
    whole = "".join(lines).replace(" ", "") == label.replace(" ", "")
    return "\n".join(lines) if whole else look.fit(label, ARM_W, SMALL)


def _header_lines(look: Look, group: Group) -> list[tuple[str, str]]:
    """[(title, subtitle)] on one line if it fits the width, else the title then the wrapped subtitle."""
    width = look.width - 2 * MARGIN
    title = look.fit(group.title, width, SIZE, bold=True)
    if not group.subtitle or look.measure(f"{title} {group.subtitle}", SIZE, bold=True) <= width:
        return [(title, group.subtitle)]
    return [(title, "")] + [("", line) for line in look.wrap(group.subtitle, width, SIZE, max_lines=2)]


def _header_h(lines: Sequence[tuple[str, str]]) -> float:
    return HEADER + (len(lines) - 1) * 0.16


def _slot(row: Row) -> float:
    """A row's height: one slot, and a little more for each further line of its label."""
    return SLOT + row.label.count("\n") * ARM_LINE


def _body(panel: Panel, headers: Sequence[Sequence[tuple[str, str]]]) -> float:
    body = sum(_header_h(h) + sum(_slot(r) for r in g.rows) for g, h in zip(panel.groups, headers))
    return max(SLOT, body + 0.06 * (len(panel.groups) - 1))


def _draw_panel(fig, pen, panel: Panel, headers, top: float, layout: Layout) -> None:
    body = _body(panel, headers)
    left, columns = layout.axes_left, layout.columns
    ax = axes_at(fig, left, top + PANEL_HEAD, layout.axes_right - left, body)
    ax.set_ylim(body, 0)
    ax.set_xlim(*panel.xlim)
    ax.set_xticks(list(panel.xticks), labels=[panel.tick_format.format(t) for t in panel.xticks])
    ax.xaxis.grid(True, color=pen.light, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(panel.xlabel, fontsize=SMALL, labelpad=3)
    ax.tick_params(axis="y", length=0)
    ax.set_yticks([])
    at = inch_x(fig, ax)
    head_y = -PANEL_HEAD / 2 - 0.02
    if panel.title:
        ax.text(MARGIN, head_y, panel.title, transform=at, ha="left", va="center", fontsize=SIZE, color=pen.primary,
                **pen.bold())
    for x, header in zip(columns, panel.headers):
        ax.text(x, head_y, header, transform=at, ha="left", va="center", fontsize=SMALL, color=pen.muted,
                **pen.bold())
    y = 0.0
    for index, (group, lines) in enumerate(zip(panel.groups, headers)):
        if index:
            y += 0.06
            ax.plot([MARGIN, pen.width - MARGIN], [y - 0.03, y - 0.03], transform=at, color=pen.light, linewidth=0.8,
                    clip_on=False)
        for k, (title, subtitle) in enumerate(lines):
            hy = y + HEADER / 2 + 0.01 + k * 0.16
            if title:
                ax.text(MARGIN, hy, title, transform=at, ha="left", va="center", fontsize=SIZE, **pen.bold())
            if subtitle:
                sx = MARGIN + (pen.measure(title + " ", SIZE, bold=True) if title else 0.0)
                ax.text(sx, hy, subtitle, transform=at, ha="left", va="center", fontsize=SIZE)
        y += _header_h(lines)
        for row in group.rows:
            ry = y + _slot(row) / 2
            ax.text(left - 0.06, ry, row.label, transform=at, ha="right", va="center", fontsize=SMALL,
                    color=pen.label_colour(row.colour))
            _draw_point(ax, row, ry)
            for i, (x, cell) in enumerate(zip(columns, row.cells)):
                quiet = i in row.quiet
                kwargs = {"color": pen.muted, **pen.italic()} if quiet else {}
                ax.text(x, ry, cell, transform=at, ha="left", va="center", fontsize=SMALL, **kwargs)
            y += _slot(row)


def _draw_point(ax, row: Row, y: float) -> None:
    if row.low is not None and row.high is not None:
        ax.plot([row.low, row.high], [y, y], color=row.colour, linewidth=1.6, zorder=2)
        for end in (row.low, row.high):
            ax.plot([end, end], [y - 0.045, y + 0.045], color=row.colour, linewidth=1.2, zorder=2)
    if row.value is None:
        return
    if row.hollow:
        ax.plot(row.value, y, "o", markerfacecolor="white", markeredgecolor=row.colour, markeredgewidth=1.4,
                markersize=5.5, zorder=3)
    else:
        ax.plot(row.value, y, "o", color=row.colour, markersize=5.5, zorder=3)

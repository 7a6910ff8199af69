"""Dot-and-whisker panels with a header per group, coloured arm labels and measured value columns."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from report_builder.charts.style import SIZE, SLOT, SMALL, TINY, WIDTH, Style, axes_at, figure, inch_x, render

MARGIN = 0.08  #: inches at the left and right edges
HEADER = 0.21  #: inches for a group's header line
PANEL_HEAD = 0.26  #: inches for a panel's title / column-header line
AXIS = 0.5  #: inches under a panel for tick labels and the axis label
COL_GAP = 0.14
ARM_W = 1.5  #: inches at most for an arm label beside the plot
FOOT_LINE = 0.15


@dataclass(frozen=True)
class Row:
    label: str
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
class Drawn:
    svg: bytes
    png: bytes
    width: float
    height: float
    meta: dict[str, Any] = field(default_factory=dict)


def draw_panels(style: Style, panels: Sequence[Panel], footnotes: Sequence[str] = ()) -> Drawn:
    """Stack the panels top-down with one fixed layout; every width comes from measured text."""
    ncols = max((len(r.cells) for p in panels for g in p.groups for r in g.rows), default=0)
    widths = [0.0] * ncols
    for panel in panels:
        for i, header in enumerate(panel.headers[:ncols]):
            widths[i] = max(widths[i], style.measure(header, SMALL, bold=True))
        for group in panel.groups:
            for row in group.rows:
                for i, cell in enumerate(row.cells):
                    widths[i] = max(widths[i], style.measure(cell, SMALL, italic=i in row.quiet))
    columns: list[float] = []
    x = WIDTH - MARGIN
    for w in reversed(widths):
        x -= w
        columns.insert(0, x)
        x -= COL_GAP
    panels = [_fitted(style, p) for p in panels]
    arm_w = max((style.measure(r.label, SMALL) for p in panels for g in p.groups for r in g.rows), default=0.5)
    axes_left = MARGIN + 0.18 + arm_w + 0.06
    axes_right = (columns[0] if columns else WIDTH - MARGIN) - 0.2
    foot_lines = [line for note in footnotes for line in style.wrap(note, WIDTH - 2 * MARGIN, TINY, max_lines=20)]
    heights = [_panel_height(p, style) for p in panels]
    height = sum(heights) + (len(foot_lines) * FOOT_LINE + 0.1 if foot_lines else 0.05)
    with figure(style, WIDTH, height) as fig:
        top = 0.0
        for panel, h in zip(panels, heights):
            _draw_panel(fig, style, panel, top, h, axes_left, axes_right - axes_left, columns)
            top += h
        for k, line in enumerate(foot_lines):
            fig.text(MARGIN / WIDTH, 1 - (top + 0.05 + (k + 0.5) * FOOT_LINE) / height, line, fontsize=TINY,
                     color=style.muted, ha="left", va="center")
        svg, png = render(fig)
    return Drawn(svg, png, WIDTH, height, {"axes": (axes_left, axes_right), "columns": tuple(columns)})


def _fitted(style: Style, panel: Panel) -> Panel:
    """Arm labels cut to ARM_W and group subtitles wrapped under the title when the line is too long."""
    from dataclasses import replace

    groups = []
    for group in panel.groups:
        rows = tuple(replace(r, label=style.fit(r.label, ARM_W, SMALL)) for r in group.rows)
        groups.append(replace(group, rows=rows))
    return replace(panel, groups=tuple(groups))


def _header_lines(style: Style, group: Group) -> list[tuple[str, str]]:
    """[(title, subtitle)] on one line if it fits the width, else the title then the wrapped subtitle."""
    width = WIDTH - 2 * MARGIN
    title = style.fit(group.title, width, SIZE, bold=True)
    if not group.subtitle or style.measure(f"{title} {group.subtitle}", SIZE, bold=True) <= width:
        return [(title, group.subtitle)]
    return [(title, "")] + [("", line) for line in style.wrap(group.subtitle, width, SIZE, max_lines=3)]


def _header_h(group: Group, style: Style) -> float:
    return HEADER + (len(_header_lines(style, group)) - 1) * 0.16


def _body(panel: Panel, style: Style) -> float:
    return sum(_header_h(g, style) + len(g.rows) * SLOT for g in panel.groups) + 0.06 * (len(panel.groups) - 1)


def _panel_height(panel: Panel, style: Style) -> float:
    return PANEL_HEAD + _body(panel, style) + AXIS


def _draw_panel(fig, style: Style, panel: Panel, top: float, height: float, left: float, width: float,
                columns: list[float]) -> None:
    body = _body(panel, style)
    ax = axes_at(fig, left, top + PANEL_HEAD, width, body)
    ax.set_ylim(body, 0)
    ax.set_xlim(*panel.xlim)
    ax.set_xticks(list(panel.xticks), labels=[panel.tick_format.format(t) for t in panel.xticks])
    ax.xaxis.grid(True, color=style.light, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(panel.xlabel, fontsize=SMALL, labelpad=3)
    ax.tick_params(axis="y", length=0)
    ax.set_yticks([])
    at = inch_x(fig, ax)
    head_y = -PANEL_HEAD / 2 - 0.02
    if panel.title:
        ax.text(MARGIN, head_y, panel.title, transform=at, ha="left", va="center", fontsize=SIZE, color=style.primary,
                **style.bold())
    for x, header in zip(columns, panel.headers):
        ax.text(x, head_y, header, transform=at, ha="left", va="center", fontsize=SMALL, color=style.muted,
                **style.bold())
    y = 0.0
    for index, group in enumerate(panel.groups):
        if index:
            y += 0.06
            ax.plot([MARGIN, WIDTH - MARGIN], [y - 0.03, y - 0.03], transform=at, color=style.light, linewidth=0.8,
                    clip_on=False)
        for k, (title, subtitle) in enumerate(_header_lines(style, group)):
            hy = y + HEADER / 2 + 0.01 + k * 0.16
            if title:
                ax.text(MARGIN, hy, title, transform=at, ha="left", va="center", fontsize=SIZE, **style.bold())
            if subtitle:
                sx = MARGIN + (style.measure(title + " ", SIZE, bold=True) if title else 0.0)
                ax.text(sx, hy, subtitle, transform=at, ha="left", va="center", fontsize=SIZE)
        y += _header_h(group, style)
        for row in group.rows:
            ry = y + SLOT / 2
            ax.text(left - 0.06, ry, row.label, transform=at, ha="right", va="center", fontsize=SMALL, color=row.colour)
            _draw_point(ax, row, ry)
            for i, (x, cell) in enumerate(zip(columns, row.cells)):
                quiet = i in row.quiet
                kwargs = {"color": style.muted, **style.italic()} if quiet else {}
                ax.text(x, ry, cell, transform=at, ha="left", va="center", fontsize=SMALL, **kwargs)
            y += SLOT


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

"""Development and regulatory timeline: regulatory events by date, the studies' publications by year, one row each."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from report_builder.analysis import formatting
from report_builder.inputs.dates import ReportedDate
from report_builder.charts import ChartPlan
from report_builder.charts.style import (
    SMALL, TINY, Look, Style, axes_at, figure, inch_x, make_pen, render,
)

if TYPE_CHECKING:
    from report_builder.charts.media import Medium
    from report_builder.analysis.report import Report

MARGIN = 0.08
LINE = 0.15
ROW = 0.22
TEXT_W = 2.6  #: inches before an event's text wraps
TEXT_LINES = 3  #: lines per event at most
LEGEND_H = 0.2  #: inches per line of the legend
KEY_W = 0.22  #: inches for the sample mark of a legend entry (a longer bar is shortened to it)
KEY_GAP = 0.3  #: inches between legend entries
MARK = 5.5  #: points: a filled mark (the day is known)
OPEN_MARK = 6.5  #: points: an open mark (only the month or the year is known), on the bar across it
BAR = 3.5  #: points: the thickness of the bar across a month or a year
SHAPES = {"regulatory": "D", "publication": "o"}  #: a diamond for a regulatory event, a circle for a publication


def _year_fraction(date: dt.date) -> float:
    start = dt.date(date.year, 1, 1)
    days = (dt.date(date.year + 1, 1, 1) - start).days
    return date.year + (date - start).days / days


def _placed(date: ReportedDate) -> dict[str, Any]:
    """Where a date sits: a point when the day is known, else a span over its month or year, never a made-up day."""
    return {"date": date.isoformat(), "precision": date.precision, "x": _year_fraction(date.start),
            "x_end": _year_fraction(date.end + dt.timedelta(days=1)) if date.end.year == date.year else date.year + 1,
            "when": date.short(), "year": date.year}


def timeline_data(report: "Report", style: Style) -> dict[str, Any] | None:
    """Regulatory events with exact dates; publications of the studies' sources with their year (or date)."""
    evidence = report.evidence
    if not evidence.regulatory:
        return None  # publications alone are the reference list, not a development timeline
    events = [_placed(e.date) | {
        "kind": "regulatory", "region": style.plain(e.region), "source": e.source, "confirmed": e.confirmed,
        "event": style.plain(e.event) + ("" if e.confirmed else f" ({style.say('not_confirmed')})"),
        "label": [formatting.short_date(e.date), style.plain(f"{e.region}: {e.event}")],
    } for e in sorted(evidence.regulatory, key=lambda e: e.date.start)]
    used: dict[str, list[str]] = {}
    for study in evidence.studies:
        for ref_id in study.sources:
            used.setdefault(ref_id, []).append(style.plain(study.short_name))
    publications = []
    for ref_id, studies in used.items():
        ref = evidence.reference(ref_id)
        if ref.year is None:
            continue  # an undated page has no place on a time axis
        names = ", ".join(dict.fromkeys(studies))
        journal = formatting.reference_venue(ref)
        venue = f"{style.plain(journal)} {ref.year}" if journal else str(ref.year)
        entry = {"kind": "publication", "reference": ref_id, "studies": names,
                 "journal": style.plain(journal) if journal else "", "citation": style.cite([ref_id]),
                 "label": [names, f"{venue} {style.cite([ref_id])}".strip()], "source": ref_id}
        # Only the year (or month) known: drawn as a span over it, never as an invented day.
        entry.update(_placed(ref.published if ref.published is not None else ReportedDate(ref.year)))
        entry["year"] = ref.year
        publications.append(entry)
    publications.sort(key=lambda p: (p["x"], p["reference"]))
    return {"events": events, "publications": publications}


def plan_timeline(report: "Report", style: Style) -> ChartPlan | None:
    data = timeline_data(report, style)
    if data is None:
        return None
    items = data["events"] + data["publications"]
    legend = []
    for kind in ("regulatory", "publication"):
        # One entry per kind of mark drawn: filled for a day, open on a bar for a month or a year.
        for exact in (True, False):
            precisions = list(dict.fromkeys(i["precision"] for i in sorted(items, key=_coarseness)
                                            if i["kind"] == kind and (i["precision"] == "day") == exact))
            if precisions:
                label = (style.say("timeline_regulatory", precisions=precisions) if kind == "regulatory"
                         else style.say("timeline_publication", precisions=precisions))
                legend.append({"kind": kind, "exact": exact, "label": label})
    draw = {
        "legend": legend,
        "note": style.say("timeline_year_note") if any(i["precision"] != "day" for i in items) else "",
    }
    layout = _layout(data, draw, style)
    sources = sorted({e["source"] for e in data["events"]} | {p["source"] for p in data["publications"]},
                     key=lambda ref: style.numbers.get(ref, 0))
    parts = [f"{e['label'][0]}, {e['label'][1]}" for e in data["events"]]
    pubs = [f"{p['year']}, {p['studies']} ({p['label'][1]})" for p in data["publications"]]
    alt = style.say("timeline_alt", events="; ".join(parts), publications="; ".join(pubs))
    return ChartPlan(
        id="timeline", kind="timeline", title=style.say("timeline_title", drug=style.plain(report.evidence.drug.name)),
        caption=style.say("timeline_caption", sources=style.cite(sources)), alt_text=alt,
        width_in=style.width, height_in=layout["height"], study_id=None, data=data, renderer="timeline",
        look=style.look(), draw=draw,
    )


def _coarseness(item: dict[str, Any]) -> int:
    """0 for a date known to the day, 1 to the month, 2 to the year."""
    return ("day", "month", "year").index(item["precision"])


def _layout(data: dict[str, Any], draw: dict[str, Any], look: Look) -> dict[str, Any]:
    """One row per item in date order, texts wrapped and measured: plan and render share it."""
    # One row per item in date order: labels never collide, however close the dates are.
    # A year-only item heads its year rather than sitting at a made-up mid-year position; one known to
    # the month sits at the month's start (after 22 Jul, before 8 Sep when its month is September).
    items = sorted(data["events"] + data["publications"],
                   key=lambda i: (int(i["x"]), i["precision"] != "year", i["x"], i["precision"] == "day", i["kind"]))
    when = [i["when"] for i in items]
    # Names shortened first, so the event, the journal and the citation always show.
    what = [f"{look.fit(i['region'], 1.0, SMALL)}: {i['event']}" if i["kind"] == "regulatory" else
            f"{look.fit(i['studies'], TEXT_W, SMALL)}: "
            + " ".join(filter(None, (look.fit(i["journal"], TEXT_W, SMALL), str(i["year"]), i["citation"])))
            for i in items]
    date_w = max(look.measure(w, SMALL, bold=True) for w in when)
    text_x = MARGIN + date_w + 0.12
    lines = [look.wrap(w, TEXT_W, SMALL, max_lines=TEXT_LINES) for w in what]
    text_w = max(look.measure(line, SMALL) for block in lines for line in block)
    heights = [max(ROW, len(block) * LINE + 0.06) for block in lines]
    body = sum(heights)
    lo = min(min(i["x"] for i in items), min((p["year"] for p in data["publications"]), default=9999)) - 0.3
    hi = max(max(i["x_end"] for i in items), max((p["year"] + 1 for p in data["publications"]), default=0)) + 0.3
    axes_left = text_x + text_w + 0.25
    per_year = (look.width - MARGIN - axes_left) / (hi - lo)  # inches
    # The legend: each entry a sample of the mark it explains (an open mark's bar as long as in the plot, up to
    # KEY_W), then its words; a line per kind of item when there are more than two entries, wrapped if need be.
    width = look.width - 2 * MARGIN
    keys, x, line = [], MARGIN, 0
    for n, entry in enumerate(draw["legend"]):
        label = look.fit(entry["label"], width - KEY_W - 0.06, TINY)
        w = KEY_W + 0.06 + look.measure(label, TINY)
        new_kind = n and entry["kind"] != draw["legend"][n - 1]["kind"] and len(draw["legend"]) > 2
        if x > MARGIN and (new_kind or x + w > MARGIN + width):
            x, line = MARGIN, line + 1
        spans = [(i["x_end"] - i["x"] - 2 * _inset(i)) * per_year for i in items
                 if i["kind"] == entry["kind"] and (i["precision"] == "day") == entry["exact"]]
        keys.append({**entry, "label": label, "x": x + KEY_W / 2, "half": min(max(spans), KEY_W) / 2, "line": line})
        x += w + KEY_GAP
    key_lines = line + 1 if keys else 0
    note = look.wrap(draw["note"], width, TINY, max_lines=2) if draw["note"] else []
    height = 0.12 + body + 0.32 + key_lines * LEGEND_H + len(note) * LINE + 0.05
    return {"items": items, "when": when, "lines": lines, "text_x": text_x, "axes_left": axes_left,
            "heights": heights, "body": body, "height": height, "lo": lo, "hi": hi, "keys": keys,
            "key_lines": key_lines, "note": note}


def _mark(ax: Any, kind: str, exact: bool, x: float, x_end: float, y: float, colour: str) -> None:
    """The one drawing of a mark, in the plot and in the legend alike: a filled diamond (regulatory event) or
    circle (publication) at its day; a date known only to the month or the year is a bar across that whole
    month or year with an open mark at its middle, visible however short a month is on the axis. A day is
    given as x == x_end."""
    if exact:
        ax.plot((x + x_end) / 2, y, SHAPES[kind], color=colour, markersize=MARK, zorder=3)
        return
    ax.plot([x, x_end], [y, y], color=colour, linewidth=BAR, solid_capstyle="butt", zorder=2)
    ax.plot((x + x_end) / 2, y, SHAPES[kind], markerfacecolor="white", markeredgecolor=colour, markeredgewidth=1.3,
            markersize=OPEN_MARK, zorder=3)


def render_timeline(plan: ChartPlan, media: tuple[Medium, ...] = ()) -> dict[str, bytes]:
    data = plan.data
    pen = make_pen(plan.look)
    lay = _layout(data, plan.draw, pen)
    body, height, lo, hi, axes_left = lay["body"], lay["height"], lay["lo"], lay["hi"], lay["axes_left"]
    with figure(pen, pen.width, height) as fig:
        ax = axes_at(fig, axes_left, 0.12, pen.width - MARGIN - axes_left, body)
        ax.set_xlim(lo, hi)
        ax.set_ylim(body, 0)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        span = hi - lo
        step = 1 if span <= 10 else 2 if span <= 20 else 5
        years = [y for y in range(int(lo) + 1, int(hi) + 1) if y % step == 0]
        ax.set_xticks(years, labels=[str(y) for y in years])
        ax.tick_params(axis="x", labelsize=TINY)
        ax.xaxis.grid(True, color=pen.light, linewidth=0.8)
        ax.set_axisbelow(True)
        at = inch_x(fig, ax)
        y = 0.0
        for item, date_text, block, h in zip(lay["items"], lay["when"], lay["lines"], lay["heights"]):
            cy = y + h / 2
            colour = _colour(pen, item["kind"])
            ax.text(MARGIN, cy - (len(block) - 1) * LINE / 2, date_text, transform=at, ha="left", va="center",
                    fontsize=SMALL, color=pen.label_colour(colour), **pen.bold())
            for k, line in enumerate(block):
                ax.text(lay["text_x"], cy + (k - (len(block) - 1) / 2) * LINE, line, transform=at, ha="left",
                        va="center", fontsize=SMALL)
            ax.plot([lo, hi], [cy, cy], color=pen.light, linewidth=0.6, zorder=0)
            exact, inset = item["precision"] == "day", _inset(item)
            _mark(ax, item["kind"], exact, item["x"] + inset, item["x"] if exact else item["x_end"] - inset, cy, colour)
            y += h
        # The legend: an axes in inches under the plot, each entry a sample drawn by _mark, then its words.
        top = 0.12 + body + 0.32
        key_h = lay["key_lines"] * LEGEND_H + len(lay["note"]) * LINE
        legend = axes_at(fig, 0.0, top, pen.width, key_h)
        legend.set_xlim(0, pen.width)
        legend.set_ylim(key_h, 0)
        legend.axis("off")
        for key in lay["keys"]:
            ky = (key["line"] + 0.5) * LEGEND_H
            colour = _colour(pen, key["kind"])
            _mark(legend, key["kind"], key["exact"], key["x"] - key["half"], key["x"] + key["half"], ky, colour)
            legend.text(key["x"] + KEY_W / 2 + 0.06, ky, key["label"], fontsize=TINY, ha="left", va="center",
                        color=pen.label_colour(colour))
        for k, line in enumerate(lay["note"]):
            legend.text(MARGIN, lay["key_lines"] * LEGEND_H + (k + 0.5) * LINE, line, fontsize=TINY,
                        color=pen.muted, ha="left", va="center")
        return render(fig, pen, media)


def _inset(item: dict[str, Any]) -> float:
    """Years of a year's bar left out at each end: the bars of neighbouring years stay apart."""
    return 0.03 if item["precision"] == "year" else 0.0


def _colour(look: Look, kind: str) -> str:
    return look.primary if kind == "regulatory" else look.secondary

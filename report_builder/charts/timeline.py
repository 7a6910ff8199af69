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
LEGEND_H = 0.22


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
    draw = {
        "regulatory": style.say("timeline_regulatory"), "publication": style.say("timeline_publication"),
        "note": style.say("timeline_year_note")
        if any(i["precision"] != "day" for i in data["publications"] + data["events"]) else "",
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
    height = 0.12 + body + 0.32 + LEGEND_H + (0.2 if draw["note"] else 0.0)
    lo = min(min(i["x"] for i in items), min((p["year"] for p in data["publications"]), default=9999)) - 0.3
    hi = max(max(i["x_end"] for i in items), max((p["year"] + 1 for p in data["publications"]), default=0)) + 0.3
    return {"items": items, "when": when, "lines": lines, "text_x": text_x, "axes_left": text_x + text_w + 0.25,
            "heights": heights, "body": body, "height": height, "lo": lo, "hi": hi,
            "regulatory": look.fit("◆ " + draw["regulatory"], 2.1, TINY),
            "publication": look.fit("▬ " + draw["publication"], look.width - 2 * MARGIN - 2.2, TINY),
            "note": look.fit(draw["note"], look.width - 2 * MARGIN, TINY)}


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
            regulatory = item["kind"] == "regulatory"
            colour = pen.primary if regulatory else pen.secondary
            ax.text(MARGIN, cy - (len(block) - 1) * LINE / 2, date_text, transform=at, ha="left", va="center",
                    fontsize=SMALL, color=colour, **pen.bold())
            for k, line in enumerate(block):
                ax.text(lay["text_x"], cy + (k - (len(block) - 1) / 2) * LINE, line, transform=at, ha="left",
                        va="center", fontsize=SMALL)
            ax.plot([lo, hi], [cy, cy], color=pen.light, linewidth=0.6, zorder=0)
            if item["precision"] != "day":
                inset = 0.03 if item["precision"] == "year" else 0.0
                ax.plot([item["x"] + inset, item["x_end"] - inset], [cy, cy], color=colour, linewidth=3.5,
                        solid_capstyle="butt", zorder=2)
            else:
                ax.plot(item["x"], cy, "D" if regulatory else "o", color=colour, markersize=5.5, zorder=3)
            y += h
        legend_y = 1 - (0.12 + body + 0.32 + LEGEND_H / 2) / height
        fig.text(MARGIN / pen.width, legend_y, lay["regulatory"], color=pen.primary, fontsize=TINY, ha="left",
                 va="center")
        if data["publications"]:
            fig.text((MARGIN + 2.2) / pen.width, legend_y, lay["publication"], color=pen.secondary, fontsize=TINY,
                     ha="left", va="center")
        if lay["note"]:
            fig.text(MARGIN / pen.width, legend_y - 0.2 / height, lay["note"], fontsize=TINY, color=pen.muted, ha="left",
                     va="center")
        return render(fig, pen, media)

"""Development and regulatory timeline: regulatory events by date, the studies' publications by year, one row each."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from report_builder.charts import Chart
from report_builder.charts.style import DPI, SMALL, TINY, WIDTH, Style, axes_at, date_label, figure, inch_x, render

if TYPE_CHECKING:
    from report_builder.model import Report

MARGIN = 0.08
LINE = 0.15
ROW = 0.22
TEXT_W = 2.6  #: inches before an event's text wraps


def _year_fraction(date: dt.date) -> float:
    start = dt.date(date.year, 1, 1)
    days = (dt.date(date.year + 1, 1, 1) - start).days
    return date.year + (date - start).days / days


def timeline_data(report: "Report", style: Style) -> dict[str, Any] | None:
    """Regulatory events with exact dates; publications of the studies' sources with their year (or date)."""
    evidence = report.evidence
    if not evidence.regulatory:
        return None  # publications alone are the reference list, not a development timeline
    events = [{
        "kind": "regulatory", "date": e.date.isoformat(), "x": _year_fraction(e.date), "precision": "day",
        "region": style.plain(e.region), "event": style.plain(e.event), "source": e.source,
        "label": [date_label(e.date), style.plain(f"{e.region}: {e.event}")],
    } for e in sorted(evidence.regulatory, key=lambda e: e.date)]
    used: dict[str, list[str]] = {}
    for study in evidence.studies:
        for ref_id in study.sources:
            used.setdefault(ref_id, []).append(style.plain(study.short_name))
    publications = []
    for ref_id, studies in used.items():
        ref = evidence.reference(ref_id)
        names = ", ".join(dict.fromkeys(studies))
        venue = f"{style.plain(ref.journal)} {ref.year}" if ref.journal else str(ref.year)
        entry = {"kind": "publication", "reference": ref_id, "year": ref.year, "studies": names,
                 "label": [names, f"{venue} {style.cite([ref_id])}".strip()], "source": ref_id}
        if ref.published is not None:
            entry.update(date=ref.published.isoformat(), x=_year_fraction(ref.published), precision="day")
        else:
            # Only the year is known: drawn as a span over that year, never as an invented day.
            entry.update(date=None, x=ref.year + 0.5, precision="year")
        publications.append(entry)
    publications.sort(key=lambda p: (p["x"], p["reference"]))
    return {"events": events, "publications": publications}


def draw_timeline(report: "Report", style: Style) -> Chart | None:
    data = timeline_data(report, style)
    if data is None:
        return None
    # One row per item in date order: labels never collide, however close the dates are.
    # A year-only publication heads its year rather than sitting at a made-up mid-year position.
    items = sorted(data["events"] + data["publications"],
                   key=lambda i: (int(i["x"]), i["precision"] == "day", i["x"], i["kind"]))
    when = [i["label"][0] if i["kind"] == "regulatory" else
            date_label(dt.date.fromisoformat(i["date"])) if i["precision"] == "day" else str(i["year"]) for i in items]
    what = [i["label"][1] if i["kind"] == "regulatory" else f"{i['studies']}: {i['label'][1]}" for i in items]
    date_w = max(style.measure(w, SMALL, bold=True) for w in when)
    text_x = MARGIN + date_w + 0.12
    lines = [style.wrap(w, TEXT_W, SMALL) for w in what]
    text_w = max(style.measure(line, SMALL) for block in lines for line in block)
    axes_left = text_x + text_w + 0.25
    heights = [max(ROW, len(block) * LINE + 0.06) for block in lines]
    body = sum(heights)
    note = style.say("timeline_year_note") if any(p["precision"] == "year" for p in data["publications"]) else ""
    legend_h = 0.22
    height = 0.12 + body + 0.32 + legend_h + (0.2 if note else 0.0)
    lo = min(min(i["x"] for i in items), min((p["year"] for p in data["publications"]), default=9999)) - 0.3
    hi = max(max(i["x"] for i in items), max((p["year"] + 1 for p in data["publications"]), default=0)) + 0.3
    with figure(style, WIDTH, height) as fig:
        ax = axes_at(fig, axes_left, 0.12, WIDTH - MARGIN - axes_left, body)
        ax.set_xlim(lo, hi)
        ax.set_ylim(body, 0)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        span = hi - lo
        step = 1 if span <= 10 else 2 if span <= 20 else 5
        years = [y for y in range(int(lo) + 1, int(hi) + 1) if y % step == 0]
        ax.set_xticks(years, labels=[str(y) for y in years])
        ax.tick_params(axis="x", labelsize=TINY)
        ax.xaxis.grid(True, color=style.light, linewidth=0.8)
        ax.set_axisbelow(True)
        at = inch_x(fig, ax)
        y = 0.0
        for item, date_text, block, h in zip(items, when, lines, heights):
            cy = y + h / 2
            regulatory = item["kind"] == "regulatory"
            colour = style.primary if regulatory else style.secondary
            ax.text(MARGIN, cy - (len(block) - 1) * LINE / 2, date_text, transform=at, ha="left", va="center",
                    fontsize=SMALL, color=colour, **style.bold())
            for k, line in enumerate(block):
                ax.text(text_x, cy + (k - (len(block) - 1) / 2) * LINE, line, transform=at, ha="left", va="center",
                        fontsize=SMALL)
            ax.plot([lo, hi], [cy, cy], color=style.light, linewidth=0.6, zorder=0)
            if item["precision"] == "year":
                ax.plot([item["year"] + 0.03, item["year"] + 0.97], [cy, cy], color=colour, linewidth=3.5,
                        solid_capstyle="butt", zorder=2)
            else:
                ax.plot(item["x"], cy, "D" if regulatory else "o", color=colour, markersize=5.5, zorder=3)
            y += h
        legend_y = 1 - (0.12 + body + 0.32 + legend_h / 2) / height
        fig.text(MARGIN / WIDTH, legend_y, "◆ " + style.say("timeline_regulatory"), color=style.primary,
                 fontsize=TINY, ha="left", va="center")
        if data["publications"]:
            fig.text((MARGIN + 2.2) / WIDTH, legend_y, "▬ " + style.say("timeline_publication"),
                     color=style.secondary, fontsize=TINY, ha="left", va="center")
        if note:
            fig.text(MARGIN / WIDTH, legend_y - 0.2 / height, note, fontsize=TINY, color=style.muted, ha="left",
                     va="center")
        svg, png = render(fig)
    sources = sorted({e["source"] for e in data["events"]} | {p["source"] for p in data["publications"]},
                     key=lambda ref: style.numbers.get(ref, 0))
    parts = [f"{e['label'][0]}, {e['label'][1]}" for e in data["events"]]
    pubs = [f"{p['year']}, {p['studies']} ({p['label'][1]})" for p in data["publications"]]
    alt = style.say("timeline_alt", events="; ".join(parts), publications="; ".join(pubs))
    return Chart(
        id="timeline", kind="timeline", title=style.say("timeline_title", drug=style.plain(report.evidence.drug.name)),
        caption=style.say("timeline_caption", sources=style.cite(sources)), alt_text=alt,
        svg=svg, png=png, width_in=WIDTH, height_in=height, dpi=DPI, study_id=None, data=data,
    )

"""Time-to-event charts: reported medians and landmark survival per arm; step curves only from digitised points."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from report_builder import formatting
from report_builder.charts import Chart
from report_builder.charts.rows import Group, Panel, Row, draw_panels
from report_builder.charts.style import (
    DPI, SMALL, WIDTH, Style, arm_keys, arm_label, axes_at, figure, inch_x, render,
)
from report_builder.evidence.schema import Study, TimeToEventOutcome

if TYPE_CHECKING:
    from report_builder.model import Report


def _ticks(top: float) -> tuple[float, ...]:
    """Round ticks from 0 up to the first one at or beyond top (the axis ends on a labelled tick)."""
    from matplotlib.ticker import MaxNLocator

    values = [float(t) for t in MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(0, top) if t >= 0]
    end = next((i for i, t in enumerate(values) if t >= top), len(values) - 1)
    return tuple(values[: end + 1])


def time_to_event_data(study: Study, style: Style) -> dict[str, Any] | None:
    """Medians (with reported CIs) and landmarks per outcome and arm, exactly as the file reports them."""
    medians: list[dict[str, Any]] = []
    landmarks: list[dict[str, Any]] = []
    for outcome in study.outcomes:
        if not isinstance(outcome, TimeToEventOutcome):
            continue
        rows = []
        marks: dict[str, dict[str, Any]] = {}
        for key in arm_keys(study, list(outcome.arms)):
            result = outcome.arms[key]
            label, colour = arm_label(study, key, style), style.arm_colour(study, key)
            if result.median is not None or result.median_not_reached:
                rows.append({
                    "arm": key, "label": label, "colour": colour,
                    "median": float(result.median) if result.median is not None else None,
                    "median_text": result.median.text if result.median is not None else None,
                    "not_reached": result.median_not_reached,
                    "low": float(result.ci[0]) if result.ci else None,
                    "high": float(result.ci[1]) if result.ci else None,
                    "ci_level": float(result.ci_level) if result.ci else None,
                    "value_text": (f"{formatting.number(result.median)} {outcome.unit}" if result.median is not None
                                   else style.say("not_reached")),
                    "ci_text": formatting.reported_ci(result.ci, result.ci_level),
                })
            for mark in result.landmarks:
                name = (style.plain(mark.label) if mark.label
                        else style.say("landmark", time=formatting.number(mark.time), unit=outcome.unit))
                entry = marks.setdefault(name, {"outcome": outcome.id, "outcome_name": style.plain(outcome.name),
                                                "label": name,
                                                "time": float(mark.time), "unit": outcome.unit,
                                                "source": outcome.source, "rows": []})
                entry["rows"].append({
                    "arm": key, "label": label, "colour": colour, "percent": float(mark.percent),
                    "percent_text": f"{formatting.number(mark.percent)}%",
                    "low": float(mark.ci[0]) if mark.ci else None, "high": float(mark.ci[1]) if mark.ci else None,
                    "ci_level": float(mark.ci_level) if mark.ci else None,
                    "ci_text": formatting.reported_ci(mark.ci, mark.ci_level),
                })
        if rows:
            medians.append({"outcome": outcome.id, "outcome_name": style.plain(outcome.name), "unit": outcome.unit,
                            "source": outcome.source, "rows": rows})
        landmarks.extend(marks.values())
    if not medians and not landmarks:
        return None
    return {"study": study.id, "study_name": style.plain(study.name), "medians": medians, "landmarks": landmarks}


def draw_time_to_event(report: "Report", study: Study, style: Style) -> Chart | None:
    data = time_to_event_data(study, style)
    if data is None:
        return None
    no_ci = style.say("no_ci")
    panels: list[Panel] = []
    for unit in dict.fromkeys(g["unit"] for g in data["medians"]):
        groups = [g for g in data["medians"] if g["unit"] == unit]
        top = max(v for g in groups for r in g["rows"] for v in (r["median"], r["high"]) if v is not None)
        ticks = _ticks(top * 1.04)
        panels.append(Panel(
            groups=tuple(Group(g["outcome_name"], "", tuple(
                Row(r["label"], r["colour"], r["median"], r["low"], r["high"], (r["value_text"], r["ci_text"] or no_ci),
                    quiet=() if r["ci_text"] else (1,))
                for r in g["rows"])) for g in groups),
            xlim=(0, ticks[-1]), xticks=ticks, xlabel=style.say("median_axis", unit=unit),
            title=style.say("median_panel"),
            headers=(style.say("median_col"), style.say("ci_col")),
        ))
    if data["landmarks"]:
        panels.append(Panel(
            groups=tuple(Group(g["outcome_name"], g["label"], tuple(
                Row(r["label"], r["colour"], r["percent"], r["low"], r["high"],
                    (r["percent_text"], r["ci_text"] or no_ci),
                    quiet=() if r["ci_text"] else (1,))
                for r in g["rows"])) for g in data["landmarks"]),
            xlim=(0, 100), xticks=(0, 25, 50, 75, 100), xlabel=style.say("landmark_axis"),
            title=style.say("landmark_panel"),
            headers=(style.say("landmark_col"), style.say("ci_col")),
        ))
    drawn = draw_panels(style, panels)
    parts = []
    for g in data["medians"]:
        arms = "; ".join(f"{r['label']} {r['value_text']}" + (f" ({r['ci_text']})" if r["ci_text"] else "")
                         for r in g["rows"])
        parts.append(style.say("median_alt", outcome=g["outcome_name"], arms=arms))
    for g in data["landmarks"]:
        arms = "; ".join(f"{r['label']} {r['percent_text']}" + (f" ({r['ci_text']})" if r["ci_text"] else "")
                         for r in g["rows"])
        parts.append(f"{g['outcome_name']}, {g['label']}: {arms}.")
    sources = sorted({g["source"] for g in data["medians"] + data["landmarks"]},
                     key=lambda ref: style.numbers.get(ref, 0))
    return Chart(
        id=f"time-to-event-{study.id}", kind="time_to_event", title=style.say("tte_title", study=data["study_name"]),
        caption=style.say("tte_caption", sources=style.cite(sources)),
        alt_text=style.say("tte_alt", study=style.plain(study.short_name)) + " " + " ".join(parts),
        svg=drawn.svg, png=drawn.png, width_in=drawn.width, height_in=drawn.height, dpi=DPI, study_id=study.id,
        data=data,
    )


# ------------------------------------------------------------------------------------------ step curves
def curve_data(study: Study, outcome: TimeToEventOutcome, style: Style) -> dict[str, Any] | None:
    """Digitised points and numbers at risk per arm; None unless the file has a curve (never invented)."""
    arms = []
    for key in arm_keys(study, list(outcome.arms)):
        result = outcome.arms[key]
        if len(result.curve) < 2:
            continue
        arms.append({
            "arm": key, "label": arm_label(study, key, style), "colour": style.arm_colour(study, key),
            "points": [(float(p.time), float(p.percent)) for p in result.curve],
            "at_risk": [(float(a.time), a.n) for a in result.at_risk],
            "at_risk_text": [(formatting.number(a.time), str(a.n)) for a in result.at_risk],
        })
    if not arms:
        return None
    return {"study": study.id, "outcome": outcome.id, "outcome_name": style.plain(outcome.name), "unit": outcome.unit,
            "source": outcome.source, "arms": arms}


def draw_curve(report: "Report", study: Study, outcome: TimeToEventOutcome, style: Style) -> Chart | None:
    data = curve_data(study, outcome, style)
    if data is None:
        return None
    at_risk_arms = [a for a in data["arms"] if a["at_risk"]]
    label_w = max(style.measure(style.fit(a["label"], 1.5, SMALL), SMALL) for a in data["arms"]) + 0.2
    left, right = max(0.75, label_w + 0.12), 0.25
    plot_h = 2.5
    table_h = (0.3 + 0.2 * len(at_risk_arms)) if at_risk_arms else 0.0
    top_pad, axis_h = 0.2, 0.5
    height = top_pad + plot_h + axis_h + table_h + 0.1
    t_max = max(t for a in data["arms"] for t, _ in a["points"] + a["at_risk"])
    ticks = _ticks(t_max)
    with figure(style, WIDTH, height) as fig:
        ax = axes_at(fig, left, top_pad, WIDTH - left - right, plot_h)
        ax.set_xlim(0, max(t_max, ticks[-1]) * 1.02)
        ax.set_ylim(0, 100)
        ax.set_xticks(list(ticks), labels=[f"{t:g}" for t in ticks])
        ax.set_yticks([0, 25, 50, 75, 100])
        ax.yaxis.grid(True, color=style.light, linewidth=0.8)
        ax.set_axisbelow(True)
        ax.set_xlabel(style.say("curve_x", unit=data["unit"]), fontsize=SMALL)
        ax.set_ylabel(style.say("curve_y", outcome=data["outcome_name"]), fontsize=SMALL)
        for arm in data["arms"]:
            times, values = zip(*arm["points"])
            ax.step(times, values, where="post", color=arm["colour"], linewidth=1.8,
                    label=style.fit(arm["label"], 1.8, SMALL))
        ax.legend(loc="upper right", frameon=False, fontsize=SMALL)
        if at_risk_arms:
            table = axes_at(fig, left, top_pad + plot_h + axis_h, WIDTH - left - right, table_h)
            table.set_xlim(ax.get_xlim())
            table.set_ylim(table_h, 0)
            table.axis("off")
            at = inch_x(fig, table)
            table.text(0.08, 0.12, style.say("at_risk"), transform=at, ha="left", va="center", fontsize=SMALL,
                       **style.bold())
            for k, arm in enumerate(at_risk_arms):
                y = 0.3 + 0.2 * k + 0.1
                table.text(0.08, y, style.fit(arm["label"], 1.5, SMALL), transform=at, ha="left", va="center",
                           fontsize=SMALL,
                           color=arm["colour"])
                for (t, _), (_, n) in zip(arm["at_risk"], arm["at_risk_text"]):
                    table.text(t, y, n, ha="center", va="center", fontsize=SMALL)
        svg, png = render(fig)
    parts = []
    for arm in data["arms"]:
        first, last = arm["points"][0], arm["points"][-1]
        parts.append(style.say("curve_alt_arm", arm=arm["label"], t0=f"{first[0]:g}", p0=f"{first[1]:g}",
                               t1=f"{last[0]:g}", p1=f"{last[1]:g}", unit=data["unit"]))
    return Chart(
        id=f"km-{study.id}-{outcome.id}", kind="time_to_event",
        title=style.say("curve_title", study=style.plain(study.name), outcome=data["outcome_name"]),
        caption=style.say("curve_caption", sources=style.cite([outcome.source])),
        alt_text=(style.say("curve_alt", study=style.plain(study.short_name), outcome=data["outcome_name"])
                  + " " + " ".join(parts)),
        svg=svg, png=png, width_in=WIDTH, height_in=height, dpi=DPI, study_id=study.id, data=data,
    )


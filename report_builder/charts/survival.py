"""Time-to-event charts: reported medians and landmark survival per arm; step curves only from digitised points."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from report_builder.analysis import formatting
from report_builder.analysis.arms import arm_keys
from report_builder.charts import ChartPlan
from report_builder.charts.rows import Group, Panel, Row, layout_panels
from report_builder.charts.style import (
    SMALL, Style, axes_at, figure, inch_x, make_pen, nice_ticks, render,
)
from report_builder.inputs.evidence_schema import Study, TimeToEventOutcome

if TYPE_CHECKING:
    from report_builder.charts.media import Medium
    from report_builder.analysis.report import Report

ARM_W = 1.5  #: inches at most for an arm name in the legend and the numbers-at-risk table
CURVE_TOP, CURVE_H, CURVE_AXIS = 0.2, 2.5, 0.5  #: inches: space above, plot, tick labels and axis label


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
            label, colour = style.arm_label(study, key), style.arm_colour(study, key)
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
                entry = marks.setdefault(name, {"outcome": outcome.id, "outcome_name": _marked(style, outcome),
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
            medians.append({"outcome": outcome.id, "outcome_name": _marked(style, outcome), "unit": outcome.unit,
                            "source": outcome.source, "rows": rows})
        landmarks.extend(marks.values())
    if not medians and not landmarks:
        return None
    analyses = {}
    for outcome in study.outcomes:
        if isinstance(outcome, TimeToEventOutcome) and outcome.analysis:
            analyses.setdefault(outcome.analysis, []).append(style.plain(outcome.name))
    notes = [style.say("analysis_mark", outcomes="; ".join(names), analysis=a) for a, names in analyses.items()]
    notes += [style.say("unconfirmed_note", outcome=style.plain(o.name), note=style.plain(o.source_note))
              for o in study.outcomes if isinstance(o, TimeToEventOutcome) and not o.confirmed and o.source_note]
    return {"study": study.id, "study_name": style.plain(study.name), "medians": medians, "landmarks": landmarks,
            "notes": notes}


def _points_only(data: dict, most: int = 3) -> bool:
    rows = [r for group in (*data["medians"], *data["landmarks"]) for r in group["rows"]]
    drawn = [r for r in rows if r.get("median", r.get("percent")) is not None]
    return len(drawn) <= most and not any(r.get("low") is not None for r in drawn)


def _marked(style: Style, outcome: TimeToEventOutcome) -> str:
    """The outcome's name, with § when it was analysed after the prespecified analysis and "(not confirmed)"
    when its figures could not be checked against the source (the chart's notes say why)."""
    return (style.plain(outcome.name) + (" §" if outcome.analysis else "")
            + ("" if outcome.confirmed else f" ({style.say('not_confirmed')})"))


def plan_time_to_event(report: "Report", study: Study, style: Style) -> ChartPlan | None:
    """The medians and landmarks of a study as dot panels; none when the chart would say less than its
    table (at most three points and no interval: ZUMA-3's one median beside a "not reached")."""
    data = time_to_event_data(study, style)
    if data is None or _points_only(data):
        return None
    no_ci = style.say("no_ci")
    panels: list[Panel] = []
    for unit in dict.fromkeys(g["unit"] for g in data["medians"]):
        groups = [g for g in data["medians"] if g["unit"] == unit]
        values = [v for g in groups for r in g["rows"] for v in (r["median"], r["high"]) if v is not None]
        # Every median "not reached": no point to place, so an axis without a made-up scale.
        ticks = nice_ticks(max(values) * 1.04) if values else ()
        panels.append(Panel(
            groups=tuple(Group(g["outcome_name"], "", tuple(
                Row(r["label"], r["colour"], r["median"], r["low"], r["high"], (r["value_text"], r["ci_text"] or no_ci),
                    quiet=() if r["ci_text"] else (1,))
                for r in g["rows"])) for g in groups),
            xlim=(0, ticks[-1] if ticks else 1), xticks=ticks,
            xlabel=style.say("median_axis", unit=unit, intervals=any(_interval(r) for g in groups for r in g["rows"])),
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
            xlim=(0, 100), xticks=(0, 25, 50, 75, 100),
            xlabel=style.say("landmark_axis", intervals=any(_interval(r) for g in data["landmarks"] for r in g["rows"])),
            title=style.say("landmark_panel"),
            headers=(style.say("landmark_col"), style.say("ci_col")),
        ))
    layout = layout_panels(style, panels)
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
    return ChartPlan(
        id=f"time-to-event-{study.id}", kind="time_to_event", title=style.say("tte_title", study=data["study_name"]),
        # The § note goes in the caption: the chart keeps its height, and the caption sits beside it.
        caption=" ".join([_caption(data, style, sources), *data["notes"]]),
        alt_text=" ".join([style.say("tte_alt", study=style.plain(study.short_name)), *parts, *data["notes"]]),
        width_in=style.width, height_in=layout.height, study_id=study.id, data=data,
        renderer="panels", look=style.look(), draw={"panels": panels, "footnotes": []},
    )


def _interval(row: dict[str, Any]) -> bool:
    """Whether the row's interval is drawn (a whisker needs both ends)."""
    return row["low"] is not None and row["high"] is not None


def _caption(data: dict[str, Any], style: Style, sources: list[str]) -> str:
    """The caption names only what the chart draws: landmarks when it has a landmark panel, intervals as many
    as it draws ("all", "some" or "none" of its rows)."""
    rows = [r for g in data["medians"] + data["landmarks"] for r in g["rows"]]
    drawn = sum(1 for r in rows if _interval(r))
    intervals = "all" if drawn == len(rows) else "some" if drawn else "none"
    return style.say("tte_caption", sources=style.cite(sources), medians=bool(data["medians"]),
                     landmarks=bool(data["landmarks"]), intervals=intervals)


# ------------------------------------------------------------------------------------------ step curves
def curve_data(study: Study, outcome: TimeToEventOutcome, style: Style) -> dict[str, Any] | None:
    """Digitised points and numbers at risk per arm; None unless the file has a curve (never invented)."""
    arms = []
    for key in arm_keys(study, list(outcome.arms)):
        result = outcome.arms[key]
        if len(result.curve) < 2:
            continue
        arms.append({
            "arm": key, "label": style.arm_label(study, key), "colour": style.arm_colour(study, key),
            "points": [(float(p.time), float(p.percent)) for p in result.curve],
            "at_risk": [(float(a.time), a.n) for a in result.at_risk],
            "at_risk_text": [(formatting.number(a.time), str(a.n)) for a in result.at_risk],
        })
    if not arms:
        return None
    return {"study": study.id, "outcome": outcome.id, "outcome_name": style.plain(outcome.name), "unit": outcome.unit,
            "source": outcome.source, "arms": arms}


def plan_curve(report: "Report", study: Study, outcome: TimeToEventOutcome, style: Style) -> ChartPlan | None:
    data = curve_data(study, outcome, style)
    if data is None:
        return None
    at_risk_arms = sum(1 for a in data["arms"] if a["at_risk"])
    table_h = (0.3 + 0.2 * at_risk_arms) if at_risk_arms else 0.0
    height = CURVE_TOP + CURVE_H + CURVE_AXIS + table_h + 0.1
    t_max = max(t for a in data["arms"] for t, _ in a["points"] + a["at_risk"])
    draw = {
        "ticks": nice_ticks(t_max),
        "labels": [style.fit(a["label"], ARM_W, SMALL) for a in data["arms"]],
        "x_label": style.fit(style.say("curve_x", unit=data["unit"]), style.width - 1.2, SMALL),
        "y_label": style.fit(style.say("curve_y", outcome=data["outcome_name"]), CURVE_H, SMALL),
        "at_risk": style.fit(style.say("at_risk"), ARM_W + 0.5, SMALL, bold=True),
    }
    parts = []
    for arm in data["arms"]:
        first, last = arm["points"][0], arm["points"][-1]
        parts.append(style.say("curve_alt_arm", arm=arm["label"], t0=f"{first[0]:g}", p0=f"{first[1]:g}",
                               t1=f"{last[0]:g}", p1=f"{last[1]:g}", unit=data["unit"]))
    return ChartPlan(
        id=f"km-{study.id}-{outcome.id}", kind="time_to_event",
        title=style.say("curve_title", study=style.plain(study.name), outcome=data["outcome_name"]),
        caption=style.say("curve_caption", sources=style.cite([outcome.source]), at_risk=bool(at_risk_arms)),
        alt_text=(style.say("curve_alt", study=style.plain(study.short_name), outcome=data["outcome_name"])
                  + " " + " ".join(parts)),
        width_in=style.width, height_in=height, study_id=study.id, data=data, renderer="curve", look=style.look(),
        draw=draw,
    )


def render_curve(plan: ChartPlan, media: tuple[Medium, ...] = ()) -> dict[str, bytes]:
    data, draw = plan.data, plan.draw
    pen = make_pen(plan.look)
    labels = dict(zip((a["arm"] for a in data["arms"]), draw["labels"]))
    at_risk_arms = [a for a in data["arms"] if a["at_risk"]]
    left = max(0.75, max(pen.measure(label, SMALL) for label in draw["labels"]) + 0.32)
    right = 0.25
    table_h = (0.3 + 0.2 * len(at_risk_arms)) if at_risk_arms else 0.0
    ticks = draw["ticks"]
    t_max = max(t for a in data["arms"] for t, _ in a["points"] + a["at_risk"])
    with figure(pen, pen.width, plan.height_in) as fig:
        ax = axes_at(fig, left, CURVE_TOP, pen.width - left - right, CURVE_H)
        ax.set_xlim(0, max(t_max, ticks[-1]) * 1.02)
        ax.set_ylim(0, 100)
        ax.set_xticks(list(ticks), labels=[f"{t:g}" for t in ticks])
        ax.set_yticks([0, 25, 50, 75, 100])
        ax.yaxis.grid(True, color=pen.light, linewidth=0.8)
        ax.set_axisbelow(True)
        ax.set_xlabel(draw["x_label"], fontsize=SMALL)
        ax.set_ylabel(draw["y_label"], fontsize=SMALL)
        for arm in data["arms"]:
            times, values = zip(*arm["points"])
            ax.step(times, values, where="post", color=arm["colour"], linewidth=1.8, label=labels[arm["arm"]])
        ax.legend(loc="upper right", frameon=False, fontsize=SMALL)
        if at_risk_arms:
            table = axes_at(fig, left, CURVE_TOP + CURVE_H + CURVE_AXIS, pen.width - left - right, table_h)
            table.set_xlim(ax.get_xlim())
            table.set_ylim(table_h, 0)
            table.axis("off")
            at = inch_x(fig, table)
            table.text(0.08, 0.12, draw["at_risk"], transform=at, ha="left", va="center", fontsize=SMALL,
                       **pen.bold())
            for k, arm in enumerate(at_risk_arms):
                y = 0.3 + 0.2 * k + 0.1
                table.text(0.08, y, labels[arm["arm"]], transform=at, ha="left", va="center", fontsize=SMALL,
                           color=pen.label_colour(arm["colour"]))
                for (t, _), (_, n) in zip(arm["at_risk"], arm["at_risk_text"]):
                    table.text(t, y, n, ha="center", va="center", fontsize=SMALL)
        return render(fig, pen, media)

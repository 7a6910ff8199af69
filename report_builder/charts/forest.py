"""Forest plot of a randomized trial: risk ratios from counts and hazard ratios as reported, honest 'favours' labels."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from report_builder.analysis import formatting
from report_builder.charts import ChartPlan
from report_builder.charts.style import (
    SIZE, SMALL, TINY, Look, Style, axes_at, figure, inch_x, make_pen, render,
)
from report_builder.inputs.evidence_schema import Arm, BinaryOutcome, Study, TimeToEventOutcome

if TYPE_CHECKING:
    from report_builder.charts.media import Medium
    from report_builder.analysis.report import Report

MARGIN = 0.08
LABEL_W = 1.75  #: inches for outcome names (wrapped)
LINE = 0.16
PANEL_HEAD = 0.28
AXIS = 0.5  #: tick labels and the favours labels under each panel
COL_GAP = 0.14
FOOT_LINE = 0.13  #: inches per line of the printed footnotes (TINY text, 1.25 times its size)
LEGEND_LINE = 0.2  #: inches per line of the slide's legend of the marks (SMALL text)
TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 4, 5, 10, 20, 50, 100)
DAGGER, DOUBLE_DAGGER, SECTION = "†", "‡", "§"
ARM_W = 1.3  #: inches at most for an arm name in a panel title
NAME_W = 2.6  #: inches at most for an outcome name inside a footnote, so the note's conclusion always shows

def conditional_on_response(outcome: BinaryOutcome | TimeToEventOutcome) -> bool:
    """Outcomes among responders compare non-randomized groups, so they get no row in a forest plot."""
    return outcome.conditional_on is not None


def forest_data(report: "Report", study: Study, style: Style) -> dict[str, Any] | None:
    """One row per comparison of each outcome with a ratio: RR from counts, HR as reported.

    Only randomized comparisons are plotted; a study that compares more than two arms gets a row per
    comparison, each in the panel of its two arms.
    """
    comparisons = report.comparisons(study)
    if not study.randomized or not comparisons:
        return None
    several = len(comparisons) > 1
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for outcome in study.outcomes:
        if conditional_on_response(outcome):
            skipped.append({"outcome": outcome.id, "name": style.plain(outcome.name),
                            "reason": "conditional on response"})
            continue
        base: dict[str, Any] = {"outcome": outcome.id, "label": style.plain(outcome.name), "source": outcome.source}
        if isinstance(outcome, BinaryOutcome):
            effects = report.effects_of(study, outcome.id)
            if not effects:
                if style.medium.name == "slide":
                    continue  # reported as percentages only: on a slide the notes say so, the room reads ratios
                # Reported as percentages only: a row that says so, never a dropped outcome.
                compared = report.comparisons(study)[0]
                row = base | dict(
                    measure="RR", estimate=None, low=None, high=None, ci_level=None,
                    estimate_text=style.say("no_counts"), ci_text="", continuity_corrected=False, reported=True,
                    favourable=outcome.favourable, no_counts=True)
                rows.append(_oriented(row, report, study, outcome, compared.experimental, compared.reference,
                                      outcome.favourable == "higher", several, style))
                continue
            for effect in effects:
                s = effect.stats
                row = base | dict(
                    measure="RR", estimate=s.risk_ratio, low=s.rr_low, high=s.rr_high, ci_level=100 * s.level,
                    estimate_text=f"RR {formatting.ratio(s.risk_ratio)}",
                    ci_text=formatting.ratio_ci(s.rr_low, s.rr_high, s.level),
                    continuity_corrected=s.continuity_corrected, reported=False, favourable=outcome.favourable)
                rows.append(_oriented(row, report, study, outcome, effect.experimental, effect.reference,
                                      outcome.favourable == "higher", several, style))
        else:
            hr = outcome.hazard_ratio
            compared = report.ratio_comparison(study, outcome.id)
            if hr is None or compared is None:
                continue
            # A hazard ratio reported with a P value only is drawn as its point, with no interval.
            row = base | dict(
                measure="HR", estimate=float(hr.estimate), low=float(hr.ci[0]) if hr.ci else None,
                high=float(hr.ci[1]) if hr.ci else None, ci_level=float(hr.ci_level) if hr.ci_level else None,
                estimate_text=f"HR {formatting.number(hr.estimate)}",
                ci_text=formatting.reported_ci(hr.ci, hr.ci_level) if hr.ci else
                (formatting.outcome_p(outcome) or style.say("no_ci")),
                continuity_corrected=False, reported=True, favourable="lower")
            # Fewer events over time in the experimental arm: HR < 1.
            rows.append(_oriented(row, report, study, outcome, compared.experimental, compared.reference, False,
                                  several, style))
    if not rows:
        return None
    panels: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        key = (row["favours_below_1"], row["favours_above_1"])
        panel = next((p for p in panels if (p["favours_below_1"], p["favours_above_1"]) == key), None)
        if panel is None:
            panel = {"favours_below_1": key[0], "favours_above_1": key[1], "rows": []}
            panels.append(panel)
        panel["rows"].append(index)  # a position in rows: an outcome has a row per comparison
    return {"study": study.id, "study_name": style.plain(study.name), "rows": rows, "panels": panels,
            "skipped": skipped,
            "scale": "log", "reference_line": 1}


def _oriented(row: dict[str, Any], report: "Report", study: Study, outcome: BinaryOutcome | TimeToEventOutcome,
              exp: Arm, ref: Arm, higher_is_better: bool, several: bool, style: Style) -> dict[str, Any]:
    """The row with which side favours whom: that depends on the row, never on the panel it happens to sit in."""
    exp_name, ref_name = style.plain(exp.short_name), style.plain(ref.short_name)
    row["favours_below_1"] = ref_name if higher_is_better else exp_name
    row["favours_above_1"] = exp_name if higher_is_better else ref_name
    row["experimental"], row["reference"] = exp.id, ref.id
    row["comparison"] = style.say("comparison", experimental=exp_name, reference=ref_name) if several else None
    crossed = report.crossed_boundary(study, outcome.id)
    row["crossed_boundary"] = crossed
    row["p"] = formatting.outcome_p(outcome) or None
    row["p_boundary"] = formatting.boundary(outcome) or None
    row["analysis"] = outcome.analysis
    if row["estimate"] is not None:
        row["favours"] = (row["favours_above_1"] if row["estimate"] > 1 else
                          row["favours_below_1"] if row["estimate"] < 1 else None)
    else:
        row["favours"] = None
    return row


def plan_forest(report: "Report", study: Study, style: Style) -> ChartPlan | None:
    data = forest_data(report, study, style)
    if data is None:
        return None
    # A slide keeps the marks that change what a row means (an interval that excludes 1 is not significant
    # when it missed its boundary; a result after the final analysis is not the prespecified one) and says
    # what they mean in a one-line legend the room can read. The footnotes with their P values are in the
    # speaker notes (the alt text, below); how a ratio was computed (‡) is the handout's detail.
    on_slide = style.medium.name == "slide"
    for row in data["rows"]:
        row["marks"] = (DAGGER if row["crossed_boundary"] is False else "") + \
            (DOUBLE_DAGGER if row["continuity_corrected"] and not on_slide else "") + \
            (SECTION if row["analysis"] else "")
    notes = _footnotes(data, style)
    draw = {
        "estimate": style.say("forest_col_estimate"), "ci": style.say("forest_col_ci"),
        # Arm names shortened first, so a long one cannot push the other side's name out of the title.
        "titles": [style.say("forest_panel", below=style.fit(p["favours_below_1"], ARM_W, SIZE, bold=True),
                             above=style.fit(p["favours_above_1"], ARM_W, SIZE, bold=True)) for p in data["panels"]],
        "favours": [(style.say("favours", arm=p["favours_below_1"]), style.say("favours", arm=p["favours_above_1"]))
                    for p in data["panels"]],
        "notes": [] if on_slide else notes,
        "legend": _legend(data, style) if on_slide else [],
    }
    layout = _layout(data, draw, style)
    sources = sorted({r["source"] for r in data["rows"]}, key=lambda ref: style.numbers.get(ref, 0))
    alt_rows = "; ".join(_alt_row(r, style) for r in data["rows"])
    alt = style.say("forest_alt", study=style.plain(study.short_name)) + " " + alt_rows + "."
    for mark in (DAGGER, SECTION):
        alt += "".join(" " + n.removeprefix(mark).strip() for n in notes if n.startswith(mark))
    return ChartPlan(
        id=f"forest-{study.id}", kind="forest", title=style.say("forest_title", study=data["study_name"]),
        caption=style.say("forest_caption", sources=style.cite(sources),
                          risk_ratios=any(r["measure"] == "RR" and r["estimate"] is not None for r in data["rows"]),
                          hazard_ratios=any(r["measure"] == "HR" for r in data["rows"]),
                          without_ci=any(r["estimate"] is not None and r["low"] is None for r in data["rows"])),
        alt_text=alt,
        width_in=style.width, height_in=layout["height"], study_id=study.id, data=data, renderer="forest",
        look=style.look(), draw=draw,
    )


def _layout(data: dict[str, Any], draw: dict[str, Any], look: Look) -> dict[str, Any]:
    """Columns, row heights and wrapped text in inches, from measured text only: plan and render share it."""
    rows = data["rows"]
    col_w = 1.7  # a column header from the wording may be long; the figures under it are short
    estimate, ci = look.fit(draw["estimate"], col_w, SMALL, bold=True), look.fit(draw["ci"], col_w, SMALL, bold=True)
    est_w = max(look.measure(r["estimate_text"], SMALL) for r in rows)
    ci_w = max(look.measure(r["ci_text"] + r["marks"], SMALL) for r in rows)
    ci_w = max(ci_w, look.measure(ci, SMALL, bold=True))
    col_ci = look.width - MARGIN - ci_w
    col_est = col_ci - COL_GAP - max(est_w, look.measure(estimate, SMALL, bold=True))
    left = MARGIN + LABEL_W + 0.12
    right = max(col_est - 0.2, left + 1.2)
    # Every label wraps in its own column, a row without a ratio too: a label reaching into the plot
    # would cross the ticks and the line of no effect.
    label_lines = [look.wrap(r["label"], LABEL_W, max_lines=3) for r in rows]
    lo, hi = _limits(rows)
    middle = left + (right - left) * math.log(1 / lo) / math.log(hi / lo)  # where the line of no effect is
    favours = [("← " + look.fit(below, middle - MARGIN - 0.25, SMALL),
                look.fit(above, look.width - MARGIN - middle - 0.25, SMALL) + " →") for below, above in draw["favours"]]
    row_h = [max(0.28, len(lines) * LINE + 0.06) for lines in label_lines]
    bodies = [sum(row_h[i] for i in p["rows"]) for p in data["panels"]]
    foot = [line for note in draw["notes"] for line in look.wrap(note, look.width - 2 * MARGIN, TINY, max_lines=6)]
    legend = _packed(draw["legend"], look.width - 2 * MARGIN, look)
    # Long arm names wrap the panel title rather than run into the column headers.
    titles = [look.wrap(t, col_est - MARGIN - 0.15, SIZE, bold=True, max_lines=2) for t in draw["titles"]]
    heads = [PANEL_HEAD + (len(t) - 1) * LINE for t in titles]
    height = sum(h + b + AXIS for h, b in zip(heads, bodies)) + (len(foot) * FOOT_LINE + 0.1 if foot else 0.05) + \
        len(legend) * LEGEND_LINE
    return {"label_lines": label_lines, "estimate": estimate, "ci": ci, "col_ci": col_ci, "col_est": col_est,
            "left": left, "right": right, "lo": lo, "hi": hi, "ticks": tuple(t for t in TICKS if lo <= t <= hi),
            "favours": favours, "row_h": row_h, "bodies": bodies, "foot": foot, "legend": legend, "titles": titles,
            "heads": heads, "height": height}


def render_forest(plan: ChartPlan, media: tuple[Medium, ...] = ()) -> dict[str, bytes]:
    data = plan.data
    pen = make_pen(plan.look)
    lay = _layout(data, plan.draw, pen)
    left, right, col_est, col_ci, height = lay["left"], lay["right"], lay["col_est"], lay["col_ci"], lay["height"]
    with figure(pen, pen.width, height) as fig:
        top = 0.0
        for panel, body, title, head, (below, above) in zip(data["panels"], lay["bodies"], lay["titles"],
                                                             lay["heads"], lay["favours"]):
            ax = axes_at(fig, left, top + head, right - left, body)
            at = inch_x(fig, ax)
            ax.set_xscale("log")
            ax.set_xlim(lay["lo"], lay["hi"])
            ax.set_ylim(body, 0)
            ax.set_xticks(list(lay["ticks"]), labels=[f"{t:g}" for t in lay["ticks"]])
            ax.minorticks_off()
            ax.set_yticks([])
            ax.spines["left"].set_visible(False)
            ax.axvline(1, color=pen.muted, linewidth=0.9, linestyle=(0, (3, 2)), zorder=1)
            head_y = -head + PANEL_HEAD / 2
            for k, line in enumerate(title):
                ax.text(MARGIN, head_y + k * LINE, line, transform=at, ha="left", va="center", fontsize=SIZE,
                        color=pen.primary, **pen.bold())
            ax.text(col_est, head_y, lay["estimate"], transform=at, ha="left", va="center",
                    fontsize=SMALL, color=pen.muted, **pen.bold())
            ax.text(col_ci, head_y, lay["ci"], transform=at, ha="left", va="center",
                    fontsize=SMALL, color=pen.muted, **pen.bold())
            y = 0.0
            for index in panel["rows"]:
                row = data["rows"][index]
                h = lay["row_h"][index]
                cy = y + h / 2
                lines = lay["label_lines"][index]
                for k, line in enumerate(lines):
                    ax.text(MARGIN, cy + (k - (len(lines) - 1) / 2) * LINE, line, transform=at, ha="left",
                            va="center", fontsize=SIZE)
                if row["estimate"] is not None:
                    if row["low"] is not None:
                        ax.plot([row["low"], row["high"]], [cy, cy], color=pen.text, linewidth=1.4, zorder=2)
                    ax.plot(row["estimate"], cy, "s" if row["measure"] == "RR" else "D", color=pen.primary,
                            markersize=6 if row["measure"] == "RR" else 5.5, zorder=3)
                ax.text(col_est, cy, row["estimate_text"], transform=at, ha="left", va="center", fontsize=SMALL)
                ax.text(col_ci, cy, row["ci_text"] + row["marks"], transform=at, ha="left", va="center",
                        fontsize=SMALL)
                y += h
            # The favours labels sit under the axis, each beside the line of no effect.
            fav_y = body + 0.36
            ax.annotate(below, xy=(1, fav_y), xycoords=("data", "data"), xytext=(-4, 0), textcoords="offset points",
                        ha="right", va="center", fontsize=SMALL, color=pen.muted, annotation_clip=False)
            ax.annotate(above, xy=(1, fav_y), xycoords=("data", "data"), xytext=(4, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=SMALL, color=pen.muted, annotation_clip=False)
            top += head + body + AXIS
        for k, line in enumerate(lay["foot"]):
            fig.text(MARGIN / pen.width, 1 - (top + 0.05 + (k + 0.5) * FOOT_LINE) / height, line, fontsize=TINY,
                     color=pen.muted, ha="left", va="center")
        for k, line in enumerate(lay["legend"]):
            fig.text(MARGIN / pen.width, 1 - (top + (k + 0.5) * LEGEND_LINE) / height, line, fontsize=SMALL,
                     color=pen.text, ha="left", va="center")
        return render(fig, pen, media)


def _limits(rows: list[dict[str, Any]]) -> tuple[float, float]:
    """A symmetric-looking log range around 1 that holds every interval, with a little air."""
    values = [v for r in rows for v in (r["low"], r["high"], r["estimate"]) if v is not None] + [1.0]
    lo, hi = min(values) / 1.3, max(values) * 1.3
    span = max(math.log(1 / lo), math.log(hi), math.log(2.5))
    return math.exp(-span), math.exp(span)


def _alt_row(row: dict[str, Any], style: Style) -> str:
    label = f"{row['label']} ({row['comparison']})" if row["comparison"] else row["label"]
    if row.get("no_counts"):
        return f"{label}: {row['estimate_text']}"
    if row["estimate"] is None:
        return f"{label} {style.say('risk_ratio')} {style.say('not_estimable')}"
    name = style.say("risk_ratio") if row["measure"] == "RR" else style.say("hazard_ratio")
    text = f"{label} {name} {row['estimate_text'].split(' ', 1)[1]}" + (f" ({row['ci_text']})" if row["ci_text"] else "")
    if row["favours"]:
        text += " " + style.say("favouring", arm=row["favours"])
    return text


def _legend(data: dict[str, Any], style: Style) -> list[str]:
    """What each mark on the slide means, in a few words: one entry per kind of mark shown."""
    rows = data["rows"]
    legend = []
    if any(r["crossed_boundary"] is False for r in rows):
        legend.append(DAGGER + " " + style.say("forest_slide_boundary"))
    for analysis in dict.fromkeys(r["analysis"] for r in rows if r["analysis"]):
        legend.append(SECTION + " " + style.say("forest_slide_analysis", analysis=analysis))
    return legend


def _packed(entries: list[str], width: float, look: Look) -> list[str]:
    """Legend entries side by side while they fit the width, each wrapped on lines of its own when it does not."""
    gap = "     "
    lines: list[str] = []
    for entry in entries:
        if lines and look.measure(lines[-1] + gap + entry, SMALL) <= width:
            lines[-1] += gap + entry
        else:
            lines += look.wrap(entry, width, SMALL, max_lines=2)
    return lines


def _footnotes(data: dict[str, Any], style: Style) -> list[str]:
    notes = [style.say("forest_scale_note")]

    def name(text: str) -> str:
        return style.fit(text, NAME_W, TINY)

    # Once per outcome: the boundary is the outcome's, whichever of its comparisons a row shows.
    for row in {r["outcome"]: r for r in data["rows"] if r["crossed_boundary"] is False}.values():
        notes.append(DAGGER + " " + style.say("forest_boundary_note", outcome=name(row["label"]), p=row["p"] or "",
                                              boundary=row["p_boundary"]))
    for analysis in dict.fromkeys(r["analysis"] for r in data["rows"] if r["analysis"]):
        names = "; ".join(dict.fromkeys(name(r["label"]) for r in data["rows"] if r["analysis"] == analysis))
        notes.append(style.say("analysis_mark", outcomes=names, analysis=analysis))
    if any(r["continuity_corrected"] for r in data["rows"]):
        notes.append(DOUBLE_DAGGER + " " + style.say("forest_continuity_note"))
    conditional = [name(s["name"]) for s in data["skipped"] if s["reason"] == "conditional on response"]
    if conditional:
        notes.append(style.say("forest_skipped_conditional", outcomes="; ".join(conditional)))
    return notes

"""Forest plot of a randomized trial: risk ratios from counts and hazard ratios as reported, honest 'favours' labels."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from report_builder import formatting
from report_builder.charts import Chart
from report_builder.charts.style import DPI, SIZE, SMALL, TINY, WIDTH, Style, axes_at, figure, inch_x, render
from report_builder.evidence.schema import Arm, BinaryOutcome, Study, TimeToEventOutcome

if TYPE_CHECKING:
    from report_builder.model import Report

MARGIN = 0.08
LABEL_W = 1.75  #: inches for outcome names (wrapped)
LINE = 0.16
PANEL_HEAD = 0.28
AXIS = 0.5  #: tick labels and the favours labels under each panel
COL_GAP = 0.14
TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 4, 5, 10, 20, 50, 100)
DAGGER, DOUBLE_DAGGER = "†", "‡"

def conditional_on_response(outcome: BinaryOutcome | TimeToEventOutcome) -> bool:
    """Outcomes among responders compare non-randomized groups, so they get no row in a forest plot."""
    return outcome.conditional_on is not None


def comparative_pair(study: Study) -> tuple[Arm, Arm] | None:
    """The intervention and control arms of a randomized two-arm comparison, or None."""
    if not study.randomized:
        return None
    exp = next((a for a in study.arms if a.role == "intervention"), None)
    ref = next((a for a in study.arms if a.role == "control"), None)
    return (exp, ref) if exp and ref else None


def forest_data(report: "Report", study: Study, style: Style) -> dict[str, Any] | None:
    pair = comparative_pair(study)
    if pair is None:
        return None
    arms = {a.id: a for a in study.arms}
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for outcome in study.outcomes:
        if conditional_on_response(outcome):
            skipped.append({"outcome": outcome.id, "name": style.plain(outcome.name),
                            "reason": "conditional on response"})
            continue
        row: dict[str, Any] = {"outcome": outcome.id, "label": style.plain(outcome.name), "source": outcome.source}
        if isinstance(outcome, BinaryOutcome):
            effect = report.effect(study, outcome.id)
            if effect is None:
                skipped.append({"outcome": outcome.id, "name": style.plain(outcome.name), "reason": "no counts"})
                continue
            s = effect.stats
            exp, ref = effect.experimental, effect.reference
            row.update(measure="RR", estimate=s.risk_ratio, low=s.rr_low, high=s.rr_high, ci_level=100 * s.level,
                       estimate_text=f"RR {formatting.ratio(s.risk_ratio)}",
                       ci_text=formatting.ratio_ci(s.rr_low, s.rr_high, s.level),
                       continuity_corrected=s.continuity_corrected, reported=False, favourable=outcome.favourable)
            higher_is_better = outcome.favourable == "higher"
        else:
            hr = outcome.hazard_ratio
            if hr is None:
                continue
            exp_id, ref_id = hr.compares or (pair[0].id, pair[1].id)
            exp, ref = arms[exp_id], arms[ref_id]
            row.update(measure="HR", estimate=float(hr.estimate), low=float(hr.ci[0]), high=float(hr.ci[1]),
                       ci_level=float(hr.ci_level), estimate_text=f"HR {formatting.number(hr.estimate)}",
                       ci_text=formatting.reported_ci(hr.ci, hr.ci_level), continuity_corrected=False, reported=True,
                       favourable="lower")
            higher_is_better = False  # fewer events over time in the experimental arm: HR < 1
        # Which side favours whom depends on the row, never on the panel it happens to sit in.
        exp_name, ref_name = style.plain(exp.short_name), style.plain(ref.short_name)
        row["favours_below_1"] = ref_name if higher_is_better else exp_name
        row["favours_above_1"] = exp_name if higher_is_better else ref_name
        row["experimental"], row["reference"] = exp.id, ref.id
        crossed = report.crossed_boundary(study, outcome.id)
        row["crossed_boundary"] = crossed
        row["p"] = formatting.p_value(outcome.p) or None
        row["p_boundary"] = formatting.number(outcome.p_boundary) if outcome.p_boundary is not None else None
        if row["estimate"] is not None:
            row["favours"] = (row["favours_above_1"] if row["estimate"] > 1 else
                              row["favours_below_1"] if row["estimate"] < 1 else None)
        else:
            row["favours"] = None
        rows.append(row)
    if not rows:
        return None
    panels: list[dict[str, Any]] = []
    for row in rows:
        key = (row["favours_below_1"], row["favours_above_1"])
        panel = next((p for p in panels if (p["favours_below_1"], p["favours_above_1"]) == key), None)
        if panel is None:
            panel = {"favours_below_1": key[0], "favours_above_1": key[1], "rows": []}
            panels.append(panel)
        panel["rows"].append(row["outcome"])
    return {"study": study.id, "study_name": style.plain(study.name), "rows": rows, "panels": panels,
            "skipped": skipped,
            "scale": "log", "reference_line": 1}


def draw_forest(report: "Report", study: Study, style: Style) -> Chart | None:
    data = forest_data(report, study, style)
    if data is None:
        return None
    by_id = {r["outcome"]: r for r in data["rows"]}
    notes = _footnotes(data, style)
    for row in data["rows"]:
        marks = ""
        if row["crossed_boundary"] is False:
            marks += DAGGER
        if row["continuity_corrected"]:
            marks += DOUBLE_DAGGER
        row["marks"] = marks
    label_lines = {r["outcome"]: style.wrap(r["label"], LABEL_W) for r in data["rows"]}
    est_w = max(style.measure(r["estimate_text"], SMALL) for r in data["rows"])
    ci_w = max(style.measure(r["ci_text"] + r["marks"], SMALL) for r in data["rows"])
    ci_w = max(ci_w, style.measure(style.say("forest_col_ci"), SMALL, bold=True))
    col_ci = WIDTH - MARGIN - ci_w
    col_est = col_ci - COL_GAP - max(est_w, style.measure(style.say("forest_col_estimate"), SMALL, bold=True))
    left = MARGIN + LABEL_W + 0.12
    right = col_est - 0.2
    lo, hi = _limits(data["rows"])
    ticks = tuple(t for t in TICKS if lo <= t <= hi)
    row_h = {k: max(0.28, len(v) * LINE + 0.1) for k, v in label_lines.items()}
    bodies = [sum(row_h[o] for o in p["rows"]) for p in data["panels"]]
    foot = [line for note in notes for line in style.wrap(note, WIDTH - 2 * MARGIN, TINY, max_lines=20)]
    # Long arm names wrap the panel title rather than run into the column headers.
    titles = [style.wrap(style.say("forest_panel", below=p["favours_below_1"], above=p["favours_above_1"]),
                         col_est - MARGIN - 0.15, SIZE, bold=True) for p in data["panels"]]
    heads = [PANEL_HEAD + (len(t) - 1) * LINE for t in titles]
    height = sum(h + b + AXIS for h, b in zip(heads, bodies)) + (len(foot) * 0.15 + 0.1 if foot else 0.05)
    with figure(style, WIDTH, height) as fig:
        top = 0.0
        for panel, body, title, head in zip(data["panels"], bodies, titles, heads):
            ax = axes_at(fig, left, top + head, right - left, body)
            at = inch_x(fig, ax)
            ax.set_xscale("log")
            ax.set_xlim(lo, hi)
            ax.set_ylim(body, 0)
            ax.set_xticks(list(ticks), labels=[f"{t:g}" for t in ticks])
            ax.minorticks_off()
            ax.set_yticks([])
            ax.spines["left"].set_visible(False)
            ax.axvline(1, color=style.muted, linewidth=0.9, linestyle=(0, (3, 2)), zorder=1)
            head_y = -head + PANEL_HEAD / 2
            for k, line in enumerate(title):
                ax.text(MARGIN, head_y + k * LINE, line, transform=at, ha="left", va="center", fontsize=SIZE,
                        color=style.primary, **style.bold())
            ax.text(col_est, head_y, style.say("forest_col_estimate"), transform=at, ha="left", va="center",
                    fontsize=SMALL, color=style.muted, **style.bold())
            ax.text(col_ci, head_y, style.say("forest_col_ci"), transform=at, ha="left", va="center",
                    fontsize=SMALL, color=style.muted, **style.bold())
            y = 0.0
            for outcome_id in panel["rows"]:
                row = by_id[outcome_id]
                h = row_h[outcome_id]
                cy = y + h / 2
                lines = label_lines[outcome_id]
                for k, line in enumerate(lines):
                    ax.text(MARGIN, cy + (k - (len(lines) - 1) / 2) * LINE, line, transform=at, ha="left",
                            va="center", fontsize=SIZE)
                if row["estimate"] is not None:
                    ax.plot([row["low"], row["high"]], [cy, cy], color=style.text, linewidth=1.4, zorder=2)
                    ax.plot(row["estimate"], cy, "s" if row["measure"] == "RR" else "D", color=style.primary,
                            markersize=6 if row["measure"] == "RR" else 5.5, zorder=3)
                ax.text(col_est, cy, row["estimate_text"], transform=at, ha="left", va="center", fontsize=SMALL)
                ax.text(col_ci, cy, row["ci_text"] + row["marks"], transform=at, ha="left", va="center",
                        fontsize=SMALL)
                y += h
            # The favours labels sit under the axis, each beside the line of no effect.
            fav_y = body + 0.36
            ax.annotate("← " + style.say("favours", arm=panel["favours_below_1"]), xy=(1, fav_y),
                        xycoords=("data", "data"), xytext=(-4, 0), textcoords="offset points", ha="right",
                        va="center", fontsize=SMALL, color=style.muted, annotation_clip=False)
            ax.annotate(style.say("favours", arm=panel["favours_above_1"]) + " →", xy=(1, fav_y),
                        xycoords=("data", "data"), xytext=(4, 0), textcoords="offset points", ha="left",
                        va="center", fontsize=SMALL, color=style.muted, annotation_clip=False)
            top += head + body + AXIS
        for k, line in enumerate(foot):
            fig.text(MARGIN / WIDTH, 1 - (top + 0.05 + (k + 0.5) * 0.15) / height, line, fontsize=TINY,
                     color=style.muted, ha="left", va="center")
        svg, png = render(fig)
    sources = sorted({r["source"] for r in data["rows"]}, key=lambda ref: style.numbers.get(ref, 0))
    alt_rows = "; ".join(_alt_row(r, style) for r in data["rows"])
    alt = style.say("forest_alt", study=style.plain(study.short_name)) + " " + alt_rows + "."
    if any(r["crossed_boundary"] is False for r in data["rows"]):
        alt += " " + " ".join(n for n in notes if n.startswith(DAGGER)).removeprefix(DAGGER).strip()
    return Chart(
        id=f"forest-{study.id}", kind="forest", title=style.say("forest_title", study=data["study_name"]),
        caption=style.say("forest_caption", sources=style.cite(sources)), alt_text=alt,
        svg=svg, png=png, width_in=WIDTH, height_in=height, dpi=DPI, study_id=study.id, data=data,
    )


def _limits(rows: list[dict[str, Any]]) -> tuple[float, float]:
    """A symmetric-looking log range around 1 that holds every interval, with a little air."""
    values = [v for r in rows for v in (r["low"], r["high"], r["estimate"]) if v is not None] + [1.0]
    lo, hi = min(values) / 1.3, max(values) * 1.3
    span = max(math.log(1 / lo), math.log(hi), math.log(2.5))
    return math.exp(-span), math.exp(span)


def _alt_row(row: dict[str, Any], style: Style) -> str:
    if row["estimate"] is None:
        return f"{row['label']} risk ratio {style.say('not_estimable')}"
    name = style.say("risk_ratio") if row["measure"] == "RR" else style.say("hazard_ratio")
    text = f"{row['label']} {name} {row['estimate_text'].split(' ', 1)[1]} ({row['ci_text']})"
    if row["favours"]:
        text += " " + style.say("favouring", arm=row["favours"])
    return text


def _footnotes(data: dict[str, Any], style: Style) -> list[str]:
    notes = [style.say("forest_scale_note")]
    for row in data["rows"]:
        if row["crossed_boundary"] is False:
            notes.append(DAGGER + " " + style.say("forest_boundary_note", outcome=row["label"], p=row["p"] or "",
                                                  boundary=row["p_boundary"]))
    if any(r["continuity_corrected"] for r in data["rows"]):
        notes.append(DOUBLE_DAGGER + " " + style.say("forest_continuity_note"))
    conditional = [s["name"] for s in data["skipped"] if s["reason"] == "conditional on response"]
    if conditional:
        notes.append(style.say("forest_skipped_conditional", outcomes="; ".join(conditional)))
    no_counts = [s["name"] for s in data["skipped"] if s["reason"] == "no counts"]
    if no_counts:
        notes.append(style.say("forest_skipped_no_counts", outcomes="; ".join(no_counts)))
    return notes

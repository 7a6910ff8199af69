"""Response rates across studies: each study's primary binary outcome per arm, with exact 95% CIs and n/N."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from report_builder.analysis import formatting
from report_builder.analysis.arms import arm_keys
from report_builder.analysis.cohorts import repeats, shown_once
from report_builder.charts import ChartPlan
from report_builder.charts.rows import Group, Panel, Row, layout_panels
from report_builder.charts.style import TINY, Style
from report_builder.inputs.evidence_schema import POOLED, BinaryOutcome

if TYPE_CHECKING:
    from report_builder.analysis.report import Report

CHART_ID = "response-rates"
NAME_W = 1.6  #: inches at most for a study or arm name inside the note on repeated cohorts


def response_data(report: "Report", style: Style) -> dict[str, Any] | None:
    """One group per (study, primary binary outcome), one row per arm; None when no study has one."""
    groups = []
    for study in report.evidence.studies:
        for outcome in study.outcomes:
            if not isinstance(outcome, BinaryOutcome) or not outcome.primary or outcome.conditional_on:
                continue
            rows = []
            # A cohort another study already shows (the same patients, followed longer) is drawn once.
            for key in arm_keys(study, shown_once(report.evidence, study, list(outcome.arms))):
                result = outcome.arms[key]
                prop = report.proportion(study, outcome.id, key)
                row: dict[str, Any] = {
                    "arm": key,
                    "label": style.arm_label(study, key),
                    "colour": style.arm_colour(study, key),
                    "events": result.events,
                    "total": result.total,
                    "reported_percent": result.percent.text if result.percent is not None else None,
                    "text": formatting.binary_result(result, with_ci=False),
                }
                if prop is not None:
                    row.update(value=prop.percent, low=100 * prop.low, high=100 * prop.high, ci_level=100 * prop.level,
                               ci_text=formatting.exact_ci(prop), counts=True)
                else:
                    # Only a percentage was reported: drawn as published, with no interval we could not derive.
                    row.update(value=float(result.percent), low=None, high=None, ci_level=None,
                               ci_text=style.say("no_counts"), counts=False)
                rows.append(row)
            if not rows:
                continue
            groups.append({
                "study": study.id, "study_name": style.plain(study.short_name), "outcome": outcome.id,
                "outcome_name": style.plain(outcome.name), "source": outcome.source, "rows": rows,
            })
    if not groups:
        return None
    def name(text: str) -> str:  # fitted, so a long name cannot make the note outgrow the chart
        return style.fit(style.plain(text), NAME_W, TINY)

    repeated = [{"study": name(r.study.short_name), "pooled": r.arm_id == POOLED, "original": name(r.original.short_name),
                 "arm": next((name(a.short_name) for a in r.study.arms if a.id == r.arm_id), None)}
                for r in repeats(report.evidence)]
    return {"groups": groups, "axis": "percent", "ci_method": "exact Clopper-Pearson, from reported counts",
            "repeats": repeated}


def plan_response(report: "Report", style: Style) -> ChartPlan | None:
    if len(report.evidence.studies) < 2:
        return None  # response across studies needs two; a single study's figures are in its own section
    data = response_data(report, style)
    if data is None:
        return None
    groups = data["groups"]
    exact = any(r["counts"] for g in groups for r in g["rows"])
    panel = Panel(
        groups=tuple(
            Group(g["study_name"], g["outcome_name"], tuple(
                Row(r["label"], r["colour"], r["value"], r["low"], r["high"],
                    (r["text"], r["ci_text"].removeprefix("95% CI ")), hollow=not r["counts"],
                    quiet=() if r["counts"] else (1,))
                for r in g["rows"]
            ))
            for g in groups
        ),
        xlim=(0, 100), xticks=(0, 25, 50, 75, 100), xlabel=style.say("response_axis", exact=exact),
        headers=(style.say("response_col_n"), style.say("response_col_ci")),
    )
    reported_only = any(not r["counts"] for g in groups for r in g["rows"])
    notes = [style.say("response_open_marker")] if reported_only else []
    if data["repeats"]:
        notes.append(style.say("repeats", repeats=data["repeats"]))
    layout = layout_panels(style, [panel], notes)
    sources = sorted({g["source"] for g in groups}, key=lambda ref: style.numbers.get(ref, 0))
    parts = []
    for g in groups:
        arms = "; ".join(f"{r['label']} {_with_ci(r, style)}" for r in g["rows"])
        parts.append(f"{g['study_name']}, {g['outcome_name']}: {arms}.")
    alt = " ".join([style.say("response_alt"), *parts, *(notes[-1:] if data["repeats"] else [])])
    return ChartPlan(
        id=CHART_ID, kind="response", title=style.say("response_title"),
        caption=style.say("response_caption", sources=style.cite(sources),
                          exact=exact,
                          percent_only=any(not r["counts"] for g in groups for r in g["rows"])), alt_text=alt,
        width_in=style.width, height_in=layout.height, study_id=None, data=data,
        renderer="panels", look=style.look(), draw={"panels": [panel], "footnotes": notes},
    )


def _with_ci(row: dict[str, Any], style: Style) -> str:
    """"88/109 (80.7%; exact 95% CI 72.1–87.7)" or "57% (reported %, no counts)"."""
    extra = " ".join(filter(None, (style.say("exact_prefix"), row["ci_text"]))) if row["counts"] else row["ci_text"]
    text = row["text"]
    return f"{text[:-1]}; {extra})" if text.endswith(")") else f"{text} ({extra})"

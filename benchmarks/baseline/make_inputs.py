"""Untimed setup of the baseline: the Markdown and the chart data a Quarto-style user would have.

Run with the project's venv (it reads the evidence through report_builder, so the baseline shows the
same numbers as our outputs, and derived numbers come from the report model, never recomputed):

    .venv/bin/python benchmarks/baseline/make_inputs.py EVIDENCE.yaml WORKDIR

Writes WORKDIR/in.md (title, bottom line, PICO, summary-of-findings table, per-study sections with
their numbers and chart images, safety table, dosing table, regulatory events, references) and
WORKDIR/charts.json (what benchmarks/baseline/charts.py draws, one entry per chart).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from report_builder.analysis import formatting
from report_builder.inputs.evidence_schema import BinaryOutcome, TimeToEventOutcome
from report_builder.inputs.markup import plain
from report_builder.analysis.report import Report, ae_key, load_report


def _cell(text: str) -> str:
    """Pipe-table cells cannot hold a bare | or a newline."""
    return " ".join(text.split()).replace("|", "\\|")


def _arm_name(study, key: str) -> str:
    if key == "all":
        return "All patients"
    return next(a.short_name for a in study.arms if a.id == key)


def _binary_results(study, arms) -> str:
    return "; ".join(f"{_arm_name(study, k)} {formatting.binary_result(r)}" for k, r in arms.items())


def chart_specs(report: Report) -> list[dict]:
    """One entry per chart, with every number already derived by the report model."""
    ev = report.evidence
    specs: list[dict] = []
    groups = []
    for study in ev.studies:
        for outcome in study.outcomes:
            if isinstance(outcome, BinaryOutcome) and outcome.primary and not outcome.conditional_on:
                rows = []
                for key, result in outcome.arms.items():
                    prop = report.proportion(study, outcome.id, key)
                    rows.append({
                        "label": _arm_name(study, key),
                        "value": prop.percent if prop else float(result.percent),
                        "low": 100 * prop.low if prop else None,
                        "high": 100 * prop.high if prop else None,
                        "text": formatting.binary_result(result, with_ci=False),
                    })
                groups.append({"label": f"{study.short_name}: {outcome.name}", "rows": rows})
    if groups:
        specs.append({"id": "response-rates", "kind": "response", "title": "Response rates", "groups": groups})

    for study in ev.studies:
        rows = []
        for outcome in study.outcomes:
            effect = report.effect(study, outcome.id)
            if isinstance(outcome, BinaryOutcome) and effect and effect.stats.risk_ratio is not None:
                rows.append({"label": f"{outcome.name} (RR)", "value": effect.stats.risk_ratio,
                             "low": effect.stats.rr_low, "high": effect.stats.rr_high,
                             "text": f"RR {formatting.ratio(effect.stats.risk_ratio)} "
                                     f"({formatting.ratio_ci(effect.stats.rr_low, effect.stats.rr_high)})"})
            if isinstance(outcome, TimeToEventOutcome) and outcome.hazard_ratio is not None:
                hr = outcome.hazard_ratio
                rows.append({"label": f"{outcome.name} (HR)", "value": float(hr.estimate), "low": float(hr.ci[0]),
                             "high": float(hr.ci[1]), "text": formatting.hazard_ratio(hr)})
        if rows:
            specs.append({"id": f"forest-{study.id}", "kind": "forest", "title": f"{study.short_name}: effects",
                          "rows": rows})

    for study in ev.studies:
        rows = []
        for outcome in study.outcomes:
            if isinstance(outcome, TimeToEventOutcome):
                for key, result in outcome.arms.items():
                    if result.median is not None:
                        rows.append({"label": f"{outcome.name}, {_arm_name(study, key)}",
                                     "value": float(result.median),
                                     "low": float(result.ci[0]) if result.ci else None,
                                     "high": float(result.ci[1]) if result.ci else None,
                                     "text": formatting.median(result, outcome.unit)})
        # As report_builder: at most three medians and no interval say no more than the table (no chart).
        if rows and (len(rows) > 3 or any(r["low"] is not None for r in rows)):
            specs.append({"id": f"medians-{study.id}", "kind": "time_to_event",
                          "title": f"{study.short_name}: median time to event", "rows": rows})

    for study in ev.studies:
        roles = {a.role for a in study.arms}
        if not {"intervention", "control"} <= roles:
            continue  # as report_builder does: adverse-event bars compare an intervention with a control
        rows = []
        for i, event in enumerate(study.adverse_events):
            for key, result in event.arms.items():
                prop = report.proportion(study, ae_key(i), key)
                rows.append({"label": f"{event.term} ({formatting.grade(event.grade)}), {_arm_name(study, key)}",
                             "value": prop.percent if prop else float(result.percent),
                             "text": formatting.binary_result(result, with_ci=False)})
        if rows:
            specs.append({"id": f"adverse-events-{study.id}", "kind": "adverse_events",
                          "title": f"{study.short_name}: adverse events", "rows": rows})

    if ev.regulatory:
        specs.append({"id": "timeline", "kind": "timeline", "title": "Regulatory timeline",
                      "events": [{"date": e.date.isoformat(), "label": f"{e.region}: {e.event}"}
                                 for e in ev.regulatory]})

    for study in ev.studies:
        if study.flow:
            specs.append({"id": f"flow-{study.id}", "kind": "flow", "title": f"{study.short_name}: participant flow",
                          "stages": [{"stage": s.stage, "counts": {_arm_name(study, k): v for k, v in s.counts.items()}}
                                     for s in study.flow]})
    return specs


def markdown(report: Report, specs: list[dict]) -> str:
    ev = report.evidence
    nums = report.reference_numbers

    def txt(text: str) -> str:
        return plain(text, nums)

    def image(chart_id: str) -> list[str]:
        spec = next((s for s in specs if s["id"] == chart_id), None)
        return [f"![{spec['title']}](charts/{chart_id}.png){{width=90%}}", ""] if spec else []

    out = ["---", f"title: \"{ev.meta.title}\"", f"subtitle: \"{ev.meta.subtitle or ''}\"",
           f"date: \"{ev.meta.date.isoformat()}\"",
           # Typst: pandoc wraps tables in figures, which do not break across pages unless told to.
           "header-includes: |", "  ```{=typst}", "  #show figure: set block(breakable: true)", "  ```",
           "---", ""]
    out += ["# Bottom line", ""] + [f"- {txt(p)}" for p in ev.bottom_line] + [""]
    q = ev.question
    out += ["# Clinical question (PICO)", "", f"- **Population:** {txt(q.population)}",
            f"- **Intervention:** {txt(q.intervention)}", f"- **Comparison:** {txt(q.comparison)}",
            "- **Outcomes:** " + "; ".join(txt(o) for o in q.outcomes), ""]

    # Dash counts set the relative column widths pandoc gives long-celled pipe tables.
    out += ["# Summary of findings", "", "| Study | Outcome | Results | Effect | P |",
            "|------|----------|--------------------|----------|----|"]
    for study in ev.studies:
        for outcome in study.outcomes:
            if not outcome.in_summary:
                continue
            if isinstance(outcome, BinaryOutcome):
                results = _binary_results(study, outcome.arms)
                effect = report.effect(study, outcome.id)
                eff = (f"RR {formatting.ratio(effect.stats.risk_ratio)} "
                       f"({formatting.ratio_ci(effect.stats.rr_low, effect.stats.rr_high)})") if effect else ""
            else:
                results = "; ".join(f"{_arm_name(study, k)} {formatting.median(r, outcome.unit)}"
                                    for k, r in outcome.arms.items())
                eff = formatting.hazard_ratio(outcome.hazard_ratio) if outcome.hazard_ratio else ""
            out.append(f"| {_cell(study.short_name)} | {_cell(outcome.name)} | {_cell(results)} | {_cell(eff)} "
                       f"| {_cell(formatting.p_value(outcome.p))} |")
    out += [""] + image("response-rates")

    for study in ev.studies:
        out += [f"# {study.name}", "", f"{study.design}; {study.population}; {study.enrolled} enrolled.", ""]
        for outcome in study.outcomes:
            if isinstance(outcome, BinaryOutcome):
                results = _binary_results(study, outcome.arms)
            else:
                results = "; ".join(f"{_arm_name(study, k)} {formatting.median(r, outcome.unit)}"
                                    for k, r in outcome.arms.items())
                if outcome.hazard_ratio:
                    results += f"; {formatting.hazard_ratio(outcome.hazard_ratio)}"
            p = f", {formatting.p_value(outcome.p)}" if outcome.p else ""
            out.append(f"- **{outcome.name}:** {results}{p}")
        out += [""] + [f"- {txt(k)}" for k in study.key_points] + [""]
        for kind in ("forest", "medians", "adverse-events", "flow"):
            out += image(f"{kind}-{study.id}")

    out += ["# Safety", "", "| Study | Adverse event | Grade | Results |",
            "|------|----------|------|--------------------|"]
    for study in ev.studies:
        for event in study.adverse_events:
            results = _binary_results(study, event.arms)
            out.append(f"| {_cell(study.short_name)} | {_cell(event.term)} | {formatting.grade(event.grade)} "
                       f"| {_cell(results)} |")
    out.append("")
    if ev.boxed_warning:
        out += [f"**{ev.boxed_warning.title}**", ""] + [f"- {txt(p)}" for p in ev.boxed_warning.points] + [""]

    if ev.dosing:
        out += ["# Dosing", "", "| Schedule | Cycle | Doses | Total per cycle |",
                "|----------|------|--------------------|------|"]
        for s in ev.dosing.schedules:
            doses = "; ".join(f"day {d.day}: {formatting.number(d.dose)} {formatting.dose_unit(d.unit)}"
                              for d in s.doses)
            total = formatting.number(s.total_per_cycle) if s.total_per_cycle is not None else ""
            out.append(f"| {_cell(s.name)} | {_cell(s.cycle_length)} | {doses} | {total} |")
        out.append("")

    if ev.regulatory:
        out += ["# Regulatory", ""] + [f"- {e.date.isoformat()} ({e.region}): {e.event}" for e in ev.regulatory] + [""]
        out += image("timeline")

    out += ["# Teaching points", ""] + [f"- {txt(t)}" for t in ev.teaching_points] + [""]
    out += ["# References", ""]
    for n, ref in enumerate(ev.references, start=1):
        parts = [", ".join(ref.authors), ref.title, ref.journal, str(ref.year)]
        out.append(f"{n}. " + ". ".join(p for p in parts if p) + ".")
    out.append("")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    evidence, workdir = Path(argv[0]), Path(argv[1])
    report = load_report(evidence)
    specs = chart_specs(report)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "charts.json").write_text(json.dumps(specs, indent=1, ensure_ascii=False), encoding="utf-8")
    (workdir / "in.md").write_text(markdown(report, specs), encoding="utf-8")
    print(f"{len(specs)} charts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

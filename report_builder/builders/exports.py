"""Exports for other programs: evidence and derived statistics (JSON), Summary of findings (CSV), references (CSL)."""
from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from report_builder import __version__
from report_builder.analysis import formatting as fmt
from report_builder.analysis.arms import single_arm
from report_builder.analysis.report import ae_key, all_in_base_key
from report_builder.builders.pdf.wording import PdfWording
from report_builder.inputs.evidence_schema import BinaryOutcome, Evidence, OutcomeBase
from report_builder.inputs.references import to_csl

if TYPE_CHECKING:
    from report_builder.analysis.report import BinaryEffect, Report
    from report_builder.inputs.evidence_schema import AdverseEvent, BinaryArmResult, Study
    from report_builder.theme.template import Template

EXPORT_SCHEMA_ID = "urn:report-builder:schema:evidence-export:1"


# ------------------------------------------------------------------------------ the evidence JSON's models
class _Export(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class DerivedProportion(_Export):
    """events/total of one arm with its exact (Clopper-Pearson) 95% confidence interval, derived by report_builder."""

    study: str
    """Study id."""
    outcome: str
    """The outcome id, "ae:N" for the study's N-th adverse event (from 0), "<outcome>:all" for a responder-only
    outcome re-expressed over everyone its base outcome analysed."""
    arm: str
    """Arm id, or "all" for a pooled result."""
    events: int
    """Events, as reported."""
    total: int
    """Total, as reported (or the base outcome's for "<outcome>:all")."""
    proportion: float
    """events / total, as a fraction of 1."""
    ci_low: float
    """Lower bound of the exact CI, as a fraction of 1."""
    ci_high: float
    """Upper bound of the exact CI, as a fraction of 1."""
    ci_level: float
    """Confidence level of the CI, as a fraction of 1."""


class DerivedEffect(_Export):
    """A two-arm comparison derived from the counts: risk ratio (Katz log interval), risk difference
    (Newcombe hybrid score interval), and NNT/NNH rounded up (Altman's interval), all at 95%."""

    study: str
    """Study id."""
    outcome: str
    """Outcome id, "ae:N" or "<outcome>:all" (as in proportions)."""
    experimental_arm: str
    """Arm id of the experimental arm."""
    reference_arm: str
    """Arm id of the reference arm."""
    favourable: Literal["higher", "lower"]
    """"higher" when more events is good, "lower" when bad."""
    risk_ratio: float | None
    """Experimental over reference; None when not estimable."""
    risk_ratio_ci: tuple[float, float] | None
    """95% CI of the risk ratio, [lower, upper]."""
    risk_ratio_continuity_corrected: bool
    """0.5 was added to every cell for the risk ratio only, because a cell is zero."""
    risk_difference: float
    """Experimental minus reference, as a fraction of 1."""
    risk_difference_ci: tuple[float, float]
    """95% CI of the risk difference, [lower, upper], as fractions of 1."""
    number_needed: int | None
    """1/|risk difference| rounded up; None when the risk difference is 0."""
    number_needed_label: Literal["NNT", "NNH"]
    """NNT when the experimental arm does better, NNH when it does worse."""


class Significance(_Export):
    """Whether a P value fell below its prespecified boundary (converted to the P value's sidedness)."""

    study: str
    """Study id."""
    outcome: str
    """Outcome id."""
    below_boundary: bool | None
    """True when P fell below the boundary; None when it cannot be told."""


class Derived(_Export):
    proportions: tuple[DerivedProportion, ...]
    """Each arm's events/total with its exact CI."""
    effects: tuple[DerivedEffect, ...]
    """Each two-arm comparison of a binary outcome or adverse event."""
    significance: tuple[Significance, ...]
    """Each P value compared with its prespecified boundary."""


class EvidenceExport(_Export):
    """<stem>.evidence.json: the validated evidence file as read, and every statistic report_builder derived."""

    model_config = ConfigDict(title="report_builder evidence export", json_schema_extra={"$id": EXPORT_SCHEMA_ID})

    format: Literal["report_builder evidence export"] = "report_builder evidence export"
    """What this file is."""
    version: Literal[1] = 1
    """Version of this export's layout."""
    generator: str
    """report_builder and its version."""
    evidence: Evidence
    """The evidence file as validated (the evidence schema), references_file entries included."""
    derived: Derived
    """Every statistic report_builder derived from the reported counts."""


def export_schema() -> dict:
    """The JSON Schema of <stem>.evidence.json."""
    schema = EvidenceExport.model_json_schema(mode="serialization")
    schema["properties"] = {"$schema": {"type": "string", "description": "The $id of this schema."},
                            **schema["properties"]}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


# ------------------------------------------------------------------------------ the three exports
def exports(report: "Report", template: "Template", stem: str | None = None) -> dict[str, bytes]:
    """File name -> bytes of every export of one report; byte-reproducible (sorted, no clock). The template gives
    the Summary of findings' notes the handout's wording."""
    stem = stem or report.stem  # the output folder's name (output.writer.output_name) in a build
    return {f"{stem}.evidence.json": evidence_json(report),
            f"{stem}.summary-of-findings.csv": summary_of_findings_csv(report, template),
            f"{stem}.references.json": references_csl_json(report)}


def evidence_json(report: "Report") -> bytes:
    proportions = [DerivedProportion(study=s, outcome=o, arm=a, events=p.events, total=p.total, proportion=p.value,
                                     ci_low=p.low, ci_high=p.high, ci_level=p.level)
                   for (s, o, a), p in sorted(report.proportions.items())]
    effects = []
    for (study, outcome, _), effect in sorted(report.effects.items()):
        stats = effect.stats
        rr = stats.risk_ratio
        effects.append(DerivedEffect(
            study=study, outcome=outcome, experimental_arm=effect.experimental.id, reference_arm=effect.reference.id,
            favourable=effect.favourable, risk_ratio=rr,
            risk_ratio_ci=(stats.rr_low, stats.rr_high) if rr is not None else None,
            risk_ratio_continuity_corrected=stats.continuity_corrected,
            risk_difference=float(stats.risk_difference), risk_difference_ci=(stats.rd_low, stats.rd_high),
            number_needed=stats.number_needed, number_needed_label=effect.number_needed_label))
    significance = [Significance(study=s, outcome=o, below_boundary=v)
                    for (s, o), v in sorted(report.significance.items())]
    export = EvidenceExport(generator=f"report_builder {__version__}", evidence=report.evidence,
                            derived=Derived(proportions=tuple(proportions), effects=tuple(effects),
                                            significance=tuple(significance)))
    data = {"$schema": EXPORT_SCHEMA_ID, **export.model_dump(mode="json")}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


#: The Summary of findings' columns: what the PDF's table shows, with the numbers in columns of their own.
#: Columns are only ever added at the end, so that a reader of an older file finds each where it was.
SOF_COLUMNS = ("study", "outcome", "experimental_arm", "reference_arm", "experimental_result", "reference_result",
               "relative_effect", "risk_difference", "number_needed", "p_value", "participants", "certainty",
               "source", "benefit_or_harm", "population", "notes")


def summary_of_findings_csv(report: "Report", template: "Template") -> bytes:
    """The rows of the PDF's Summary of findings in its order, figures as the PDF prints them: each outcome marked
    in_summary of the randomized studies whose comparisons take in every arm, one row per comparison, then their
    adverse events marked in_summary (the harms); without any, each single-arm study's outcomes and harms marked
    in_summary. The notes are the handout's, in the template's wording."""
    wording = PdfWording(report, template)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, as spreadsheets expect
    writer.writerow(SOF_COLUMNS)
    studies = [s for s in report.evidence.studies if report.in_summary_of_findings(s)]
    benefits = _benefit_rows(report, wording, studies)
    # As the PDF: without a randomized outcome to show, the single-arm table, whose harms are its own.
    rows = benefits + _harm_rows(report, wording, studies) if benefits else _single_arm_rows(report, wording)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _benefit_rows(report: "Report", wording: PdfWording, studies: "list[Study]") -> list[list]:
    rows = []
    for study in studies:
        arm_n = {a.id: a.n for a in study.arms}
        for outcome in (o for o in study.outcomes if o.in_summary):
            for comparison in report.comparisons(study):
                exp, ref = comparison.arm_ids
                effect = None
                if isinstance(outcome, BinaryOutcome):
                    results = [_binary_result(outcome.arms.get(a), wording) for a in (exp, ref)]
                    totals = [outcome.arms[a].total if a in outcome.arms else None for a in (exp, ref)]
                    effect = report.effect(study, outcome.id, exp)
                    derived = report.effect(study, all_in_base_key(outcome.id), exp) if outcome.conditional_on else None
                    if derived is not None:  # randomized first, as the PDF: events over all the base outcome analysed
                        base = next(o for o in study.outcomes if o.id == outcome.conditional_on)
                        shown = (derived.stats.experimental, derived.stats.reference)
                        results = [_all_in_base(p, base, r) for p, r in zip(shown, results)]
                        totals = [p.total for p in shown]
                        effect = derived
                    relative, absolute, needed = _effect_columns(effect)
                    participants = sum(totals) if None not in totals else _sum(arm_n[exp], arm_n[ref])
                else:
                    results = [fmt.median(outcome.arms[a], outcome.unit) if a in outcome.arms else ""
                               for a in (exp, ref)]
                    relative = absolute = needed = ""
                    hr = outcome.hazard_ratio
                    compared = report.ratio_comparison(study, outcome.id)
                    if hr is not None and compared is not None and set(compared.arm_ids) == {exp, ref}:
                        relative = fmt.hazard_ratio(hr)
                    participants = _sum(arm_n[exp], arm_n[ref])
                rows.append([study.id, wording.plain_text(outcome.name), comparison.experimental.short_name,
                             comparison.reference.short_name, *results, relative, absolute, needed,
                             fmt.outcome_p(outcome), _count(participants),
                             outcome.certainty.level if outcome.certainty else "", outcome.source, "benefit",
                             _population(outcome, wording), _notes(report, wording, study, outcome, effect)])
    return rows


def _harm_rows(report: "Report", wording: PdfWording, studies: "list[Study]") -> list[list]:
    """The adverse events marked in_summary, after every benefit as in the PDF's table (harm_rows)."""
    rows = []
    for study in studies:
        for k, event in enumerate(study.adverse_events):
            if not event.in_summary:
                continue
            for comparison in report.comparisons(study):
                exp, ref = comparison.arm_ids
                effect = report.effect(study, ae_key(k), exp)
                rows.append([study.id, _harm_name(event, wording), comparison.experimental.short_name,
                             comparison.reference.short_name,
                             *(_binary_result(event.arms.get(a), wording) for a in (exp, ref)),
                             *_effect_columns(effect), "",
                             _count(_sum(*(event.arms[a].total if a in event.arms else None for a in (exp, ref)))),
                             "", event.source, "harm", _population(event, wording),
                             _notes(report, wording, study, event, effect)])
    return rows


def _single_arm_rows(report: "Report", wording: PdfWording) -> list[list]:
    """Without a randomized comparison, as the PDF: each single-arm study's outcomes then its adverse events marked
    in_summary, the arm's own result in the experimental columns and nothing in the reference or effect columns."""
    rows = []
    for study in report.evidence.studies:
        arm = single_arm(study)
        if arm is None:
            continue
        for outcome in (o for o in study.outcomes if o.in_summary and arm.id in o.arms):
            result = outcome.arms[arm.id]
            participants = None
            if isinstance(outcome, BinaryOutcome):
                shown, participants = _binary_result(result, wording), result.total
                derived = report.proportion(study, all_in_base_key(outcome.id), arm.id) if outcome.conditional_on \
                    else None
                if derived is not None:  # as the PDF: events over all the base outcome analysed first
                    base = next(o for o in study.outcomes if o.id == outcome.conditional_on)
                    shown = _all_in_base(derived, base, shown)
                    participants = derived.total
            else:
                shown = fmt.median(result, outcome.unit)
            rows.append([study.id, wording.plain_text(outcome.name), arm.short_name, "", shown, "", "", "", "",
                         fmt.outcome_p(outcome), _count(participants),
                         outcome.certainty.level if outcome.certainty else "", outcome.source, "benefit",
                         _population(outcome, wording), _notes(report, wording, study, outcome)])
        for event in (e for e in study.adverse_events if e.in_summary and arm.id in e.arms):
            result = event.arms[arm.id]
            rows.append([study.id, _harm_name(event, wording), arm.short_name, "", _binary_result(result, wording),
                         "", "", "", "", "", _count(result.total), "", event.source, "harm",
                         _population(event, wording), _notes(report, wording, study, event)])
    return rows


def _binary_result(result: "BinaryArmResult | None", wording: PdfWording) -> str:
    """One arm's events as reported; "" for an arm the file does not hold, the PDF's "not reported" for one the
    source does not report."""
    if result is None:
        return ""
    return fmt.binary_result(result) if result.reported else wording.labels["not_reported"]


def _effect_columns(effect: "BinaryEffect | None") -> tuple[str, str, str]:
    """Relative effect, risk difference and NNT/NNH of a derived comparison, as the PDF computes them."""
    if effect is None:
        return "", "", ""
    s = effect.stats
    ci = fmt.ratio_ci(s.rr_low, s.rr_high, s.level)
    relative = "" if s.risk_ratio is None else f"RR {fmt.ratio(s.risk_ratio)} ({ci})" if ci else \
        f"RR {fmt.ratio(s.risk_ratio)}"
    level = f"{100 * s.level:g}% CI"
    absolute = (f"{fmt.percentage_points(float(s.risk_difference))} percentage points "
                f"({level} {fmt.percentage_points(s.rd_low)} to {fmt.percentage_points(s.rd_high)})")
    return relative, absolute, _number_needed(fmt.number_needed_values(effect.nnt, effect.number_needed_label,
                                                                        s.level))


def _harm_name(event: "AdverseEvent", wording: PdfWording) -> str:
    """"VOD/SOS (final report), any grade": the harm as the PDF's Summary of findings names it (harm_name)."""
    return f"{wording.plain_text(event.term)}, {fmt.grade(event.grade)}"


def _population(item: "OutcomeBase | AdverseEvent", wording: PdfWording) -> str:
    return wording.plain_text(item.population) if item.population else ""


def _notes(report: "Report", wording: PdfWording, study: "Study", item: "OutcomeBase | AdverseEvent",
           effect: "BinaryEffect | None" = None) -> str:
    """What the handout says with the row's figures that no column holds, in its words: the P value against its
    prespecified boundary and a result after the prespecified analysis (p_text), a risk ratio with 0.5 added to
    every cell, and the source note ("not confirmed" when the figures could not be checked against the source)."""
    parts = []
    if isinstance(item, OutcomeBase):
        if item.p is not None and item.conditional_on and report.effects_of(study, all_in_base_key(item.id)):
            base = next(o for o in study.outcomes if o.id == item.conditional_on)  # as the PDF scopes it
            parts.append(f"{fmt.outcome_p(item)} {wording.plain('phrases/responders_only', base=base)}")
        if item.p is not None and item.p_sided is None:
            parts.append(wording.plain("footnotes/unsided"))
        if item.p is not None and item.p_boundary is not None:
            parts.append(wording.plain("phrases/boundary", crossed=report.crossed_boundary(study, item.id),
                                       boundary=fmt.boundary(item), p=fmt.outcome_p(item)))
        if item.analysis:
            parts.append(wording.plain("phrases/analysis", analysis=item.analysis))
    if effect is not None and effect.stats.continuity_corrected:
        parts.append(wording.plain("footnotes/continuity"))
    if item.source_note:
        note = item.source_note if item.confirmed else f"{wording.labels['not_confirmed']}: {item.source_note}"
        parts.append(wording.plain("footnotes/source_note", note=note))
    return "; ".join(parts)


def _all_in_base(derived, base, reported: str) -> str:
    """A responder-only outcome as the PDF prints it: over all the base outcome analysed first, then as reported."""
    return (f"{derived.events}/{derived.total} ({derived.percent:.1f}%) of all analysed for {base.name}, derived; "
            f"{reported} among responders only")


def _number_needed(v: dict) -> str:
    if v["value"] is None:
        return ""
    if v["crosses"]:
        return f"{v['label']} {v['value']} ({v['level']} NNTB {v['nntb']} to ∞ to NNTH {v['nnth']})"
    return f"{v['label']} {v['value']} ({v['level']} {v['low']} to {v['high']})"


def _count(value: int | None) -> int | str:
    return "" if value is None else value


def _sum(*values: int | None) -> int | None:
    return None if any(v is None for v in values) else sum(values)  # type: ignore[arg-type]


def references_csl_json(report: "Report") -> bytes:
    """The references in citation order as CSL-JSON, for Zotero, Pandoc or Quarto."""
    items = [to_csl(ref) for ref in report.evidence.references]
    return (json.dumps(items, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

"""How figures are written in every output: reported numbers as published, derived ones at fixed precision."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from report_builder.inputs.dates import ReportedDate
from report_builder.inputs.numbers import PValue, ReportedNumber
from report_builder.inputs.evidence_schema import BinaryArmResult, HazardRatio, TimeToEventArmResult
from report_builder.analysis.stats import NumberNeeded, Proportion, convert_sidedness

if TYPE_CHECKING:
    from report_builder.inputs.evidence_schema import Dose, FollowUp, OutcomeBase, Reference, Schedule

DASH = "–"  # en dash for ranges
GRADE_LABELS = {"any": "any grade", "1-2": "grade 1–2", "3-4": "grade 3–4", ">=3": "grade ≥3", "5": "grade 5"}
UNIT_LABELS = {"mg/m2": "mg/m²", "µg/m2": "µg/m²", "mg/m2/day": "mg/m²/day", "µg/m2/day": "µg/m²/day",
               "10^6 cells/kg": "× 10⁶ cells/kg", "10^6 cells": "× 10⁶ cells", "10^8 cells": "× 10⁸ cells"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  #: English, whatever the machine's locale: the same input gives the same output


def number(value: ReportedNumber | float | int) -> str:
    """A reported number exactly as written in the evidence file."""
    return value.text if isinstance(value, ReportedNumber) else f"{value:g}"


def interval(ci: Sequence[ReportedNumber | float], suffix: str = "") -> str:
    low, high = ci
    return f"{number(low)}{suffix}{DASH}{number(high)}{suffix}"


def level(value: ReportedNumber | float) -> str:
    return f"{number(value)}% CI"


def reported_ci(ci: Sequence[ReportedNumber] | None, ci_level: ReportedNumber | float) -> str:
    """"95% CI 72.1–87.7", or "" when none was reported."""
    return f"{level(ci_level)} {interval(ci)}" if ci else ""


def binary_result(result: BinaryArmResult, with_ci: bool = True) -> str:
    """"88/109 (80.7%)", "41%" or "10/164 (6.1%)"; derived percentages only where none was reported."""
    if result.events is not None and result.total is not None:
        pct = number(result.percent) if result.percent is not None else f"{100 * result.events / result.total:.1f}"
        text = f"{result.events}/{result.total} ({pct}%)"
    else:
        text = f"{number(result.percent)}%"
        if result.total is not None:
            text += f" of {result.total}"
    if with_ci and result.ci:
        text += f"; {reported_ci(result.ci, result.ci_level)}"
    return text


def exact_ci(proportion: Proportion) -> str:
    """The exact CI the tool derived, in percent with one decimal."""
    return f"{100 * proportion.level:g}% CI {100 * proportion.low:.1f}{DASH}{100 * proportion.high:.1f}"


def median(result: TimeToEventArmResult, unit: str) -> str:
    """The median as reported; "not reported" only where the file says the source gives no result, else
    a missing median (an arm reported by landmarks) is "not in this summary"."""
    if result.median_not_reached:
        return "not reached"
    if result.median is None:
        return "not in this summary" if result.reported else "not reported"
    text = f"{number(result.median)} {unit}"
    if result.ci:
        text += f" ({reported_ci(result.ci, result.ci_level)})"
    return text


def hazard_ratio(hr: HazardRatio) -> str:
    """"HR 0.77 (97.5% CI 0.58–1.03)": the confidence level always shown, as published; "HR 0.72" when the
    source gives no CI (its P value is printed beside it wherever the outcome's P is)."""
    if hr.ci is None:
        return f"HR {number(hr.estimate)}"
    return f"HR {number(hr.estimate)} ({reported_ci(hr.ci, hr.ci_level)})"


def p_value(p: PValue | None, sided: str | None = None) -> str:
    """"P<0.001", or "one-sided P=0.0105" when the source gives the sidedness (it always travels with P)."""
    if p is None:
        return ""
    text = f"P{p.text}" if p.relation != "=" else f"P={p.value.text}"
    return f"{sided} {text}" if sided else text


def outcome_p(outcome: "OutcomeBase") -> str:
    """An outcome's reported P value with its sidedness."""
    return p_value(outcome.p, outcome.p_sided)


def boundary(outcome: "OutcomeBase") -> str:
    """"two-sided P=0.0208", and the same boundary on the P value's side when that differs
    ("two-sided P=0.0208, one-sided 0.0104"): the comparison the tool made, in the reader's view."""
    if outcome.p_boundary is None:
        return ""
    sided = outcome.p_boundary_sided or outcome.p_sided
    text = f"{sided} P={outcome.p_boundary.text}" if sided else f"P={outcome.p_boundary.text}"
    if sided and outcome.p_sided and sided != outcome.p_sided:
        converted = convert_sidedness(Decimal(outcome.p_boundary.text), sided, outcome.p_sided)
        text += f", {outcome.p_sided} {converted}"
    return text


def ratio(value: float | None) -> str:
    return "not estimable" if value is None else f"{value:.2f}"


def ratio_ci(low: float | None, high: float | None, ci_level: float = 0.95) -> str:
    if low is None or high is None:
        return ""
    return f"{100 * ci_level:g}% CI {low:.2f}{DASH}{high:.2f}"


def percentage_points(value: float, signed: bool = True) -> str:
    text = f"{100 * value:+.1f}" if signed else f"{100 * value:.1f}"
    return text.replace("-", "−")


def grade(label: str) -> str:
    return GRADE_LABELS.get(label, label)


def dose_unit(unit: str) -> str:
    return UNIT_LABELS.get(unit, unit)


def cycle_total(schedule: "Schedule") -> str:
    """"651 µg": the reported total of a cycle, or "". A per-day dose summed over its days is an amount, so
    the total drops the dose's "/day" (the consistency check sums dose × days the same way)."""
    if schedule.total_per_cycle is None:
        return ""
    return f"{number(schedule.total_per_cycle)} {dose_unit(schedule.doses[0].unit.removesuffix('/day'))}"


def percent_label(result: BinaryArmResult) -> str:
    """"80.7%": the reported percentage, else the one binary_result derives from the counts (chart labels)."""
    if result.percent is not None:
        return f"{number(result.percent)}%"
    if result.events is not None and result.total is not None:
        return f"{100 * result.events / result.total:.1f}%"
    return ""


def number_needed_bound(value: int | float) -> str:
    return "∞" if value == float("inf") else str(value)


def number_needed_values(nn: NumberNeeded, label: str, level: float = 0.95) -> dict:
    """What the NNT wording needs: headline (rounded up), its CI (Altman), and the unrounded 1/RD."""
    return {
        "label": label, "value": nn.value, "level": f"{100 * level:g}% CI", "crosses": nn.crosses_zero,
        "low": number_needed_bound(nn.low), "high": number_needed_bound(nn.high),
        "nntb": number_needed_bound(nn.nntb_rounded), "nnth": number_needed_bound(nn.nnth_rounded),
        "unrounded": "∞" if nn.value is None else f"{nn.unrounded:.2f}",
        "unrounded_low": _two(nn.unrounded_low), "unrounded_high": _two(nn.unrounded_high),
        "unrounded_nntb": _two(nn.nntb), "unrounded_nnth": _two(nn.nnth),
    }


def _two(value: float) -> str:
    return "∞" if value == float("inf") else f"{value:.2f}"


def long_date(date: "dt.date | ReportedDate") -> str:
    """"21 April 2017" (or "April 2017", "2017" when only that is known): dates in running text."""
    if isinstance(date, ReportedDate):
        return date.long()
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def short_date(date: "dt.date | ReportedDate") -> str:
    """"21 Apr 2017" (or "Apr 2017", "2017"): dates in charts, where space is short."""
    if isinstance(date, ReportedDate):
        return date.short()
    return f"{date.day} {MONTHS[date.month - 1][:3]} {date.year}"


def dose_days(dose: "Dose") -> str:
    """"8", or "1–7" for a per-day dose over a range of days."""
    if dose.days is None:
        return str(dose.day).replace("-", "−")
    return f"{dose.days[0]}{DASH}{dose.days[1]}".replace("-", "−") if dose.days[0] != dose.days[1] else str(dose.days[0])


def dose_amount(dose: "Dose", route: bool = True) -> str:
    """"28 µg/day (treatment dose; continuous IV infusion)", "1 × 10⁶ cells/kg (max 1 × 10⁸ cells)"."""
    text = f"{number(dose.dose)} {dose_unit(dose.unit)}"
    extras = [dose.label, dose.route if route else None]
    if dose.max_dose is not None:
        extras.append(f"max {number(dose.max_dose)} {dose_unit(dose.max_unit)}")
    extras = [e for e in extras if e]
    return f"{text} ({'; '.join(extras)})" if extras else text


def reference_venue(ref: "Reference") -> str:
    """Where a reference appeared, by its kind; an agency that is also the author is not named twice."""
    if ref.kind == "conference_abstract":
        meeting = ref.conference + (f"; abstract {ref.number}" if ref.number else "")
        return f"{ref.journal} ({meeting})" if ref.journal else meeting
    venue = ref.journal if ref.kind == "article" else ref.publisher
    if venue and venue in ref.authors:
        venue = ""
    if ref.number and ref.kind != "article":
        venue = f"{venue}; {ref.number}" if venue else ref.number
    return venue or ""


def reference_accessed(ref: "Reference") -> str:
    """"Accessed 30 November 2026": when an online source was read."""
    return f"Accessed {long_date(ref.accessed)}" if ref.accessed else ""


def follow_up(item: "FollowUp") -> str:
    """"16.4 months (responders)": a median follow-up as reported; its note and source go beside it."""
    text = f"{number(item.median)} {item.unit}"
    return f"{text} ({item.population})" if item.population else text

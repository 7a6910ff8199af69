"""Study results as the deck shows them: per-arm texts, chart values and effect phrases, all from the model."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from report_builder.analysis import arms, formatting
from report_builder.analysis.arms import arm_keys
from report_builder.inputs.evidence_schema import BinaryArmResult, BinaryOutcome, Study, TimeToEventOutcome
from report_builder.analysis.report import ae_key

if TYPE_CHECKING:
    from report_builder.analysis.report import BinaryEffect
    from report_builder.builders.pptx.deck import Deck

def arm_label(deck: "Deck", study: Study, key: str) -> str:
    return arms.arm_label(study, key, deck.label("pooled"))


def arm_colour(deck: "Deck", study: Study, key: str) -> str:
    """The arm's colour in the Matplotlib charts too (analysis.arms); pooled results muted."""
    return arms.arm_colour(deck.palette, deck.report.palette_slot(study, key), deck.colors["muted"])


@dataclass(frozen=True)
class ArmText:
    key: str
    label: str
    text: str  #: as the table prints it, e.g. "88/109 (80.7%); 95% CI 72.1–87.7"
    value: float | None = None  #: bar height: the reported percentage, else the model's proportion
    bar_label: str | None = None  #: "80.7%", exactly as reported


@dataclass(frozen=True)
class ResultRow:
    name: str
    arms: tuple[ArmText, ...]
    effect: str
    source: str  #: "[2]"
    source_short: str  #: "Kantarjian 2016 [2]"
    notes: tuple[str, ...] = ()
    kind: str = "binary"
    favourable: str | None = None
    conditional: bool = False
    in_summary: bool = True
    comparative: bool = False  #: has a risk ratio or hazard ratio (what a forest plot draws)
    extra: dict = field(default_factory=dict)


def bar_value(deck: "Deck", study: Study, key: str, arm: str, result: BinaryArmResult) -> float | None:
    if result.percent is not None:
        return float(result.percent)
    prop = deck.report.proportion(study, key, arm)
    return prop.percent if prop is not None else None


def binary_arm(deck: "Deck", study: Study, key: str, arm: str, result: BinaryArmResult) -> ArmText:
    return ArmText(arm, arm_label(deck, study, arm), formatting.binary_result(result),
                   bar_value(deck, study, key, arm, result), formatting.percent_label(result) or None)


def effect_phrase(deck: "Deck", study: Study, key: str, p=None) -> str:
    """RR, RD and NNT/NNH of each comparison of a binary outcome, from the model, in the template's words;
    each named by its arms when the study compares more than two."""
    effects = deck.report.effects_of(study, key)
    p_text = formatting.p_value(p)
    if not effects:
        return p_text
    if len(deck.report.comparisons(study)) == 1:
        return binary_effect(deck, effects[0], p_text)
    # The reported P value belongs to the outcome, not to one of its comparisons: it comes once, last.
    named = [deck.say("phrases/comparison", experimental=e.experimental.short_name, reference=e.reference.short_name,
                      effect=binary_effect(deck, e, "")) for e in effects]
    return "; ".join(named + ([p_text] if p_text else []))


def hazard_ratio_phrase(deck: "Deck", study: Study, outcome: TimeToEventOutcome) -> str:
    """The reported hazard ratio, named by the arms it compares when the study compares more than two."""
    text = formatting.hazard_ratio(outcome.hazard_ratio)
    compared = deck.report.ratio_comparison(study, outcome.id)
    if compared is None or len(deck.report.comparisons(study)) == 1:
        return text
    return deck.say("phrases/comparison", experimental=compared.experimental.short_name,
                    reference=compared.reference.short_name, effect=text)


def binary_effect(deck: "Deck", effect: "BinaryEffect", p_text: str) -> str:
    s = effect.stats
    return deck.say(
        "phrases/binary_effect",
        rr=formatting.ratio(s.risk_ratio), rr_ci=formatting.ratio_ci(s.rr_low, s.rr_high, s.level),
        rd=formatting.percentage_points(float(s.risk_difference)),
        rd_low=formatting.percentage_points(s.rd_low), rd_high=formatting.percentage_points(s.rd_high),
        level=f"{100 * s.level:g}", nn_label=effect.number_needed_label, nn=effect.number_needed,
        continuity=s.continuity_corrected, p=p_text,
        experimental=effect.experimental.short_name, reference=effect.reference.short_name,
    )


def boundary_phrase(deck: "Deck", study: Study, outcome) -> str:
    if outcome.p is None or outcome.p_boundary is None:
        return ""
    return deck.say("phrases/boundary", crossed=deck.report.crossed_boundary(study, outcome.id),
                    p=formatting.p_value(outcome.p), boundary=formatting.number(outcome.p_boundary))


def outcome_rows(deck: "Deck", study: Study) -> list[ResultRow]:
    rows = []
    for outcome in study.outcomes:
        notes = tuple(deck.plain(n) for n in (outcome.source_note, outcome.note) if n)
        source = deck.cite(outcome.source)
        short = deck.short_ref(outcome.source)
        if isinstance(outcome, BinaryOutcome):
            arms = tuple(binary_arm(deck, study, outcome.id, k, outcome.arms[k]) for k in arm_keys(study, outcome.arms))
            boundary = boundary_phrase(deck, study, outcome)
            p = None if boundary else outcome.p  # the boundary phrase states the P value itself
            if outcome.conditional_on:
                effect = "; ".join(x for x in (deck.say("phrases/conditional"), formatting.p_value(p)) if x)
            else:
                effect = effect_phrase(deck, study, outcome.id, p)
            effect = "; ".join(x for x in (effect, boundary) if x)
            rows.append(ResultRow(deck.plain(outcome.name), arms, effect, source, short, notes, "binary",
                                  outcome.favourable, bool(outcome.conditional_on), outcome.in_summary,
                                  bool(deck.report.effects_of(study, outcome.id))))
        elif isinstance(outcome, TimeToEventOutcome):
            arms = tuple(ArmText(k, arm_label(deck, study, k), survival_text(deck, r, outcome.unit))
                         for k, r in ((k, outcome.arms[k]) for k in arm_keys(study, outcome.arms)))
            parts = []
            if outcome.hazard_ratio is not None:
                parts.append(hazard_ratio_phrase(deck, study, outcome))
            boundary = boundary_phrase(deck, study, outcome)
            if boundary:
                parts.append(boundary)
            elif outcome.p is not None:
                parts.append(formatting.p_value(outcome.p))
            rows.append(ResultRow(deck.plain(outcome.name), arms, "; ".join(parts), source, short, notes,
                                  "time_to_event", None, False, outcome.in_summary, outcome.hazard_ratio is not None))
    return rows


def survival_text(deck: "Deck", result, unit: str) -> str:
    parts = [f"{deck.label('median')} {formatting.median(result, unit)}"] if (
        result.median is not None or result.median_not_reached) else []
    for landmark in result.landmarks:
        text = f"{deck.plain(landmark.label) if landmark.label else formatting.number(landmark.time)}: " \
               f"{formatting.number(landmark.percent)}%"
        if landmark.ci:
            text += f" ({formatting.reported_ci(landmark.ci, landmark.ci_level)})"
        parts.append(text)
    return "; ".join(parts)


def adverse_rows(deck: "Deck", study: Study) -> list[ResultRow]:
    rows = []
    for index, event in enumerate(study.adverse_events):
        key = ae_key(index)
        arms = tuple(binary_arm(deck, study, key, k, event.arms[k]) for k in arm_keys(study, event.arms))
        name = f"{deck.plain(event.term)}, {formatting.grade(event.grade)}"
        notes = tuple(deck.plain(n) for n in (event.source_note, event.note) if n)
        rows.append(ResultRow(name, arms, effect_phrase(deck, study, key), deck.cite(event.source),
                              deck.short_ref(event.source), notes, "adverse_event", "lower",
                              extra={"serious": event.serious, "term": deck.plain(event.term),
                                     "grade": formatting.grade(event.grade)}))
    return rows


def chart_rows(rows: list[ResultRow]) -> list[ResultRow]:
    """Rows a rate chart shows: summary binary outcomes where more is better, with a value to draw."""
    return [r for r in rows if r.kind == "binary" and r.favourable == "higher" and r.in_summary
            and any(a.value is not None for a in r.arms)]

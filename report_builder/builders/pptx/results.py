"""Study results as the deck shows them: per-arm texts, chart values and effect phrases, all from the model."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from report_builder.analysis import arms, formatting
from report_builder.analysis.arms import arm_keys
from report_builder.inputs import markup
from report_builder.inputs.evidence_schema import AdverseEvent, BinaryArmResult, BinaryOutcome, Study, TimeToEventOutcome
from report_builder.analysis.report import ae_key, all_in_base_key
from report_builder.theme.contrast import visible_shade

if TYPE_CHECKING:
    from report_builder.analysis.report import BinaryEffect
    from report_builder.builders.pptx.deck import Deck


def arm_label(deck: "Deck", study: Study, key: str) -> str:
    return arms.arm_label(study, key, deck.label("pooled"))


def confirmation(deck: "Deck", item) -> str | None:
    """The source note, headed "not confirmed:" when the figures could not be checked against the source."""
    if item.source_note is None:
        return None
    return item.source_note if item.confirmed else f"{deck.label('not_confirmed')}: {item.source_note}"


def arm_notes(deck: "Deck", study: Study, results: dict) -> tuple[str, ...]:
    """Each arm's own note, named by its arm."""
    return tuple(f"{arm_label(deck, study, key)}: {deck.plain(result.note)}"
                 for key, result in results.items() if result.note)


def arm_colour(deck: "Deck", study: Study, key: str) -> str:
    """The arm's colour in the Matplotlib charts too (analysis.arms; pooled results muted), shaded until it
    is seen at 3:1 on the slide's background (WCAG 1.4.11), as the charts shade it on white."""
    colour = arms.arm_colour(deck.palette, deck.report.palette_slot(study, key), deck.colors["muted"])
    return visible_shade(colour, deck.look.background)


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
    confirmed: bool = True  #: False: the figures could not be checked against the source (notes say why)
    extra: dict = field(default_factory=dict)


def bar_value(deck: "Deck", study: Study, key: str, arm: str, result: BinaryArmResult) -> float | None:
    if result.percent is not None:
        return float(result.percent)
    prop = deck.report.proportion(study, key, arm)
    return prop.percent if prop is not None else None


def binary_arm(deck: "Deck", study: Study, key: str, arm: str, result: BinaryArmResult) -> ArmText:
    if not result.reported:
        return ArmText(arm, arm_label(deck, study, arm), deck.say("phrases/not_reported"))
    return ArmText(arm, arm_label(deck, study, arm), formatting.binary_result(result),
                   bar_value(deck, study, key, arm, result), formatting.percent_label(result) or None)


def all_in_base_arm(deck: "Deck", study: Study, outcome: BinaryOutcome, arm: str) -> ArmText | None:
    """Randomized first: the reported events over all the base outcome analysed, then the responder-only figure."""
    derived = deck.report.proportion(study, all_in_base_key(outcome.id), arm)
    if derived is None:
        return None
    base = next(o for o in study.outcomes if o.id == outcome.conditional_on)
    percent = f"{derived.percent:.1f}%"
    text = (f"{derived.events}/{derived.total} ({percent}; {deck.say('phrases/all_in_base', base=base)}); "
            f"{formatting.binary_result(outcome.arms[arm], with_ci=False)} "
            f"{deck.say('phrases/responders_only', base=base)}")
    return ArmText(arm, arm_label(deck, study, arm), text, derived.percent, percent)


def number_needed_phrase(deck: "Deck", effect: "BinaryEffect", unrounded: bool = False) -> str:
    """"NNT 2 (95% CI 2 to 3)" for slides; unrounded=True: the 1/RD behind it, for the speaker notes."""
    values = formatting.number_needed_values(effect.nnt, effect.number_needed_label, effect.stats.level)
    return deck.say("phrases/unrounded" if unrounded else "phrases/number_needed", **values)


def unrounded_note(deck: "Deck", study: Study, key: str) -> dict:
    """The speaker notes' unrounded 1/RD of each comparison, named by its arms when the study compares more than two."""
    texts = [(e, number_needed_phrase(deck, e, unrounded=True)) for e in deck.report.effects_of(study, key)]
    texts = [(e, t) for e, t in texts if t]
    if not texts:
        return {}
    if len(deck.report.comparisons(study)) == 1:
        return {"unrounded": texts[0][1]}
    return {"unrounded": "; ".join(deck.say("phrases/comparison", experimental=e.experimental.short_name,
                                            reference=e.reference.short_name, effect=t) for e, t in texts)}


def effect_phrase(deck: "Deck", study: Study, key: str, p: str = "") -> str:
    """RR, RD and NNT/NNH of each comparison of a binary outcome, from the model, in the template's words;
    each named by its arms when the study compares more than two.

    p: the P value text with its sidedness (formatting.outcome_p), or "".
    """
    effects = deck.report.effects_of(study, key)
    if not effects:
        return p
    if len(deck.report.comparisons(study)) == 1:
        return binary_effect(deck, effects[0], p)
    # The reported P value belongs to the outcome, not to one of its comparisons: it comes once, last.
    named = [deck.say("phrases/comparison", experimental=e.experimental.short_name, reference=e.reference.short_name,
                      effect=binary_effect(deck, e, "")) for e in effects]
    return "; ".join(named + ([p] if p else []))


def hazard_ratio_phrase(deck: "Deck", study: Study, outcome: TimeToEventOutcome) -> str:
    """The reported hazard ratio, named by the arms it compares when the study compares more than two."""
    text = formatting.hazard_ratio(outcome.hazard_ratio)
    compared = deck.report.ratio_comparison(study, outcome.id)
    if compared is None or len(deck.report.comparisons(study)) == 1:
        return text
    return deck.say("phrases/comparison", experimental=compared.experimental.short_name,
                    reference=compared.reference.short_name, effect=text)


def binary_effect(deck: "Deck", effect: "BinaryEffect", p: str) -> str:
    s = effect.stats
    return deck.say(
        "phrases/binary_effect",
        rr=formatting.ratio(s.risk_ratio), rr_ci=formatting.ratio_ci(s.rr_low, s.rr_high, s.level),
        rd=formatting.percentage_points(float(s.risk_difference)),
        rd_low=formatting.percentage_points(s.rd_low), rd_high=formatting.percentage_points(s.rd_high),
        level=f"{100 * s.level:g}", nn=number_needed_phrase(deck, effect),
        continuity=s.continuity_corrected, p=p,
        experimental=effect.experimental.short_name, reference=effect.reference.short_name,
    )


def p_phrase(deck: "Deck", outcome) -> str:
    """The reported P with its sidedness, or saying that the file does not hold its sidedness."""
    text = formatting.outcome_p(outcome)
    if text and outcome.p_sided is None:
        text += f" ({deck.say('phrases/unsided')})"
    return text


def boundary_phrase(deck: "Deck", study: Study, outcome) -> str:
    if outcome.p is None or outcome.p_boundary is None:
        return ""
    return deck.say("phrases/boundary", crossed=deck.report.crossed_boundary(study, outcome.id),
                    p=formatting.outcome_p(outcome), boundary=formatting.boundary(outcome))


def analysis_phrase(deck: "Deck", outcome) -> str:
    """"analysed after the prespecified final analysis", or "" for a prespecified result."""
    return deck.say("phrases/analysis", analysis=outcome.analysis) if outcome.analysis else ""


def outcome_rows(deck: "Deck", study: Study) -> list[ResultRow]:
    rows = []
    for outcome in study.outcomes:
        notes = tuple(deck.plain(n) for n in (confirmation(deck, outcome), outcome.note) if n) \
            + arm_notes(deck, study, outcome.arms)
        source = deck.cite(outcome.source)
        short = deck.short_ref(outcome.source)
        if isinstance(outcome, BinaryOutcome):
            arms = tuple(binary_arm(deck, study, outcome.id, k, outcome.arms[k]) for k in arm_keys(study, outcome.arms))
            boundary = boundary_phrase(deck, study, outcome)
            p = "" if boundary else p_phrase(deck, outcome)  # the boundary phrase states the P value itself
            derived = [all_in_base_arm(deck, study, outcome, a.key) for a in arms] if outcome.conditional_on else []
            if any(derived):
                # Randomized first: the derived all-analysed comparison heads the row; responders follow. The
                # reported P is the responders' comparison, never the derived one's.
                arms = tuple(d or a for d, a in zip(derived, arms))
                base = next(o for o in study.outcomes if o.id == outcome.conditional_on)
                scoped = f"{p} {deck.say('phrases/responders_only', base=base)}" if p else ""
                effect = "; ".join(x for x in (effect_phrase(deck, study, all_in_base_key(outcome.id)), scoped) if x)
            elif outcome.conditional_on:
                effect = "; ".join(x for x in (deck.say("phrases/conditional"), p) if x)
            else:
                effect = effect_phrase(deck, study, outcome.id, p)
            effect = "; ".join(x for x in (effect, boundary, analysis_phrase(deck, outcome)) if x)
            key = all_in_base_key(outcome.id) if any(derived) else outcome.id
            rows.append(ResultRow(deck.plain(outcome.name), arms, effect, source, short, notes, "binary",
                                  outcome.favourable, bool(outcome.conditional_on) and not any(derived),
                                  outcome.in_summary, bool(deck.report.effects_of(study, key)),
                                  confirmed=outcome.confirmed,
                                  extra={"all_in_base": any(derived), **unrounded_note(deck, study, key),
                                         **({"base": deck.plain(base.name)} if any(derived) else {})}))
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
                parts.append(p_phrase(deck, outcome))
            if outcome.analysis:
                parts.append(analysis_phrase(deck, outcome))
            rows.append(ResultRow(deck.plain(outcome.name), arms, "; ".join(parts), source, short, notes,
                                  "time_to_event", None, False, outcome.in_summary, outcome.hazard_ratio is not None,
                                  confirmed=outcome.confirmed))
    return rows


def survival_text(deck: "Deck", result, unit: str) -> str:
    if not result.reported:
        return deck.say("phrases/not_reported")
    parts = [f"{deck.label('median')} {formatting.median(result, unit)}"] if (
        result.median is not None or result.median_not_reached) else []
    for landmark in result.landmarks:
        text = f"{deck.plain(landmark.label) if landmark.label else formatting.number(landmark.time)}: " \
               f"{formatting.number(landmark.percent)}%"
        if landmark.ci:
            text += f" ({formatting.reported_ci(landmark.ci, landmark.ci_level)})"
        parts.append(text)
    return "; ".join(parts)


def event_term(deck: "Deck", event: "AdverseEvent") -> str:
    """"Febrile neutropenia (serious)": a serious event's rate says so, as the PDF and its chart do (the rate of
    every febrile neutropenia is much higher than that of the serious ones)."""
    term = deck.plain(event.term)
    if event.serious and "serious" not in term.lower():
        term += f" ({markup.clean(deck.template.text('charts/serious')).strip()})"
    return term


def event_name(deck: "Deck", event: "AdverseEvent") -> str:
    """"Febrile neutropenia (serious), any grade"."""
    return f"{event_term(deck, event)}, {formatting.grade(event.grade)}"


def adverse_rows(deck: "Deck", study: Study) -> list[ResultRow]:
    rows = []
    for index, event in enumerate(study.adverse_events):
        key = ae_key(index)
        arms = tuple(binary_arm(deck, study, key, k, event.arms[k]) for k in arm_keys(study, event.arms))
        name = event_name(deck, event)
        population = f"{deck.label('safety_population')}: {event.population}" if event.population else None
        notes = tuple(deck.plain(n) for n in (population, confirmation(deck, event), event.note) if n) \
            + arm_notes(deck, study, event.arms)
        rows.append(ResultRow(name, arms, effect_phrase(deck, study, key), deck.cite(event.source),
                              deck.short_ref(event.source), notes, "adverse_event", "lower", confirmed=event.confirmed,
                              extra={"serious": event.serious, "term": event_term(deck, event),
                                     "grade": formatting.grade(event.grade), **unrounded_note(deck, study, key)}))
    return rows


def chart_rows(rows: list[ResultRow]) -> list[ResultRow]:
    """Rows a rate chart shows: summary binary outcomes where more is better, with a value to draw.

    A responder-only outcome is drawn only as its all-analysed figure (never on the same axis as
    intention-to-treat rates without saying so: its category name says "of all analysed").
    """
    return [r for r in rows if r.kind == "binary" and r.favourable == "higher" and r.in_summary
            and not r.conditional and any(a.value is not None for a in r.arms)]


# ------------------------------------------------------------------------------------------ findings
@dataclass(frozen=True)
class Finding:
    """What a results slide's title states, all from the model: the two arms' figures, the size and
    direction of the effect, and whether it is significant (prespecified boundary first, else the CI)."""

    outcome: str
    experimental: str
    reference: str
    exp_text: str  #: "80.7%", "7.7 months"
    ref_text: str
    measure: str  #: "RR" (derived from counts) or "HR" (as reported)
    ratio: float
    ratio_text: str  #: "HR 0.77 (97.5% CI 0.58–1.03)"
    significant: bool | None  #: None: the data cannot tell
    by_boundary: bool  #: significance judged against a prespecified P boundary
    favours: str | None  #: "experimental", "reference", or None (no difference in the estimate)
    favourable: str  #: "higher" or "lower": which direction is good for this outcome

    def context(self) -> dict:
        return {f.name: getattr(self, f.name) for f in self.__dataclass_fields__.values()}


def _significant(deck: "Deck", study: Study, outcome_id: str, low: float | None, high: float | None) -> tuple[bool | None, bool]:
    crossed = deck.report.crossed_boundary(study, outcome_id)
    if crossed is not None:
        return crossed, True
    if low is None or high is None:
        return None, False
    return (low > 1 or high < 1), False


def binary_finding(deck: "Deck", study: Study, outcome: BinaryOutcome) -> Finding | None:
    """The derived comparison of a binary outcome (over all analysed when it is responder-only)."""
    key = all_in_base_key(outcome.id) if outcome.conditional_on else outcome.id
    effects = deck.report.effects_of(study, key)
    if not effects:
        return None
    effect = effects[0]
    s = effect.stats
    exp, ref = effect.experimental.id, effect.reference.id
    if outcome.conditional_on:
        texts = [f"{deck.report.proportion(study, key, arm).percent:.1f}%" for arm in (exp, ref)]
    else:
        texts = [bar_label(deck, study, outcome.id, arm, outcome.arms[arm]) for arm in (exp, ref)]
    significant, by_boundary = _significant(deck, study, outcome.id, s.rr_low, s.rr_high)
    if s.risk_ratio is None:
        return None
    favours = None if s.risk_ratio == 1 else (
        "experimental" if (s.risk_ratio > 1) == (outcome.favourable == "higher") else "reference")
    return Finding(deck.plain(outcome.name), arm_label(deck, study, exp), arm_label(deck, study, ref), texts[0],
                   texts[1], "RR", float(s.risk_ratio),
                   f"RR {formatting.ratio(s.risk_ratio)} ({formatting.ratio_ci(s.rr_low, s.rr_high, s.level)})",
                   significant, by_boundary, favours, outcome.favourable)


def adverse_finding(deck: "Deck", study: Study, index: int) -> Finding | None:
    event = study.adverse_events[index]
    effects = deck.report.effects_of(study, ae_key(index))
    if not effects or effects[0].stats.risk_ratio is None:
        return None
    effect = effects[0]
    s = effect.stats
    exp, ref = effect.experimental.id, effect.reference.id
    texts = [bar_label(deck, study, ae_key(index), arm, event.arms[arm]) for arm in (exp, ref)]
    low, high = s.rr_low, s.rr_high
    significant = None if low is None or high is None else (low > 1 or high < 1)
    favours = None if s.risk_ratio == 1 else ("reference" if s.risk_ratio > 1 else "experimental")
    return Finding(event_name(deck, event), arm_label(deck, study, exp),
                   arm_label(deck, study, ref), texts[0], texts[1], "RR", float(s.risk_ratio),
                   f"RR {formatting.ratio(s.risk_ratio)} ({formatting.ratio_ci(low, high, s.level)})",
                   significant, False, favours, "lower")


def survival_finding(deck: "Deck", study: Study, outcome: TimeToEventOutcome) -> Finding | None:
    """The reported hazard ratio of a time-to-event outcome, with the medians of the two arms it compares."""
    hr = outcome.hazard_ratio
    compared = deck.report.ratio_comparison(study, outcome.id)
    if hr is None or compared is None:
        return None
    exp, ref = compared.arm_ids
    texts = [median_text(deck, outcome.arms.get(arm), outcome.unit) for arm in (exp, ref)]
    low, high = (float(hr.ci[0]), float(hr.ci[1])) if hr.ci is not None else (None, None)  # an HR with a P value only
    significant, by_boundary = _significant(deck, study, outcome.id, low, high)
    estimate = float(hr.estimate)
    favours = None if estimate == 1 else ("experimental" if estimate < 1 else "reference")
    return Finding(deck.plain(outcome.name), arm_label(deck, study, exp), arm_label(deck, study, ref), texts[0],
                   texts[1], "HR", estimate, formatting.hazard_ratio(hr), significant, by_boundary, favours, "lower")


def bar_label(deck: "Deck", study: Study, key: str, arm: str, result: BinaryArmResult) -> str:
    """"80.7%" as reported, else the percentage of the counts; "not reported" where the file says the source
    gives none, "not in this summary" where the file just holds no figure."""
    if not result.reported:
        return deck.say("phrases/not_reported")
    label = formatting.percent_label(result)
    if label:
        return label
    prop = deck.report.proportion(study, key, arm)
    return f"{prop.percent:.1f}%" if prop is not None else deck.say("phrases/not_in_summary")


def median_text(deck: "Deck", result, unit: str) -> str:
    """"7.7 months"; "not in this summary" when the file holds no result for the arm."""
    if result is None:
        return deck.say("phrases/not_in_summary")
    if not result.reported:
        return deck.say("phrases/not_reported")
    if result.median_not_reached:
        return formatting.median(result, unit)
    if result.median is None:
        return deck.say("phrases/not_in_summary")
    return f"{formatting.number(result.median)} {unit}"

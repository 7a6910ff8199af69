"""The report model: validated evidence plus every derived statistic, computed once, read-only."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from report_builder.errors import EvidenceError, Problem, summarise
from report_builder.analysis import arms
from report_builder.analysis.arms import Comparison
from report_builder.analysis.consistency import check_consistency
from report_builder.inputs.evidence import LoadedEvidence, Waiver, load_evidence
from report_builder.inputs.evidence_schema import (
    Arm, BinaryArmResult, BinaryOutcome, Evidence, Study, TimeToEventOutcome,
)
from report_builder.inputs.yaml_reader import PathKey, SourceMap, dotted
from report_builder.analysis.stats import (
    NumberNeeded, Proportion, TwoArmComparison, boundary_on_side_of_p, compare_proportions, exact_proportion,
    number_needed_to_treat,
)


@dataclass(frozen=True)
class BinaryEffect:
    """A two-arm comparison of a binary outcome or adverse event, oriented for the reader."""

    experimental: Arm
    reference: Arm
    stats: TwoArmComparison
    favourable: str  #: "higher" when more events is good (response), "lower" when bad (toxicity)

    @property
    def comparison(self) -> Comparison:
        return Comparison(self.experimental, self.reference)

    @property
    def favours_experimental(self) -> bool:
        rd = self.stats.risk_difference
        return rd > 0 if self.favourable == "higher" else rd < 0

    @property
    def number_needed_label(self) -> str:
        """"NNT" when the experimental arm does better, "NNH" when it does worse."""
        return "NNT" if self.favours_experimental else "NNH"

    @property
    def nnt(self) -> NumberNeeded:
        """NNT or NNH with Altman's CI, oriented so that "benefit" means the experimental arm does better."""
        s = self.stats
        if self.favourable == "higher":
            return number_needed_to_treat(s.risk_difference, s.rd_low, s.rd_high)
        return number_needed_to_treat(-s.risk_difference, -s.rd_high, -s.rd_low)


@dataclass(frozen=True)
class Report:
    """Everything the builders and charts read: no builder re-reads YAML or recomputes a statistic."""

    source: Path
    evidence: Evidence
    source_map: SourceMap
    #: (study, outcome id, "ae:N" or "<outcome>:all" (all_in_base_key), arm) -> exact CI
    proportions: Mapping[tuple[str, str, str], Proportion]
    #: (study, outcome id, "ae:N" or "<outcome>:all", experimental arm) -> the derived effect of that arm's comparison
    effects: Mapping[tuple[str, str, str], BinaryEffect]
    significance: Mapping[tuple[str, str], bool | None]  #: p below the prespecified boundary?
    warnings: tuple[Problem, ...]
    waivers: tuple[Waiver, ...]
    reference_numbers: Mapping[str, int] = field(default_factory=dict)  #: reference id -> [n]
    #: study -> its comparisons (analysis.arms.comparisons): which arms are compared, decided once
    compared: Mapping[str, tuple[Comparison, ...]] = field(default_factory=dict)
    #: (study, time-to-event outcome) -> the comparison its reported hazard ratio belongs to
    ratio_comparisons: Mapping[tuple[str, str], Comparison] = field(default_factory=dict)
    palette_slots: Mapping[tuple[str, str], int] = field(default_factory=dict)  #: (study, arm) -> colour slot

    @property
    def stem(self) -> str:
        return self.source.stem

    def proportion(self, study: Study | str, key: str, arm: str) -> Proportion | None:
        return self.proportions.get((_sid(study), key, arm))

    def comparisons(self, study: Study | str) -> tuple[Comparison, ...]:
        """The study's comparisons, experimental arm against reference arm: empty for a single-arm study."""
        return self.compared.get(_sid(study), ())

    def effect(self, study: Study | str, key: str, experimental: str | None = None) -> BinaryEffect | None:
        """The derived effect of the comparison whose experimental arm is `experimental`, or None when
        the counts do not allow one. Without an arm, the study must have exactly one comparison."""
        if experimental is None:
            found = self.comparisons(study)
            if len(found) > 1:
                raise ValueError(f"study '{_sid(study)}' has {len(found)} comparisons: name the experimental arm")
            if not found:
                return None
            experimental = found[0].experimental.id
        return self.effects.get((_sid(study), key, experimental))

    def in_summary_of_findings(self, study: Study) -> bool:
        """A randomized study whose comparisons take in every arm: a Summary of findings can hold its results."""
        covered = {arm_id for c in self.comparisons(study) for arm_id in c.arm_ids}
        return study.randomized and bool(covered) and covered == {a.id for a in study.arms}

    def effects_of(self, study: Study | str, key: str) -> tuple[BinaryEffect, ...]:
        """The derived effects of an outcome or adverse event, one per comparison that has them, in comparison order."""
        found = (self.effects.get((_sid(study), key, c.experimental.id)) for c in self.comparisons(study))
        return tuple(e for e in found if e is not None)

    def ratio_comparison(self, study: Study | str, outcome_id: str) -> Comparison | None:
        """The arms a time-to-event outcome's hazard ratio compares (its `compares`, else the study's only
        comparison); None when it has no hazard ratio."""
        return self.ratio_comparisons.get((_sid(study), outcome_id))

    def palette_slot(self, study: Study | str, key: str) -> int | None:
        """The arm's chart colour slot (see analysis.arms.palette_slots); None for pooled results."""
        return self.palette_slots.get((_sid(study), key))

    def crossed_boundary(self, study: Study | str, outcome_id: str) -> bool | None:
        return self.significance.get((_sid(study), outcome_id))

    def waivers_under(self, path_prefix: str) -> tuple[Waiver, ...]:
        """Waivers applied at or below a dotted path, for footnotes."""
        return tuple(w for w in self.waivers if w.path == path_prefix or w.path.startswith(path_prefix + "."))


def ae_key(index: int) -> str:
    """The key of the index-th adverse event of a study in Report.proportions/effects."""
    return f"ae:{index}"


def _sid(study: Study | str) -> str:
    return study if isinstance(study, str) else study.id


def analyse(loaded: LoadedEvidence) -> Report:
    """Derive the statistics, run the consistency checks, and freeze the result."""
    evidence = loaded.evidence
    by_path: dict[PathKey, Proportion] = {}
    proportions: dict[tuple[str, str, str], Proportion] = {}
    effects: dict[tuple[str, str, str], BinaryEffect] = {}
    significance: dict[tuple[str, str], bool | None] = {}
    compared = {study.id: arms.comparisons(study) for study in evidence.studies}
    ratio_comparisons: dict[tuple[str, str], Comparison] = {}
    for i, study in enumerate(evidence.studies):
        rows: list[tuple[PathKey, str, dict[str, BinaryArmResult], str | None]] = []
        for k, outcome in enumerate(study.outcomes):
            if isinstance(outcome, BinaryOutcome):
                # Conditional on response, arms are no longer randomized groups: no RR or NNT for them.
                favourable = None if outcome.conditional_on else outcome.favourable
                rows.append((("studies", i, "outcomes", k), outcome.id, outcome.arms, favourable))
            elif isinstance(outcome, TimeToEventOutcome) and outcome.hazard_ratio is not None:
                ratio = arms.ratio_comparison(study, outcome.hazard_ratio.compares)
                if ratio is not None:
                    ratio_comparisons[(study.id, outcome.id)] = ratio
            if outcome.p is not None and outcome.p_boundary is not None:
                boundary = boundary_on_side_of_p(Decimal(outcome.p_boundary.text), outcome.p_boundary_sided,
                                                 outcome.p_sided)
                significance[(study.id, outcome.id)] = outcome.p.below(float(boundary))
        for k, event in enumerate(study.adverse_events):
            rows.append((("studies", i, "adverse_events", k), ae_key(k), event.arms, "lower"))
        for path, key, results, favourable in rows:
            for arm_id, result in results.items():
                if result.events is not None and result.total is not None:
                    level = float(result.ci_level) / 100
                    prop = exact_proportion(result.events, result.total, level)
                    by_path[path + ("arms", arm_id)] = prop
                    proportions[(study.id, key, arm_id)] = (
                        prop if level == 0.95 else exact_proportion(result.events, result.total)
                    )
            if favourable:
                _compare(study, key, favourable, compared[study.id], proportions, effects)
        for outcome in study.outcomes:
            _all_in_base(study, outcome, compared[study.id], proportions, effects)
    findings, waivers = check_consistency(evidence, loaded.source_map, by_path)
    if any(p.severity == "error" for p in findings):
        raise EvidenceError(summarise(findings, str(loaded.path)), findings)
    numbers = {ref.id: n for n, ref in enumerate(evidence.references, start=1)}
    return Report(
        source=loaded.path,
        evidence=evidence,
        source_map=loaded.source_map,
        proportions=MappingProxyType(proportions),
        effects=MappingProxyType(effects),
        significance=MappingProxyType(significance),
        warnings=tuple(findings),
        waivers=tuple(waivers),
        reference_numbers=MappingProxyType(numbers),
        compared=MappingProxyType(compared),
        ratio_comparisons=MappingProxyType(ratio_comparisons),
        palette_slots=MappingProxyType(arms.palette_slots(evidence)),
    )


def all_in_base_key(outcome_id: str) -> str:
    """The key of a responder-only outcome re-expressed over everyone in its base outcome's analysis."""
    return f"{outcome_id}:all"


def _compare(study: Study, key: str, favourable: str, comparisons: tuple[Comparison, ...],
             proportions: dict, effects: dict) -> None:
    """The effect of each of the study's comparisons whose two arms have counts, keyed by experimental arm."""
    for comparison in comparisons:
        experimental, reference = ((study.id, key, arm_id) for arm_id in comparison.arm_ids)
        if experimental in proportions and reference in proportions:
            stats = compare_proportions(proportions[experimental], proportions[reference])
            effects[experimental] = BinaryEffect(comparison.experimental, comparison.reference, stats, favourable)


def _all_in_base(study: Study, outcome, comparisons: tuple[Comparison, ...], proportions: dict,
                 effects: dict) -> None:
    """Randomized first: a responder-only outcome (MRD negativity among CR/CRi) also over all patients
    its base outcome analysed (69/109 rather than 69/88), which keeps the randomized groups whole.

    The events are the reported ones; the denominators are the base outcome's reported totals (the
    response population), so each comparison is between randomized groups and gets RR, RD and NNT.
    """
    if not isinstance(outcome, BinaryOutcome) or outcome.conditional_on is None:
        return
    base = next((o for o in study.outcomes if o.id == outcome.conditional_on and isinstance(o, BinaryOutcome)), None)
    if base is None:
        return
    key = all_in_base_key(outcome.id)
    for arm_id, result in outcome.arms.items():
        base_result = base.arms.get(arm_id)
        if (result.events is not None and base_result is not None and base_result.total is not None
                and result.events <= base_result.total):
            proportions[(study.id, key, arm_id)] = exact_proportion(result.events, base_result.total)
    _compare(study, key, outcome.favourable, comparisons, proportions, effects)


def load_report(path: Path | str) -> Report:
    """Load, validate, check and analyse one evidence file: the single entry to the model."""
    return analyse(load_evidence(path))


__all__ = ["BinaryEffect", "Comparison", "Report", "ae_key", "all_in_base_key", "analyse", "load_report", "dotted"]

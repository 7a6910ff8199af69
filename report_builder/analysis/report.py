"""The report model: validated evidence plus every derived statistic, computed once, read-only."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from report_builder.errors import EvidenceError, Problem, summarise
from report_builder.analysis.consistency import check_consistency, default_pair
from report_builder.inputs.evidence import LoadedEvidence, Waiver, load_evidence
from report_builder.inputs.evidence_schema import Arm, BinaryArmResult, BinaryOutcome, Evidence, Study
from report_builder.inputs.yaml_reader import PathKey, SourceMap, dotted
from report_builder.analysis.stats import Proportion, TwoArmComparison, compare_proportions, exact_proportion


@dataclass(frozen=True)
class BinaryEffect:
    """A two-arm comparison of a binary outcome or adverse event, oriented for the reader."""

    experimental: Arm
    reference: Arm
    stats: TwoArmComparison
    favourable: str  #: "higher" when more events is good (response), "lower" when bad (toxicity)

    @property
    def favours_experimental(self) -> bool:
        rd = self.stats.risk_difference
        return rd > 0 if self.favourable == "higher" else rd < 0

    @property
    def number_needed_label(self) -> str:
        """"NNT" when the experimental arm does better, "NNH" when it does worse."""
        return "NNT" if self.favours_experimental else "NNH"

    @property
    def number_needed(self) -> int | None:
        """None when the RD's CI includes 0: a number needed would then mislead."""
        return self.stats.number_needed if self.stats.rd_ci_excludes_zero else None


@dataclass(frozen=True)
class Report:
    """Everything the builders and charts read: no builder re-reads YAML or recomputes a statistic."""

    source: Path
    evidence: Evidence
    source_map: SourceMap
    proportions: Mapping[tuple[str, str, str], Proportion]  #: (study, outcome id or "ae:N", arm) -> exact CI
    effects: Mapping[tuple[str, str], BinaryEffect]  #: (study, outcome id or "ae:N") -> comparison
    significance: Mapping[tuple[str, str], bool | None]  #: p below the prespecified boundary?
    warnings: tuple[Problem, ...]
    waivers: tuple[Waiver, ...]
    reference_numbers: Mapping[str, int] = field(default_factory=dict)  #: reference id -> [n]

    @property
    def stem(self) -> str:
        return self.source.stem

    def proportion(self, study: Study | str, key: str, arm: str) -> Proportion | None:
        return self.proportions.get((_sid(study), key, arm))

    def effect(self, study: Study | str, key: str) -> BinaryEffect | None:
        return self.effects.get((_sid(study), key))

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
    effects: dict[tuple[str, str], BinaryEffect] = {}
    significance: dict[tuple[str, str], bool | None] = {}
    for i, study in enumerate(evidence.studies):
        rows: list[tuple[PathKey, str, dict[str, BinaryArmResult], str | None]] = []
        for k, outcome in enumerate(study.outcomes):
            if isinstance(outcome, BinaryOutcome):
                # Conditional on response, arms are no longer randomized groups: no RR or NNT for them.
                favourable = None if outcome.conditional_on else outcome.favourable
                rows.append((("studies", i, "outcomes", k), outcome.id, outcome.arms, favourable))
            if outcome.p is not None and outcome.p_boundary is not None:
                significance[(study.id, outcome.id)] = outcome.p.below(float(outcome.p_boundary))
        for k, event in enumerate(study.adverse_events):
            rows.append((("studies", i, "adverse_events", k), ae_key(k), event.arms, "lower"))
        pair = default_pair(study)
        for path, key, arms, favourable in rows:
            for arm_id, result in arms.items():
                if result.events is not None and result.total is not None:
                    level = float(result.ci_level) / 100
                    prop = exact_proportion(result.events, result.total, level)
                    by_path[path + ("arms", arm_id)] = prop
                    proportions[(study.id, key, arm_id)] = (
                        prop if level == 0.95 else exact_proportion(result.events, result.total)
                    )
            if favourable and pair and all((study.id, key, a) in proportions for a in pair):
                exp_arm, ref_arm = (next(a for a in study.arms if a.id == x) for x in pair)
                stats = compare_proportions(proportions[(study.id, key, pair[0])], proportions[(study.id, key, pair[1])])
                effects[(study.id, key)] = BinaryEffect(exp_arm, ref_arm, stats, favourable)
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
    )


def load_report(path: Path | str) -> Report:
    """Load, validate, check and analyse one evidence file: the single entry to the model."""
    return analyse(load_evidence(path))


__all__ = ["BinaryEffect", "Report", "ae_key", "analyse", "load_report", "dotted"]

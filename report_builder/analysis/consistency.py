"""Clinical consistency checks: do the reported figures agree with their counts, CIs and each other?"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic import BaseModel

from report_builder.errors import Problem
from report_builder.analysis.arms import ratio_comparison
from report_builder.inputs.markup import cited_keys
from report_builder.inputs.evidence import Waiver
from report_builder.inputs.numbers import ReportedNumber
from report_builder.inputs.evidence_schema import (
    POOLED,
    BinaryArmResult,
    BinaryOutcome,
    Evidence,
    Study,
    TimeToEventOutcome,
)
from report_builder.inputs.yaml_reader import PathKey, SourceMap, dotted
from report_builder.analysis.stats import Proportion

def _exact(value: ReportedNumber) -> Fraction:
    return Fraction(Decimal(value.text))


def _unit(value: ReportedNumber) -> Fraction:
    return Fraction(1, 10**value.decimals)


class _Checker:
    def __init__(self, evidence: Evidence, source_map: SourceMap, proportions: Mapping[PathKey, Proportion]):
        self.evidence = evidence
        self.source_map = source_map
        self.proportions = proportions
        self.findings: list[Problem] = []
        self.waivers: list[Waiver] = []
        self.used_waivers: set[tuple[PathKey, str]] = set()

    # -- reporting
    def error(self, path: PathKey, message: str) -> None:
        self.findings.append(self.source_map.problem(path, message))

    def warn(self, path: PathKey, message: str) -> None:
        self.findings.append(self.source_map.problem(path, message, "warning"))

    def failed(self, check: str, path: PathKey, waiver_owner: PathKey, waive: Mapping[str, str], message: str) -> None:
        """A check failed at path: an error, unless the figure waives that check with a reason."""
        if check in waive:
            self.used_waivers.add((waiver_owner, check))
            self.waivers.append(Waiver(dotted(path), check, waive[check], message))
        else:
            self.error(path, f"{message} [check '{check}'; if the publication itself is inconsistent, "
                             f"add 'waive: {{{check}: <reason>}}' here]")

    # -- checks
    def run(self) -> None:
        ev = self.evidence
        ref_ids = {r.id for r in ev.references}
        for i, study in enumerate(ev.studies):
            self.study(("studies", i), study)
        if ev.dosing:
            for j, schedule in enumerate(ev.dosing.schedules):
                path = ("dosing", "schedules", j)
                if schedule.total_per_cycle is not None:
                    total = sum((_exact(d.dose) * d.day_count for d in schedule.doses), Fraction(0))
                    if total != _exact(schedule.total_per_cycle):
                        self.failed("dose-total", path + ("total_per_cycle",), path, schedule.waive,
                                    f"total per cycle {schedule.total_per_cycle.text} does not equal the sum of the "
                                    f"doses ({float(total):g})")
                units = {d.unit for d in schedule.doses}
                if len(units) > 1:
                    self.error(path + ("doses",), f"doses mix units ({', '.join(sorted(units))}); use one unit per schedule")
        for j in range(1, len(ev.regulatory)):
            before, after = ev.regulatory[j - 1], ev.regulatory[j]
            # A date known to the month or year is out of order only if all of it lies before the other.
            if after.date.end < before.date.start:
                self.error(("regulatory", j, "date"), f"dates out of order: {after.date.isoformat()} comes after "
                                                      f"{before.date.isoformat()}; list regulatory events oldest first")
        study_ids = {s.id for s in ev.studies}
        for j, appraisal in enumerate(ev.appraisal):
            if appraisal.study not in study_ids:
                self.error(("appraisal", j, "study"), self._unknown("study", appraisal.study, study_ids))
        self.extends()
        self.references(ref_ids)
        self.unused_waivers()

    def study(self, path: PathKey, study: Study) -> None:
        arm_ids = {a.id for a in study.arms}
        sizes = [a.n for a in study.arms]
        if all(n is not None for n in sizes) and sum(sizes) != study.enrolled:
            self.failed("arm-sizes", path + ("enrolled",), path, study.waive,
                        f"arm sizes {' + '.join(map(str, sizes))} = {sum(sizes)} do not add up to enrolled ({study.enrolled})")
        if study.cohorts and sum(c.n for c in study.cohorts) != study.enrolled:
            self.failed("arm-sizes", path + ("cohorts",), path, study.waive,
                        f"cohort sizes add up to {sum(c.n for c in study.cohorts)}, not to enrolled ({study.enrolled})")
        arm_sizes = {a.id: a.n for a in study.arms} | {POOLED: study.enrolled}
        for k, stage in enumerate(study.flow):
            for arm, count in stage.counts.items():
                stage_path = path + ("flow", k, "counts", arm)
                if arm not in arm_ids | {POOLED}:
                    self.error(stage_path, self._unknown("arm", arm, arm_ids))
                elif arm_sizes.get(arm) is not None and count > arm_sizes[arm]:
                    self.error(stage_path, f"{count} exceeds the {arm_sizes[arm]} participants of arm '{arm}'")
        binary = {o.id: o for o in study.outcomes if isinstance(o, BinaryOutcome)}
        for k, outcome in enumerate(study.outcomes):
            opath = path + ("outcomes", k)
            for arm in outcome.arms:
                if arm not in arm_ids | {POOLED}:
                    self.error(opath + ("arms", arm), self._unknown("arm", arm, arm_ids))
            if outcome.p_boundary is not None and outcome.p is None:
                self.error(opath + ("p_boundary",), "a significance boundary needs the reported 'p'")
            if isinstance(outcome, BinaryOutcome):
                for arm, result in outcome.arms.items():
                    self.binary(opath + ("arms", arm), result, arm_sizes.get(arm))
                self.conditional(opath, outcome, binary, study)
            else:
                self.time_to_event(opath, outcome, study)
                if outcome.conditional_on is not None and outcome.conditional_on not in binary:
                    self.error(opath + ("conditional_on",), self._unknown("binary outcome", outcome.conditional_on,
                                                                          set(binary)))
        for k, event in enumerate(study.adverse_events):
            epath = path + ("adverse_events", k)
            for arm, result in event.arms.items():
                if arm not in arm_ids | {POOLED}:
                    self.error(epath + ("arms", arm), self._unknown("arm", arm, arm_ids))
                self.binary(epath + ("arms", arm), result, arm_sizes.get(arm))

    def binary(self, path: PathKey, result: BinaryArmResult, arm_size: int | None) -> None:
        if result.total is not None and arm_size is not None and result.total > arm_size:
            self.error(path + ("total",), f"total {result.total} exceeds the {arm_size} participants of this arm")
        if result.percent is not None and result.events is not None and result.total is not None:
            exact = Fraction(100 * result.events, result.total)
            if abs(_exact(result.percent) - exact) > _unit(result.percent):
                self.failed("percent-vs-counts", path + ("percent",), path, result.waive,
                            f"reported {result.percent.text}% does not match {result.events}/{result.total} = "
                            f"{float(exact):.2f}% (allowed: one unit in the last reported digit)")
        if result.ci is not None and result.percent is not None:
            low, high = result.ci
            if not low <= result.percent <= high:
                self.failed("ci-contains-estimate", path + ("ci",), path, result.waive,
                            f"CI {low.text}-{high.text} does not contain the estimate {result.percent.text}%")
            exact = self.proportions.get(path)
            if exact is not None:
                for bound, computed, side in ((low, exact.low, "lower"), (high, exact.high, "upper")):
                    if abs(_exact(bound) - Fraction(100 * computed)) > _unit(bound):
                        self.failed("exact-ci", path + ("ci",), path, result.waive,
                                    f"reported {side} bound {bound.text} disagrees with the exact (Clopper-Pearson) "
                                    f"{result.ci_level.text}% bound {100 * computed:.2f} for "
                                    f"{result.events}/{result.total} by more than one unit in the last digit")
                        break

    def conditional(self, path: PathKey, outcome: BinaryOutcome, binary: dict, study: Study) -> None:
        if outcome.conditional_on is None:
            return
        base = binary.get(outcome.conditional_on)
        if base is None or base is outcome:
            self.error(path + ("conditional_on",),
                       self._unknown("binary outcome", outcome.conditional_on, set(binary) - {outcome.id}))
            return
        chain, link = [outcome.id], base
        while link is not None:  # responders of responders is fine; a circle has no base at all
            if link.id in chain:
                self.error(path + ("conditional_on",), "conditional_on goes round in a circle: "
                                                       f"{' -> '.join([*chain, link.id])}")
                return
            chain.append(link.id)
            link = binary.get(link.conditional_on) if link.conditional_on is not None else None
        for arm, result in outcome.arms.items():
            responders = base.arms.get(arm)
            if result.total is None or responders is None or responders.events is None:
                continue
            if result.total != responders.events:
                self.failed("responder-denominator", path + ("arms", arm, "total"), path + ("arms", arm), result.waive,
                            f"denominator {result.total} should equal the {responders.events} responders of "
                            f"'{base.id}' in arm '{arm}'")

    def time_to_event(self, path: PathKey, outcome: TimeToEventOutcome, study: Study) -> None:
        arm_ids = {a.id for a in study.arms}
        for arm, result in outcome.arms.items():
            apath = path + ("arms", arm)
            if result.ci is not None and result.median is not None and not result.ci[0] <= result.median <= result.ci[1]:
                self.failed("ci-contains-estimate", apath + ("ci",), apath, result.waive,
                            f"CI {result.ci[0].text}-{result.ci[1].text} does not contain the median {result.median.text}")
            for m, landmark in enumerate(result.landmarks):
                if landmark.ci is not None and not landmark.ci[0] <= landmark.percent <= landmark.ci[1]:
                    self.failed("ci-contains-estimate", apath + ("landmarks", m, "ci"), apath, result.waive,
                                f"CI {landmark.ci[0].text}-{landmark.ci[1].text} does not contain {landmark.percent.text}%")
            times = [p.time for p in result.curve]
            if times != sorted(times):
                self.error(apath + ("curve",), "curve points must be in time order")
        hr = outcome.hazard_ratio
        if hr is None:
            return
        hpath = path + ("hazard_ratio",)
        if hr.ci is not None and not hr.ci[0] <= hr.estimate <= hr.ci[1]:
            self.error(hpath + ("ci",), f"CI {hr.ci[0].text}-{hr.ci[1].text} does not contain the hazard ratio "
                                       f"{hr.estimate.text}")
        for arm in hr.compares or ():
            if arm not in arm_ids:
                self.error(hpath + ("compares",), self._unknown("arm", arm, arm_ids))
                return
        if hr.compares and hr.compares[0] == hr.compares[1]:
            self.error(hpath + ("compares",), f"a hazard ratio compares two different arms; both are '{hr.compares[0]}'")
            return
        compared = ratio_comparison(study, hr.compares)
        if compared is None:
            self.error(hpath, "say which arms the hazard ratio compares: compares: [experimental, reference]")
            return
        pair = compared.arm_ids
        exp, ref = (outcome.arms.get(a) for a in pair)
        if exp and ref and exp.median is not None and ref.median is not None and hr.estimate != 1:
            if (hr.estimate < 1) != (exp.median > ref.median) and exp.median != ref.median:
                self.warn(hpath + ("estimate",),
                          f"hazard ratio {hr.estimate.text} ({pair[0]} vs {pair[1]}) points the other way from the "
                          f"medians {exp.median.text} vs {ref.median.text} {outcome.unit}; check the arm order")

    def extends(self) -> None:
        """A study (or arm) that extends another names one that exists, and not itself."""
        studies = {s.id: s for s in self.evidence.studies}
        for i, study in enumerate(self.evidence.studies):
            owners = [(("studies", i, "extends"), study.extends)]
            owners += [(("studies", i, "arms", k, "extends"), a.extends) for k, a in enumerate(study.arms)]
            for path, link in owners:
                if link is None:
                    continue
                target = studies.get(link.study)
                if target is None or target is study:
                    self.error(path + ("study",), self._unknown("study", link.study, set(studies) - {study.id}))
                elif link.arm is not None and link.arm not in {a.id for a in target.arms}:
                    self.error(path + ("arm",), self._unknown(f"arm of study '{target.id}'", link.arm,
                                                             {a.id for a in target.arms}))

    def references(self, ref_ids: set[str]) -> None:
        used: set[str] = set()
        for path, key, value in _walk(self.evidence, ()):
            if not isinstance(value, str):
                continue
            if key in ("source", "sources", "review"):
                used.add(value)
                if value not in ref_ids:
                    self.error(path, self._unknown("reference", value, ref_ids))
            elif key != "id":
                for cited in cited_keys(value):
                    used.add(cited)
                    if cited not in ref_ids:
                        self.error(path, f"citation [@{cited}]: " + self._unknown("reference", cited, ref_ids))
        for i, ref in enumerate(self.evidence.references):
            if ref.id not in used:
                self.error(("references", i, "id"), f"reference '{ref.id}' is never cited; cite it with [@{ref.id}] "
                                                     "or a 'source:', or remove it")

    def unused_waivers(self) -> None:
        for path, key, value in _walk(self.evidence, ()):
            if key == "waive" and isinstance(value, dict):
                owner = path[:-1]
                for check in value:
                    if (owner, check) not in self.used_waivers:
                        self.warn(path + (check,), f"waiver for '{check}' is not needed: the check passes here")

    @staticmethod
    def _unknown(what: str, name: str, known: set[str]) -> str:
        import difflib

        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else (f"; known: {', '.join(sorted(known))}" if known else "")
        return f"unknown {what} '{name}'{hint}"


def _walk(value: Any, path: PathKey, key: str | None = None) -> Iterator[tuple[PathKey, str | None, Any]]:
    """Every field of the model tree with its path; yields (path, field name, value)."""
    if isinstance(value, BaseModel):
        yield path, key, None
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), path + (name,), name)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from _walk(item, path + (i,), key)
    elif isinstance(value, dict):
        yield path, key, value
        for k, item in value.items():
            yield from _walk(item, path + (k,), key if key == "waive" else str(k))
    else:
        yield path, key, value


def check_consistency(evidence: Evidence, source_map: SourceMap, proportions: Mapping[PathKey, Proportion]
                      ) -> tuple[list[Problem], list[Waiver]]:
    """All consistency findings (errors and warnings) and the waivers that were applied."""
    checker = _Checker(evidence, source_map, proportions)
    checker.run()
    checker.findings.sort(key=lambda p: (p.line or 0, p.column or 0))
    return checker.findings, checker.waivers

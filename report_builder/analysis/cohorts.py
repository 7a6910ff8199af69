"""Which participants cross-study displays show once: a cohort followed longer in a later study is the same evidence."""
from __future__ import annotations

from dataclasses import dataclass

from report_builder.inputs.evidence_schema import POOLED, Arm, Evidence, Extends, Study


@dataclass(frozen=True)
class Repeat:
    """An arm (or a pooled result, or a whole study) whose participants another study already shows."""

    study: Study
    arm_id: str | None  #: None: the whole study; "all": a pooled result that includes a repeated arm
    extends: Extends
    original: Study


def repeats(evidence: Evidence) -> list[Repeat]:
    """Every study, arm and pooled result that repeats participants shown under another study."""
    by_id = {s.id: s for s in evidence.studies}
    out: list[Repeat] = []
    for study in evidence.studies:
        if study.extends is not None and study.extends.study in by_id:
            out.append(Repeat(study, None, study.extends, by_id[study.extends.study]))
            continue
        arm_links = [(a, a.extends) for a in study.arms if a.extends is not None and a.extends.study in by_id]
        for arm, link in arm_links:
            out.append(Repeat(study, arm.id, link, by_id[link.study]))
        if arm_links:
            # A result pooled over all arms includes the repeated arm's participants too.
            out.append(Repeat(study, POOLED, arm_links[0][1], by_id[arm_links[0][1].study]))
    return out


@dataclass(frozen=True)
class SamePatients:
    """A study (arm None) or one of its arms following another study's participants, the "same patients" note."""

    arm: Arm | None
    extends: Extends
    original: Study
    original_arm: Arm | None


def same_patients(evidence: Evidence, study: Study) -> list[SamePatients]:
    """The study's own link to an earlier study, then each arm's: what the PDF and the deck both say of it."""
    out = []
    for arm, link in [(None, study.extends)] + [(a, a.extends) for a in study.arms]:
        if link is None:
            continue
        original = evidence.study(link.study)
        original_arm = next((a for a in original.arms if a.id == link.arm), None) if link.arm else None
        out.append(SamePatients(arm, link, original, original_arm))
    return out


def shown_once(evidence: Evidence, study: Study, arm_ids) -> list[str]:
    """The arm ids of a study's result that a cross-study display shows (repeated cohorts left out)."""
    hidden = {r.arm_id for r in repeats(evidence) if r.study.id == study.id}
    if None in hidden:
        return []
    return [a for a in arm_ids if a not in hidden]

"""Which arms a study compares, and each arm's order, palette slot and label: decided here and nowhere else."""
from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from report_builder.inputs.evidence_schema import POOLED, Arm, Evidence, Study

ROLE_ORDER = ("intervention", "single", "control")  #: arm order by role; within a role, the file's order


@dataclass(frozen=True)
class Comparison:
    """An experimental arm against a reference arm, in that orientation (a risk ratio above 1 means more
    events with the experimental arm)."""

    experimental: Arm
    reference: Arm

    @property
    def arm_ids(self) -> tuple[str, str]:
        return self.experimental.id, self.reference.id


def comparisons(study: Study) -> tuple[Comparison, ...]:
    """Each intervention arm against each control arm, interventions in the file's order.

    A study with two intervention arms and one comparator has two comparisons; a single-arm study, or
    one without a control arm, has none. Whether the comparison is randomized is the study's.
    """
    interventions = [a for a in study.arms if a.role == "intervention"]
    controls = [a for a in study.arms if a.role == "control"]
    return tuple(Comparison(experimental, reference) for experimental in interventions for reference in controls)


def ratio_comparison(study: Study, compares: Sequence[str] | None) -> Comparison | None:
    """The comparison a reported ratio (a hazard ratio) belongs to: the two arms it names, else the study's
    only comparison; None when it names an unknown arm, or names none and the study has not exactly one."""
    if compares is None:
        found = comparisons(study)
        return found[0] if len(found) == 1 else None
    by_id = {a.id: a for a in study.arms}
    if any(arm_id not in by_id for arm_id in compares):
        return None
    experimental, reference = compares
    return Comparison(by_id[experimental], by_id[reference])


def single_arm(study: Study) -> Arm | None:
    """The arm of a study that has only one: its results stand alone, set against nothing."""
    return study.arms[0] if len(study.arms) == 1 else None


def comparator_ids(study: Study) -> frozenset[str]:
    """The arms a study's interventions are compared against (its control arms)."""
    return frozenset(a.id for a in study.arms if a.role == "control")


# ------------------------------------------------------------------------------------------ order
def ordered_arms(study: Study) -> list[Arm]:
    """Intervention arms first, then single-arm cohorts, then controls: the order of every table and chart."""
    return sorted(study.arms, key=lambda a: ROLE_ORDER.index(a.role))  # sorted() is stable: file order within a role


def arm_keys(study: Study, keys: Collection[str]) -> list[str]:
    """The result keys of an outcome (arm ids, maybe the pooled key) in arm order, pooled results last."""
    order = [a.id for a in ordered_arms(study)]
    return [k for k in order if k in keys] + [k for k in keys if k not in order]


# ------------------------------------------------------------------------------------------ colour
def palette_slots(evidence: Evidence) -> dict[tuple[str, str], int]:
    """(study id, arm id) -> the arm's place in the template's chart palette, by what the arm is.

    The treatment under study takes the first colour in every study (its first intervention or single
    arm); a study's further experimental arms take the next colours, in arm order. Comparators (control
    arms) and pooled results have no slot: they are drawn in the neutral muted colour, so a colour never
    means "the comparator" in one chart and a treatment in the next. This is the one function that
    decides which colour an arm gets.
    """
    slots: dict[tuple[str, str], int] = {}
    for study in evidence.studies:
        experimental = [arm for arm in ordered_arms(study) if arm.role != "control"]
        for position, arm in enumerate(experimental):
            slots[(study.id, arm.id)] = position
    return slots


def arm_colour(palette: Sequence[str], slot: int | None, fallback: str) -> str:
    """The palette colour of a slot (the palette repeats when there are more arms than colours); fallback
    (the template's muted colour) for comparators and pooled results."""
    return fallback if slot is None else palette[slot % len(palette)]


# ------------------------------------------------------------------------------------------ labels
def arm_label(study: Study, key: str, pooled: str, clean: Callable[[str], str] = lambda text: text) -> str:
    """An arm's short name as `clean` prepares evidence text for the output, or `pooled` (the template's
    wording, already clean) for the pooled key."""
    if key == POOLED:
        return pooled
    return clean(next(a.short_name for a in study.arms if a.id == key))


__all__ = ["POOLED", "Comparison", "arm_colour", "arm_keys", "arm_label", "comparator_ids", "comparisons",
           "ordered_arms", "palette_slots", "ratio_comparison"]

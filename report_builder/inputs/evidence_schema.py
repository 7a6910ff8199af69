"""The evidence format: frozen pydantic models that mirror the YAML one to one."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from report_builder.inputs.numbers import PValue, ReportedNumber

FORMAT_VERSION = 1
POOLED = "all"  #: the arm key of a result pooled over all of a study's arms; no arm may take it

#: Names of consistency checks; a figure may waive one with a reason (see docs/evidence-format.md).
CheckName = Literal[
    "percent-vs-counts",
    "ci-contains-estimate",
    "exact-ci",
    "arm-sizes",
    "responder-denominator",
    "dose-total",
]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)]
Count = Annotated[int, Field(ge=0, strict=True)]
Percent = Annotated[ReportedNumber, Field(ge=0, le=100)]
NonNegative = Annotated[ReportedNumber, Field(ge=0)]
Positive = Annotated[ReportedNumber, Field(gt=0)]
ConfidenceLevel = Annotated[ReportedNumber, Field(gt=0, lt=100)]
Interval = tuple[ReportedNumber, ReportedNumber]
Waivers = dict[CheckName, Text]
Sided = Literal["one-sided", "two-sided"]


class Model(BaseModel):
    """Every evidence object: read-only, and unknown keys are errors, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, use_attribute_docstrings=True,
                              defer_build=True)


def _no_values(result: BaseModel, names: tuple[str, ...]) -> None:
    given = [n for n in names if getattr(result, n) not in (None, ())]
    if given:
        raise ValueError(f"'reported: false' says the source gives no result, but {', '.join(given)} "
                         f"{'is' if len(given) == 1 else 'are'} given")


def _check_interval(ci: Interval | None, estimate: float | None = None) -> None:
    if ci is None:
        return
    if ci[0] > ci[1]:
        raise ValueError(f"confidence interval lower bound {ci[0].text} is above its upper bound {ci[1].text}")


# --------------------------------------------------------------------------------------- references
class Reference(Model):
    id: Id
    """Key used by `source:` fields and by `[@id]` citations in text."""
    authors: tuple[Text, ...] = Field(min_length=1)
    """Authors as printed, e.g. "Kantarjian HM"; end with "et al" when truncated."""
    title: Text | None = None
    """Leave out rather than guess: a reference is still findable by its DOI."""
    journal: Text | None = None
    """Journal, or the publisher/agency for labels and regulatory documents."""
    year: int = Field(ge=1800, le=2100)
    volume: Text | None = None
    issue: Text | None = None
    pages: Text | None = None
    doi: Annotated[str, StringConstraints(pattern=r"^10\.\d{4,9}/\S+$")] | None = None
    pmid: Annotated[int, Field(gt=0)] | None = None
    pmcid: Annotated[str, StringConstraints(pattern=r"^PMC\d+$")] | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    published: dt.date | None = None
    note: Text | None = None


# --------------------------------------------------------------------------------------- question
class Drug(Model):
    name: Text
    abbreviation: Text
    brand: Text | None = None
    drug_class: Text | None = None
    target: Text | None = None


class Meta(Model):
    title: Text
    subtitle: Text | None = None
    date: dt.date
    """The date printed on the outputs (never the build clock)."""
    version: Text
    authors: tuple[Text, ...] = ()
    review: Id | None = None
    """The review this evidence summary grew from, if any."""
    keywords: tuple[Text, ...] = ()


class Question(Model):
    population: Text
    intervention: Text
    comparison: Text
    outcomes: tuple[Text, ...] = Field(min_length=1)
    case: Text | None = None
    """A short clinical vignette that opens the journal club."""


class Certainty(Model):
    """A GRADE-style certainty rating, with the reasons for rating down or up."""

    level: Literal["high", "moderate", "low", "very low"]
    reasons: tuple[Text, ...] = ()


# --------------------------------------------------------------------------------------- results
class BinaryArmResult(Model):
    """Events out of a total, and/or the reported percentage with its reported CI.

    An arm the outcome does not list is "not in this summary" (the source may report it); write
    `reported: false` only when the source itself does not report this arm's result.
    """

    reported: bool = True
    """False: the source does not report this result (outputs say "not reported"); give no values then."""
    events: Count | None = None
    total: Annotated[int, Field(ge=1, strict=True)] | None = None
    percent: Percent | None = None
    ci: Interval | None = None
    """Reported CI of the percentage, [lower, upper] in percent."""
    ci_level: ConfidenceLevel = ReportedNumber(95, "95")
    note: Text | None = None
    waive: Waivers = {}

    @model_validator(mode="after")
    def _coherent(self) -> "BinaryArmResult":
        if not self.reported:
            _no_values(self, ("events", "total", "percent", "ci"))
            return self
        if self.events is not None and self.total is None:
            raise ValueError("'events' needs 'total' (events out of how many?)")
        if self.events is not None and self.total is not None and self.events > self.total:
            raise ValueError(f"events ({self.events}) cannot exceed total ({self.total})")
        if self.events is None and self.percent is None:
            raise ValueError("give 'events' and 'total', or the reported 'percent' (or both)")
        if self.ci is not None and self.percent is None:
            raise ValueError("a reported 'ci' needs the reported 'percent' it belongs to")
        _check_interval(self.ci)
        for bound in self.ci or ():
            if not 0 <= bound <= 100:
                raise ValueError(f"confidence bound {bound.text} is not a percentage between 0 and 100")
        return self


class Landmark(Model):
    """Survival at a fixed time, e.g. 2-year overall survival."""

    time: Positive
    percent: Percent
    ci: Interval | None = None
    ci_level: ConfidenceLevel = ReportedNumber(95, "95")
    label: Text | None = None

    @model_validator(mode="after")
    def _coherent(self) -> "Landmark":
        _check_interval(self.ci)
        return self


class CurvePoint(Model):
    time: NonNegative
    percent: Percent


class AtRisk(Model):
    time: NonNegative
    n: Count


class TimeToEventArmResult(Model):
    reported: bool = True
    """False: the source does not report this arm's result (outputs say "not reported"); give no values then."""
    median: NonNegative | None = None
    median_not_reached: bool = False
    ci: Interval | None = None
    """Reported CI of the median, in the outcome's unit."""
    ci_level: ConfidenceLevel = ReportedNumber(95, "95")
    landmarks: tuple[Landmark, ...] = ()
    curve: tuple[CurvePoint, ...] = ()
    """Digitised Kaplan-Meier points, if the file has them; never invented."""
    at_risk: tuple[AtRisk, ...] = ()
    note: Text | None = None
    waive: Waivers = {}

    @model_validator(mode="after")
    def _coherent(self) -> "TimeToEventArmResult":
        if not self.reported:
            _no_values(self, ("median", "ci", "landmarks", "curve", "at_risk"))
            if self.median_not_reached:
                raise ValueError("'reported: false' says the source gives no result: remove 'median_not_reached'")
            return self
        if self.median is not None and self.median_not_reached:
            raise ValueError("give a 'median' or 'median_not_reached: true', not both")
        if self.median is None and not self.median_not_reached and not self.landmarks and not self.curve:
            raise ValueError("give a 'median', 'median_not_reached', 'landmarks' or a 'curve'")
        if self.ci is not None and self.median is None:
            raise ValueError("a 'ci' needs the 'median' it belongs to")
        _check_interval(self.ci)
        return self


class HazardRatio(Model):
    estimate: Positive
    ci: Interval
    ci_level: ConfidenceLevel
    """The confidence level the paper reports, e.g. 95 or 97.5: always stated, never assumed."""
    compares: tuple[Id, Id] | None = None
    """[experimental arm, reference arm]; defaults to the intervention arm vs the control arm."""

    @model_validator(mode="after")
    def _coherent(self) -> "HazardRatio":
        _check_interval(self.ci)
        if self.ci[0] <= 0:
            raise ValueError(f"hazard-ratio confidence bounds must be positive, got {self.ci[0].text}")
        return self


class OutcomeBase(Model):
    id: Id
    name: Text
    definition: Text | None = None
    population: Text | None = None
    """Who was analysed, e.g. "first 218 randomized (response population)"."""
    source: Id
    source_note: Text | None = None
    """E.g. "abstract, not re-read": tells the reader to verify against the paper."""
    primary: bool = False
    in_summary: bool = True
    """Show in the Summary-of-Findings table."""
    certainty: Certainty | None = None
    conditional_on: Id | None = None
    """A binary outcome of this study (e.g. CR/CRi) whose responders are the only patients analysed here.

    For a binary outcome, that outcome's events are this one's denominators (checked). Either way the
    groups are no longer randomized, so no comparative effect is derived from the responder-only
    figures; for a binary outcome the tool re-expresses the reported events over everyone the base
    outcome analysed (69/109 rather than 69/88), a randomized comparison, and shows that first.
    """
    p: PValue | None = None
    p_sided: Sided | None = None
    """Sidedness of p as the source states it; printed with p everywhere ("one-sided P=0.0105")."""
    p_boundary: Annotated[ReportedNumber, Field(gt=0, le=1)] | None = None
    """Prespecified significance boundary (e.g. 0.0208); the tool says whether p crossed it."""
    p_boundary_sided: Sided | None = None
    """Sidedness of the boundary as the source states it (default: that of p). When it differs from
    p_sided the tool converts it (two-sided 0.0208 is one-sided 0.0104), compares like with like and
    prints both."""
    analysis: Literal["after_final", "post_hoc"] | None = None
    """"after_final": analysed after the prespecified final analysis (e.g. longer follow-up);
    "post_hoc": not prespecified. Outputs mark the result so wherever it is shown."""
    note: Text | None = None


class BinaryOutcome(OutcomeBase):
    kind: Literal["binary"]
    favourable: Literal["higher", "lower"] = "higher"
    """Whether more events is good (response) or bad (toxicity): decides NNT vs NNH."""
    arms: dict[Id, BinaryArmResult] = Field(min_length=1)
    """Per-arm results keyed by arm id; the key `all` is a result pooled over all arms."""


class TimeToEventOutcome(OutcomeBase):
    kind: Literal["time_to_event"]
    unit: Literal["days", "weeks", "months", "years"]
    arms: dict[Id, TimeToEventArmResult] = Field(min_length=1)
    hazard_ratio: HazardRatio | None = None


Outcome = Annotated[Union[BinaryOutcome, TimeToEventOutcome], Field(discriminator="kind")]

Grade = Literal["any", "1-2", "3-4", ">=3", "5"]


class AdverseEvent(Model):
    term: Text
    grade: Grade
    serious: bool = False
    """True when the row counts serious adverse events only."""
    source: Id
    source_note: Text | None = None
    arms: dict[Id, BinaryArmResult] = Field(min_length=1)
    note: Text | None = None
    in_summary: bool = False
    """True for the defining harm(s): the row also goes into the handout's Summary of findings and key numbers."""


# --------------------------------------------------------------------------------------- studies
class Extends(Model):
    """The same participants as another study (or one of its arms), followed longer or re-analysed."""

    study: Id
    arm: Id | None = None
    """The arm of that study whose participants these are; leave out when they are all of its participants."""
    note: Text | None = None
    """How the source says so, e.g. the sentence that identifies the cohort."""


class Arm(Model):
    id: Id
    name: Text
    short_name: Text
    """Used in charts and table headers."""
    role: Literal["intervention", "control", "single"]
    regimen: Text | None = None
    n: Count | None = None
    """Participants in this arm (randomized, or enrolled for non-randomized cohorts)."""
    extends: Extends | None = None
    """These participants are another study's (arm's): outputs say so, and cross-study displays show them once."""


class Cohort(Model):
    name: Text
    n: Count
    dose: Text | None = None


class FlowStage(Model):
    stage: Text
    """E.g. "Randomized", "Received treatment", "Analysed for response"."""
    counts: dict[Id, Count] = Field(min_length=1)
    source: Id
    note: Text | None = None


class Study(Model):
    id: Id
    name: Text
    short_name: Text
    design: Text
    phase: Text
    randomized: bool
    registry: Annotated[str, StringConstraints(pattern=r"^(NCT\d{8}|ISRCTN\d+|EudraCT[\w-]+|[A-Z][\w/-]+)$")] | None = None
    population: Text
    enrolled: Count
    """Participants randomized (or enrolled, for single-arm studies); arm sizes must add up to it."""
    median_age: Text | None = None
    extends: Extends | None = None
    """All participants of this study are another study's, followed longer: said in the outputs, and
    cross-study displays show them once (under the study it extends)."""
    sources: tuple[Id, ...] = Field(min_length=1)
    arms: tuple[Arm, ...] = Field(min_length=1)
    cohorts: tuple[Cohort, ...] = ()
    flow: tuple[FlowStage, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()
    key_points: tuple[Text, ...] = ()
    limitations: tuple[Text, ...] = ()
    waive: Waivers = {}

    @model_validator(mode="after")
    def _unique_ids(self) -> "Study":
        for what, ids in (("arm", [a.id for a in self.arms]), ("outcome", [o.id for o in self.outcomes])):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate {what} id(s): {', '.join(dupes)}")
        if POOLED in [a.id for a in self.arms]:
            raise ValueError(f"'{POOLED}' is reserved for pooled results; choose another arm id")
        return self


# --------------------------------------------------------------------------------------- treatment
class Dose(Model):
    day: Annotated[int, Field(ge=1, le=366)]
    dose: Positive
    unit: Literal["mg/m2", "mg/kg", "mg", "µg/m2", "µg/kg"]


class Schedule(Model):
    name: Text
    cycle_length: Text
    doses: tuple[Dose, ...] = Field(min_length=1)
    total_per_cycle: Positive | None = None
    """As published; the tool checks it against the sum of the doses."""
    note: Text | None = None
    waive: Waivers = {}


class DosingRule(Model):
    """One rule of use (cycles before a transplant, stopping, premedication...) with its own source."""

    topic: Text
    text: Text
    source: Id
    source_note: Text | None = None
    """E.g. "label section 2.1; sentence confirmed only from a secondary copy": printed with the rule."""


class Dosing(Model):
    source: Id
    schedules: tuple[Schedule, ...] = Field(min_length=1)
    max_cycles: Text | None = None
    notes: tuple[Text, ...] = ()
    rules: tuple[DosingRule, ...] = ()


class RegulatoryEvent(Model):
    date: dt.date
    region: Text
    event: Text
    population: Text | None = None
    """Who the decision covers, as the decision states it (e.g. "pediatric patients 1 year and older")."""
    detail: Text | None = None
    source: Id


class BoxedWarning(Model):
    title: Text
    points: tuple[Text, ...] = Field(min_length=1)
    source: Id
    source_note: Text | None = None
    """Which revision and section of the label, and what could be confirmed only from a secondary copy."""


class AppraisalItem(Model):
    question: Text
    answer: Literal["yes", "no", "can't tell"]
    reason: Text


class Appraisal(Model):
    study: Id
    checklist: Text
    items: tuple[AppraisalItem, ...] = Field(min_length=1)


class QuizItem(Model):
    question: Text
    options: tuple[Text, ...] = Field(min_length=2)
    answer: Annotated[int, Field(ge=1)]
    """Number of the correct option, counting from 1."""
    explanation: Text

    @model_validator(mode="after")
    def _answer_exists(self) -> "QuizItem":
        if self.answer > len(self.options):
            raise ValueError(f"answer {self.answer} does not exist: there are {len(self.options)} options")
        return self


class Evidence(Model):
    """One evidence file: everything the outputs say, as reported by the cited sources."""

    model_config = ConfigDict(title="report_builder evidence file")

    format_version: Literal[1]
    meta: Meta
    drug: Drug
    question: Question
    learning_objectives: tuple[Text, ...] = ()
    background: tuple[Text, ...] = Field(min_length=1)
    """Paragraphs; cite with [@id]."""
    mechanism: tuple[Text, ...] = ()
    studies: tuple[Study, ...] = Field(min_length=1)
    dosing: Dosing | None = None
    regulatory: tuple[RegulatoryEvent, ...] = ()
    boxed_warning: BoxedWarning | None = None
    appraisal: tuple[Appraisal, ...] = ()
    bottom_line: tuple[Text, ...] = Field(min_length=1)
    teaching_points: tuple[Text, ...] = ()
    discussion_questions: tuple[Text, ...] = ()
    quiz: tuple[QuizItem, ...] = ()
    abbreviations: dict[Text, Text] = {}
    references: tuple[Reference, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> "Evidence":
        for what, ids in (("study", [s.id for s in self.studies]), ("reference", [r.id for r in self.references])):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate {what} id(s): {', '.join(dupes)}")
        return self

    def study(self, study_id: str) -> Study:
        return next(s for s in self.studies if s.id == study_id)

    def reference(self, ref_id: str) -> Reference:
        return next(r for r in self.references if r.id == ref_id)

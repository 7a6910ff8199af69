"""The evidence format: frozen pydantic models that mirror the YAML one to one."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from report_builder.inputs.dates import ReportedDate
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
TimeUnit = Literal["days", "weeks", "months", "years"]


class Model(BaseModel):
    """Every evidence object: read-only, and unknown keys are errors, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, use_attribute_docstrings=True,
                              defer_build=True)


def _no_values(result: BaseModel, names: tuple[str, ...]) -> None:
    given = [n for n in names if getattr(result, n) not in (None, ())]
    if given:
        raise ValueError(f"'reported: false' says the source gives no result, but {', '.join(given)} "
                         f"{'is' if len(given) == 1 else 'are'} given")


def _check_confirmed(confirmed: bool, note: str | None, note_field: str) -> None:
    if not confirmed and note is None:
        raise ValueError(f"'confirmed: false' needs '{note_field}': what could not be confirmed, and where it is known from")


def _check_interval(ci: Interval | None, estimate: float | None = None) -> None:
    if ci is None:
        return
    if ci[0] > ci[1]:
        raise ValueError(f"confidence interval lower bound {ci[0].text} is above its upper bound {ci[1].text}")


# --------------------------------------------------------------------------------------- references
ReferenceKind = Literal["article", "label", "regulatory_notice", "web_page", "conference_abstract"]
#: What each kind of reference needs besides `authors` and `year` (docs/evidence-format.md, "References").
REFERENCE_NEEDS: dict[str, tuple[str, ...]] = {
    "article": ("year",),  # and its journal, when known: files without one keep validating
    "label": ("publisher",),
    "regulatory_notice": ("publisher", "year"),
    "web_page": ("publisher", "url"),
    "conference_abstract": ("conference", "year"),
}


class Reference(Model):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "kantarjian2016", "authors": ["Kantarjian HM", "DeAngelo DJ", "Stelljes M", "et al"],
        "title": "Inotuzumab ozogamicin versus standard therapy for acute lymphoblastic leukemia",
        "journal": "N Engl J Med", "year": 2016, "volume": "375", "issue": "8", "pages": "740-753",
        "doi": "10.1056/NEJMoa1509277", "pmid": 27292104}]})

    id: Id
    """Key used by `source:` fields and by `[@id]` citations in text."""
    kind: ReferenceKind = "article"
    """What the source is: a journal `article` (the default), a prescribing-information `label`, a
    `regulatory_notice` (an agency's approval notice, assessment report or safety communication), a
    `web_page`, or a `conference_abstract`. Each kind needs its own fields (see REFERENCE_NEEDS)."""
    authors: tuple[Text, ...] = Field(min_length=1)
    """Authors as printed, e.g. "Kantarjian HM"; end with "et al" when truncated. For an agency or a
    company, its name."""
    title: Text | None = None
    """Leave out rather than guess: a reference is still findable by its DOI."""
    journal: Text | None = None
    """The journal of an article (or of a conference abstract's supplement). Files written before
    `kind` existed may hold a label's agency here; new files put it in `publisher`."""
    publisher: Text | None = None
    """The agency or company that issued a label, regulatory notice or web page; not printed again
    when it is also the author."""
    conference: Text | None = None
    """The meeting of a conference abstract, e.g. "ASCO Annual Meeting 2022"."""
    number: Text | None = None
    """An abstract number ("7010") or a document number ("EMEA/H/C/004119")."""
    year: Annotated[int, Field(ge=1800, le=2100)] | None = None
    """Year of publication; a label or web page whose date is not known may leave it out."""
    volume: Text | None = None
    """Journal volume, as printed."""
    issue: Text | None = None
    """Journal issue, as printed."""
    pages: Text | None = None
    """Page range or article number, as printed."""
    doi: Annotated[str, StringConstraints(pattern=r"^10\.\d{4,9}/\S+$")] | None = None
    """The DOI without a URL prefix, e.g. 10.1056/NEJMoa1509277."""
    pmid: Annotated[int, Field(gt=0)] | None = None
    """PubMed identifier."""
    pmcid: Annotated[str, StringConstraints(pattern=r"^PMC\d+$")] | None = None
    """PubMed Central identifier, e.g. PMC5908210."""
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    """Where the document was read (required for a web page)."""
    published: ReportedDate | None = None
    """Publication date at the precision known: 2021, 2021-06 or 2021-06-04."""
    accessed: dt.date | None = None
    """When a web page or online label was read (web pages change)."""
    note: Text | None = None
    """Printed after the reference, e.g. the data cut-off or which revision of a label was read."""

    @model_validator(mode="after")
    def _fields_of_its_kind(self) -> "Reference":
        missing = [f for f in REFERENCE_NEEDS[self.kind] if getattr(self, f) is None]
        if self.kind in ("label", "regulatory_notice") and "publisher" in missing and self.journal is not None:
            raise ValueError(f"a {self.kind} names its agency or company in 'publisher', not 'journal'")
        if missing:
            raise ValueError(f"a reference of kind '{self.kind}' needs {', '.join(repr(m) for m in missing)}")
        if self.conference is not None and self.kind != "conference_abstract":
            raise ValueError("'conference' belongs to kind: conference_abstract")
        return self


# --------------------------------------------------------------------------------------- question
class Drug(Model):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "Inotuzumab ozogamicin", "abbreviation": "InO", "brand": "Besponsa",
        "drug_class": "CD22-directed antibody-drug conjugate", "target": "CD22"}]})

    name: Text
    """The generic (international non-proprietary) name."""
    abbreviation: Text | None = None
    """A standard abbreviation used in the sources (e.g. InO); leave out rather than invent one:
    the outputs then use the name."""
    brand: Text | None = None
    """Brand name, e.g. "Besponsa"."""
    drug_class: Text | None = None
    """Drug class, e.g. "CD22-directed antibody-drug conjugate"."""
    target: Text | None = None
    """Molecular target, e.g. "CD22"."""

    @property
    def short_name(self) -> str:
        """The abbreviation when the sources use one, else the name."""
        return self.abbreviation or self.name


class Meta(Model):
    title: Text
    """Title of the handout and the deck."""
    subtitle: Text | None = None
    """Subtitle under the title."""
    date: dt.date
    """The date printed on the outputs (never the build clock)."""
    version: Text
    """Version of this evidence summary, e.g. "1.1"."""
    authors: tuple[Text, ...] = ()
    """Who prepared the summary."""
    review: Id | None = None
    """The review this evidence summary grew from, if any."""
    keywords: tuple[Text, ...] = ()
    """Keywords written into the PDF's metadata."""


class Question(Model):
    population: Text
    """P: the patients the question is about."""
    intervention: Text
    """I: the treatment."""
    comparison: Text
    """C: what it is compared with."""
    outcomes: tuple[Text, ...] = Field(min_length=1)
    """O: the outcomes that matter to the decision."""
    case: Text | None = None
    """A short clinical vignette that opens the journal club."""


class Certainty(Model):
    """A GRADE-style certainty rating, with the reasons for rating down or up."""

    level: Literal["high", "moderate", "low", "very low"]
    """high, moderate, low or very low."""
    reasons: tuple[Text, ...] = ()
    """Why the certainty was rated down (or up)."""


# --------------------------------------------------------------------------------------- results
class BinaryArmResult(Model):
    """Events out of a total, and/or the reported percentage with its reported CI.

    An arm the outcome does not list is "not in this summary" (the source may report it); write
    `reported: false` only when the source itself does not report this arm's result.
    """

    reported: bool = True
    """False: the source does not report this result (outputs say "not reported"); give no values then."""
    events: Count | None = None
    """Participants with the event, as reported."""
    total: Annotated[int, Field(ge=1, strict=True)] | None = None
    """Participants the events are out of (the denominator), as reported."""
    percent: Percent | None = None
    """The percentage as the source prints it; checked against events/total."""
    ci: Interval | None = None
    """Reported CI of the percentage, [lower, upper] in percent."""
    ci_level: ConfidenceLevel = ReportedNumber(95, "95")
    """Confidence level of `ci`, in percent (95 unless the source says otherwise)."""
    note: Text | None = None
    """A note printed with this result."""
    waive: Waivers = {}
    """Consistency check -> the reason it does not apply to this figure."""

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
    """The landmark time, in the outcome's unit."""
    percent: Percent
    """Percent event-free at that time, as reported."""
    ci: Interval | None = None
    """Reported CI of the percentage, [lower, upper]."""
    ci_level: ConfidenceLevel = ReportedNumber(95, "95")
    """Confidence level of `ci`, in percent."""
    label: Text | None = None
    """How to print it, e.g. "2-year OS"."""

    @model_validator(mode="after")
    def _coherent(self) -> "Landmark":
        _check_interval(self.ci)
        return self


class CurvePoint(Model):
    time: NonNegative
    """Time, in the outcome's unit."""
    percent: Percent
    """Percent event-free at that time, read from the published curve."""


class AtRisk(Model):
    time: NonNegative
    """Time point of the number-at-risk table, in the outcome's unit."""
    n: Count
    """Participants still at risk at that time."""


class FollowUp(Model):
    """Median follow-up as the source reports it, for a study or one arm."""

    median: Positive
    """Median follow-up, as the source reports it."""
    unit: TimeUnit
    """Unit of the median: days, weeks, months or years."""
    population: Text | None = None
    """Whose follow-up, when not everyone's, e.g. "responders"."""
    source: Id
    """Id of the reference that reports it."""
    note: Text | None = None
    """E.g. the data cut-off, or which analysis."""


class TimeToEventArmResult(Model):
    reported: bool = True
    """False: the source does not report this arm's result (outputs say "not reported"); give no values then."""
    median: NonNegative | None = None
    """Median time to the event, in the outcome's unit, as reported."""
    median_not_reached: bool = False
    """True when the source says the median was not reached."""
    ci: Interval | None = None
    """Reported CI of the median, in the outcome's unit."""
    ci_level: ConfidenceLevel = ReportedNumber(95, "95")
    """Confidence level of the median's `ci`, in percent."""
    landmarks: tuple[Landmark, ...] = ()
    """Event-free percentages at fixed times."""
    curve: tuple[CurvePoint, ...] = ()
    """Digitised Kaplan-Meier points, if the file has them; never invented."""
    at_risk: tuple[AtRisk, ...] = ()
    """Numbers at risk under the published curve."""
    note: Text | None = None
    """A note printed with this result."""
    waive: Waivers = {}
    """Consistency check -> the reason it does not apply to this result."""

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
    model_config = ConfigDict(json_schema_extra={"examples": [{"estimate": 0.77, "ci": [0.58, 1.03], "ci_level": 97.5}]})

    estimate: Positive
    """The hazard ratio as published."""
    ci: Interval | None = None
    """The reported CI; leave out when the source gives the hazard ratio with a P value only."""
    ci_level: ConfidenceLevel | None = None
    """The confidence level the paper reports, e.g. 95 or 97.5: always stated with a CI, never assumed."""
    compares: tuple[Id, Id] | None = None
    """[experimental arm, reference arm]; defaults to the intervention arm vs the control arm."""

    @model_validator(mode="after")
    def _coherent(self) -> "HazardRatio":
        if self.ci is None:
            if self.ci_level is not None:
                raise ValueError("'ci_level' without a 'ci': give the reported CI, or leave out both")
            return self
        if self.ci_level is None:
            raise ValueError("a hazard-ratio 'ci' needs its 'ci_level' as the paper reports it (e.g. 95 or 97.5)")
        _check_interval(self.ci)
        if self.ci[0] <= 0:
            raise ValueError(f"hazard-ratio confidence bounds must be positive, got {self.ci[0].text}")
        return self


class OutcomeBase(Model):
    id: Id
    """Key of this outcome, unique in its study (used by `conditional_on`)."""
    name: Text
    """The outcome as printed, e.g. "Overall survival"."""
    definition: Text | None = None
    """How the source defines the outcome."""
    population: Text | None = None
    """Who was analysed, e.g. "first 218 randomized (response population)"."""
    source: Id
    """Id of the reference these results come from."""
    source_note: Text | None = None
    """E.g. "abstract, not re-read": tells the reader to verify against the paper."""
    primary: bool = False
    """The study's primary endpoint."""
    in_summary: bool = True
    """Show in the Summary-of-Findings table."""
    certainty: Certainty | None = None
    """GRADE certainty of the evidence for this outcome."""
    conditional_on: Id | None = None
    """A binary outcome of this study (e.g. CR/CRi) whose responders are the only patients analysed here.

    For a binary outcome, that outcome's events are this one's denominators (checked). Either way the
    groups are no longer randomized, so no comparative effect is derived from the responder-only
    figures; for a binary outcome the tool re-expresses the reported events over everyone the base
    outcome analysed (69/109 rather than 69/88), a randomized comparison, and shows that first.
    """
    p: PValue | None = None
    """The reported P value as written, e.g. "<0.001" or "0.0105"."""
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
    confirmed: bool = True
    """False: the figures could not be checked against the source itself (e.g. read only in a
    secondary copy); `source_note` then says what and why, and the outputs mark them "not confirmed"."""
    note: Text | None = None
    """A note printed with this outcome."""

    @model_validator(mode="after")
    def _confirmation_explained(self) -> "OutcomeBase":
        _check_confirmed(self.confirmed, self.source_note, "source_note")
        return self


class BinaryOutcome(OutcomeBase):
    kind: Literal["binary"]
    """"binary": events out of a total in each arm."""
    favourable: Literal["higher", "lower"] = "higher"
    """Whether more events is good (response) or bad (toxicity): decides NNT vs NNH."""
    arms: dict[Id, BinaryArmResult] = Field(min_length=1)
    """Per-arm results keyed by arm id; the key `all` is a result pooled over all arms."""


class TimeToEventOutcome(OutcomeBase):
    kind: Literal["time_to_event"]
    """"time_to_event": medians, landmarks and a hazard ratio."""
    unit: TimeUnit
    """Unit of every time in this outcome."""
    arms: dict[Id, TimeToEventArmResult] = Field(min_length=1)
    """Arm id -> the result in that arm."""
    hazard_ratio: HazardRatio | None = None
    """The reported hazard ratio with its CI and confidence level."""


Outcome = Annotated[Union[BinaryOutcome, TimeToEventOutcome], Field(discriminator="kind")]

Grade = Literal["any", "1-2", "3-4", ">=3", "5"]


class AdverseEvent(Model):
    term: Text
    """The adverse event as the source names it, e.g. "Veno-occlusive disease"."""
    grade: Grade
    """CTCAE grade range the counts are for."""
    serious: bool = False
    """True when the row counts serious adverse events only."""
    population: Text | None = None
    """The safety population these rates are of, e.g. "78 patients treated at the approved dose
    (phases 1 and 2)", when it is not the study's arms as listed."""
    source: Id
    """Id of the reference these counts come from."""
    source_note: Text | None = None
    """Where in the source (table, page), printed with the figures."""
    confirmed: bool = True
    """False: not checked against the source itself; `source_note` says why (outputs say "not confirmed")."""
    arms: dict[Id, BinaryArmResult] = Field(min_length=1)
    """Arm id -> the events in that arm; "all" for a result pooled over arms."""
    note: Text | None = None
    """A note printed with this adverse event."""
    in_summary: bool = False
    """True for the defining harm(s): the row also goes into the handout's Summary of findings and key numbers."""

    @model_validator(mode="after")
    def _confirmation_explained(self) -> "AdverseEvent":
        _check_confirmed(self.confirmed, self.source_note, "source_note")
        return self


# --------------------------------------------------------------------------------------- studies
class Extends(Model):
    """The same participants as another study (or one of its arms), followed longer or re-analysed."""

    study: Id
    """Id of the study whose participants these are."""
    arm: Id | None = None
    """The arm of that study whose participants these are; leave out when they are all of its participants."""
    note: Text | None = None
    """How the source says so, e.g. the sentence that identifies the cohort."""


class Arm(Model):
    id: Id
    """Key of this arm in outcome and adverse-event `arms:` mappings."""
    name: Text
    """Full name of the arm, e.g. "Standard of care (investigator's choice chemotherapy)"."""
    short_name: Text
    """Used in charts and table headers."""
    role: Literal["intervention", "control", "single"]
    """intervention, control, or single (a single-arm study's arm); orders and colours the arms."""
    regimen: Text | None = None
    """What the arm received, as the source describes it."""
    n: Count | None = None
    """Participants in this arm (randomized, or enrolled for non-randomized cohorts)."""
    extends: Extends | None = None
    """These participants are another study's (arm's): outputs say so, and cross-study displays show them once."""
    follow_up: tuple[FollowUp, ...] = ()
    """Median follow-up of this arm, when the source reports it per arm."""


class Cohort(Model):
    name: Text
    """Name of the cohort, e.g. "Weekly dosing"."""
    n: Count
    """Participants in the cohort."""
    dose: Text | None = None
    """The cohort's dose or schedule."""


class FlowStage(Model):
    stage: Text
    """E.g. "Randomized", "Received treatment", "Analysed for response"."""
    counts: dict[Id, Count] = Field(min_length=1)
    """Arm id -> participants at this stage."""
    source: Id
    """Id of the reference the counts come from."""
    note: Text | None = None
    """A note printed with this stage."""


class Study(Model):
    id: Id
    """Key of the study, used by `appraisal`, `extends` and exports."""
    name: Text
    """Full name of the study, e.g. "INO-VATE ALL"."""
    short_name: Text
    """Used in charts, tables and slide titles."""
    design: Text
    """Design as the source states it, e.g. "open-label randomized"."""
    phase: Text
    """Trial phase, e.g. "3" or "1/2"."""
    randomized: bool
    """True for a randomized comparison; only these reach the Summary of findings."""
    registry: Annotated[str, StringConstraints(pattern=r"^(NCT\d{8}|ISRCTN\d+|EudraCT[\w-]+|[A-Z][\w/-]+)$")] | None = None
    """Trial registry id (e.g. NCT01564784); printed as a link."""
    population: Text
    """Who was enrolled, as the source describes it."""
    enrolled: Count
    """Participants randomized (or enrolled, for single-arm studies); arm sizes must add up to it."""
    median_age: Text | None = None
    """Median age (and range) as reported."""
    follow_up: tuple[FollowUp, ...] = ()
    """Median follow-up of the study's analyses, e.g. of all treated and of responders."""
    extends: Extends | None = None
    """All participants of this study are another study's, followed longer: said in the outputs, and
    cross-study displays show them once (under the study it extends)."""
    sources: tuple[Id, ...] = Field(min_length=1)
    """Ids of the references that report this study."""
    arms: tuple[Arm, ...] = Field(min_length=1)
    """The study's arms (one for a single-arm study)."""
    cohorts: tuple[Cohort, ...] = ()
    """Dose or schedule cohorts within the study."""
    flow: tuple[FlowStage, ...] = ()
    """Participant flow, stage by stage (a CONSORT-style diagram)."""
    outcomes: tuple[Outcome, ...] = ()
    """Efficacy outcomes, binary or time-to-event."""
    adverse_events: tuple[AdverseEvent, ...] = ()
    """Adverse events by grade and arm."""
    key_points: tuple[Text, ...] = ()
    """What the study showed, in a few sentences."""
    limitations: tuple[Text, ...] = ()
    """Its main limitations."""
    waive: Waivers = {}
    """Consistency check -> the reason it does not apply to this study."""

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
DoseUnit = Literal["mg/m2", "mg/kg", "mg", "µg/m2", "µg/kg", "µg", "mg/day", "µg/day", "mg/m2/day",
                   "µg/m2/day", "10^6 cells/kg", "10^6 cells", "10^8 cells"]
PER_DAY_UNITS = ("mg/day", "µg/day", "mg/m2/day", "µg/m2/day")
DayNumber = Annotated[int, Field(ge=-30, le=366)]


class Dose(Model):
    """One dose, or a per-day dose over a range of days (a continuous infusion)."""

    day: DayNumber | None = None
    """The day it is given (day 1 = first day of the cycle; negative for days before an infusion)."""
    days: tuple[DayNumber, DayNumber] | None = None
    """[first, last] day of a per-day dose (unit `µg/day`, `mg/m2/day` ...), e.g. a continuous infusion."""
    dose: Positive
    """The dose as published, in `unit`."""
    unit: DoseUnit
    """`mg/m2`, `mg/kg`, `mg` (a fixed dose), `µg/day` (per day, with `days`), `10^6 cells/kg` ...;
    printed mg/m², µg/day, × 10⁶ cells/kg."""
    label: Text | None = None
    """What this dose is, e.g. "step-up dose 1", "treatment dose"."""
    route: Text | None = None
    """How it is given, e.g. "continuous IV infusion", "subcutaneous"."""
    max_dose: Positive | None = None
    """A cap, e.g. 1 × 10^8 cells whatever the weight: the number, in `max_unit`."""
    max_unit: DoseUnit | None = None
    """Unit of `max_dose`."""

    @model_validator(mode="after")
    def _when(self) -> "Dose":
        if (self.day is None) == (self.days is None):
            raise ValueError("give 'day' (one dose) or 'days' ([first, last] of a per-day dose), not both")
        if self.days is not None:
            if self.days[0] > self.days[1]:
                raise ValueError(f"days [{self.days[0]}, {self.days[1]}]: the first day is after the last")
            if self.unit not in PER_DAY_UNITS:
                raise ValueError(f"a dose over 'days' is a dose per day: use a per-day unit ({', '.join(PER_DAY_UNITS)})")
        elif self.unit in PER_DAY_UNITS:
            raise ValueError(f"a per-day unit ({self.unit}) needs 'days': [first, last]")
        if (self.max_dose is None) != (self.max_unit is None):
            raise ValueError("'max_dose' and 'max_unit' go together")
        return self

    @property
    def day_count(self) -> int:
        """Days the dose is given on: 1 for a single dose."""
        return 1 if self.days is None else self.days[1] - self.days[0] + 1


class Schedule(Model):
    name: Text
    """Name of the schedule, e.g. "Cycle 1"."""
    cycle_length: Text | None = None
    """E.g. "21-28 days"; leave out for a single infusion."""
    doses: tuple[Dose, ...] = Field(min_length=1)
    """The doses of one cycle, by day."""
    total_per_cycle: Positive | None = None
    """As published; the tool checks it against the sum of the doses."""
    note: Text | None = None
    """A note printed with the schedule."""
    waive: Waivers = {}
    """Consistency check -> the reason it does not apply to this schedule."""


class DosingRule(Model):
    """One rule of use (cycles before a transplant, stopping, premedication...) with its own source."""

    topic: Text
    """What the rule is about, e.g. "Before HSCT"."""
    text: Text
    """The rule."""
    source: Id
    """Id of the reference the rule comes from."""
    source_note: Text | None = None
    """E.g. "label section 2.1; sentence confirmed only from a secondary copy": printed with the rule."""


class Dosing(Model):
    source: Id
    """Id of the reference the schedules come from."""
    schedules: tuple[Schedule, ...] = Field(min_length=1)
    """Dosing schedules, e.g. the first cycle and later cycles."""
    max_cycles: Text | None = None
    """How many cycles at most, as the source says it."""
    notes: tuple[Text, ...] = ()
    """Notes printed under the schedules."""
    rules: tuple[DosingRule, ...] = ()
    """Rules of use (cycles before transplant, premedication, stopping), each with its source."""


class RegulatoryEvent(Model):
    date: ReportedDate
    """At the precision known: 2022, 2022-09 or 2022-09-08; printed the same way, never with a made-up day."""
    region: Text
    """Where, e.g. "US" or "EU"."""
    event: Text
    """What was decided, e.g. "FDA approval"."""
    population: Text | None = None
    """Who the decision covers, as the decision states it (e.g. "pediatric patients 1 year and older")."""
    detail: Text | None = None
    """More detail printed with the event."""
    source: Id
    """Id of the reference for the decision."""
    confirmed: bool = True
    """False: the event (or its date) is known only from a secondary source such as a press report;
    `note` says so, and the outputs mark it "not confirmed"."""
    note: Text | None = None
    """Printed with the event, e.g. how the date is known."""

    @model_validator(mode="after")
    def _confirmation_explained(self) -> "RegulatoryEvent":
        _check_confirmed(self.confirmed, self.note, "note")
        return self


class BoxedWarning(Model):
    title: Text
    """The warning's heading as the label prints it."""
    points: tuple[Text, ...] = Field(min_length=1)
    """The warning's points."""
    source: Id
    """Id of the label reference."""
    source_note: Text | None = None
    """Which revision and section of the label, and what could be confirmed only from a secondary copy."""


class AppraisalItem(Model):
    question: Text
    """The checklist question."""
    answer: Literal["yes", "no", "can't tell"]
    """yes, no or can't tell."""
    reason: Text
    """Why, from the study report."""


class Appraisal(Model):
    study: Id
    """Id of the study appraised."""
    checklist: Text
    """The checklist used, e.g. "CASP randomised controlled trial checklist"."""
    items: tuple[AppraisalItem, ...] = Field(min_length=1)
    """The checklist's questions with their answers."""


class QuizItem(Model):
    question: Text
    """The question."""
    options: tuple[Text, ...] = Field(min_length=2)
    """The answer options (at least two), lettered A, B, C in the deck."""
    answer: Annotated[int, Field(ge=1)]
    """Number of the correct option, counting from 1."""
    explanation: Text
    """Why the answer is right; shown on the answer slide."""

    @model_validator(mode="after")
    def _answer_exists(self) -> "QuizItem":
        if self.answer > len(self.options):
            raise ValueError(f"answer {self.answer} does not exist: there are {len(self.options)} options")
        return self


class Evidence(Model):
    """One evidence file: everything the outputs say, as reported by the cited sources."""

    model_config = ConfigDict(title="report_builder evidence file")

    format_version: Literal[1]
    """Version of this evidence format; 1 is the only one so far."""
    meta: Meta
    """Title, date and version printed on the outputs."""
    drug: Drug
    """The treatment the evidence is about."""
    question: Question
    """The clinical question in PICO form."""
    learning_objectives: tuple[Text, ...] = ()
    """What a learner should be able to do after the session (deck)."""
    background: tuple[Text, ...] = Field(min_length=1)
    """Paragraphs; cite with [@id]."""
    mechanism: tuple[Text, ...] = ()
    """Paragraphs on how the drug works; cite with [@id]."""
    studies: tuple[Study, ...] = Field(min_length=1)
    """The studies, each with its arms, outcomes and harms as reported."""
    dosing: Dosing | None = None
    """The dosing schedules and rules of use, from one source (usually the label)."""
    regulatory: tuple[RegulatoryEvent, ...] = ()
    """Approvals and other regulatory decisions, each with its date and source."""
    boxed_warning: BoxedWarning | None = None
    """The label's boxed warning, if any."""
    appraisal: tuple[Appraisal, ...] = ()
    """Critical appraisal of studies against a checklist (e.g. CASP, RoB 2)."""
    bottom_line: tuple[Text, ...] = Field(min_length=1)
    """A few sentences that answer the question; page 1 of the handout opens with them."""
    teaching_points: tuple[Text, ...] = ()
    """Points to remember, numbered in the handout and the deck."""
    discussion_questions: tuple[Text, ...] = ()
    """Questions for the journal-club discussion (deck)."""
    quiz: tuple[QuizItem, ...] = ()
    """Multiple-choice questions; the deck reveals each answer on the next slide."""
    abbreviations: dict[Text, Text] = {}
    """Abbreviation -> its expansion, listed at the end of the handout."""
    references_file: Annotated[str, StringConstraints(pattern=r"^[^/\\].*\.(json|bib)$", max_length=300)] | None = None
    """A CSL-JSON (.json) or BibTeX (.bib) export of a reference manager (Zotero, Better BibTeX), relative to this
    file; its entries join the inline `references:` and are cited by their ids (citation keys)."""
    references: tuple[Reference, ...] = ()
    """The sources, numbered in this order (inline first, then those of references_file); every figure cites one."""

    @model_validator(mode="after")
    def _unique_ids(self) -> "Evidence":
        if not self.references:
            raise ValueError("no references: list them under `references:` or name a `references_file:`")
        for what, ids in (("study", [s.id for s in self.studies]), ("reference", [r.id for r in self.references])):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate {what} id(s): {', '.join(dupes)}")
        return self

    def study(self, study_id: str) -> Study:
        return next(s for s in self.studies if s.id == study_id)

    def reference(self, ref_id: str) -> Reference:
        return next(r for r in self.references if r.id == ref_id)

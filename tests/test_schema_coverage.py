"""Nothing accepted is dropped: every free-text field of the format shows in the PDF or the deck, and every
other field is shown as a figure or listed as input-only in docs/evidence-format.md."""
from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from report_builder.inputs import evidence_schema as schema
from report_builder.inputs.numbers import ReportedNumber
from report_builder.inputs.yaml_reader import read_yaml

from conftest import ROOT

DOC = ROOT / "docs" / "evidence-format.md"
#: One file of each shape: a randomized trial with single-arm forerunners, one single-arm study, and a
#: new user's 2:1 trial reported as percentages; between them they set every optional field.
FILES = [ROOT / "data" / "inotuzumab-ozogamicin.yaml", ROOT / "data" / "brexucabtagene-autoleucel.yaml",
         ROOT / "tests" / "evidence" / "new-user-two-to-one-percentages.yaml"]


def _models() -> dict[str, type[BaseModel]]:
    return {name: model for name, model in vars(schema).items()
            if isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == schema.__name__
            and name not in ("Model", "OutcomeBase")}


def _is_free_text(info) -> bool:
    """Text the reader sees (not an id, a pattern-checked identifier or a choice from a list)."""
    text = repr(info.annotation) + repr(info.metadata)
    patterned = re.search(r"pattern='", text) is not None
    return ("min_length=1" in text and "str" in text and not patterned and "Literal" not in text
            and "dict[" not in text and not _submodels(info.annotation))


def _submodels(annotation) -> list[type[BaseModel]]:
    found = []
    for arg in typing.get_args(annotation) or (annotation,):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            found.append(arg)
        else:
            found += _submodels(arg) if typing.get_args(arg) else []
    return found


class Marker:
    """Puts a unique word in front of every free-text value and remembers which field it marks."""

    def __init__(self, prefix: str):
        self.prefix, self.count, self.fields = prefix, 0, {}

    def word(self, field: str) -> str:
        self.count += 1
        word = f"Qz{self.prefix}{self.count:03d}x"
        self.fields.setdefault(field, []).append(word)
        return word

    def mark(self, data, model: type[BaseModel]) -> None:
        for name, info in model.model_fields.items():
            if not isinstance(data, dict) or name not in data or data[name] is None:
                continue
            field, value = f"{model.__name__}.{name}", data[name]
            if name == "abbreviations":
                data[name] = {k: f"{self.word(field)} {v}" for k, v in value.items()}
            elif _is_free_text(info):
                data[name] = ([f"{self.word(field)} {v}" for v in value] if isinstance(value, list)
                              else f"{self.word(field)} {value}")
            else:
                for sub in self._children(value, info.annotation):
                    self.mark(*sub)

    def _children(self, value, annotation):
        models = _submodels(annotation)
        if not models:
            return []
        items = value.values() if isinstance(value, dict) and not isinstance(next(iter(value.values()), None), (str, int, float)) \
            and "dict[" in repr(annotation) else value if isinstance(value, list) else [value]
        out = []
        for item in items:
            if not isinstance(item, dict):
                continue
            kind = item.get("kind")
            model = next((m for m in models if kind is None or m.model_fields.get("kind") is None
                          or kind in typing.get_args(m.model_fields["kind"].annotation)), models[0])
            out.append((item, model))
        return out


def _dump(data) -> str:
    class Dumper(yaml.SafeDumper):
        pass

    # Numbers keep the text they were written with (80.70 stays 80.70), so the consistency checks still pass.
    Dumper.add_representer(ReportedNumber, lambda d, v: d.represent_scalar("tag:yaml.org,2002:float", v.text))
    return yaml.dump(data, Dumper=Dumper, allow_unicode=True, sort_keys=False)


def _texts(folder: Path) -> str:
    from pptx import Presentation
    from pypdf import PdfReader

    pdf = next(folder.rglob("*.pdf"))
    words = [page.extract_text() or "" for page in PdfReader(pdf).pages]
    deck = Presentation(next(folder.rglob("*.pptx")))
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                words.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                words += [cell.text for row in shape.table.rows for cell in row.cells]
        if slide.has_notes_slide:
            words.append(slide.notes_slide.notes_text_frame.text)
    return re.sub(r"\s+", " ", " ".join(words))


def input_only_fields() -> set[str]:
    """The fields docs/evidence-format.md lists under "Input-only fields", as `Model.field`."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Input-only fields", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([A-Z]\w+\.\w+)`", section))


@pytest.fixture(scope="module")
def shown(tmp_path_factory) -> tuple[dict[str, list[str]], str]:
    from report_builder.cli import main

    fields: dict[str, list[str]] = {}
    texts = []
    for index, source in enumerate(FILES):
        data, _ = read_yaml(source)
        marker = Marker(chr(ord("a") + index))
        marker.mark(data, schema.Evidence)
        folder = tmp_path_factory.mktemp(f"marked{index}")
        marked = folder / source.name
        marked.write_text(_dump(data), encoding="utf-8")
        assert main(["build", str(marked), "--out", str(folder / "out")]) == 0
        texts.append(_texts(folder / "out"))
        for field, words in marker.fields.items():
            fields.setdefault(field, []).extend(words)
    return fields, " ".join(texts)


pytestmark = pytest.mark.slow


def test_every_free_text_field_is_set_by_a_bundled_or_test_file_and_shows_in_an_output(shown):
    fields, text = shown
    free = {f"{name}.{field}" for name, model in _models().items()
            for field, info in model.model_fields.items() if _is_free_text(info)}
    free |= {"Evidence.abbreviations"}
    input_only = input_only_fields()
    never_set = sorted(free - set(fields) - input_only)
    assert not never_set, f"no example file sets these fields, so nothing proves they are shown: {never_set}"
    dropped = sorted(f for f, words in fields.items() if f not in input_only and not any(w in text for w in words))
    assert not dropped, f"accepted but shown in neither the PDF nor the deck: {dropped}"


def test_every_other_field_is_either_shown_as_a_figure_or_documented_as_input_only():
    """Numbers, dates, choices and references between fields cannot carry a marker: each is named in
    SHOWN_AS_FIGURES (printed as a figure, a label or a mark) or in the docs' input-only list."""
    input_only = input_only_fields()
    other = {f"{name}.{field}" for name, model in _models().items()
             for field, info in model.model_fields.items()
             if not _is_free_text(info) and not _submodels(info.annotation)}
    other -= {"Evidence.abbreviations"}
    unclassified = sorted(other - SHOWN_AS_FIGURES - input_only)
    assert not unclassified, f"say in docs/evidence-format.md whether these are shown or input-only: {unclassified}"
    assert not (SHOWN_AS_FIGURES & input_only), "a field cannot be both shown and input-only"


#: Printed as figures, labels or marks (the bundled examples' outputs show each of them).
SHOWN_AS_FIGURES = {
    "AdverseEvent.grade", "AdverseEvent.serious", "AdverseEvent.confirmed", "AppraisalItem.answer",
    "Arm.n", "AtRisk.time", "AtRisk.n", "BinaryArmResult.reported", "BinaryArmResult.events",
    "BinaryArmResult.total", "BinaryArmResult.percent", "BinaryArmResult.ci", "BinaryArmResult.ci_level",
    "BinaryOutcome.primary", "BinaryOutcome.p", "BinaryOutcome.p_sided", "BinaryOutcome.p_boundary",
    "BinaryOutcome.p_boundary_sided", "BinaryOutcome.analysis", "BinaryOutcome.confirmed",
    "TimeToEventOutcome.primary", "TimeToEventOutcome.p", "TimeToEventOutcome.p_sided",
    "TimeToEventOutcome.p_boundary", "TimeToEventOutcome.p_boundary_sided", "TimeToEventOutcome.analysis",
    "TimeToEventOutcome.confirmed", "TimeToEventOutcome.unit", "Certainty.level", "Cohort.n",
    "CurvePoint.time", "CurvePoint.percent", "Dose.day", "Dose.days", "Dose.dose", "Dose.unit", "Dose.max_dose",
    "Dose.max_unit", "FlowStage.counts", "FollowUp.median", "FollowUp.unit", "HazardRatio.estimate",
    "HazardRatio.ci", "HazardRatio.ci_level", "Landmark.time", "Landmark.percent", "Landmark.ci",
    "Landmark.ci_level", "Meta.date", "Reference.year", "Reference.doi", "Reference.pmid", "Reference.pmcid",
    "Reference.url", "Reference.published", "Reference.accessed", "RegulatoryEvent.date",
    "RegulatoryEvent.confirmed", "Schedule.total_per_cycle", "Study.randomized", "Study.registry",
    "Study.enrolled", "Study.sources", "TimeToEventArmResult.reported", "TimeToEventArmResult.median",
    "TimeToEventArmResult.median_not_reached", "TimeToEventArmResult.ci", "TimeToEventArmResult.ci_level",
    "AdverseEvent.source", "BinaryOutcome.source", "TimeToEventOutcome.source", "BoxedWarning.source",
    "Dosing.source", "DosingRule.source", "FlowStage.source", "FollowUp.source", "RegulatoryEvent.source",
    "Evidence.abbreviations", "Arm.role",
}

"""The documentation stays true: its example validates and it mentions every field of the format."""
from __future__ import annotations

import re

from pydantic import BaseModel

from report_builder.inputs import evidence_schema as schema
from report_builder.analysis.report import load_report

from conftest import ROOT

DOC = ROOT / "docs" / "evidence-format.md"


def test_complete_example_in_the_docs_validates(tmp_path):
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    example = tmp_path / "example.yaml"
    example.write_text(blocks[-1], encoding="utf-8")
    report = load_report(example)
    effect = report.effect("trial1", "cr")
    assert round(effect.stats.risk_ratio, 2) == 2.0 and effect.nnt.value == 4


def test_every_field_of_the_format_is_documented():
    text = DOC.read_text(encoding="utf-8")
    missing = []
    for name in dir(schema):
        model = getattr(schema, name)
        if isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == schema.__name__:
            missing += [f"{name}.{field}" for field in model.model_fields if f"`{field}`" not in text]
    assert not missing, f"fields not mentioned in docs/evidence-format.md: {missing}"

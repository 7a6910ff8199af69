"""The JSON Schemas editors and other programs use: evidence files and template.yaml files."""
from __future__ import annotations

import json
from pathlib import Path

DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: Stable identifiers (URNs: nothing to fetch); editors find the file through the modeline's path.
IDS = {"evidence": "urn:report-builder:schema:evidence:1", "template": "urn:report-builder:schema:template:1"}


def json_schema(kind: str = "evidence") -> dict:
    """The JSON Schema of an evidence file ("evidence") or of a template.yaml ("template")."""
    if kind == "evidence":
        from report_builder.inputs.evidence_schema import Evidence as model
    else:
        from report_builder.inputs.template_schema import TemplateFile as model
    return {"$schema": DRAFT, "$id": IDS[kind], **model.model_json_schema()}


def schema_text(kind: str = "evidence") -> str:
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


def shipped(kind: str = "evidence") -> Path:
    """The schema file shipped beside the bundled files (data/ and templates/ are in the wheel), so the
    modelines of the bundled evidence file and template.yaml work in a checkout and installed alike;
    a test keeps it equal to json_schema()."""
    from report_builder.resources import bundled_root, templates_root

    if kind == "evidence":
        return bundled_root() / "data" / "evidence.schema.json"
    return templates_root() / "template.schema.json"

"""The CLI a new user meets: new, check, schema, --to, --strict, --format json, suggestions, a status line."""
from __future__ import annotations

import json

import jsonschema
import pytest

from report_builder.cli import main
from report_builder.inputs.schemas import json_schema, schema_text, shipped

from conftest import EXAMPLE, ROOT, SMALL_EXAMPLE


# ------------------------------------------------------------------------------ the editor schema
def undescribed(schema: dict) -> list[str]:
    """Every property of every object in a JSON Schema that has no description."""
    missing = []
    for name, node in [("(root)", schema), *schema.get("$defs", {}).items()]:
        missing += [f"{name}.{key}" for key, value in node.get("properties", {}).items() if "description" not in value]
    return missing


@pytest.mark.parametrize("kind", ["evidence", "template"])
def test_the_schema_passes_meta_validation_and_every_field_is_described(kind, capsys):
    assert main(["schema", kind]) == 0
    printed = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed["$id"] == f"urn:report-builder:schema:{kind}:1"
    if kind == "evidence":
        assert not undescribed(printed)
        assert printed["$defs"]["Reference"]["examples"][0]["doi"] == "10.1056/NEJMoa1509277"


def test_the_export_schema_passes_meta_validation_and_every_field_is_described(capsys):
    assert main(["schema", "export"]) == 0
    printed = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(printed)
    assert not undescribed(printed)


@pytest.mark.parametrize("kind", ["evidence", "template"])
def test_the_shipped_schema_files_are_the_schema(kind):
    assert shipped(kind).read_text(encoding="utf-8") == schema_text(kind), (
        f"regenerate: python -c \"from report_builder.inputs.schemas import *; "
        f"shipped('{kind}').write_text(schema_text('{kind}'))\"")


def test_the_bundled_files_name_their_schema_for_editors():
    evidence_line = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    assert evidence_line == "# yaml-language-server: $schema=evidence.schema.json"
    assert (EXAMPLE.parent / "evidence.schema.json") == shipped("evidence")
    for template in (ROOT / "templates").glob("*/template.yaml"):
        assert template.read_text().splitlines()[0] == "# yaml-language-server: $schema=../template.schema.json"


def test_the_bundled_evidence_file_meets_the_schema():
    from report_builder.inputs.yaml_reader import read_yaml

    data, _ = read_yaml(EXAMPLE)
    jsonschema.validate(json.loads(json.dumps(data, default=str)), json_schema("evidence"))


# ------------------------------------------------------------------------------ new, check
def test_new_writes_a_starter_that_checks_and_builds(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "my-drug.yaml"]) == 0
    assert (tmp_path / "evidence.schema.json").read_text() == schema_text("evidence")
    assert "yaml-language-server: $schema=evidence.schema.json" in (tmp_path / "my-drug.yaml").read_text()
    assert main(["check", "my-drug.yaml"]) == 0
    assert main(["build", "my-drug.yaml", "--to", "pdf"]) == 0
    out = capsys.readouterr().out
    assert "my-drug.yaml: valid" in out
    assert "my-drug.yaml: built -> build/my-drug in " in out and "(PDF, 3 exports, " in out
    assert (tmp_path / "build" / "my-drug" / "my-drug.pdf").is_file()
    assert not (tmp_path / "build" / "my-drug" / "my-drug.pptx").exists()  # --to pdf


def test_new_never_overwrites(tmp_path, capsys):
    target = tmp_path / "mine.yaml"
    target.write_text("keep me")
    assert main(["new", str(target)]) == 2
    assert target.read_text() == "keep me"
    assert "already exists" in capsys.readouterr().err


def test_check_finds_a_bad_layout_name_without_building(tmp_path, capsys):
    folder = tmp_path / "house"
    folder.mkdir()
    (folder / "template.yaml").write_text("extends: default\ndeck:\n  layouts:\n    content: Title and Contnet\n")
    assert main(["check", str(EXAMPLE), "--template", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"{folder / 'template.yaml'}:4:" in err
    assert "layout 'Title and Contnet' is not in master.pptx; did you mean 'Title and Content'?" in err


def test_check_format_json_gives_located_problems_for_editors(write_evidence, capsys):
    text = EXAMPLE.read_text(encoding="utf-8").replace("  abbreviation: InO\n", "  abreviation: InO\n")
    path = write_evidence(text)
    assert main(["check", str(path), "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    problem = next(p for p in report["files"][1]["problems"] if "abreviation" in p["message"])
    assert problem["file"] == str(path) and problem["line"] > 1 and problem["severity"] == "error"
    assert problem["path"] == "drug.abreviation" and "did you mean 'abbreviation'?" in problem["message"]


def test_strict_makes_warnings_fail(write_evidence, capsys):
    # a waiver the figure does not need is a warning, not an error
    text = SMALL_EXAMPLE.read_text(encoding="utf-8").replace(
        "brexu: {events: 39, total: 55, percent: 70.9, ci: [57, 82]}",
        "brexu: {events: 39, total: 55, percent: 70.9, ci: [57, 82], waive: {exact-ci: not needed}}", 1)
    assert "not needed" in text
    path = write_evidence(text)
    assert main(["check", str(path)]) == 0
    assert "is not needed" in capsys.readouterr().err
    assert main(["check", str(path), "--strict"]) == 2
    capsys.readouterr()
    out = path.parent / "out"
    assert main(["build", str(path), "--out", str(out), "--strict", "--format", "json"]) == 2
    result = json.loads(capsys.readouterr().out)["files"][0]
    assert result["status"] == "failed" and "is not needed" in result["problems"][0]["message"]
    assert not (out / path.stem).exists()  # nothing written


# ------------------------------------------------------------------------------ suggestions, warnings
@pytest.mark.parametrize("argv,suggestion", [(["biuld"], "did you mean 'build'?"),
                                             (["build", "x.yaml", "--forse"], "did you mean '--force'?"),
                                             (["chekc", "x.yaml"], "did you mean 'check'?"),
                                             (["build", "x.yaml", "--to", "pfd"], "did you mean 'pdf'?")])
def test_a_mistyped_command_or_option_gets_a_suggestion(argv, suggestion, capsys):
    assert main(argv) == 2
    assert suggestion in capsys.readouterr().err


def test_library_warnings_become_messages_about_the_evidence_without_library_paths(tmp_path):
    import warnings

    from report_builder.build import library_warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("Glyph 28450 (\\N{CJK UNIFIED IDEOGRAPH-6F22}) missing from font(s) DejaVu Sans.")
        warnings.warn("Glyph 28450 (\\N{CJK UNIFIED IDEOGRAPH-6F22}) missing from font(s) DejaVu Sans.")
        # one library calling another's deprecated API (Matplotlib 3.8 and a newer pyparsing): not about the input
        warnings.warn("'parseString' deprecated - use 'parse_string'", DeprecationWarning)
    problems = library_warnings(EXAMPLE, caught)
    assert len(problems) == 1
    assert str(problems[0]) == f"{EXAMPLE}: warning: Glyph 28450 (\\N{{CJK UNIFIED IDEOGRAPH-6F22}}) missing " \
                               "from font(s) DejaVu Sans."
    assert "site-packages" not in str(problems[0]) and ".py" not in str(problems[0])


def test_every_readme_command_is_a_valid_command_line():
    """The README's commands parse as written (command, options, choices); a renamed option breaks this."""
    import shlex

    from report_builder.cli import _parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line.split("#")[0].strip() for line in readme.splitlines() if line.startswith(".venv/bin/build-report")]
    assert len(lines) >= 10
    for line in lines:
        argv = shlex.split(line.split(">")[0])[1:]
        if argv == ["--help"]:
            continue
        _parser().parse_args(argv)  # a UsageError (exit 2) fails the test with the line's message


def test_the_bare_build_names_the_bundled_example_not_a_path_inside_the_package(tmp_path, monkeypatch):
    from report_builder.cli import _shown
    from report_builder.resources import example_evidence

    monkeypatch.chdir(tmp_path)
    assert _shown(example_evidence()) == "bundled example inotuzumab-ozogamicin.yaml"
    assert _shown(tmp_path / "build" / "x") == "build/x"

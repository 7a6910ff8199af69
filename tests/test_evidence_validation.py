"""Every validation and consistency rule, each with a broken input whose message and location are asserted."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from report_builder.errors import EvidenceError
from report_builder.analysis.report import load_report

from conftest import EXAMPLE

BUNDLED = EXAMPLE.read_text(encoding="utf-8")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th occurrence of needle in text."""
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    return text.count("\n", 0, start) + 1


def mutated(old: str, new: str, count: int = 1) -> str:
    assert BUNDLED.count(old) >= count, f"fixture text not found: {old!r}"
    return BUNDLED.replace(old, new, count)


def problems_of(path: Path) -> list:
    with pytest.raises(EvidenceError) as caught:
        load_report(path)
    return list(caught.value.problems)


def assert_problem(path: Path, fragment: str, line: int | None = None, field: str | None = None) -> None:
    problems = problems_of(path)
    hits = [p for p in problems if fragment in p.message and (field is None or p.path == field)]
    assert hits, f"no problem with {fragment!r} at {field!r}; got:\n" + "\n".join(map(str, problems))
    if line is not None:
        assert any(p.line == line for p in hits), f"expected line {line}; got {[str(p) for p in hits]}"
    assert all(p.file == path for p in hits)


# ----------------------------------------------------------------------------------- the bundled file
def test_bundled_file_validates_without_waivers_or_warnings(report):
    assert report.waivers == ()
    assert report.warnings == ()
    assert len(report.evidence.studies) == 5


# ----------------------------------------------------------------------------------- reading
def test_missing_file(tmp_path):
    with pytest.raises(EvidenceError, match="no such file"):
        load_report(tmp_path / "absent.yaml")


def test_empty_file(write_evidence):
    with pytest.raises(EvidenceError, match="the file is empty"):
        load_report(write_evidence("# only a comment\n\n"))


def test_non_utf8_bytes_are_located(write_evidence):
    path = write_evidence(b"format_version: 1\nmeta:\n  title: caf\xe9\n")
    with pytest.raises(EvidenceError, match=r":3:\d+: byte 0xe9 is not valid UTF-8"):
        load_report(path)


def test_root_must_be_a_mapping(write_evidence):
    with pytest.raises(EvidenceError, match=r":1:1: the top level is a list"):
        load_report(write_evidence("- a\n- b\n"))


def test_yaml_syntax_error_is_located(write_evidence):
    path = write_evidence(mutated("  drug_class: CD22", "  drug_class: [CD22"))
    with pytest.raises(EvidenceError, match=r"YAML syntax error"):
        load_report(path)


def test_tab_indentation_is_explained(write_evidence):
    path = write_evidence(mutated("  abbreviation: InO", "\tabbreviation: InO"))
    with pytest.raises(EvidenceError, match=r"tab"):
        load_report(path)


def test_duplicate_key_is_an_error(write_evidence):
    text = mutated("  abbreviation: InO\n", "  abbreviation: InO\n  abbreviation: IO\n")
    path = write_evidence(text)
    assert_problem(path, "duplicate key 'abbreviation' (first defined at line", line_of(text, "  abbreviation: IO"),
                   "drug.abbreviation")


def test_alias_bomb_is_refused(write_evidence):
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i-1}"] * 10) + "]" for i in range(1, 9)]
    with pytest.raises(EvidenceError, match="too many values"):
        load_report(write_evidence("\n".join(lines) + "\n"))


# ----------------------------------------------------------------------------------- schema
def test_unknown_key_suggests_the_nearest(write_evidence):
    text = mutated("    phase: \"3\"\n", "    phaze: \"3\"\n")
    path = write_evidence(text)
    assert_problem(path, "unknown field 'phaze'; did you mean 'phase'?", line_of(text, "phaze"), "studies[0].phaze")


def test_missing_required_field(write_evidence):
    text = mutated("    enrolled: 326\n", "")
    path = write_evidence(text)
    assert_problem(path, "required field 'enrolled' is missing", field="studies[0].enrolled")


def test_wrong_type_names_what_was_expected(write_evidence):
    text = mutated("ino: {events: 88, total: 109", "ino: {events: eighty-eight, total: 109")
    path = write_evidence(text)
    assert_problem(path, "expected a whole number, got 'eighty-eight'", line_of(text, "eighty-eight"),
                   "studies[0].outcomes[0].arms.ino.events")


def test_percent_as_text_gets_a_hint(write_evidence):
    text = mutated("percent: 80.7,", "percent: 80.7%,")
    path = write_evidence(text)
    assert_problem(path, "without the % sign", line_of(text, "80.7%"), "studies[0].outcomes[0].arms.ino.percent")


def test_negative_count(write_evidence):
    text = mutated("events: 9, total: 32", "events: -9, total: 32")
    path = write_evidence(text)
    assert_problem(path, "greater than or equal to 0", line_of(text, "events: -9"), "studies[0].outcomes[1].arms.soc.events")


def test_events_above_total(write_evidence):
    text = mutated("events: 88, total: 109", "events: 188, total: 109")
    path = write_evidence(text)
    assert_problem(path, "events (188) cannot exceed total (109)", line_of(text, "events: 188"),
                   "studies[0].outcomes[0].arms.ino")


def test_p_value_outside_unit_interval(write_evidence):
    text = mutated("        p: 0.03\n", "        p: 1.3\n")
    path = write_evidence(text)
    assert_problem(path, "between 0 and 1", line_of(text, "p: 1.3"), "studies[0].outcomes[2].p")


def test_ci_lower_above_upper(write_evidence):
    text = mutated("ci: [72.1, 87.7]", "ci: [87.7, 72.1]")
    path = write_evidence(text)
    assert_problem(path, "lower bound 87.7 is above its upper bound 72.1", line_of(text, "ci: [87.7, 72.1]"),
                   "studies[0].outcomes[0].arms.ino")


def test_percentage_over_100(write_evidence):
    text = mutated("ino: {percent: 41}", "ino: {percent: 141}")
    path = write_evidence(text)
    assert_problem(path, "less than or equal to 100", line_of(text, "percent: 141"), "studies[0].outcomes[5].arms.ino.percent")


def test_nan_is_refused(write_evidence):
    text = mutated("estimate: 0.55", "estimate: .nan")
    path = write_evidence(text)
    assert_problem(path, "expected a finite number", line_of(text, ".nan"), "studies[0].outcomes[2].hazard_ratio.estimate")


def test_hazard_ratio_needs_its_confidence_level(write_evidence):
    text = mutated("hazard_ratio: {estimate: 0.45, ci: [0.34, 0.61], ci_level: 97.5}",
                   "hazard_ratio: {estimate: 0.45, ci: [0.34, 0.61]}")
    path = write_evidence(text)
    assert_problem(path, "a hazard-ratio 'ci' needs its 'ci_level'", field="studies[0].outcomes[3].hazard_ratio")


def test_a_hazard_ratio_may_come_with_a_p_value_and_no_ci(write_evidence):
    text = mutated("hazard_ratio: {estimate: 0.45, ci: [0.34, 0.61], ci_level: 97.5}", "hazard_ratio: {estimate: 0.45}")
    outcome = load_report(write_evidence(text)).evidence.studies[0].outcomes[3]
    assert outcome.hazard_ratio.ci is None and outcome.p is not None


def test_unknown_outcome_kind(write_evidence):
    text = mutated("        kind: binary\n        name: CR/CRi\n", "        kind: binomial\n        name: CR/CRi\n")
    path = write_evidence(text)
    assert_problem(path, "'kind' must be one of", line_of(text, "kind: binomial") - 1, "studies[0].outcomes[0]")


def test_all_errors_are_reported_in_one_run(write_evidence):
    text = mutated("    phase: \"3\"\n", "    phaze: \"3\"\n")
    text = text.replace("events: 88, total: 109", "events: x, total: 109", 1).replace("  name: Inotuzumab", "  nam: Inotuzumab", 1)
    problems = problems_of(write_evidence(text))
    fields = {p.path for p in problems}
    assert {"studies[0].phaze", "studies[0].outcomes[0].arms.ino.events", "drug.nam"} <= fields


# ----------------------------------------------------------------------------------- consistency
def test_percent_must_match_counts_at_reported_precision(write_evidence):
    text = mutated("percent: 80.7, ci", "percent: 80.9, ci")
    path = write_evidence(text)
    assert_problem(path, "reported 80.9% does not match 88/109 = 80.73%", line_of(text, "80.9"),
                   "studies[0].outcomes[0].arms.ino.percent")


def test_one_unit_in_the_last_digit_is_allowed(write_evidence):
    # 88/109 = 80.73%: 80.8 is off by 0.07, within one unit (0.1) of the last reported digit.
    load_report(write_evidence(mutated("percent: 80.7, ci: [72.1, 87.7]", "percent: 80.8, ci: [72.1, 87.7]")))


def test_two_units_off_is_not_allowed(write_evidence):
    path = write_evidence(mutated("percent: 29.4, ci", "percent: 29.6, ci"))
    assert_problem(path, "does not match 32/109", field="studies[0].outcomes[0].arms.soc.percent")


def test_ci_must_contain_its_estimate(write_evidence):
    text = mutated("{median: 4.6, ci: [3.9, 5.4]}", "{median: 4.6, ci: [4.9, 5.4]}")
    path = write_evidence(text)
    assert_problem(path, "does not contain the median 4.6", line_of(text, "[4.9, 5.4]"),
                   "studies[0].outcomes[2].arms.ino.ci")


def test_ci_must_agree_with_the_exact_interval(write_evidence):
    text = mutated("ci: [72.1, 87.7]", "ci: [71.8, 87.7]")
    path = write_evidence(text)
    assert_problem(path, "disagrees with the exact (Clopper-Pearson) 95% bound 72.07", line_of(text, "71.8"),
                   "studies[0].outcomes[0].arms.ino.ci")


def test_arm_sizes_must_add_up(write_evidence):
    text = mutated("        n: 162\n", "        n: 161\n")
    path = write_evidence(text)
    assert_problem(path, "arm sizes 164 + 161 = 325 do not add up to enrolled (326)", line_of(text, "enrolled: 326"),
                   "studies[0].enrolled")


def test_cohorts_must_add_up(write_evidence):
    path = write_evidence(mutated("{name: Phase 2 (RP2D), n: 35", "{name: Phase 2 (RP2D), n: 36"))
    assert_problem(path, "cohort sizes add up to 73, not to enrolled (72)", field="studies[3].cohorts")


def test_responder_denominator(write_evidence):
    text = mutated("ino: {events: 69, total: 88, percent: 78.4}", "ino: {events: 69, total: 90, percent: 76.7}")
    path = write_evidence(text)
    assert_problem(path, "denominator 90 should equal the 88 responders of 'crcri'", line_of(text, "total: 90"),
                   "studies[0].outcomes[1].arms.ino.total")


def test_dangling_reference(write_evidence):
    text = mutated("        source: kantarjian2012\n        primary: true", "        source: kantarjan2012\n        primary: true")
    path = write_evidence(text)
    assert_problem(path, "unknown reference 'kantarjan2012'; did you mean 'kantarjian2012'?", line_of(text, "kantarjan2012"))


def test_dangling_citation_in_text(write_evidence):
    text = mutated("    a practical target for an antibody-drug conjugate [@uy2018; @kantarjian2013].",
                   "    a practical target for an antibody-drug conjugate [@uy2018; @nobody2020].")
    path = write_evidence(text)
    assert_problem(path, "citation [@nobody2020]: unknown reference", field="background[2]")


def test_every_reference_must_be_used(write_evidence):
    text = BUNDLED.replace("source: ema2017", "source: fda2017")
    path = write_evidence(text)
    assert_problem(path, "reference 'ema2017' is never cited", line_of(text, "id: ema2017"), "references[7].id")


def test_hazard_ratio_direction_warns(write_evidence):
    text = mutated("ino: {median: 5.0, ci: [3.7, 5.6]}", "ino: {median: 1.6, ci: [1.2, 5.6]}")
    report = load_report(write_evidence(text))
    warnings = [w for w in report.warnings if "points the other way" in w.message]
    assert warnings and warnings[0].severity == "warning"
    assert warnings[0].path == "studies[0].outcomes[3].hazard_ratio.estimate"


def test_dose_total_must_match_the_doses(write_evidence):
    text = mutated("      total_per_cycle: 1.8", "      total_per_cycle: 1.9")
    path = write_evidence(text)
    assert_problem(path, "total per cycle 1.9 does not equal the sum of the doses (1.8)", line_of(text, "total_per_cycle: 1.9"))


def test_regulatory_dates_in_order(write_evidence):
    text = mutated("  - date: 2017-08-17", "  - date: 2017-01-17")
    path = write_evidence(text)
    assert_problem(path, "dates out of order", line_of(text, "2017-01-17"), "regulatory[2].date")


def test_flow_count_above_arm_size(write_evidence):
    path = write_evidence(mutated("counts: {ino: 164, soc: 143}", "counts: {ino: 164, soc: 173}"))
    assert_problem(path, "173 exceeds the 162 participants of arm 'soc'", field="studies[0].flow[2].counts.soc")


def test_a_waiver_turns_a_failed_check_into_a_footnote(write_evidence):
    text = mutated("ino: {events: 88, total: 109, percent: 80.7, ci: [72.1, 87.7]}",
                   "ino: {events: 88, total: 109, percent: 80.9, ci: [72.1, 87.7], "
                   "waive: {percent-vs-counts: 'Published table says 80.9'}}")
    report = load_report(write_evidence(text))
    assert [(w.path, w.check, w.reason) for w in report.waivers] == [
        ("studies[0].outcomes[0].arms.ino.percent", "percent-vs-counts", "Published table says 80.9")]
    assert report.waivers_under("studies[0].outcomes[0]")


def test_an_unneeded_waiver_is_a_warning(write_evidence):
    text = mutated("ino: {events: 88, total: 109, percent: 80.7, ci: [72.1, 87.7]}",
                   "ino: {events: 88, total: 109, percent: 80.7, ci: [72.1, 87.7], waive: {exact-ci: 'stale'}}")
    report = load_report(write_evidence(text))
    assert any("not needed" in w.message for w in report.warnings)


@pytest.mark.parametrize("old,new", [
    ("percent: 80.7, ci: [72.1, 87.7]", "percent: 80.5, ci: [72.1, 87.7]"),
    ("percent: 80.7, ci: [72.1, 87.7]", "percent: 80.7, ci: [72.3, 87.7]"),
    ("percent: 80.7, ci: [72.1, 87.7]", "percent: 80.7, ci: [72.1, 87.5]"),
    ("percent: 29.4, ci: [21.0, 38.8]", "percent: 29.4, ci: [21.2, 38.8]"),
    ("percent: 29.4, ci: [21.0, 38.8]", "percent: 29.4, ci: [21.0, 38.6]"),
    ("percent: 57, ci: [42, 71]", "percent: 57, ci: [40, 71]"),
    ("percent: 57, ci: [42, 71]", "percent: 55, ci: [42, 71]"),
    ("ino: {events: 69, total: 88, percent: 78.4}", "ino: {events: 69, total: 88, percent: 78.6}"),
    ("ino: {events: 23, total: 164, percent: 14.0}", "ino: {events: 23, total: 164, percent: 14.2}"),
    ("{median: 7.7, ci: [6.0, 9.2]}".replace("{", "").replace("}", ""), "median: 7.7\n            ci: [7.8, 9.2]"),
    ("hazard_ratio: {estimate: 0.77, ci: [0.58, 1.03]", "hazard_ratio: {estimate: 0.77, ci: [0.78, 1.03]"),
    ("landmarks: [{time: 24, percent: 23, ci: [16, 30]", "landmarks: [{time: 24, percent: 23, ci: [24, 30]"),
])
def test_changing_a_reported_figure_breaks_validation_at_its_location(write_evidence, old, new):
    if old not in BUNDLED:
        old = "median: 7.7\n            ci: [6.0, 9.2]"
    text = BUNDLED.replace(old, new, 1)
    assert text != BUNDLED
    problems = problems_of(write_evidence(text))
    changed_line = next(i for i, (a, b) in enumerate(zip(BUNDLED.splitlines(), text.splitlines()), 1) if a != b)
    assert any(p.line in (changed_line, changed_line + 1) for p in problems), [str(p) for p in problems]


# ----------------------------------------------------------------------------------- command line
def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "report_builder", *args], capture_output=True, text=True, cwd=cwd)


def test_validate_command_passes_the_bundled_file():
    result = run_cli("validate", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_validate_command_counts_one_study_in_the_singular():
    result = run_cli("validate", str(EXAMPLE.parent / "brexucabtagene-autoleucel.yaml"), str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert "(1 study, " in result.stdout and "1 studies" not in result.stdout
    assert "(5 studies, " in result.stdout


def test_validate_command_bad_input_exit_2_located_no_traceback(write_evidence):
    text = mutated("events: 88, total: 109", "events: 188, total: 109")
    path = write_evidence(text)
    result = run_cli("validate", str(path))
    assert result.returncode == 2
    assert f"{path}:{line_of(text, 'events: 188')}:" in result.stderr
    assert "studies[0].outcomes[0].arms.ino" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exit_2():
    result = run_cli("validate")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_schema_command_prints_json_schema():
    import json

    result = run_cli("schema")
    schema = json.loads(result.stdout)
    assert schema["title"] == "report_builder evidence file"
    assert schema["additionalProperties"] is False
    assert "HazardRatio" in schema["$defs"] and "estimate" in schema["$defs"]["HazardRatio"]["required"]


def test_the_json_schema_describes_fields_with_their_docstrings():
    """A field's docstring is its description for editors, also in the models that inherit the field."""
    import json

    generated = json.loads(run_cli("schema").stdout)
    definitions = {**generated["$defs"], "Evidence": generated}
    assert definitions["Reference"]["properties"]["id"]["description"] == (
        "Key used by `source:` fields and by `[@id]` citations in text.")
    assert definitions["HazardRatio"]["properties"]["ci_level"]["description"] == (
        "The confidence level the paper reports, e.g. 95 or 97.5: always stated with a CI, never assumed.")
    for outcome in ("BinaryOutcome", "TimeToEventOutcome"):  # population is documented on their base
        assert definitions[outcome]["properties"]["population"]["description"].startswith("Who was analysed")
    described = [(name, field) for name, model in definitions.items()
                 for field, schema in model.get("properties", {}).items() if schema.get("description")]
    assert len(described) >= 32  # every field documented when the descriptions moved to pydantic's own option


@pytest.mark.parametrize("command", [[], ["build"], ["validate"], ["schema"]])
def test_help_on_every_command(command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0 and "usage: build-report" in result.stdout


def test_version():
    from report_builder import __version__

    result = run_cli("--version")
    assert result.returncode == 0 and __version__ in result.stdout


# ----------------------------------------------------------------------------------- issue 15 fields
def test_reported_false_takes_no_values(write_evidence):
    text = mutated("          soc: {events: 3, total: 143, percent: 2.1}\n      - term: VOD/SOS, serious, fatal",
                   "          soc: {reported: false, events: 3, total: 143}\n      - term: VOD/SOS, serious, fatal")
    path = write_evidence(text)
    assert_problem(path, "'reported: false' says the source gives no result, but events, total are given")


def test_reported_false_alone_is_valid(write_evidence):
    text = mutated("          soc: {events: 3, total: 143, percent: 2.1}\n      - term: VOD/SOS, serious, fatal",
                   "          soc: {reported: false}\n      - term: VOD/SOS, serious, fatal")
    report = load_report(write_evidence(text))
    event = report.evidence.study("inovate").adverse_events[2]
    assert event.arms["soc"].reported is False


def test_extends_names_a_study_that_exists(write_evidence):
    text = mutated("          study: phase2_2012\n          arm: ino", "          study: phase2_2021\n          arm: ino")
    path = write_evidence(text)
    assert_problem(path, "unknown study 'phase2_2021'; did you mean 'phase2_2012'?", line_of(text, "phase2_2021"))


def test_extends_names_an_arm_of_that_study(write_evidence):
    text = mutated("          study: phase2_2012\n          arm: ino", "          study: phase2_2012\n          arm: inno")
    path = write_evidence(text)
    assert_problem(path, "unknown arm of study 'phase2_2012' 'inno'; did you mean 'ino'?", line_of(text, "arm: inno"))

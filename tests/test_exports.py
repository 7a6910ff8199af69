"""Exports beside the PDF and deck: evidence + derived statistics (JSON, with its schema), Summary of findings (CSV), references (CSL-JSON)."""
from __future__ import annotations

import csv
import io
import json

import jsonschema

from report_builder.builders.exports import SOF_COLUMNS, export_schema, exports

STEM = "inotuzumab-ozogamicin"


def test_a_build_writes_the_exports_and_lists_them_in_the_manifest(built):
    manifest = json.loads((built / "manifest.json").read_text())
    for name in (f"{STEM}.evidence.json", f"{STEM}.summary-of-findings.csv", f"{STEM}.references.json"):
        assert (built / name).is_file()
        assert name in manifest["outputs"]


def test_the_evidence_json_holds_the_evidence_and_every_derived_statistic_and_meets_its_schema(report, template):
    data = json.loads(exports(report, template)[f"{STEM}.evidence.json"])
    jsonschema.Draft202012Validator.check_schema(export_schema())
    jsonschema.validate(data, export_schema())
    assert data["evidence"]["drug"]["name"] == report.evidence.drug.name
    assert len(data["derived"]["proportions"]) == len(report.proportions)
    assert len(data["derived"]["effects"]) == len(report.effects)
    crcri = next(e for e in data["derived"]["effects"] if e["study"] == "inovate" and e["outcome"] == "crcri")
    assert (crcri["risk_ratio"], crcri["number_needed"], crcri["number_needed_label"]) == (2.75, 2, "NNT")
    assert crcri["risk_difference"] == 56 / 109
    ino = next(p for p in data["derived"]["proportions"] if (p["study"], p["outcome"], p["arm"]) == ("inovate", "crcri", "ino"))
    assert (ino["events"], ino["total"]) == (88, 109) and 0.72 < ino["ci_low"] < ino["ci_high"] < 0.88


def test_the_evidence_json_keeps_every_p_values_sidedness(report, template):
    data = json.loads(exports(report, template)[f"{STEM}.evidence.json"])
    outcomes = {o["id"]: o for o in data["evidence"]["studies"][0]["outcomes"]}
    assert outcomes["os"]["p_sided"] == report.evidence.studies[0].outcomes[
        [o.id for o in report.evidence.studies[0].outcomes].index("os")].p_sided


def test_the_summary_of_findings_csv_has_the_pdfs_rows_and_figures(report, template):
    rows = list(csv.DictReader(io.StringIO(exports(report, template)[f"{STEM}.summary-of-findings.csv"].decode())))
    assert tuple(rows[0]) == SOF_COLUMNS
    crcri = next(r for r in rows if r["outcome"] == "CR/CRi")
    assert crcri["experimental_result"].startswith("88/109 (80.7%)")
    assert crcri["relative_effect"] == "RR 2.75 (95% CI 2.03–3.73)"
    assert crcri["number_needed"] == "NNT 2 (95% CI 2 to 3)" and crcri["p_value"] == "P<0.001"
    mrd = next(r for r in rows if r["outcome"].startswith("MRD"))  # responder-only: the randomized figures first
    assert mrd["experimental_result"].startswith("69/109 (63.3%)") and mrd["participants"] == "218"
    os_row = next(r for r in rows if r["outcome"] == "Overall survival")
    assert os_row["relative_effect"] == "HR 0.77 (97.5% CI 0.58–1.03)" and os_row["p_value"] == "two-sided P=0.04"


def test_a_single_arm_files_csv_has_the_pdfs_single_arm_rows(template):
    from conftest import SMALL_EXAMPLE
    from report_builder.analysis.report import load_report

    data = exports(load_report(SMALL_EXAMPLE), template)[f"{SMALL_EXAMPLE.stem}.summary-of-findings.csv"].decode()
    rows = {r["outcome"]: r for r in csv.DictReader(io.StringIO(data))}
    ocr = rows["Overall complete remission (CR or CRi)"]
    assert (ocr["experimental_arm"], ocr["experimental_result"], ocr["participants"], ocr["p_value"]) == \
        ("KTE-X19", "39/55 (70.9%); 95% CI 57–82", "55", "P<0.0001")
    assert rows["CR or CRi among all enrolled (US label analysis)"]["participants"] == "71"
    assert rows["Overall survival"]["experimental_result"] == "18.2 months"
    assert all(r["reference_arm"] == r["reference_result"] == r["relative_effect"] == "" for r in rows.values())
    assert not any(name.startswith("MRD") for name in rows)  # in_summary: false, as in the PDF


def test_the_references_export_is_csl_json_in_citation_order(report, template):
    items = json.loads(exports(report, template)[f"{STEM}.references.json"])
    assert [i["id"] for i in items] == [r.id for r in report.evidence.references]
    nejm = next(i for i in items if i["id"] == "kantarjian2016")
    assert nejm["type"] == "article-journal" and nejm["DOI"] == "10.1056/NEJMoa1509277" and nejm["PMID"] == "27292104"


def test_exports_are_byte_reproducible(report, template):
    assert exports(report, template) == exports(report, template)

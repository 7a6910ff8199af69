"""The Summary-of-findings CSV carries the handout's: its harm rows, its order, its figures, its P-value qualifiers."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from conftest import EXAMPLE, SMALL_EXAMPLE

ROOT = Path(__file__).resolve().parent.parent
TWO_INTERVENTIONS = ROOT / "tests" / "evidence" / "two-intervention-arms.yaml"
UNCONFIRMED = ROOT / "tests" / "evidence" / "new-user-two-to-one-percentages.yaml"


def csv_rows(report, template) -> list[dict[str, str]]:
    from report_builder.builders.exports import summary_of_findings_csv

    return list(csv.DictReader(io.StringIO(summary_of_findings_csv(report, template).decode("utf-8"))))


def built_csv(folder: Path) -> list[dict[str, str]]:
    text = (folder / f"{folder.name}.summary-of-findings.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def squashed(text: str) -> str:
    """Text without white space: a table cell's words wrap wherever its column ends."""
    return re.sub(r"\s+", "", text)


def first_page(folder: Path) -> str:
    from pypdf import PdfReader

    return squashed(PdfReader(folder / f"{folder.name}.pdf").pages[0].extract_text())


def pdf_figures(row: dict[str, str]) -> list[str]:
    """The row's figures as the PDF's table prints them: the same numbers, the risk difference as "RD ... pp"."""
    figures = [row["experimental_result"], row["reference_result"], row["relative_effect"], row["number_needed"]]
    if row["risk_difference"]:
        figures.append("RD " + row["risk_difference"].replace(" percentage points", " pp"))
    return [squashed(f) for f in figures if f]


def test_the_randomized_csv_has_the_pdfs_harm_row_with_its_figures(example_build):
    folder = example_build(EXAMPLE)
    rows = built_csv(folder)
    harms = [r for r in rows if r["benefit_or_harm"] == "harm"]
    assert [(r["outcome"], r["experimental_arm"], r["reference_arm"]) for r in harms] == \
        [("VOD/SOS (final report), any grade", "InO", "SoC")]
    vod = harms[0]
    assert (vod["experimental_result"], vod["reference_result"], vod["relative_effect"], vod["risk_difference"],
            vod["number_needed"], vod["participants"], vod["p_value"], vod["source"]) == \
        ("23/164 (14.0%)", "3/143 (2.1%)", "RR 6.68 (95% CI 2.05–21.80)",
         "+11.9 percentage points (95% CI +6.0 to +18.2)", "NNH 9 (95% CI 6 to 17)", "307", "", "kantarjian2019")
    page = first_page(folder)
    for figure in pdf_figures(vod):
        assert figure in page, figure
    assert {r["benefit_or_harm"] for r in rows if r is not vod} == {"benefit"}


def test_the_single_arm_csv_has_the_pdfs_harm_rows_with_their_figures(example_build):
    folder = example_build(SMALL_EXAMPLE)
    harms = [r for r in built_csv(folder) if r["benefit_or_harm"] == "harm"]
    assert [(r["outcome"], r["experimental_arm"], r["experimental_result"], r["reference_result"]) for r in harms] == \
        [("Cytokine release syndrome, grade ≥3", "KTE-X19", "26%", ""),
         ("Neurologic toxicities, grade ≥3", "KTE-X19", "35%", "")]
    page = first_page(folder)
    for row in harms:
        assert squashed(f"Harm: {row['outcome']}") in page and squashed(row["experimental_result"]) in page
        # a rate of another population than the efficacy rows': the PDF's footnote says which, so does the CSV
        assert row["population"] == "78 patients treated at the approved dose in phases 1 and 2 " \
                                    "(US label safety population)"


@pytest.mark.parametrize("evidence", [EXAMPLE, SMALL_EXAMPLE], ids=["randomized", "single-arm"])
def test_the_csv_rows_come_in_the_pdfs_order(example_build, evidence):
    folder = example_build(evidence)
    page = first_page(folder)
    table = page[page.index("Summaryoffindings"):]
    names = [squashed(("Harm: " if r["benefit_or_harm"] == "harm" else "") + r["outcome"]) for r in built_csv(folder)]
    places = [table.find(name) for name in names]
    assert -1 not in places, [n for n, p in zip(names, places) if p == -1]
    assert places == sorted(places)


def test_the_overall_survival_p_value_keeps_the_pdfs_boundary_qualifier(example_build):
    folder = example_build(EXAMPLE)
    os_row = next(r for r in built_csv(folder) if r["outcome"] == "Overall survival")
    assert os_row["p_value"] == "two-sided P=0.04"
    qualifier = "not significant against the prespecified boundary (two-sided P=0.0208)"
    assert os_row["notes"].startswith(qualifier + "; ")
    assert squashed(f"{os_row['p_value']}; {qualifier}") in first_page(folder)  # as the PDF prints it


def test_the_single_arm_p_value_keeps_the_pdfs_note_on_its_null_rate(example_build):
    folder = example_build(SMALL_EXAMPLE)
    ocr = next(r for r in built_csv(folder) if r["outcome"] == "Overall complete remission (CR or CRi)")
    assert ocr["p_value"] == "P<0.0001"
    assert ocr["notes"] == ("The sidedness of this P value is not in this summary (the sources in hand do not state it, "
                            "or disagree).; The null rate behind the P value and its sidedness are not in this summary.")
    for note in ocr["notes"].split("; "):
        assert squashed(note) in first_page(folder)  # the PDF's footnotes, word for word


def test_a_result_after_the_prespecified_final_analysis_says_so(write_evidence, template):
    from report_builder.analysis.report import load_report

    text = EXAMPLE.read_text(encoding="utf-8")
    shown = text.replace("unit: months\n        in_summary: false\n        p: 0.0105",
                         "unit: months\n        in_summary: true\n        p: 0.0105")
    assert shown != text
    final = next(r for r in csv_rows(load_report(write_evidence(shown)), template)
                 if r["outcome"] == "Overall survival (final report)")
    assert final["p_value"] == "one-sided P=0.0105"
    assert final["notes"] == ("not significant against the prespecified boundary (two-sided P=0.0208, one-sided "
                              "0.0104); analysed after the prespecified final analysis")


def test_figures_not_confirmed_in_their_source_say_so(template):
    from report_builder.analysis.report import load_report

    efs = next(r for r in csv_rows(load_report(UNCONFIRMED), template) if r["outcome"] == "Event-free survival")
    assert efs["notes"] == "not confirmed: Conference abstract only; figures not checked against a full paper."


def test_each_comparison_gets_its_harm_row_and_a_zero_cell_is_noted(write_evidence, template):
    from report_builder.analysis.report import load_report

    text = TWO_INTERVENTIONS.read_text(encoding="utf-8")
    changed = text.replace("        source: smith2020\n        arms:\n"
                           "          low: {events: 10, total: 100, percent: 10}",
                           "        source: smith2020\n        in_summary: true\n        arms:\n"
                           "          low: {events: 0, total: 100, percent: 0}")
    assert changed != text
    harms = [r for r in csv_rows(load_report(write_evidence(changed)), template) if r["benefit_or_harm"] == "harm"]
    assert [(r["experimental_arm"], r["reference_arm"], r["experimental_result"]) for r in harms] == \
        [("DX low", "Chemo", "0/100 (0%)"), ("DX high", "Chemo", "12/100 (12%)")]
    assert harms[0]["notes"] == "A zero cell: 0.5 was added to each cell for the risk ratio."
    assert harms[1]["notes"] == ""


def test_the_notes_are_in_the_templates_words(tmp_path, report):
    from report_builder.theme.template import load_template

    folder = tmp_path / "local"
    (folder / "wording" / "pdf" / "phrases").mkdir(parents=True)
    (folder / "template.yaml").write_text("name: local\nextends: default\n", encoding="utf-8")
    (folder / "wording" / "pdf" / "phrases" / "boundary.j2").write_text(
        "{% if not crossed %}**did not cross** the boundary {{ boundary }}{% endif %}", encoding="utf-8")
    os_row = next(r for r in csv_rows(report, load_template(folder)) if r["outcome"] == "Overall survival")
    assert os_row["notes"].startswith("did not cross the boundary two-sided P=0.0208; ")


def test_both_bundled_templates_give_the_same_csv(report):
    from report_builder.builders.exports import summary_of_findings_csv
    from report_builder.theme.template import load_template

    assert summary_of_findings_csv(report, load_template("default")) == \
        summary_of_findings_csv(report, load_template("northbridge"))


def test_an_arm_the_source_did_not_report_reads_not_reported(write_evidence, template):
    from report_builder.analysis.report import load_report

    text = TWO_INTERVENTIONS.read_text(encoding="utf-8")
    changed = text.replace("chemo: {events: 30, total: 100, percent: 30.0, ci: [21.2, 40.0]}",
                           "chemo: {reported: false}", 1)
    assert changed != text
    cr = [r for r in csv_rows(load_report(write_evidence(changed)), template) if r["outcome"] == "Complete remission"]
    assert [(r["reference_result"], r["relative_effect"]) for r in cr] == [("not reported", "")] * 2


def test_a_p_value_says_what_it_compares_and_whether_its_sidedness_is_known(report, template):
    """As the handout: MRD's reported P compares the responders (69/88 vs 9/32), not the derived rates over all
    analysed in the row; a P value whose sidedness the file does not hold says so."""
    import csv
    import io

    from report_builder.builders.exports import summary_of_findings_csv

    rows = {r["outcome"]: r for r in csv.DictReader(io.StringIO(summary_of_findings_csv(report, template).decode()))}
    assert rows["MRD below 0.01% among CR/CRi"]["notes"].startswith("P<0.001 among CR/CRi responders only; "
                                                                    "The sidedness of this P value is not")
    assert rows["Overall survival"]["p_value"] == "two-sided P=0.04"
    assert "sidedness" not in rows["Overall survival"]["notes"]

"""Which arms are compared, their order, colour and labels: one rule (analysis.arms) that every output follows.

tests/evidence/two-intervention-arms.yaml is a three-arm trial (two doses of a drug against one
comparator, the comparator listed between them): each dose is compared with the comparator, in the
forest plot, the adverse-event charts, the PDF tables and the deck.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, require_tool

TWO_DOSES = ROOT / "tests" / "evidence" / "two-intervention-arms.yaml"


@pytest.fixture(scope="module")
def report():
    from report_builder.analysis.report import load_report

    return load_report(TWO_DOSES)


@pytest.fixture(scope="module")
def charts(report, template):
    from report_builder.charts.draw import draw_charts

    return draw_charts(report, template)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from report_builder.build import build

    return build(TWO_DOSES, tmp_path_factory.mktemp("two-doses"), "default").out_dir


@pytest.fixture(scope="module")
def pdf_text(built) -> str:
    pdf = built / f"{TWO_DOSES.stem}.pdf"
    # -raw: content-stream order, so each table row's cells stay together
    text = subprocess.run([require_tool("pdftotext"), "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


@pytest.fixture(scope="module")
def deck(built):
    from pptx import Presentation

    return Presentation(str(built / f"{TWO_DOSES.stem}.pptx"))


def slide_texts(deck) -> list[str]:
    """Each slide's text frames, table cells and speaker notes."""
    out = []
    for slide in deck.slides:
        parts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        parts += [c.text for shape in slide.shapes if shape.has_table for row in shape.table.rows for c in row.cells]
        parts.append(slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else "")
        out.append(re.sub(r"\s+", " ", "\n".join(parts)))
    return out


# ------------------------------------------------------------------------------------------ the rule
def test_each_intervention_arm_is_compared_with_the_comparator(report):
    assert [c.arm_ids for c in report.comparisons("trial1")] == [("low", "chemo"), ("high", "chemo")]
    low, high = report.effects_of("trial1", "cr")
    assert (low.experimental.id, low.reference.id, high.experimental.id) == ("low", "chemo", "high")
    assert low.stats.risk_ratio == pytest.approx(50 / 30) and high.stats.risk_ratio == pytest.approx(60 / 30)
    assert report.effect("trial1", "cr", "high") is high
    with pytest.raises(ValueError, match="name the experimental arm"):
        report.effect("trial1", "cr")  # which of the two? The caller must say.
    assert report.ratio_comparison("trial1", "os").arm_ids == ("high", "chemo")  # as `compares` names them


def test_single_arm_studies_compare_nothing(report):
    from report_builder.analysis.report import load_report

    example = load_report(ROOT / "data" / "inotuzumab-ozogamicin.yaml")
    assert [c.arm_ids for c in example.comparisons("inovate")] == [("ino", "soc")]
    assert example.comparisons("weekly_2013") == () and example.effects_of("weekly_2013", "orr") == ()
    assert example.effect("inovate", "crcri") is example.effect("inovate", "crcri", "ino")  # the only comparison


def test_a_hazard_ratio_must_name_its_arms_when_the_study_compares_several(write_evidence):
    from report_builder.analysis.report import load_report
    from report_builder.errors import EvidenceError

    text = TWO_DOSES.read_text(encoding="utf-8").replace(", compares: [high, chemo]", "")
    with pytest.raises(EvidenceError, match="say which arms the hazard ratio compares"):
        load_report(write_evidence(text))


def test_arm_order_colour_and_label_are_the_same_everywhere(report, charts, template, deck):
    """Interventions first (file order), then the comparator, pooled results last; the interventions take the
    palette in that order, the comparator the neutral muted colour (never a treatment's colour). A palette
    colour too light to be seen on white (Okabe-Ito orange, 2.2:1) is drawn in its shade that reaches 3:1."""
    from report_builder.analysis.arms import arm_keys, arm_label

    study = report.evidence.study("trial1")
    assert arm_keys(study, {"all", "chemo", "high", "low"}) == ["low", "high", "chemo", "all"]
    assert arm_label(study, "all", "All arms") == "All arms" and arm_label(study, "high", "All arms") == "DX high"
    palette = template.theme.chart_palette
    muted = template.theme.colors["muted"]
    assert tuple(palette[:2]) == ("#0072B2", "#E69F00")
    expected = [("low", "DX low", "#0072B2"), ("high", "DX high", "#C48700"), ("chemo", "Chemo", muted)]
    assert charts.get("response-rates") is None  # one study: no chart across the studies
    flow = charts.get("flow-trial1").data["columns"]
    assert [(c["arm"], c["label"], c["colour"]) for c in flow] == expected
    # The deck's big-number slides mark each arm's column with a strip of its colour.
    strips = [(shape.name.removeprefix("Arm colour "), f"#{shape.fill.fore_color.rgb}") for slide in deck.slides
              for shape in slide.shapes if shape.name.startswith("Arm colour ")]
    assert strips and set(strips) == {e[1:] for e in expected}


# ------------------------------------------------------------------------------------------ charts
def test_the_forest_plot_shows_both_comparisons(charts):
    forest = charts.get("forest-trial1")
    rows = forest.data["rows"]
    assert [(r["outcome"], r["experimental"], r["reference"], r["estimate_text"]) for r in rows] == [
        ("cr", "low", "chemo", "RR 1.67"), ("cr", "high", "chemo", "RR 2.00"),
        ("orr", "low", "chemo", "RR 1.57"), ("orr", "high", "chemo", "RR 1.86"),
        ("os", "high", "chemo", "HR 0.70")]
    # A panel per comparison and direction: each row sits under the names of its own two arms.
    assert [(p["favours_below_1"], p["favours_above_1"], [rows[i]["outcome"] for i in p["rows"]])
            for p in forest.data["panels"]] == [
        ("Chemo", "DX low", ["cr", "orr"]), ("Chemo", "DX high", ["cr", "orr"]), ("DX high", "Chemo", ["os"])]
    assert "Complete remission (DX low vs Chemo) risk ratio 1.67" in forest.alt_text
    assert "Complete remission (DX high vs Chemo) risk ratio 2.00" in forest.alt_text


def test_an_adverse_event_chart_per_comparison(charts):
    found = {c.id: (c.data["experimental"]["arm"], c.data["reference"]["arm"])
             for c in charts.of_kind("adverse_events")}
    assert found == {"adverse-events-trial1-low-vs-chemo": ("low", "chemo"),
                     "adverse-events-trial1-high-vs-chemo": ("high", "chemo")}


# ------------------------------------------------------------------------------------------ outputs
def test_the_pdf_tables_show_both_comparisons(pdf_text):
    # Summary of findings: a row per comparison, each naming its arms (the header cannot).
    assert re.search(r"Complete remission \[1\] DX low vs Chemo 50/100 .*? RR 1\.67 \(95% CI 1\.17–2\.38\)", pdf_text)
    assert re.search(r"Complete remission \[1\] DX high vs Chemo 60/100 .*? RR 2\.00 \(95% CI 1\.42–2\.81\)", pdf_text)
    # The reported hazard ratio, and its P value, only in the row of the arms it compares.
    assert "Overall survival [1] DX low vs Chemo median 8.1 months 95% CI 6.5–9.9 median 6.0 months 95% CI " \
           "4.8–7.7 — — 200 (1 RCT)" in pdf_text
    assert re.search(r"Overall survival \[1\] DX high vs Chemo median 9\.5 months .{0,60} HR 0\.70 .{0,30} P=0\.03",
                     pdf_text)
    # The study's results table (an outcome outside the summary) and the safety table: each effect named.
    assert re.search(r"Chemo Comparison Overall response .*? DX low vs Chemo RR 1\.57 .*? DX high vs Chemo RR 1\.86",
                     pdf_text)
    assert re.search(r"25/100 \(25%\) DX low vs Chemo RD −15\.0 pp .*? DX high vs Chemo RD −13\.0 pp", pdf_text)


def test_the_deck_shows_both_comparisons(deck):
    slides = slide_texts(deck)
    table = next(t for t in slides if "Numbers and sources" in t)
    assert "DX low vs Chemo: RR 1.67 (95% CI 1.17–2.38)" in table
    assert "DX high vs Chemo: RR 2.00 (95% CI 1.42–2.81)" in table
    assert "DX high vs Chemo: HR 0.70 (95% CI 0.51–0.97)" in table
    forest = next(t for t in slides if "effects at a glance" in t)
    assert "(DX low vs Chemo) risk ratio 1.67" in forest and "(DX high vs Chemo) risk ratio 2.00" in forest
    safety = next(t for t in slides if "adverse-event denominators" in t)
    assert "DX low vs Chemo: RR 0.40" in safety and "DX high vs Chemo: RR 0.48" in safety


def test_a_responder_only_outcome_is_compared_over_all_randomized_in_each_comparison(write_evidence, tmp_path):
    """Randomized first (issue 15) meets one rule for compared arms (issue 13): MRD among responders is
    re-expressed over everyone analysed for response, for each dose against the comparator, with its NNT."""
    from report_builder.analysis.report import all_in_base_key, load_report
    from report_builder.build import build

    mrd = """      - id: mrd
        kind: binary
        name: MRD negativity among CR
        source: smith2020
        favourable: higher
        conditional_on: cr
        p: 0.002
        p_sided: two-sided
        arms:
          low: {events: 40, total: 50}
          high: {events: 48, total: 60}
          chemo: {events: 12, total: 30}
"""
    path = write_evidence(TWO_DOSES.read_text(encoding="utf-8").replace("      - id: orr\n", mrd + "      - id: orr\n", 1))
    report = load_report(path)
    assert report.effects_of("trial1", "mrd") == ()  # responders are not randomized groups
    low, high = report.effects_of("trial1", all_in_base_key("mrd"))
    assert [(e.comparison.arm_ids, e.stats.experimental.events, e.stats.experimental.total,
             e.stats.reference.events, e.stats.reference.total) for e in (low, high)] == [
        (("low", "chemo"), 40, 100, 12, 100), (("high", "chemo"), 48, 100, 12, 100)]
    assert (low.nnt.value, low.nnt.low, low.nnt.high) == (4, 3, 7)  # 1/0.28 = 3.57; Newcombe RD 16.0 to 39.0
    assert (high.nnt.value, high.nnt.low, high.nnt.high) == (3, 3, 5)  # 1/0.36 = 2.78

    out = build(path, tmp_path / "out", "default").out_dir
    text = subprocess.run([require_tool("pdftotext"), "-raw", "-enc", "UTF-8", str(out / f"{path.stem}.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " "))
    for arm, n in (("low", 40), ("high", 48)):
        assert re.search(rf"MRD negativity among CR \[1\] DX {arm} vs Chemo {n}/100 .*? 12/100 .*? RR .*? "
                         r"two-sided P=0\.002 among Complete remission responders only RD .*? NNT", text)
    from pptx import Presentation

    slides = slide_texts(Presentation(str(out / f"{path.stem}.pptx")))
    table = next(t for t in slides if "Numbers and sources" in t)
    assert ("DX low vs Chemo: RR 3.33 (95% CI 1.86–5.97); RD +28.0 percentage points (95% CI +16.0 to +39.0); "
            "NNT 4 (95% CI 3 to 7); DX high vs Chemo: RR 4.00") in table
    assert "DX low vs Chemo: NNT 4 is 1/RD = 3.57" in table and "DX high vs Chemo: NNT 3 is 1/RD = 2.78" in table

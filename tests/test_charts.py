"""Charts: what each one draws (values, CIs, n/N, favours labels), alt text, output forms and byte-identical redraws."""
from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from report_builder.charts import PRINT, SLIDE

from conftest import EXAMPLE, ROOT, SMALL_EXAMPLE

EXPECTED = {
    "response-rates": ("response", None),
    "forest-inovate": ("forest", "inovate"),
    "time-to-event-inovate": ("time_to_event", "inovate"),
    "time-to-event-weekly_2013": ("time_to_event", "weekly_2013"),
    "time-to-event-study1010": ("time_to_event", "study1010"),
    "adverse-events-inovate": ("adverse_events", "inovate"),
    "timeline": ("timeline", None),
    "flow-inovate": ("flow", "inovate"),
}

SYNTHETIC_CURVE = """\
format_version: 1
meta: {title: Synthetic curve test, date: 2026-01-01, version: "0.1"}
drug: {name: Examplumab, abbreviation: EXM}
question:
  population: Adults with a test disease
  intervention: Examplumab
  comparison: Placebo
  outcomes: [Overall survival]
background: ["A synthetic evidence file with digitised survival points [@ref1]."]
studies:
  - id: trial
    name: SYNTH-1 trial
    short_name: SYNTH-1
    design: Randomized phase 3 trial
    phase: "3"
    randomized: true
    population: Adults
    enrolled: 200
    sources: [ref1]
    arms:
      - {id: exm, name: Examplumab, short_name: EXM, role: intervention, n: 100}
      - {id: pbo, name: Placebo, short_name: PBO, role: control, n: 100}
    outcomes:
      - id: os
        kind: time_to_event
        name: Overall survival
        source: ref1
        unit: months
        arms:
          exm:
            curve: [{time: 0, percent: 100}, {time: 6, percent: 80}, {time: 12, percent: 61.5}, {time: 24, percent: 40}]
            at_risk: [{time: 0, n: 100}, {time: 12, n: 58}, {time: 24, n: 31}]
          pbo:
            curve: [{time: 0, percent: 100}, {time: 6, percent: 70}, {time: 12, percent: 45}, {time: 24, percent: 25}]
            at_risk: [{time: 0, n: 100}, {time: 12, n: 41}, {time: 24, n: 19}]
        hazard_ratio: {estimate: 0.70, ci: [0.52, 0.94], ci_level: 95}
bottom_line: ["Synthetic."]
references:
  - {id: ref1, authors: [Doe J], title: A synthetic trial, journal: Test J, year: 2020}
"""


def group(chart, study: str, outcome: str) -> dict:
    return next(g for g in chart.data["groups"] if g["study"] == study and g["outcome"] == outcome)


def row(rows: list[dict], arm: str) -> dict:
    return next(r for r in rows if r["arm"] == arm)


# ------------------------------------------------------------------------------------------- the set
def test_every_supported_chart_and_no_other(charts):
    assert {c.id: (c.kind, c.study_id) for c in charts} == EXPECTED


def test_no_chart_for_data_the_file_does_not_have(charts, report):
    ids = {c.id for c in charts}
    assert not any(i.startswith("km-") for i in ids), "the bundled file has no curve points: no survival curve"
    # Single-arm studies: nothing to compare, so no forest plot, adverse-event butterfly or flow diagram.
    for study in ("phase2_2012", "weekly_2013", "study1010", "minihcvd_2018"):
        assert not charts.of_kind("forest", study) and not charts.of_kind("flow", study)
        assert not charts.of_kind("adverse_events", study)
    # Phase 2 (2012) reports no time-to-event outcome at all; mini-HCVD two medians without intervals, which
    # its table holds: no chart says less than its table.
    assert not charts.of_kind("time_to_event", "phase2_2012")
    assert not charts.of_kind("time_to_event", "minihcvd_2018")


def test_synthetic_curve_is_drawn_with_numbers_at_risk(write_evidence, template):
    from report_builder.charts.draw import draw_charts
    from report_builder.analysis.report import load_report

    report = load_report(write_evidence(SYNTHETIC_CURVE, "synthetic-curve.yaml"))
    charts = draw_charts(report, template).for_medium("print")
    assert sorted(c.id for c in charts) == ["forest-trial", "km-trial-os"]
    curve = charts.get("km-trial-os")
    assert curve.kind == "time_to_event" and curve.study_id == "trial"
    exm = row(curve.data["arms"], "exm")
    assert exm["points"] == [(0.0, 100.0), (6.0, 80.0), (12.0, 61.5), (24.0, 40.0)]
    assert exm["at_risk_text"] == [("0", "100"), ("12", "58"), ("24", "31")]
    assert row(curve.data["arms"], "pbo")["at_risk"] == [(0.0, 100), (12.0, 41), (24.0, 19)]
    assert "61.5" not in curve.alt_text and "40% at 24 months" in curve.alt_text
    forest = charts.get("forest-trial")
    hr = forest.data["rows"][0]
    assert (hr["estimate_text"], hr["ci_text"]) == ("HR 0.70", "95% CI 0.52–0.94")  # "0.70" as written, not 0.7


# ------------------------------------------------------------------------------------------- response
def test_response_rates_use_exact_cis_from_the_model(charts, report, template):
    chart = charts.get("response-rates")
    inovate = group(chart, "inovate", "crcri")
    ino, soc = row(inovate["rows"], "ino"), row(inovate["rows"], "soc")
    assert (ino["events"], ino["total"], ino["text"]) == (88, 109, "88/109 (80.7%)")
    assert ino["low"] == pytest.approx(72.07, abs=0.005) and ino["high"] == pytest.approx(87.66, abs=0.005)
    prop = report.proportion("inovate", "crcri", "soc")
    assert (soc["value"], soc["low"], soc["high"]) == (prop.percent, 100 * prop.low, 100 * prop.high)
    # The treatment under study in the first colour, the comparator neutral (analysis.arms.palette_slots).
    assert ino["colour"] == template.theme.chart_palette[0] and soc["colour"] == template.theme.colors["muted"]
    # Phase 2 reported 42-71; the chart shows the exact interval derived from 28/49 instead.
    phase2 = row(group(chart, "phase2_2012", "orr")["rows"], "ino")
    assert phase2["ci_text"] == "95% CI 42.2–71.2"
    assert [g["study"] for g in chart.data["groups"]] == ["inovate", "phase2_2012", "weekly_2013", "study1010",
                                                          "minihcvd_2018"]


def test_reported_percent_without_counts_has_no_ci(charts):
    rows = group(charts.get("response-rates"), "weekly_2013", "orr")["rows"]
    assert [(r["arm"], r["value"], r["low"], r["high"], r["counts"]) for r in rows] == [
        ("weekly", 59.0, None, None, False)]
    assert {r["ci_text"] for r in rows} == {"reported %, no counts"}


def test_a_cohort_followed_longer_in_a_later_study_is_drawn_once(charts):
    """The 2013 single-dose arm is the 2012 phase 2's 49 patients: drawn once, and the pooled 58% (which
    includes them) is left out; the chart says so."""
    chart = charts.get("response-rates")
    assert [r["arm"] for r in group(chart, "phase2_2012", "orr")["rows"]] == ["ino"]
    assert [r["arm"] for r in group(chart, "weekly_2013", "orr")["rows"]] == ["weekly"]
    note = ("Single vs weekly (2013), Single dose: the same patients as Phase 2 (2012), followed longer; "
            "shown once, under Phase 2 (2012).")
    assert note in chart.alt_text
    assert {(r["study"], r["arm"], r["pooled"]) for r in chart.data["repeats"]} == {
        ("Single vs weekly (2013)", "Single dose", False), ("Single vs weekly (2013)", None, True)}


def test_an_arm_label_that_fits_two_lines_is_shown_whole(charts):
    """"InO + mini-HCVD ± blinatumomab" was cut to "InO + mini-HCVD ± blin…" beside its dot; a label that
    fits on two lines now takes two (a longer one is still cut on one: the twenty-times test)."""
    for chart_id in ("response-rates",):
        texts = [op[7] for op in json.loads(charts.get(chart_id).ops)["ops"] if op[0] == "text"]
        assert "InO + mini-HCVD ±" in texts and "blinatumomab" in texts, chart_id
        assert not any("…" in text for text in texts), chart_id


def test_no_text_of_the_bundled_examples_charts_is_cut(charts, template):
    """A cut label says less than its sentence: the bundled files' charts show every text whole (a flow box, a
    timeline event and two arm labels once ended in "…")."""
    from report_builder.analysis.report import load_report
    from report_builder.charts.draw import draw_charts

    single_arm = draw_charts(load_report(SMALL_EXAMPLE), template).for_medium("print")
    for chart in (*charts.for_medium("print"), *single_arm):
        texts = [op[7] for op in json.loads(chart.ops)["ops"] if op[0] == "text"]
        assert texts and not [text for text in texts if "…" in text], chart.id


def test_response_alt_text_has_the_numbers(charts):
    alt = charts.get("response-rates").alt_text
    for fragment in ("88/109 (80.7%; exact 95% CI 72.1–87.7)", "32/109 (29.4%; exact 95% CI 21.0–38.8)",
                     "Weekly 59% (reported %, no counts)", "44/48 (92%"):
        assert fragment in alt


# ------------------------------------------------------------------------------------------- forest
def test_forest_rows_risk_ratio_from_counts_and_hazard_ratios_as_reported(charts, report):
    chart = charts.get("forest-inovate")
    rows = {r["outcome"]: r for r in chart.data["rows"] if r["estimate"] is not None}
    assert list(rows) == ["crcri", "pfs", "os", "os_final"]
    crcri = rows["crcri"]
    effect = report.effect("inovate", "crcri").stats
    assert (crcri["measure"], crcri["estimate"], crcri["low"], crcri["high"]) == (
        "RR", effect.risk_ratio, effect.rr_low, effect.rr_high)
    assert (crcri["estimate_text"], crcri["ci_text"]) == ("RR 2.75", "95% CI 2.03–3.73")
    os_ = rows["os"]
    assert (os_["measure"], os_["estimate"], os_["low"], os_["high"], os_["ci_level"]) == ("HR", 0.77, 0.58, 1.03, 97.5)
    assert os_["ci_text"] == "97.5% CI 0.58–1.03" and os_["crossed_boundary"] is False
    assert rows["pfs"]["ci_text"] == "97.5% CI 0.34–0.61"


def test_forest_favours_labels_are_honest_per_row(charts):
    chart = charts.get("forest-inovate")
    rows = {r["outcome"]: r for r in chart.data["rows"]}
    # More remissions is good: RR above 1 favours InO. Fewer deaths is good: HR below 1 favours InO.
    assert (rows["crcri"]["favours_below_1"], rows["crcri"]["favours_above_1"]) == ("SoC", "InO")
    for hr in ("pfs", "os", "os_final"):
        assert (rows[hr]["favours_below_1"], rows[hr]["favours_above_1"]) == ("InO", "SoC")
        assert rows[hr]["favours"] == "InO"
    outcomes = [r["outcome"] for r in chart.data["rows"]]  # a panel lists its rows by position
    assert [(p["favours_below_1"], p["favours_above_1"], [outcomes[i] for i in p["rows"]])
            for p in chart.data["panels"]] == [("SoC", "InO", ["crcri", "hsct", "crcri_final", "hsct_final"]),
                                               ("InO", "SoC", ["pfs", "os", "os_final"])]


def test_forest_skips_response_conditional_outcomes(charts):
    skipped = {s["outcome"]: s["reason"] for s in charts.get("forest-inovate").data["skipped"]}
    assert skipped == {"mrd": "conditional on response", "dor": "conditional on response"}


def test_forest_shows_count_free_outcomes_as_rows_that_say_why_there_is_no_ratio(charts):
    chart = charts.get("forest-inovate")
    rows = {r["outcome"]: r for r in chart.data["rows"] if r.get("no_counts")}
    assert list(rows) == ["hsct", "crcri_final", "hsct_final"]
    assert {(r["estimate"], r["low"], r["estimate_text"]) for r in rows.values()} == {(None, None, "reported %, no counts")}
    assert "Proceeded to allogeneic" in chart.alt_text or all(r["label"] in chart.alt_text for r in rows.values())


def test_forest_alt_text(charts):
    alt = charts.get("forest-inovate").alt_text
    assert alt.startswith("Forest plot of INO-VATE.")
    for fragment in ("CR/CRi risk ratio 2.75 (95% CI 2.03–3.73) favouring InO",
                     "Overall survival hazard ratio 0.77 (97.5% CI 0.58–1.03)",
                     "two-sided P=0.04 did not cross the prespecified significance boundary (two-sided P=0.0208)",
                     "not statistically significant",
                     "one-sided P=0.0105 did not cross the prespecified significance boundary (two-sided P=0.0208, "
                     "one-sided 0.0104)",
                     "Overall survival (final report): after the prespecified final analysis"):
        assert fragment in alt


def test_response_conditional_outcomes_are_marked_in_the_data_not_guessed():
    from report_builder.charts.forest import conditional_on_response
    from report_builder.inputs.evidence_schema import TimeToEventOutcome

    def tte(name: str, conditional_on: str | None = None) -> TimeToEventOutcome:
        return TimeToEventOutcome(kind="time_to_event", id="x", name=name, source="r", unit="months",
                                  conditional_on=conditional_on, arms={"a": {"median": 1}})

    assert conditional_on_response(tte("Duration of response", conditional_on="crcri"))
    assert not conditional_on_response(tte("Overall survival"))


# ------------------------------------------------------------------------------------------- time to event
def test_time_to_event_medians_and_landmarks_as_reported(charts):
    data = charts.get("time-to-event-inovate").data
    medians = {g["outcome"]: g for g in data["medians"]}
    assert list(medians) == ["dor", "pfs", "os", "os_final"]
    ino = row(medians["pfs"]["rows"], "ino")
    assert (ino["median"], ino["low"], ino["high"], ino["value_text"], ino["ci_text"]) == (
        5.0, 3.7, 5.6, "5.0 months", "95% CI 3.7–5.6")
    final = row(medians["os_final"]["rows"], "soc")
    assert (final["median"], final["low"], final["ci_text"]) == (6.2, None, "")
    marks = {(g["outcome"], g["label"]): g for g in data["landmarks"]}
    os2 = marks[("os", "2-year OS")]["rows"]
    assert [(r["arm"], r["percent"], r["low"], r["high"]) for r in os2] == [("ino", 23, 16, 30), ("soc", 10, 5, 16)]
    assert row(marks[("os_final", "2-year OS")]["rows"], "ino")["percent_text"] == "22.8%"


def test_time_to_event_alt_text(charts):
    alt = charts.get("time-to-event-inovate").alt_text
    for fragment in ("Progression-free survival, median: InO 5.0 months (95% CI 3.7–5.6); SoC 1.8 months",
                     "2-year OS: InO 23% (95% CI 16–30); SoC 10% (95% CI 5–16)"):
        assert fragment in alt
    assert "All (pooled) 6.2 months" in charts.get("time-to-event-weekly_2013").alt_text


# ------------------------------------------------------------------------------------------- adverse events
def test_adverse_events_by_arm_with_counts(charts, template):
    data = charts.get("adverse-events-inovate").data
    assert (data["experimental"]["label"], data["reference"]["label"]) == ("InO", "SoC")
    assert data["experimental"]["colour"] == template.theme.chart_palette[0]
    rows = data["rows"]
    assert len(rows) == 13 and data["omitted"] == 0  # all 13 in the file: they fit a page
    vod = rows[1]
    assert vod["term"] == "VOD/SOS (final report)" and vod["grade_label"] == "any grade"
    assert vod["experimental"]["text"] == "23/164 (14.0%)" and vod["reference"]["text"] == "3/143 (2.1%)"
    assert vod["experimental"]["percent"] == pytest.approx(100 * 23 / 164)
    serious = rows[2]  # the comparator's VOD/SOS by grade from the 2019 paper's Table 4
    assert serious["grade_label"] == "grade ≥3" and serious["reference"]["text"] == "3/143 (2.1%)"
    assert rows[3]["reference"]["text"] == "0/143 (0%)"
    after_hsct = rows[4]
    assert after_hsct["term"] == "VOD/SOS in patients who went on to HSCT" and after_hsct["reference"] is None
    assert all(not r[s] or r[s]["from_counts"] for r in rows[:6] for s in ("experimental", "reference"))
    # A figure not checked against its source says so beside its bars, as the safety table's footnote does.
    assert rows[6]["term_label"] == "Non-relapse mortality after HSCT (not confirmed)"
    assert rows[10]["term_label"] == "Febrile neutropenia (serious)"


def test_adverse_events_alt_text(charts):
    alt = charts.get("adverse-events-inovate").alt_text
    assert "VOD/SOS (final report), any grade: InO 23/164 (14.0%) vs SoC 3/143 (2.1%)" in alt
    assert "VOD/SOS, serious (final report), grade ≥3: InO 19/164 (11.6%) vs SoC 3/143 (2.1%)" in alt
    # The file holds no comparator figure here: "not in this summary", never "not reported".
    assert "VOD/SOS in patients who went on to HSCT, any grade: InO 18/79 (23%) vs SoC not in this summary" in alt
    assert "not reported" not in alt


def test_an_arm_the_source_does_not_report_says_not_reported(write_evidence, template):
    from report_builder.analysis.report import load_report
    from report_builder.charts.adverse import plan_adverse_events
    from report_builder.charts.style import make_style

    from conftest import EXAMPLE

    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "          ino: {events: 18, total: 79, percent: 23}\n",
        "          ino: {events: 18, total: 79, percent: 23}\n          soc: {reported: false}\n", 1)
    report = load_report(write_evidence(text))
    study = report.evidence.study("inovate")
    [plan] = plan_adverse_events(report, study, make_style(template, report, PRINT))
    assert "VOD/SOS in patients who went on to HSCT, any grade: InO 18/79 (23%) vs SoC not reported" in plan.alt_text


# ------------------------------------------------------------------------------------------- timeline, flow
def test_timeline_regulatory_dates_and_publication_years(charts):
    data = charts.get("timeline").data
    assert [(e["date"], e["region"], e["event"]) for e in data["events"]] == [
        ("2017-04-21", "EU", "CHMP positive opinion"),
        ("2017-06-29", "EU", "Marketing authorisation (EMEA/H/C/004119)"),
        ("2017-08-17", "US", "FDA approval"), ("2024-03-06", "US", "FDA approval for children")]
    pubs = {p["reference"]: p for p in data["publications"]}
    assert pubs["kantarjian2016"]["year"] == 2016 and pubs["kantarjian2016"]["precision"] == "year"
    assert pubs["kantarjian2016"]["label"] == ["INO-VATE", "N Engl J Med 2016 [2]"]
    assert "21 Apr 2017, EU: CHMP positive opinion" in charts.get("timeline").alt_text
    # A study's name is shortened only past a full line of the label column (it once read "InO + mini-HCVD ± blinat…").
    texts = [op[7] for op in json.loads(charts.get("timeline").ops)["ops"] if op[0] == "text"]
    assert "InO + mini-HCVD ± blinatumomab: Cancer" in texts and not any("…" in t for t in texts)


def test_timeline_rows_in_date_order_with_a_year_heading_its_year(template):
    """A date known to the month sits where its month starts ("Sep 2022" once came before "22 Jul 2022");
    a year-only publication heads its year; an event's text is shown whole (it once ended "CAR T-cell ther…")."""
    from report_builder.analysis.report import load_report
    from report_builder.charts.draw import draw_charts

    chart = draw_charts(load_report(SMALL_EXAMPLE), template).for_medium("print").get("timeline")
    texts = [(op[2], op[7]) for op in json.loads(chart.ops)["ops"] if op[0] == "text"]
    rows = [text for y, text in sorted(texts, key=lambda t: -t[0]) if text[:1].isdigit() or text[:3] == "Sep"]
    assert rows == ["4 Jun 2021", "1 Oct 2021", "2022", "22 Jul 2022", "19 Aug 2022", "Sep 2022", "18 Apr 2024",
                    "27 Jun 2025", "2021", "2022", "2023", "2024", "2025"]  # then the axis, at the bottom
    assert "CD19- and BCMA-directed CAR T-cell therapies" in [text for _, text in texts]


def test_flow_stages_and_arrows(charts):
    data = charts.get("flow-inovate").data
    assert [(s["stage"], s["counts"], s["parent"]) for s in data["stages"]] == [
        ("Randomized", {"ino": 164, "soc": 162}, "enrolled"),
        ("Analysed for remission (first 218 randomized)", {"ino": 109, "soc": 109}, 0),
        # 164 treated cannot come out of 109 analysed: its arrow starts at "Randomized".
        ("Received at least one dose", {"ino": 164, "soc": 143}, 0),
    ]
    assert data["enrolled"] == 326
    assert "Received at least one dose: InO 164, SoC 143." in charts.get("flow-inovate").alt_text


@pytest.mark.parametrize("stage, lines", [
    ("Enrolled (leukapheresed)", 1),
    ("Enrolled and leukapheresed at 25 sites in the USA, Canada and Europe between 2018 and 2019", 2),
])
def test_the_flow_top_box_wraps_its_statement_and_never_cuts_the_count(write_evidence, template, stage, lines):
    """A single arm's box is narrow; the statement above it takes the figure's width and wraps, so
    "N = 71" is always printed (it was once cut to "Enrolled (leukapheresed), N…")."""
    from report_builder.analysis.report import load_report
    from report_builder.charts.draw import draw_charts

    text = SMALL_EXAMPLE.read_text(encoding="utf-8")
    report = load_report(write_evidence(text.replace("stage: Enrolled (leukapheresed)", f"stage: {stage}", 1)))
    chart = draw_charts(report, template).for_medium("print").get("flow-zuma3")
    texts = [op[7] for op in json.loads(chart.ops)["ops"] if op[0] == "text"]
    assert " ".join(texts[:lines]) == f"{stage}, N = 71"
    assert texts[lines] == "n = 71"  # the arm's box comes next
    assert not any("…" in t for t in texts)


# ------------------------------------------------------------------------------------------- forms
def test_every_chart_has_alt_text_caption_and_sources(charts, report):
    for chart in charts:
        assert chart.title and chart.caption and len(chart.alt_text) > 40, chart.id
        assert any(ch.isdigit() for ch in chart.alt_text), chart.id
        assert "Source" in chart.caption and "[" in chart.caption, chart.id
        json.dumps(chart.data)  # plain data: tests and builders can read it without Matplotlib objects


def test_slide_png_at_150_dpi_of_the_shown_size(charts):
    from PIL import Image

    slides = charts.for_medium("slide")
    assert len(slides) == len(charts.for_medium("print")) > 0
    for chart in slides:
        assert chart.dpi == SLIDE.dpi == 150  # a 1920-pixel projector shows 144 per inch of a 13.3-inch slide
        with Image.open(io.BytesIO(chart.png)) as image:
            assert image.format == "PNG"
            assert round(image.info["dpi"][0]) == 150, chart.id
            expected = (chart.width_in * chart.dpi, chart.height_in * chart.dpi)
            assert all(abs(got - want) <= 1 for got, want in zip(image.size, expected)), (chart.id, image.size)
        # Shown 1.8 times the print size: 16 pt chart text where a 16:9 slide projects it.
        assert chart.width_in == pytest.approx(SLIDE.shown_width_in) and chart.width_in <= 13.333, chart.id
        assert chart.width_in == pytest.approx(charts.get(chart.id).width_in * SLIDE.scale), chart.id


def test_print_charts_fill_the_text_column_at_their_drawn_size(charts):
    for chart in charts.for_medium("print"):
        assert chart.width_in == PRINT.width_in == 6.5 and 1 <= chart.height_in <= 6, chart.id
        assert json.loads(chart.ops)["width"] == pytest.approx(72 * chart.width_in), chart.id


def font_family_of(path) -> str:
    """The family name the charts register a template TTF under: its content hash, not its own name."""
    import hashlib

    return f"report_builder-{hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]}"


def test_svg_is_well_formed_vector_with_text_in_the_template_fonts(charts, template):
    import re

    families = {font_family_of(p) for p in template.theme.fonts.values()}
    for chart in charts.for_medium("print"):
        root = ET.fromstring(chart.svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg", chart.id
        assert b"<image" not in chart.svg, chart.id  # vector only
        assert b"<dc:date>" not in chart.svg, chart.id  # no build clock in the file
        # Text stays text (searchable in the PDF, set there in the embedded template font) ...
        # (Matplotlib >= 3.9 writes "font-family: 'name'", 3.8 the shorthand "font: 9px 'name'".)
        used = set(re.findall(r"font(?:-family)?: [^;'\"]*'([^']+)'", chart.svg.decode()))
        assert used and used <= families, (chart.id, used)


def test_template_font_renders_special_glyphs(charts, template):
    from matplotlib.ft2font import FT2Font

    path = template.theme.fonts["regular"]
    font = FT2Font(str(path))
    for char in "–≥":
        assert font.get_char_index(ord(char)), f"{char!r} missing from {path}"
    # The en dash of "72.1–87.7" and the ≥ of "grade ≥3" are set in the template font, as text.
    assert "–".encode() in charts.get("response-rates").svg
    assert "≥".encode() in charts.get("adverse-events-inovate").svg
    assert font_family_of(path).encode() in charts.get("adverse-events-inovate").svg


def test_redraw_in_the_same_process_is_byte_identical(charts, report, template):
    from report_builder.charts.draw import draw_charts

    again = draw_charts(report, template)
    assert [c.id for c in again] == [c.id for c in charts]
    for first, second in zip(charts, again):
        assert first.svg == second.svg, first.id
        assert first.png == second.png, first.id


def test_redraw_in_a_fresh_process_is_byte_identical(charts):
    script = textwrap.dedent(f"""
        import hashlib, json
        from report_builder.charts.draw import draw_charts
        from report_builder.analysis.report import load_report
        from report_builder.theme.template import load_template
        charts = draw_charts(load_report({str(EXAMPLE)!r}), load_template("default"))
        print(json.dumps({{c.medium.name + "/" + c.id: [hashlib.sha256(c.svg + c.png).hexdigest(), c.key]
                           for c in charts}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    fresh = json.loads(out.stdout.strip().splitlines()[-1])
    here = {c.medium.name + "/" + c.id: [hashlib.sha256(c.svg + c.png).hexdigest(), c.key] for c in charts}
    assert fresh == here


def test_drawing_leaves_no_global_state(report, template):
    import matplotlib
    import matplotlib.pyplot as plt

    from report_builder.charts.draw import draw_charts

    before = dict(matplotlib.rcParams)
    figures = plt.get_fignums()
    draw_charts(report, template)
    assert plt.get_fignums() == figures
    assert {k: v for k, v in matplotlib.rcParams.items() if before.get(k) != v} == {}


def test_template_wording_overrides_chart_text(tmp_path, report, template):
    from report_builder.charts.draw import draw_charts, plan_charts
    from report_builder.theme.template import load_template

    folder = tmp_path / "local"
    (folder / "wording" / "charts").mkdir(parents=True)
    (folder / "template.yaml").write_text("name: local\nextends: default\n", encoding="utf-8")
    (folder / "wording" / "charts" / "no_counts.j2").write_text("percentage only ({{ 'no counts' }})\n",
                                                               encoding="utf-8")
    (folder / "wording" / "charts" / "response_axis.j2").write_text("Responders, % (exact 95% CI)\n",
                                                                   encoding="utf-8")
    local = load_template(str(folder))
    charts = draw_charts(report, local)
    rows = group(charts.get("response-rates"), "weekly_2013", "orr")["rows"]
    assert {r["ci_text"] for r in rows} == {"percentage only (no counts)"}
    # The axis label is drawn, not data: the override still changes the picture and its key.
    mine, default = charts.get("response-rates"), draw_charts(report, template).get("response-rates")
    assert mine.key != default.key and mine.svg != default.svg
    assert next(p for p in plan_charts(report, local, PRINT) if p.id == "response-rates").draw["panels"][0].xlabel == (
        "Responders, % (exact 95% CI)")


def test_the_default_template_holds_every_chart_wording_and_no_unused_one(template):
    import re

    package = ROOT / "report_builder" / "charts"
    used = {key for path in package.glob("*.py")
            for key in re.findall(r"""say\(\s*["'](\w+)["']""", path.read_text(encoding="utf-8"))}
    files = {path.stem for path in (ROOT / "templates" / "default" / "wording" / "charts").glob("*.j2")}
    assert used == files
    assert not (package / "wording.py").exists()  # no second copy of the wording in Python
    assert template.text("charts/forest_panel", below="SoC", above="InO") == "Below 1 favours SoC, above 1 favours InO"


def test_hostile_evidence_text_gives_valid_svg_and_clean_text(template):
    from report_builder.charts.draw import draw_charts
    from report_builder.analysis.report import load_report

    report = load_report(ROOT / "tests" / "corpus" / "valid" / "hostile-text.yaml")
    charts = draw_charts(report, template).for_medium("print")
    # One study: no chart across the studies.
    assert {c.kind for c in charts} >= {"forest", "adverse_events", "flow"} and "response" not in {c.kind for c in charts}
    control = [chr(i) for i in range(32) if chr(i) not in "\t\n\r"] + ["\x7f"]
    for chart in charts:
        ET.fromstring(chart.svg)  # Matplotlib copies each string into an SVG comment
        for text in (chart.title, chart.caption, chart.alt_text, json.dumps(chart.data, ensure_ascii=False)):
            assert not any(c in text for c in control), chart.id
    # "$" never starts mathtext: the arm name is drawn and described literally.
    assert "DX $x^2$ & <sup>" in charts.get("forest-trial1").alt_text


def test_long_adverse_event_lists_are_cut_with_a_note(write_evidence, template):
    from report_builder.charts.draw import draw_charts
    from report_builder.charts.media import PAGE_HEIGHT_IN
    from report_builder.analysis.report import load_report

    events = "".join(
        f"      - term: Adverse event number {i} with a long descriptive name that wraps in the table\n"
        f"        grade: \">=3\"\n        source: ref1\n"
        f"        arms:\n          exm: {{events: {i}, total: 100}}\n          pbo: {{events: {2 * i}, total: 100}}\n"
        for i in range(40)
    )
    text = SYNTHETIC_CURVE.replace("    outcomes:\n", "    adverse_events:\n" + events + "    outcomes:\n")
    chart = draw_charts(load_report(write_evidence(text)), template).get("adverse-events-trial")
    shown = len(chart.data["rows"])
    assert 1 <= shown < 40 and chart.data["omitted"] == 40 - shown and chart.data["total_rows"] == 40
    assert [r["term"] for r in chart.data["rows"]] == [f"Adverse event number {i} with a long descriptive name "
                                                      "that wraps in the table" for i in range(shown)]
    assert f"Showing the first {shown} of 40 adverse events" in chart.alt_text
    assert chart.height_in <= PAGE_HEIGHT_IN  # the first events that fit a page, then the note


# ------------------------------------------------------------------------------------------- plans and keys
def test_planning_in_a_fresh_process_gives_the_keys_of_the_drawn_charts(charts):
    script = textwrap.dedent(f"""
        import json, sys
        from report_builder.charts.draw import chart_key, plan_charts
        from report_builder.analysis.report import load_report
        from report_builder.theme.template import load_template
        from report_builder.charts import PRINT
        plans = plan_charts(load_report({str(EXAMPLE)!r}), load_template("default"), PRINT)
        print(json.dumps({{p.id: [chart_key(p), p.width_in, p.height_in] for p in plans}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    plans = json.loads(out.stdout.strip().splitlines()[-1])
    assert plans == {c.id: [c.key, c.width_in, c.height_in] for c in charts.for_medium("print")}
    assert len({c.key for c in charts}) == len(charts)  # each chart and medium has a key of its own


def test_the_key_changes_with_what_is_drawn_and_only_with_that(report, template):
    from dataclasses import replace

    from report_builder.charts.draw import chart_key, plan_charts

    plan = next(p for p in plan_charts(report, template, PRINT) if p.id == "forest-inovate")
    key = chart_key(plan)
    # Title, caption and alt text sit outside the picture (PDF caption, slide alt text).
    assert chart_key(replace(plan, title="x", caption="y", alt_text="z", id="other")) == key
    rows = [dict(r) for r in plan.data["rows"]]
    rows[0]["ci_text"] = "95% CI 2.03–3.74"
    assert chart_key(replace(plan, data={**plan.data, "rows": rows})) != key
    assert chart_key(replace(plan, draw={**plan.draw, "estimate": "Estimate "})) != key
    assert chart_key(replace(plan, height_in=plan.height_in + 0.01)) != key
    look = plan.look
    assert chart_key(replace(plan, look=replace(look, palette=look.palette[::-1]))) != key
    assert chart_key(replace(plan, look=replace(look, medium=SLIDE))) != key
    font = replace(look.fonts["regular"], sha256="0" * 64)  # another font file, even at the same path
    assert chart_key(replace(plan, look=replace(look, fonts={**look.fonts, "regular": font}))) != key


def test_charts_in_the_cache_are_taken_from_it_not_drawn(charts, report, template):
    from report_builder.charts.draw import draw_charts

    skip = "timeline"
    cache = {c.key: {"svg": b"<svg/>", "png": b"png of " + c.id.encode(), "ops": b"{}"} for c in charts
             if c.id != skip}
    again = draw_charts(report, template, cache=cache)
    assert [(c.id, c.medium, c.key) for c in again] == [(c.id, c.medium, c.key) for c in charts]
    fresh = {(c.id, c.medium.name): c for c in charts}
    for chart in again:
        if chart.id == skip:
            assert chart.forms() == fresh[skip, chart.medium.name].forms()  # drawn afresh
        else:
            assert chart.forms() == {form: cache[chart.key][form] for form in chart.medium.forms}


# ------------------------------------------------------------------------------------------- long and odd files
def twenty_times_longer(text: str) -> str:
    """The bundled file with every prose field 20 times as long (as tests/test_pdf.py grows it)."""
    import yaml

    prose = {"title", "subtitle", "case", "population", "intervention", "comparison", "background", "design",
             "name", "short_name", "regimen", "stage", "definition", "note", "notes", "key_points", "limitations",
             "term", "event", "detail", "points", "question", "reason", "bottom_line", "teaching_points",
             "outcomes", "cycle_length", "max_cycles", "source_note", "reasons", "checklist", "median_age", "dose",
             "label", "region", "journal"}

    def longer(node, key=None):
        if isinstance(node, dict):
            return {k: longer(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [longer(v, key) for v in node]
        return " ".join([node] * 20) if isinstance(node, str) and key in prose else node

    return yaml.safe_dump(longer(yaml.safe_load(text)), allow_unicode=True, sort_keys=False)


def test_twenty_times_longer_texts_are_cut_not_crashing_or_growing(write_evidence, template, charts):
    from report_builder.charts.draw import draw_charts, plan_charts
    from report_builder.analysis.report import load_report
    from report_builder.charts import forest, timeline
    from report_builder.charts.media import PAGE_HEIGHT_IN

    report = load_report(write_evidence(twenty_times_longer(EXAMPLE.read_text(encoding="utf-8")), "long.yaml"))
    long = draw_charts(report, template).for_medium("print")
    assert [c.id for c in long] == [c.id for c in charts.for_medium("print")]
    for chart in long:
        ET.fromstring(chart.svg)
        # Labels wrap to a few lines and then end in "…": a chart grows by a few lines per group at most,
        # the timeline by at most its last two lines per row (one row per event or publication).
        rows = len(chart.data["events"]) + len(chart.data["publications"]) if chart.kind == "timeline" else 0
        growth = max(1.6, rows * 2 * timeline.LINE)
        tallest = 6.5
        if chart.kind == "forest":  # every label wraps in its column: at most two more lines a row
            growth, tallest = len(chart.data["rows"]) * 2 * forest.LINE, PAGE_HEIGHT_IN
        if chart.kind == "adverse_events":  # the events fill a page, then the list is cut with a note
            growth = tallest = PAGE_HEIGHT_IN
        assert 1 <= chart.height_in <= min(tallest, charts.get(chart.id).height_in + growth), chart.id
        assert chart.width_in == charts.get(chart.id).width_in
    plans = {p.id: p for p in plan_charts(report, template, PRINT)}
    # The conclusion of a footnote survives a long outcome name; the name is what gets shortened.
    boundary = next(n for n in plans["forest-inovate"].draw["notes"] if n.startswith("†"))
    assert "Overall survival Overall survival" in boundary and "…" in boundary
    assert boundary.endswith("so the difference is not statistically significant.")
    # Figures are never cut, however long the labels around them.
    rows = group(long.get("response-rates"), "inovate", "crcri")["rows"]
    assert [r["text"] for r in rows] == ["88/109 (80.7%)", "32/109 (29.4%)"]


def test_a_time_to_event_outcome_whose_medians_were_all_not_reached_still_draws(write_evidence, template):
    """A medians panel with no point to place draws beside landmarks that have intervals. Without them the
    chart would say less than its table, and is not drawn at all."""
    from report_builder.charts.draw import draw_charts
    from report_builder.analysis.report import load_report

    base = (ROOT / "tests" / "corpus" / "base.yaml").read_text(encoding="utf-8")
    landmark = "landmarks: [{time: 12, percent: 61.5, ci: [50.1, 71.2], label: 1-year OS}]"
    text = (base.replace("dx: {median: 9.5, ci: [7.1, 11.0]}", f"dx: {{median_not_reached: true, {landmark}}}")
                .replace("chemo: {median: 6.0, ci: [4.8, 7.7]}", "chemo: {median_not_reached: true}"))
    assert text != base
    charts = draw_charts(load_report(write_evidence(text)), template)
    chart = charts.get("time-to-event-trial1")
    rows = chart.data["medians"][0]["rows"]
    assert [(r["arm"], r["median"], r["not_reached"], r["value_text"]) for r in rows] == [
        ("dx", None, True, "not reached"), ("chemo", None, True, "not reached")]
    assert "DX not reached; Chemo not reached" in chart.alt_text
    ET.fromstring(chart.svg)
    bare = draw_charts(load_report(write_evidence(text.replace(f", {landmark}", ""))), template)
    assert not bare.of_kind("time_to_event", "trial1")


def first_families(svg: bytes) -> set[bytes]:
    """The first family of each text style in an SVG: `font-family: 'A', ...` (Matplotlib >= 3.9) or the
    `font: 9px 'A', ...` shorthand (3.8)."""
    import re

    return set(re.findall(rb"font-family: '([^']+)'", svg)) | set(re.findall(rb"font: [^;\"']*'([^']+)'", svg))


def test_charts_are_drawn_with_the_template_font_file_not_another_of_its_family(tmp_path, report, charts):
    import shutil

    from report_builder.charts.draw import draw_charts
    from report_builder.theme.template import load_template

    fonts = ROOT / "templates" / "default" / "fonts"
    folder = tmp_path / "boldface"
    (folder / "fonts").mkdir(parents=True)
    shutil.copy(fonts / "DejaVuSans-Bold.ttf", folder / "fonts" / "Body.ttf")  # family "DejaVu Sans", bold cut
    (folder / "template.yaml").write_text("extends: default\ntheme:\n  fonts:\n    regular: fonts/Body.ttf\n",
                                          encoding="utf-8")
    chart = draw_charts(report, load_template(str(folder))).get("response-rates")
    regular = font_family_of(fonts / "DejaVuSans.ttf").encode()
    assert regular in charts.get("response-rates").svg
    # Matplotlib would pick its own regular "DejaVu Sans" by family name; the chart must use the file given
    # (the bundled regular DejaVu Sans comes second, as the fallback for glyphs the template's font lacks).
    assert regular not in first_families(chart.svg)
    assert font_family_of(folder / "fonts" / "Body.ttf").encode() in first_families(chart.svg)
    assert chart.key != charts.get("response-rates").key


def test_every_chart_comes_in_every_form_its_medium_embeds(charts):
    """Print: SVG for readers and recorded operations for the PDF; slide: the PNG the deck embeds.
    Whichever a builder embeds, every chart has it, and a medium draws nothing it does not embed."""
    from PIL import Image

    from report_builder.charts import FORMS, MEDIA

    assert FORMS == ("svg", "png", "ops") and set(MEDIA) == {"print", "slide"}
    assert PRINT.forms == ("svg", "ops") and SLIDE.forms == ("png",)
    assert {c.id for c in charts.for_medium("print")} == {c.id for c in charts.for_medium("slide")}
    for chart in charts.for_medium("print"):
        ET.fromstring(chart.svg)
        assert not chart.png
        recording = json.loads(chart.ops)
        assert recording["width"] == pytest.approx(72 * chart.width_in), chart.id
        assert recording["height"] == pytest.approx(72 * chart.height_in), chart.id
        assert {op[0] for op in recording["ops"]} == {"path", "text"}, chart.id
    for chart in charts.for_medium("slide"):
        assert not chart.svg and not chart.ops
        with Image.open(io.BytesIO(chart.png)) as image:
            assert image.format == "PNG"


def test_a_new_kind_of_chart_needs_no_registration_with_the_builders(monkeypatch, report, template, tmp_path):
    """A kind no builder has heard of is drawn in every form, and both builders can show it as they show any chart."""
    from dataclasses import replace

    from report_builder.builders.pdf.context import Context
    from report_builder.builders.pptx.deck import Deck
    from report_builder.builders.pptx.shapes import add_picture
    from report_builder.charts import ChartSet, draw

    def plan_new(report, template, medium):
        plan = next(p for p in real(report, template, medium) if p.id == "response-rates")
        return [replace(plan, id="dose-intensity", kind="dose_intensity")]

    real = draw.plan_charts
    monkeypatch.setattr(draw, "plan_charts", plan_new)
    printed, shown = draw.draw_charts(report, template)
    assert printed.kind == shown.kind == "dose_intensity" and printed.svg and printed.ops and shown.png
    flowables = Context(report, ChartSet((printed,)), template).figure(printed)
    assert flowables and flowables[0].wrap(500, 700)[1] > 0
    deck = Deck(report, ChartSet((shown,)), template)
    handle = deck.new_slide("studies", "title_only", "A new chart")
    picture = add_picture(handle.slide, shown, deck.content_area(handle))
    assert picture.image.blob == shown.png


@pytest.mark.parametrize(("medium", "form"), [("print", "svg"), ("print", "ops"), ("slide", "png")])
def test_a_chart_is_never_without_one_of_its_forms(charts, medium, form):
    from dataclasses import replace

    with pytest.raises(ValueError, match=f"was not drawn as {form} for {medium}"):
        replace(charts.for_medium(medium).get("forest-inovate"), **{form: b""})


@pytest.mark.parametrize("form", ["png", "ops"])
def test_a_chart_that_either_builder_cannot_read_fails_the_build_as_a_bug(monkeypatch, tmp_path, form):
    """The deck embeds the PNG, the PDF replays the recording: neither shows a caption without its figure."""
    from report_builder.build import build_safely
    from report_builder.charts import draw

    real = draw.render

    def damaged(plan, media=()):
        forms, caught = real(plan, media)
        return ({**forms, form: b"damaged"} if plan.id == "forest-inovate" and form in forms else forms), caught

    monkeypatch.setattr(draw, "render", damaged)
    result = build_safely(EXAMPLE, tmp_path, "default", force=True)
    assert result.status == "failed" and result.internal, result.error
    assert not (tmp_path / EXAMPLE.stem).exists()


def test_a_chart_planned_alike_for_paper_and_slides_is_drawn_once_with_the_same_bytes(report, template):
    """One figure saved for both media gives exactly the forms each medium's own drawing gives; only a
    chart whose slide plan differs (the forest plot's slide layout) is drawn twice."""
    from report_builder.charts.draw import plan_drawing, render, same_drawings

    planned = plan_drawing(report, template, {})
    groups = same_drawings(planned)
    assert sorted(len(g) for g in groups) == [1, 1] + [2] * 7, [[planned[i].plan.id for i in g] for g in groups]
    assert all({planned[i].plan.id for i in g} == {planned[g[0]].plan.id} for g in groups)
    paper, slide = (planned[i] for i in next(g for g in groups if len(g) == 2))  # one is enough: drawing is slow
    together, _ = render(paper.plan, (PRINT, SLIDE))
    assert together == {**render(paper.plan)[0], **render(slide.plan)[0]}, paper.plan.id

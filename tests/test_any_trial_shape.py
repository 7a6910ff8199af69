"""Any drug, any trial shape: what the format can say, and wording that takes its shape from the data."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from report_builder.analysis import formatting
from report_builder.analysis.report import load_report
from report_builder.errors import EvidenceError
from report_builder.inputs.dates import ReportedDate
from report_builder.inputs.evidence_schema import Dose, Drug, HazardRatio, Reference, RegulatoryEvent, Schedule

from conftest import ROOT

NEW_USER = ROOT / "tests" / "evidence" / "new-user-two-to-one-percentages.yaml"
SINGLE_ARM = ROOT / "data" / "brexucabtagene-autoleucel.yaml"


# ------------------------------------------------------------------------------------------ the format
@pytest.mark.parametrize("written, long, short, precision", [
    (2022, "2022", "2022", "year"),
    ("2022-09", "September 2022", "Sep 2022", "month"),
    (dt.date(2022, 9, 8), "8 September 2022", "8 Sep 2022", "day"),
])
def test_a_date_is_printed_at_the_precision_it_is_known(written, long, short, precision):
    event = RegulatoryEvent(date=written, region="EU", event="Approval", source="ref")
    assert (formatting.long_date(event.date), formatting.short_date(event.date)) == (long, short)
    assert event.date.precision == precision


def test_a_month_is_a_span_never_a_made_up_day():
    month = ReportedDate._validate("2024-02")
    assert (month.start, month.end) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


def test_an_unconfirmed_event_needs_a_note_saying_why():
    with pytest.raises(ValueError, match="'confirmed: false' needs 'note'"):
        RegulatoryEvent(date="2022-09", region="EU", event="Approval", source="ref", confirmed=False)


def test_a_hazard_ratio_with_a_p_value_only_is_printed_without_an_invented_interval():
    assert formatting.hazard_ratio(HazardRatio(estimate=0.71)) == "HR 0.71"
    with pytest.raises(ValueError, match="needs its 'ci_level'"):
        HazardRatio(estimate=0.71, ci=[0.5, 0.9])


def test_doses_over_day_ranges_step_up_and_caps():
    infusion = Dose(days=[8, 28], dose=28, unit="µg/day", label="treatment dose", route="continuous IV infusion")
    assert (formatting.dose_days(infusion), infusion.day_count) == ("8–28", 21)
    assert formatting.dose_amount(infusion) == "28 µg/day (treatment dose; continuous IV infusion)"
    cells = Dose(day=0, dose=1, unit="10^6 cells/kg", max_dose=1, max_unit="10^8 cells")
    assert formatting.dose_amount(cells) == "1 × 10⁶ cells/kg (max 1 × 10⁸ cells)"
    with pytest.raises(ValueError, match="per-day unit"):
        Dose(day=1, dose=9, unit="µg/day")


def test_a_cycle_total_of_per_day_doses_is_an_amount_not_a_rate():
    schedule = Schedule(name="Cycle 1", total_per_cycle=651, doses=[
        Dose(days=[1, 7], dose=9, unit="µg/day"), Dose(days=[8, 28], dose=28, unit="µg/day")])
    assert formatting.cycle_total(schedule) == "651 µg"
    assert formatting.cycle_total(Schedule(name="C", total_per_cycle=1.8, doses=[Dose(day=1, dose=0.8, unit="mg/m2"),
                                                                              Dose(day=8, dose=1, unit="mg/m2")])) \
        == "1.8 mg/m²"


def test_a_drug_without_an_abbreviation_is_called_by_its_name():
    assert Drug(name="Brexucabtagene autoleucel").short_name == "Brexucabtagene autoleucel"


def test_each_reference_kind_needs_its_own_fields_and_an_agency_is_not_printed_twice():
    with pytest.raises(ValueError, match="needs 'url'"):
        Reference(id="page", kind="web_page", authors=["Kite Pharma"], publisher="Kite Pharma")
    label = Reference(id="pi", kind="label", authors=["Kite Pharma"], publisher="Kite Pharma", number="BLA 125703")
    assert formatting.reference_venue(label) == "BLA 125703"
    abstract = Reference(id="a", kind="conference_abstract", authors=["Doe J"], title="T",
                         conference="ASCO Annual Meeting 2022", number="7010", year=2022)
    assert formatting.reference_venue(abstract) == "ASCO Annual Meeting 2022; abstract 7010"


def test_the_bundled_files_and_a_new_users_file_validate():
    for path in (SINGLE_ARM, NEW_USER):
        assert load_report(path).evidence.studies


def test_regulatory_dates_out_of_order_only_when_wholly_earlier(write_evidence):
    text = NEW_USER.read_text(encoding="utf-8").replace("  - date: 2025\n", "  - date: 2024\n")
    with pytest.raises(EvidenceError, match="dates out of order"):
        load_report(write_evidence(text))


# ------------------------------------------------------------------------------------------ the outputs
def _texts(folder):
    from pptx import Presentation
    from pypdf import PdfReader

    pdf = " ".join(page.extract_text() or "" for page in PdfReader(next(folder.rglob("*.pdf"))).pages)
    deck = []
    for slide in Presentation(next(folder.rglob("*.pptx"))).slides:
        deck += [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        deck += [c.text for s in slide.shapes if getattr(s, "has_table", False) and s.has_table
                 for r in s.table.rows for c in r.cells]
        deck.append(slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else "")
    return re.sub(r"\s+", " ", pdf), re.sub(r"\s+", " ", " ".join(deck))


def _slides(folder):
    """Each slide's own text (text frames and tables) with its speaker notes."""
    from pptx import Presentation

    slides = []
    for slide in Presentation(next(folder.rglob("*.pptx"))).slides:
        text = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        text += [c.text for s in slide.shapes if getattr(s, "has_table", False) and s.has_table
                 for r in s.table.rows for c in r.cells]
        notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
        slides.append((re.sub(r"\s+", " ", " ".join(text)), re.sub(r"\s+", " ", notes)))
    return slides


@pytest.mark.slow
@pytest.mark.parametrize("template", ["default", "northbridge"])
@pytest.mark.parametrize("source", [NEW_USER, SINGLE_ARM],
                         ids=["new-user-2to1", "single-arm"])
def test_one_trial_files_build_in_both_templates_without_another_trials_shape(tmp_path, source, template):
    from report_builder.cli import main

    assert main(["build", str(source), "--out", str(tmp_path), "--template", template]) == 0
    pdf, deck = _texts(tmp_path)
    for text in (pdf, deck):
        assert "Across the studies" not in text and "Comparing the studies" not in text
        assert "not reported months" not in text and "small difference in survival" not in text
        assert "97.5% CIs" not in text and "exact 95% CIs." not in text
    evidence = load_report(source).evidence
    assert (evidence.drug.abbreviation or evidence.drug.name) in deck
    both = (pdf + " " + deck).replace(" ", "")  # the templates differ in sections and fonts: either output will do

    def shown(text: str) -> bool:
        return text.replace(" ", "") in both

    if source == NEW_USER:
        # Overall survival is this trial's primary end point; the response is not.
        assert shown("HR 0.71") and "Response (primary)" not in pdf
        # A hazard ratio with a P value and no interval: the slide title gives the P value, not "not reported".
        assert "significance not reported" not in deck and "HR 0.71, two-sided P=0.01" in deck
        assert shown("March 2025") or template != "default"  # Northbridge has no regulatory section
        # The unconfirmed outcome is marked where its figures are printed, and the reason is given beside them.
        assert "not confirmed: Conference abstract only" in pdf
        efs = [(shown_on_slide, notes) for shown_on_slide, notes in _slides(tmp_path) if "6-month EFS" in shown_on_slide]
        assert efs and all("not confirmed" in on_slide and "Conference abstract only" in notes for on_slide, notes in efs)
        assert shown("9 µg/day") and shown("1–7")
        assert shown("Cycle length") and shown("6 weeks")  # the dosing tables keep the columns a schedule fills
        assert shown("9 µg/day (step-up dose) on days 1–7") and "None" not in pdf  # page 2's dosing in brief
        assert shown("651 µg") and not shown("651 µg/day")  # a cycle's total of per-day doses is an amount
    else:
        assert shown("78 patients treated at the approved dose") and shown("1 × 10⁶ cells/kg")
        assert shown("max 1 × 10⁸ cells") and shown("16.4 months") and "Median follow-up" in pdf + deck
        assert shown("September 2022") or template != "default"
        # One infusion and its lymphodepletion have no cycle: the dosing tables have no empty cycle columns,
        # and a study with one arm has no comparator column.
        for empty in ("Total per cycle", "Cycle length", "Maximum cycles", "Comparator"):
            assert not shown(empty), empty
        assert "Dosing and transplant" not in pdf  # no rule about transplant: the heading does not promise one
        # Without a randomized comparison the handout's first page still leads with the primary result:
        # the single arm's own figure, counts and interval, set against nothing.
        if template == "default":
            from pypdf import PdfReader

            first = re.sub(r"\s+", " ", PdfReader(next(tmp_path.rglob("*.pdf"))).pages[0].extract_text())
            assert "Bottom line in numbers" in first and "70.9%" in first, first
            assert "KTE-X19: 39/55 (70.9%); 95% CI 57–82" in first and " vs " not in first

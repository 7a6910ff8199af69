"""The forest plot says on the slide what its marks say on paper, keeps its labels in their column, and the
printed adverse-event chart shows every event that fits its page."""
from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
import yaml

from conftest import EXAMPLE

EMU_PER_INCH = 914400
PT_PER_INCH = 72


@pytest.fixture(scope="module", params=["default", "northbridge"])
def bundled(request, report):
    """(template name, template, the bundled example's chart plans by medium name and id)."""
    from report_builder.charts.draw import plan_charts
    from report_builder.charts.media import MEDIA
    from report_builder.theme.template import load_template

    template = load_template(request.param)
    plans = {name: {plan.id: plan for plan in plan_charts(report, template, medium)} for name, medium in MEDIA.items()}
    return request.param, template, plans


def drawn_texts(plan) -> list[tuple[str, float, float]]:
    """(text, size in layout points, left edge in layout points) of every text the chart draws."""
    from report_builder.charts.draw import _renderer
    from report_builder.charts.media import Medium

    medium = plan.look.medium
    look = replace(plan.look, medium=Medium(medium.name, medium.width_in, medium.scale, ("ops",)))
    document = json.loads(_renderer(plan.renderer)(replace(plan, look=look))["ops"])
    return [(op[7], op[5], op[1]) for op in document["ops"] if op[0] == "text"]


def slide_with_picture(prs, chart_id: str):
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.shape_type == 13 and shape.name == f"Chart {chart_id}":
                return slide, shape
    raise AssertionError(f"no slide shows {chart_id}")


# ------------------------------------------------------------------------------------------ forest on a slide
def test_the_slide_forest_plot_marks_the_rows_that_are_not_significant_or_after_the_final_analysis(bundled):
    """The OS final report's HR 0.75 (97.5% CI 0.57–0.99) excludes 1 but did not cross its boundary and was
    analysed after the final analysis: on the slide its row once carried no mark, and read as a significant benefit."""
    _, _, plans = bundled
    slide, paper = plans["slide"]["forest-inovate"], plans["print"]["forest-inovate"]
    marks = {r["outcome"]: r["marks"] for r in slide.data["rows"]}
    assert marks == {"crcri": "", "pfs": "", "os": "†", "os_final": "†§"}
    # The same marks as on paper, row for row.
    assert marks == {r["outcome"]: r["marks"] for r in paper.data["rows"] if r["outcome"] in marks}
    texts = [text for text, _, _ in drawn_texts(slide)]
    assert "97.5% CI 0.57–0.99†§" in texts and "97.5% CI 0.58–1.03†" in texts
    legend = " ".join(slide.draw["legend"])
    assert "† not significant: did not cross the prespecified boundary" in legend
    assert "§ after the prespecified final analysis" in legend
    assert len(_legend_lines(slide)) == 1 and all(line in texts for line in _legend_lines(slide))
    # Paper keeps its footnotes with the P values; a slide keeps the short legend only.
    assert paper.draw["legend"] == [] and slide.draw["notes"] == []


def test_the_slide_leaves_a_continuity_correction_to_the_handout_so_its_legend_stays_one_line(write_evidence, template):
    from report_builder.analysis.report import load_report
    from report_builder.charts.draw import plan_charts
    from report_builder.charts.media import PRINT, SLIDE

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    study = next(s for s in data["studies"] if s["id"] == "inovate")
    remission = next(o for o in study["outcomes"] if o["id"] == "crcri")
    remission["arms"]["soc"] = {"events": 0, "total": 109, "percent": 0}  # a zero cell: 0.5 added to each
    remission.pop("p")
    study["outcomes"] = [o for o in study["outcomes"] if o.get("conditional_on") != "crcri"]
    report = load_report(write_evidence(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "zero.yaml"))
    paper, slide = (next(p for p in plan_charts(report, template, medium) if p.id == "forest-inovate")
                    for medium in (PRINT, SLIDE))
    assert next(r["marks"] for r in paper.data["rows"] if r["outcome"] == "crcri") == "‡"
    assert any(note.startswith("‡ 0.5 added to every cell") for note in paper.draw["notes"])
    marks = {r["outcome"]: r["marks"] for r in slide.data["rows"]}
    assert marks == {"crcri": "", "pfs": "", "os": "†", "os_final": "†§"}
    assert len(_legend_lines(slide)) == 1 and "‡" not in " ".join(slide.draw["legend"])


def _legend_lines(plan) -> list[str]:
    from report_builder.charts.forest import _layout

    return _layout(plan.data, plan.draw, plan.look)["legend"]


@pytest.mark.parametrize("template_name", ["default", "northbridge"])
def test_the_slide_legend_of_the_marks_is_projected_at_14_pt_or_more(report, example_build, template_name):
    from pptx import Presentation

    from report_builder.charts.draw import plan_charts
    from report_builder.charts.media import SLIDE
    from report_builder.theme.template import load_template

    prs = Presentation(str(example_build(EXAMPLE, template_name) / f"{EXAMPLE.stem}.pptx"))
    slide, picture = slide_with_picture(prs, "forest-inovate")
    assert slide.shapes.title.text.startswith("Overall survival: two-sided P=0.04 did not cross")
    plan = next(p for p in plan_charts(report, load_template(template_name), SLIDE) if p.id == "forest-inovate")
    lines = _legend_lines(plan)
    assert lines
    shown = picture.width / (plan.width_in * EMU_PER_INCH)  # how much larger than its layout the picture is placed
    sizes = [size * shown for text, size, _ in drawn_texts(plan) if text in lines]
    assert len(sizes) == len(lines) and min(sizes) >= 14, sizes
    # The speaker notes keep the footnotes in full, with the P values (through the chart's description).
    notes = slide.notes_slide.notes_text_frame.text
    assert "one-sided P=0.0105 did not cross the prespecified significance boundary (two-sided P=0.0208, " \
           "one-sided 0.0104)" in notes
    assert "Overall survival (final report): after the prespecified final analysis (longer follow-up)" in notes


# ------------------------------------------------------------------------------------------ forest on paper
def test_printed_forest_labels_wrap_in_their_column_clear_of_the_plot(bundled):
    """'Proceeded to HSCT directly after treatment' once ran across the plot, past the 0.25 tick and
    through the dashed line of no effect."""
    from report_builder.charts.forest import LABEL_W, MARGIN, _layout
    from report_builder.charts.style import SIZE

    name, _, plans = bundled
    plan = plans["print"]["forest-inovate"]
    layout = _layout(plan.data, plan.draw, plan.look)
    drawn = drawn_texts(plan)
    for row, lines in zip(plan.data["rows"], layout["label_lines"]):
        assert " ".join(lines) == row["label"], (name, lines)  # wrapped, never cut with "…"
        for line in lines:
            assert plan.look.measure(line, SIZE) <= LABEL_W, (name, line)
            # Drawn where the layout has it: the label column ends before the plot begins.
            left = next(x for text, size, x in drawn if text == line and size == SIZE)
            assert left / PT_PER_INCH + plan.look.measure(line, SIZE) < layout["left"], (name, line)
            assert abs(left / PT_PER_INCH - MARGIN) < 0.01
    wrapped = {row["outcome"]: lines for row, lines in zip(plan.data["rows"], layout["label_lines"])}
    assert len(wrapped["hsct"]) == 2 and len(wrapped["hsct_final"]) == 2, name


# ------------------------------------------------------------------------------------------ harms on paper
def test_the_printed_adverse_event_chart_shows_every_event_that_fits_its_page(bundled, report):
    """It once showed the first 12 (Northbridge: 11) of 13 events, leaving out pneumonia (10/164 vs 0/143),
    with a third of the page free below it: a limit meant for a slide that never shows this chart."""
    from report_builder.charts.media import PAGE_HEIGHT_IN

    name, _, plans = bundled
    study = next(s for s in report.evidence.studies if s.id == "inovate")
    for medium in ("print", "slide"):  # the slide PNG is the same drawing, for readers who reuse it
        plan = plans[medium]["adverse-events-inovate"]
        rows = plan.data["rows"]
        assert plan.data["omitted"] == 0 and len(rows) == plan.data["total_rows"] == len(study.adverse_events), name
        pneumonia = next(r for r in rows if r["term"] == "Pneumonia")
        assert (pneumonia["experimental"]["text"], pneumonia["reference"]["text"]) == ("10/164 (6.1%)", "0/143 (0.0%)")
        assert not any("Showing the first" in note for note in plan.draw["notes"])
        assert "Pneumonia (serious), any grade: InO 10/164 (6.1%)" in plan.alt_text
        assert plan.height_in <= PAGE_HEIGHT_IN


@pytest.mark.parametrize("template_name", ["default", "northbridge"])
def test_the_handout_prints_every_adverse_event_on_the_page_of_its_figure(example_build, template_name):
    from pypdf import PdfReader

    reader = PdfReader(str(example_build(EXAMPLE, template_name) / f"{EXAMPLE.stem}.pdf"))
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    page = next(text for text in pages if "INO-VATE ALL: adverse events by arm" in text)
    assert "Pneumonia (serious)" in page and "10/164 (6.1%)" in page and "0/143 (0.0%)" in page
    assert "Showing the first" not in page


def test_a_page_holds_the_tallest_printed_chart_unscaled_with_its_caption():
    """PAGE_HEIGHT_IN is what the PDF prints unscaled on the shorter bundled page, with room for a caption."""
    from report_builder.builders.pdf.context import MAX_FIGURE_SHARE
    from report_builder.builders.pdf.style import MARGIN_BOTTOM, MARGIN_TOP, PAGE_SIZES
    from report_builder.charts.media import PAGE_HEIGHT_IN

    frame = min(size[1] for size in PAGE_SIZES.values()) - MARGIN_TOP - MARGIN_BOTTOM
    assert PAGE_HEIGHT_IN * PT_PER_INCH <= MAX_FIGURE_SHARE * frame
    assert PAGE_HEIGHT_IN * PT_PER_INCH + 4 * 11 <= 0.95 * frame  # four caption lines


def test_a_list_longer_than_a_page_fills_the_page_and_says_what_it_left_out(write_evidence, template):
    from report_builder.analysis.report import load_report
    from report_builder.charts.draw import plan_charts
    from report_builder.charts.media import PAGE_HEIGHT_IN, PRINT

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    study = next(s for s in data["studies"] if s["id"] == "inovate")
    study["adverse_events"] += [
        {"term": f"Listed event {i}", "grade": "any", "source": "kantarjian2016",
         "arms": {"ino": {"events": i, "total": 164}, "soc": {"events": i + 1, "total": 143}}} for i in range(40)]
    report = load_report(write_evidence(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "long.yaml"))
    plan = next(p for p in plan_charts(report, template, PRINT) if p.id == "adverse-events-inovate")
    shown, total = len(plan.data["rows"]), plan.data["total_rows"]
    assert total == 53 and 13 < shown < total and plan.data["omitted"] == total - shown
    assert [r["term"] for r in plan.data["rows"][13:]] == [f"Listed event {i}" for i in range(shown - 13)]
    assert any(f"Showing the first {shown} of {total} adverse events" in note for note in plan.draw["notes"])
    # The page is used, not a slide's share of it: one more row would not have fitted.
    assert PAGE_HEIGHT_IN - 0.3 < plan.height_in <= PAGE_HEIGHT_IN


def test_no_slide_shows_the_adverse_event_picture(bundled, example_build):
    """Why the chart is laid out for a page: the deck charts its harms natively (builders/pptx/studies.py)."""
    from pptx import Presentation

    name, _, _ = bundled
    prs = Presentation(str(example_build(EXAMPLE, name) / f"{EXAMPLE.stem}.pptx"))
    pictures = [shape.name for slide in prs.slides for shape in slide.shapes if shape.shape_type == 13]
    assert pictures and not any("adverse-events" in picture for picture in pictures), pictures

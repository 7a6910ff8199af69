"""The handout a clinician reads in two minutes: two front pages, the detail in an appendix, type large enough to read."""
from __future__ import annotations

import math
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from conftest import EXAMPLE, SMALL_EXAMPLE

SINGLE_TRIAL = textwrap.dedent("""\
    format_version: 1
    meta: {title: Drug X in relapsed disease, date: 2024-01-01, version: "1"}
    drug: {name: Drug X, abbreviation: DX}
    background: ["Relapsed disease has a poor prognosis [@smith2020]."]
    question:
      population: Adults with relapsed disease
      intervention: Drug X
      comparison: Chemotherapy
      outcomes: [Complete remission, Overall survival]
    studies:
      - id: trial
        name: TRIAL-1
        short_name: TRIAL-1
        design: Open-label randomized phase 3
        phase: "3"
        randomized: true
        population: Adults with relapsed disease
        enrolled: 200
        sources: [smith2020]
        arms:
          - {id: dx, name: Drug X, short_name: DX, role: intervention, n: 100}
          - {id: chemo, name: Chemotherapy, short_name: Chemo, role: control, n: 100}
        outcomes:
          - id: cr
            kind: binary
            name: Complete remission
            source: smith2020
            primary: true
            favourable: higher
            arms:
              dx: {events: 60, total: 100, percent: 60.0, ci: [49.7, 69.7]}
              chemo: {events: 30, total: 100, percent: 30.0, ci: [21.2, 40.0]}
          - id: os
            kind: time_to_event
            name: Overall survival
            source: smith2020
            primary: true
            unit: months
            p: 0.03
            arms:
              dx: {median: 9.5, ci: [7.1, 11.0]}
              chemo: {median: 6.0, ci: [4.8, 7.7]}
            hazard_ratio: {estimate: 0.70, ci: [0.51, 0.97], ci_level: 95}
        adverse_events:
          - term: Febrile neutropenia
            grade: ">=3"
            source: smith2020
            in_summary: true
            arms:
              dx: {events: 12, total: 100, percent: 12}
              chemo: {events: 25, total: 100, percent: 25}
    bottom_line:
      - Drug X doubles complete remission compared with chemotherapy [@smith2020].
    references:
      - {id: smith2020, authors: [Smith A, Jones B], title: Drug X versus chemotherapy in relapsed disease,
         journal: J Example Med, year: 2020, volume: "1", pages: 1-10}
""")


def _build(evidence: Path, template_name: str, folder: Path) -> Path:
    from report_builder.analysis.report import load_report
    from report_builder.builders.pdf import PdfBuilder
    from report_builder.charts.draw import draw_charts
    from report_builder.theme.template import load_template

    report = load_report(evidence)
    template = load_template(template_name)
    path = folder / f"{evidence.stem}-{template_name}.pdf"
    path.write_bytes(PdfBuilder().build(report, draw_charts(report, template), template))
    return path


@pytest.fixture(scope="module", params=["default", "northbridge"])
def handout(request, example_build):
    """(template name, PdfReader) of the bundled evidence's real build, per bundled template."""
    from pypdf import PdfReader

    return request.param, PdfReader(str(example_build(EXAMPLE, request.param) / f"{EXAMPLE.stem}.pdf"))


@pytest.fixture(scope="module")
def single_trial(tmp_path_factory):
    from pypdf import PdfReader

    folder = tmp_path_factory.mktemp("single")
    evidence = folder / "single-trial.yaml"
    evidence.write_text(SINGLE_TRIAL, encoding="utf-8")
    return PdfReader(str(_build(evidence, "default", folder)))


def outline(reader) -> list[tuple[int, str, int, float]]:
    """(level, title, page number from 1, top of the destination in pt) of every bookmark, in order."""
    found = []

    def walk(items, level=0):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, item.title, reader.get_destination_page_number(item) + 1, float(item.top or 0)))

    walk(reader.outline)
    return found


def text_runs(page, fonts: bool = False) -> list[tuple]:
    """(text, printed size in pt, baseline y) of every text run on the page, from its content stream.

    The printed size is the font size times the scale of the text and current matrices, so chart
    text, which is drawn inside a scaled figure, counts at the size it is printed.
    """
    runs = []

    def visit(text, cm, tm, font, size):
        if not text.strip():
            return
        a, b, c, d, e, f = (tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                            tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3],
                            tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5])
        printed = size * math.sqrt(abs(a * d - b * c))
        runs.append((text, printed, f, str((font or {}).get("/BaseFont", ""))) if fonts else (text, printed, f))

    page.extract_text(visitor_text=visit)
    return runs


def first_appendix_page(reader) -> int:
    from report_builder.theme.template import load_template

    title = load_template("default").text("pdf/titles/appendix").strip()
    return next(page for level, name, page, _ in outline(reader) if name == title)


def test_the_appendix_starts_on_page_three_or_earlier(handout):
    name, reader = handout
    assert first_appendix_page(reader) <= 3, name


def test_page_one_answers_the_question_with_key_numbers_and_the_summary_of_findings(handout):
    name, reader = handout
    entries = {title: page for _, title, page, _ in outline(reader)}
    assert entries["Summary of findings"] == 1 and entries["Bottom line in numbers"] <= 2, name
    assert entries["Effects at a glance"] == 2 and entries["Dosing and transplant"] == 2, name
    text = reader.pages[0].extract_text()
    assert "Question:" in text


@pytest.mark.parametrize("template", ["default", "northbridge"])
def test_a_single_arm_file_gets_a_summary_of_findings_of_its_own_results_on_page_one(example_build, template):
    """Without a randomized comparison, page 1 still holds benefits and harms: the single arm's results marked
    in_summary, each with its counts, interval and population, set against nothing (it once said only that
    there was no two-arm comparison, and left most of the page empty)."""
    import re

    from pypdf import PdfReader

    reader = PdfReader(str(example_build(SMALL_EXAMPLE, template) / f"{SMALL_EXAMPLE.stem}.pdf"))
    assert {title: page for _, title, page, _ in outline(reader)}["Summary of findings"] == 1
    first = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert "No randomized comparison: each figure is the single arm's own result" in first
    for shown in ("Overall complete remission (CR or CRi)", "39/55 (70.9%)", "95% CI 57–82", "P<0.0001",
                  "median 18.2 months", "28/54 (52%)", "36/71 (51%)", "Cytokine release syndrome, grade ≥3",
                  "26%", "Neurologic toxicities, grade ≥3", "35%", "Population: 78 patients treated at the approved dose"):
        assert shown in first, shown
    # Outcomes the file keeps out of the summary stay out; nothing is set against anything.
    assert "MRD negativity" not in first and " vs " not in first and "two-arm comparison" not in first
    # The study's results table: its last column holds the single arm's P values, not a comparison.
    rest = " ".join(page.extract_text() for page in reader.pages[1:])
    assert "P value and analysis" in rest


def test_a_figure_never_parts_from_its_digits_or_its_unit_across_lines(handout):
    """The cross-study table once printed "InO + mini-HCVD ± blinatumomab: 44/48 (9" and "2%)" on two lines,
    and "SoC 1.8" above a line "months": a long arm name wraps at its spaces, a figure stays whole."""
    name, reader = handout
    lines = [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]
    assert "2%)" not in lines and "months" not in lines, name
    assert any("44/48 (92%)" in line for line in lines), name
    # Nor does a table header's word: the abbreviations table once headed its columns "Abbreviati" / "on"
    # (Northbridge leaves the abbreviations out).
    assert "Abbreviation" in " ".join(lines) or name == "northbridge"
    assert not any(line.endswith("Abbreviati") for line in lines), name


def test_no_text_is_smaller_than_7_pt_charts_included(handout):
    name, reader = handout
    for number, page in enumerate(reader.pages, start=1):
        small = [(t, round(s, 2)) for t, s, _ in text_runs(page) if s < 6.95]
        assert not small, (name, number, small[:5])


def test_body_text_is_at_least_9_5_pt_and_table_text_at_least_8_pt(handout, report):
    name, reader = handout
    sizes = Counter()
    for page in reader.pages:
        for text, size, _ in text_runs(page):
            sizes[round(size, 1)] += len(text)
    point = report.evidence.bottom_line[0][:20]
    body = [s for page in reader.pages for t, s, _ in text_runs(page) if point in t]
    assert body and min(body) >= 9.5, (name, body)
    cells = [s for page in reader.pages for t, s, _ in text_runs(page) if "88/109 (80.7%)" in t]
    assert cells and min(cells) >= 8, (name, cells)
    assert max(sizes, key=sizes.get) >= 8, sizes.most_common(5)  # most of the text is table text or larger


def test_no_page_ends_with_a_heading(handout):
    """Every bookmarked heading has text below it on its own page, and no page's last line above the
    footer is set in a heading style (bold at a heading size)."""
    name, reader = handout
    footer_top = 14 * 72 / 25.4
    for level, title, page, top in outline(reader):
        if top == 0:
            continue
        runs = text_runs(reader.pages[page - 1])
        below = [t for t, _, y in runs if footer_top + 2 < y < top - 30]
        assert below, (name, title, page)
    heading_sizes = {12.6, 11.0, 9.6, 15.0}  # h1, h2, h3, appendix title (builders/pdf/style.py)
    for number, page in enumerate(reader.pages[:-1], start=1):
        runs = [r for r in text_runs(page, fonts=True) if r[2] > footer_top + 2]
        text, size, _, font = min(runs, key=lambda r: r[2])
        assert not ("Bold" in font and round(size, 1) in heading_sizes), (name, number, text)


def test_the_summary_of_findings_has_a_harm_row_with_its_footnotes_on_the_same_page(handout, report):
    from report_builder.analysis.report import ae_key

    name, reader = handout
    study = report.evidence.study("inovate")
    [(k, event)] = [(k, e) for k, e in enumerate(study.adverse_events) if e.in_summary]
    effect = report.effect(study, ae_key(k))
    pages = [p.extract_text().replace("\u00a0", " ") for p in reader.pages]
    sof = next(i for i, t in enumerate(pages) if "Harm: VOD/SOS" in t and "23/164 (14.0%)" in t)
    assert f"NNH {effect.nnt.value}" in pages[sof]
    assert "One interval per cell" in pages[sof], name  # the table's last note, on the page of its last row
    assert sof <= 1


def test_key_numbers_come_from_the_report_model(handout, report):
    from report_builder.analysis import formatting as fmt

    name, reader = handout
    text = " ".join(" ".join(p.extract_text().replace("\u00a0", " ").split()) for p in reader.pages[:2])
    study = report.evidence.study("inovate")
    crcri = next(o for o in study.outcomes if o.id == "crcri")
    assert f"{fmt.percent_label(crcri.arms['ino'])} vs {fmt.percent_label(crcri.arms['soc'])}" in text
    os_ = next(o for o in study.outcomes if o.id == "os")
    assert f"{fmt.number(os_.arms['ino'].median)} vs {fmt.number(os_.arms['soc'].median)} months" in text
    assert "not significant" in text


def test_running_header_names_the_topic_and_the_footer_fits_one_line(handout, report):
    name, reader = handout
    for page in reader.pages:
        runs = text_runs(page)
        top = max(y for _, _, y in runs)
        header = " ".join(t for t, _, y in runs if y > top - 1)
        assert report.evidence.drug.name in header and "report_builder" not in header, header
        footer = [t for t, _, y in runs if y < 14 * 72 / 25.4]
        footer_lines = {round(y) for t, _, y in runs if y < 14 * 72 / 25.4}
        assert len(footer_lines) == 1 and not any("…" in t for t in footer), footer


def test_a_single_randomized_trial_gets_the_same_two_front_pages(single_trial):
    assert first_appendix_page(single_trial) <= 3
    text = " ".join(p.extract_text() for p in single_trial.pages[:2])
    assert "Harm: Febrile neutropenia" in text and "60.0% vs 30.0%" in text
    for page in single_trial.pages:
        assert all(s >= 6.95 for _, s, _ in text_runs(page))


def test_footnote_marks_are_separated():
    from report_builder.builders.pdf.context import Footnotes

    class Ctx:
        pass

    notes = Footnotes(Ctx())
    notes.mark("first")
    assert notes.marks(["second", "third"]).endswith(">b,c</super>")


def test_a_table_never_leaves_fewer_than_three_rows_on_a_page(template):
    from reportlab.platypus import Paragraph
    from reportlab.lib.styles import ParagraphStyle

    from report_builder.builders.pdf.style import register_fonts, table

    fonts = register_fonts(template.theme)
    style = ParagraphStyle("cell", fontName=fonts.regular, fontSize=8, leading=10)
    rows = [[Paragraph("head", style)]] + [[Paragraph(f"row {i}", style)] for i in range(10)]
    t = table(rows, [200], template.theme, fonts)
    _, height = t.wrap(200, 10_000)
    row = height / 11
    first, rest = t.split(200, height - row * 1.5)  # room for all but one row
    assert len(rest._cellvalues) - 1 >= 3  # header repeated + at least three rows
    assert t.split(200, row * 2.5) == []  # a header and one row: the table starts on the next page


def test_numeric_ranges_in_prose_take_the_tables_en_dash(handout):
    name, reader = handout
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "0.34–0.61" in text and "0.34-0.61" not in text, name
    assert "CD22-positive" in text  # words keep their hyphen


def test_a_chart_of_two_or_three_points_without_intervals_is_left_to_its_table(charts):
    """Its table says all of it: such a chart is not planned, so not drawn (ZUMA-3's one median beside a "not
    reached" was drawn, left out of both documents, and written to charts/ as a file nothing showed)."""
    from report_builder.analysis.report import load_report
    from report_builder.charts.draw import plan_drawing
    from report_builder.theme.template import load_template

    ids = {c.id for c in charts.for_medium("print")}
    assert "time-to-event-minihcvd_2018" not in ids  # two medians, no CI: the table has them
    assert {"time-to-event-inovate", "forest-inovate"} <= ids
    zuma3 = load_report(SMALL_EXAMPLE)
    assert not [p for p in plan_drawing(zuma3, load_template("default"), {}) if p.plan.kind == "time_to_event"]


def test_a_study_block_never_starts_in_the_last_quarter_of_a_page(handout, report):
    from report_builder.builders.pdf.style import MARGIN_BOTTOM, MARGIN_TOP

    name, reader = handout
    studies = {s.name for s in report.evidence.studies}
    for level, title, page, top in outline(reader):
        if title in studies:
            height = float(reader.pages[page - 1].mediabox.height)
            frame = height - MARGIN_TOP - MARGIN_BOTTOM
            assert top - MARGIN_BOTTOM > frame / 4, (name, title, page, top)


def test_p_values_say_what_they_compare_and_whether_their_sidedness_is_known(example_build):
    """Page 1, read as text: the MRD P value compares the responders (69/88 vs 9/32), not the derived rates over
    all analysed beside it; CR/CRi's P, whose sidedness the sources disagree on, carries the footnote that says
    so (once stated as two-sided); an interval in a narrow cell breaks before its bounds, never inside them
    ("53.5" / "–72.3"); a single arm's harm card names its population (78 treated, not the 55 of the benefit)."""
    from pypdf import PdfReader

    def first_page(evidence: Path) -> str:
        reader = PdfReader(str(example_build(evidence) / f"{evidence.stem}.pdf"))
        return " ".join(reader.pages[0].extract_text().split())

    page = first_page(EXAMPLE)
    assert "among CR/CRi responders only" in page
    assert "two-sided P<0.001" not in page
    assert "The sidedness of this P value is not in this summary" in page
    assert "53.5–72.3" in page
    page = first_page(SMALL_EXAMPLE)
    assert "P<0.0001 (sidedness not in this summary)" in page
    assert "26%; Population: 78 patients treated at the approved dose" in page


def test_page_two_doses_say_what_they_count_and_where_they_come_from(example_build):
    """"1 × 10⁶ cells/kg" alone hid that it counts CAR-positive viable T cells and has a maximum; the
    lymphodepletion doses cited a news item that gives none (their schedule notes name the trial's page); a
    dose's number once ended a line with its unit on the next ("0.5" / "mg/m²"); neighbouring days on the same
    dose read as one ("day −4 25 mg/m², day −3 25 mg/m², day −2 25 mg/m²" was number soup)."""
    from pypdf import PdfReader

    def page_two(evidence: Path) -> list[str]:
        reader = PdfReader(str(example_build(evidence) / f"{evidence.stem}.pdf"))
        return [" ".join(line.split()) for line in reader.pages[1].extract_text().splitlines()]

    lines = page_two(SMALL_EXAMPLE)
    text = " ".join(lines)
    assert "1 × 10⁶ cells/kg (CAR-positive viable T cells; max 1 × 10⁸ cells)" in text
    assert "Fludarabine (lymphodepletion): 25 mg/m² on days −4, −3 and −2. [6]" in text
    lines = page_two(EXAMPLE)
    assert not any(line.startswith("mg/m²") for line in lines)
    text = " ".join(lines)
    assert "0.8 mg/m² on day 1, 0.5 mg/m² on days 8 and 15 (1.8 mg/m² per cycle)" in text
    assert "After CR/CRi: 0.5 mg/m² on days 1, 8 and 15 (1.5 mg/m² per cycle)" in text


def test_teaching_points_move_up_to_page_two_only_when_they_fit_there(example_build):
    """design.md puts the teaching points on page 2. ZUMA-3's page 2 (no forest plot, three doses) was three
    quarters empty while its two teaching points opened the appendix; InO's six would push its page 2 onto a
    third page, so they stay in the appendix (pdf.move_up, measured, never a further page)."""
    from pypdf import PdfReader

    pages = {}
    for evidence in (SMALL_EXAMPLE, EXAMPLE):
        reader = PdfReader(str(example_build(evidence) / f"{evidence.stem}.pdf"))
        pages[evidence.stem] = {title: page for _, title, page, _ in outline(reader)}
    assert pages[SMALL_EXAMPLE.stem]["Teaching points"] == 2
    assert pages[SMALL_EXAMPLE.stem]["Appendix: the detail"] == 3
    assert pages[EXAMPLE.stem]["Teaching points"] == 3
    assert pages[EXAMPLE.stem]["Appendix: the detail"] == 3


def test_a_section_to_move_up_must_be_a_section(tmp_path):
    from report_builder.builders.pdf import section_renderers
    from report_builder.errors import TemplateError
    from report_builder.theme.template import load_template

    folder = tmp_path / "typo"
    folder.mkdir()
    (folder / "template.yaml").write_text("name: typo\nextends: default\npdf:\n  move_up: [teaching_point]\n")
    with pytest.raises(TemplateError, match="did you mean 'teaching_points'"):
        section_renderers(load_template(str(folder)))


def test_the_cross_study_table_says_not_in_this_summary_rather_than_a_dash(example_build):
    """The 2012 phase 2's survival cell was "—" in the handout and "not in this summary" on the slide: the
    file holds no survival figure for it, and the handout now says so in the same words."""
    import subprocess

    from conftest import require_tool

    pdf = example_build(EXAMPLE) / f"{EXAMPLE.stem}.pdf"
    text = subprocess.run([require_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    row = next(line for line in text.splitlines() if line.startswith(" Phase 2 (2012)") and "Overall response" in line)
    assert row.rstrip().endswith("not in this summary")


def test_the_abbreviations_table_is_never_split(example_build, report):
    """Read down its columns, a split table loses its alphabetical order (InO's ran over pages 13 and 14):
    it moves to the next page whole."""
    from pypdf import PdfReader

    reader = PdfReader(str(example_build(EXAMPLE) / f"{EXAMPLE.stem}.pdf"))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    start = next(i for i, text in enumerate(pages) if "Abbreviation Meaning" in text)
    assert all(f"{abbr} " in pages[start] for abbr in report.evidence.abbreviations), start + 1


@pytest.mark.parametrize("evidence", [EXAMPLE, SMALL_EXAMPLE], ids=lambda p: p.stem)
@pytest.mark.parametrize("template", ["default", "northbridge"])
def test_key_points_and_limitations_are_two_whole_columns_without_gaps(example_build, evidence, template):
    """Each list reads straight down its own column: no blank line beside a longer bullet of the other list
    (one table row per pair of bullets left such gaps), and both headings on the page that holds every
    limitation (a split left "Limitations" over an empty column on InO's page 5)."""
    import re
    import subprocess

    from conftest import require_tool

    from report_builder.analysis.report import load_report

    limitations = next(s.limitations for s in load_report(evidence).evidence.studies if s.limitations)
    pdf = example_build(evidence, template) / f"{evidence.stem}.pdf"
    html = subprocess.run([require_tool("pdftotext"), "-bbox", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = [[(float(x), float(y0), float(y1), w) for x, y0, y1, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', body)]
        for body in html.split("<page ")[1:]]
    found = [(number, words) for number, words in enumerate(pages, 1) if any(w == "Limitations" for *_, w in words)]
    assert len(found) == 1, [number for number, _ in found]
    number, words = found[0]
    x_head, y_head = next((x, y0) for x, y0, _, w in words if w == "Limitations")
    assert any(w == "Key" and abs(y0 - y_head) < 1 for _, y0, _, w in words), f"page {number}: no 'Key points' beside"
    column = [(y0, y1, w) for x, y0, y1, w in words if x >= x_head - 2 and y0 > y_head + 1]
    last_word = limitations[-1].split()[-1]
    end = next(y0 for y0, _, w in column if w == last_word)  # the last limitation ends on this page
    tops = sorted({round(y0) for y0, _, _ in column if y0 <= end})
    heights = sorted(y1 - y0 for y0, y1, w in column if w.isalpha())
    line = heights[len(heights) // 2]
    gaps = [b - a for a, b in zip([y_head, *tops], tops)]
    assert max(gaps) < 2 * line, (number, gaps, line)


@pytest.mark.parametrize("template", ["default", "northbridge"])
def test_the_grade_marks_are_drawn_the_same_size(template):
    """"⊕⊕◯◯" looked uneven: U+25EF is a large circle, half as tall again as ⊕ in DejaVu. The open mark the
    handout uses is within a quarter of the filled one's height in the template's fonts, regular and bold."""
    from fontTools.ttLib import TTFont

    from report_builder.builders.pdf.studies import GRADE_SYMBOLS
    from report_builder.theme.template import load_template

    marks = sorted(set("".join(GRADE_SYMBOLS.values())))
    assert len(marks) == 2
    fonts = load_template(template).theme.fonts
    for path in {fonts["regular"], fonts["bold"]}:
        font = TTFont(str(path))
        cmap = font.getBestCmap()
        heights = []
        for mark in marks:
            table = font["glyf"][cmap[ord(mark)]]
            table.recalcBounds(font["glyf"])
            heights.append(table.yMax - table.yMin)
        assert max(heights) / min(heights) < 1.25, (path, marks, heights)


@pytest.mark.parametrize("evidence, spelled", [(EXAMPLE, "InO: inotuzumab ozogamicin; SoC: standard of care."),
                                                (SMALL_EXAMPLE, "KTE-X19: brexucabtagene autoleucel")],
                         ids=["randomized", "single-arm"])
@pytest.mark.parametrize("template", ["default", "northbridge"])
def test_the_arm_names_the_summary_of_findings_uses_are_spelled_out_on_its_page(example_build, evidence, spelled,
                                                                               template):
    """Page 1 said "InO" and "SoC" on every line, spelled out only in the appendix's Abbreviations (or, in
    Northbridge, nowhere): the Summary of findings' notes now spell out the arm names its header shows."""
    from pypdf import PdfReader

    pages = [" ".join(page.extract_text().split())
             for page in PdfReader(str(example_build(evidence, template) / f"{evidence.stem}.pdf")).pages]
    sof = next(i for i, text in enumerate(pages) if "One interval per cell" in text)
    assert spelled in pages[sof]


@pytest.mark.parametrize("evidence", [EXAMPLE, SMALL_EXAMPLE], ids=lambda p: p.stem)
def test_the_appendix_gives_the_background_and_mechanism_and_cites_the_review(example_build, evidence):
    """The background (required by the format) and the mechanism were only on slides, and the J Blood Med
    review the InO summary follows was listed in the handout's references but never cited."""
    from pypdf import PdfReader

    from report_builder.analysis.report import load_report

    evidence_model = load_report(evidence).evidence
    text = " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(str(example_build(evidence) / f"{evidence.stem}.pdf")).pages)
    body = text[:text.rindex("References")]
    assert "Background and unmet need" in body and "Mechanism of action" in body
    unquoted = body.translate(str.maketrans("", "", '"“”'))
    for item in (*evidence_model.background, *evidence_model.mechanism):
        assert " ".join(item.translate(str.maketrans("", "", '"“”')).split()[:4]) in unquoted, item[:60]
    if evidence == EXAMPLE:
        assert "[1]" in body or "[1," in body


def test_the_appraisal_in_brief_gives_each_concern_a_line_answer_first(example_build):
    """"Concerns: Were participants … blinded (✗ No); Were the groups …" ran four questions into one sentence."""
    from pypdf import PdfReader

    reader = PdfReader(str(example_build(EXAMPLE) / f"{EXAMPLE.stem}.pdf"))
    # The bullet, with or without a space after it (pypdf 4.0 runs them together).
    lines = [" ".join(line.split()).lstrip("•").strip() for line in reader.pages[1].extract_text().splitlines()]
    assert "✗ No: Were participants, investigators and outcome assessors blinded?" in lines
    assert "? Can't tell: Do the benefits outweigh the harms and costs?" in lines
    assert not any("Concerns:" in line for line in lines)


def test_only_a_number_needed_whose_interval_excludes_no_difference_is_bold(example_build):
    """Bold drew the eye to "NNH 33 (95% CI NNTB 1077 to ∞ to NNTH 15)", a difference compatible with none."""
    from pypdf import PdfReader

    reader = PdfReader(str(example_build(EXAMPLE) / f"{EXAMPLE.stem}.pdf"))
    runs = [(text, font) for page in reader.pages for text, _, _, font in text_runs(page, fonts=True)]
    noise = [font for text, font in runs if text.startswith("NNH 33")]
    signal = [font for text, font in runs if text.startswith("NNH 9 ")]
    assert noise and not any("Bold" in font for font in noise), noise
    assert signal and all("Bold" in font for font in signal), signal


@pytest.mark.parametrize("evidence", [EXAMPLE, SMALL_EXAMPLE], ids=lambda p: p.stem)
def test_clinical_text_names_no_working_file_or_tool(example_build, evidence):
    """A reader cannot look up "the project reference sheet" (a working file of the authors) or "report_builder";
    provenance notes say where a figure came from in words a reader can act on. PDF, slides and speaker notes."""
    from pptx import Presentation
    from pypdf import PdfReader

    out = example_build(evidence)
    texts = [" ".join(page.extract_text().split()) for page in PdfReader(str(out / f"{evidence.stem}.pdf")).pages]
    for slide in Presentation(str(out / f"{evidence.stem}.pptx")).slides:
        texts += [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        if slide.has_notes_slide:
            texts.append(slide.notes_slide.notes_text_frame.text)
    found = [text[:80] for text in texts for word in ("reference sheet", "report_builder") if word in text.lower()]
    assert not found

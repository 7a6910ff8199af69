"""The PDF evidence summary: valid, embedded fonts, the right figures, outline, links, metadata, determinism, layout."""
from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import EXAMPLE, ROOT, require_tool

SECTIONS = ("title", "key_numbers", "summary_of_findings", "forest", "dosing_brief", "appraisal_brief", "appendix",
            "teaching_points", "bottom_line", "question", "studies", "safety", "cross_study", "dosing", "regulatory",
            "appraisal", "abbreviations", "references")


def build_pdf(report, charts, template) -> bytes:
    from report_builder.builders.pdf import PdfBuilder

    return PdfBuilder().build(report, charts, template)


def squash(text: str) -> str:
    """Extracted text with line breaks, no-break spaces and runs of spaces folded to single spaces."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def pdftotext(path: Path, *args: str) -> str:
    tool = require_tool("pdftotext")
    return subprocess.run([tool, "-enc", "UTF-8", *args, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def pdf_path(report, charts, template, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "summary.pdf"
    path.write_bytes(build_pdf(report, charts, template))
    return path


@pytest.fixture(scope="module")
def text(pdf_path) -> str:
    return squash(pdftotext(pdf_path))


@pytest.fixture(scope="module")
def raw_text(pdf_path) -> str:
    """Content-stream order: each table cell's lines stay together, so whole evidence sentences can be found."""
    return squash(pdftotext(pdf_path, "-raw"))


@pytest.fixture(scope="module")
def reader(pdf_path):
    from pypdf import PdfReader

    return PdfReader(str(pdf_path), strict=True)


def variant(write_evidence, old: str, new: str, name: str = "variant.yaml"):
    """The bundled evidence with one exact passage replaced, loaded as a report."""
    from report_builder.analysis.report import load_report

    source = EXAMPLE.read_text(encoding="utf-8")
    assert source.count(old) == 1, old
    return load_report(write_evidence(source.replace(old, new), name))


# ------------------------------------------------------------------------------------------ a valid file
def test_qpdf_finds_no_errors(pdf_path):
    qpdf = require_tool("qpdf")
    result = subprocess.run([qpdf, "--check", str(pdf_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_every_font_is_an_embedded_subset_of_the_template_fonts(pdf_path):
    pdffonts = require_tool("pdffonts")
    lines = subprocess.run([pdffonts, str(pdf_path)], capture_output=True, text=True, check=True).stdout.splitlines()
    rows = [line.split() for line in lines[2:] if line.strip()]
    assert rows
    for row in rows:
        name, emb, sub = row[0], row[-5], row[-4]
        assert (emb, sub) == ("yes", "yes"), row
        assert "DejaVuSans" in name, row  # the template's fonts, never a standard 14 font
    assert not any(base in " ".join(lines) for base in ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats"))


# ------------------------------------------------------------------------------------------ the figures
def test_reported_figures_appear_exactly_as_written(text):
    for figure in ("88/109 (80.7%)", "32/109 (29.4%)", "95% CI 72.1–87.7", "HR 0.77 (97.5% CI 0.58–1.03)",
                   "HR 0.45 (97.5% CI 0.34–0.61)", "HR 0.55 (95% CI 0.31–0.96)", "median 5.0 months",
                   "23/164 (14.0%)", "3/143 (2.1%)", "0.8 mg/m²", "1.8 mg/m²", "2-year OS: 23%"):
        assert figure in text, figure


def test_derived_statistics_come_from_the_report_model(report, text):
    from report_builder.analysis import formatting as fmt

    effect = report.effect("inovate", "crcri")
    s = effect.stats
    assert f"RR {fmt.ratio(s.risk_ratio)} ({fmt.ratio_ci(s.rr_low, s.rr_high)})" in text
    assert f"RD {fmt.percentage_points(float(s.risk_difference))} pp" in text
    assert f"{effect.number_needed_label} {effect.nnt.value} (95% CI {effect.nnt.low} to {effect.nnt.high})" in text
    assert fmt.exact_ci(report.proportion("inovate", "crcri", "ino")) in text


def test_overall_survival_is_marked_not_significant_against_its_boundary(report, raw_text):
    assert report.crossed_boundary("inovate", "os") is False
    assert "two-sided P=0.04; not significant against the prespecified boundary (two-sided P=0.0208)" in raw_text


def test_after_final_analysis_result_is_marked_with_both_boundaries(raw_text):
    assert ("one-sided P=0.0105; not significant against the prespecified boundary (two-sided P=0.0208, "
            "one-sided 0.0104); analysed after the prespecified final analysis") in raw_text


def test_number_needed_ci_through_infinity_when_the_risk_difference_ci_includes_zero(report, text):
    from report_builder.analysis.report import ae_key

    study = report.evidence.study("inovate")
    unclear = [e for k in range(len(study.adverse_events)) if (e := report.effect(study, ae_key(k)))
               and e.nnt.crosses_zero]
    assert unclear  # any serious adverse event: RD CI includes 0
    nn = unclear[0].nnt
    assert f"{unclear[0].number_needed_label} {nn.value} (95% CI NNTB {nn.nntb_rounded} to ∞ to NNTH " \
           f"{nn.nnth_rounded})" in text


def test_grade_certainty_symbols_and_unicode_extract(text):
    for symbol in ("⊕⊕⊕○ Moderate", "⊕⊕○○ Low", "grade ≥3", "mg/m²", "–", "−", "✓ Yes", "✗ No", "⚠"):
        assert symbol in text, symbol


def test_reported_only_and_source_notes_are_footnoted(raw_text):
    assert "Reported percentage without counts: no exact CI, risk ratio or risk difference can be derived." in raw_text
    assert "Medians from the abstract, not re-read against the full paper." in raw_text


def test_evidence_sentences_appear_whole(report, raw_text):
    from report_builder.inputs import markup

    ev = report.evidence
    texts = [*ev.bottom_line, *ev.teaching_points, *ev.boxed_warning.points,
             *(i.reason for a in ev.appraisal for i in a.items), *ev.studies[0].key_points]
    from report_builder.inputs.markup import en_dash_ranges

    for sentence in texts:  # numeric ranges are set with an en dash, as in the tables
        assert en_dash_ranges(squash(markup.plain(sentence, report.reference_numbers))) in raw_text, sentence


def test_references_are_vancouver_style_with_live_links(raw_text, reader):
    assert ("Kantarjian HM, DeAngelo DJ, Stelljes M, et al. Inotuzumab ozogamicin versus standard therapy for "
            "acute lymphoblastic leukemia. N Engl J Med. 2016;375(8):740–53. doi:10.1056/NEJMoa1509277. "
            "PMID 27292104.") in raw_text
    uris = {a.get_object()["/A"]["/URI"] for page in reader.pages for a in page.get("/Annots") or []
            if "/A" in a.get_object() and "/URI" in a.get_object()["/A"]}
    assert "https://doi.org/10.1056/NEJMoa1509277" in uris
    assert "https://pubmed.ncbi.nlm.nih.gov/27292104/" in uris
    assert "https://clinicaltrials.gov/study/NCT01564784" in uris


def test_citations_link_to_their_reference_entries(reader):
    pages = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    targets = [pages[a.get_object()["/Dest"][0].idnum] for page in reader.pages for a in page.get("/Annots") or []
               if "/Dest" in a.get_object()]
    references_page = next(i for i, p in enumerate(reader.pages) if "References" in p.extract_text())
    assert len(targets) > 20
    assert references_page in targets
    assert set(targets) <= {references_page, references_page + 1}  # the list may run onto the next page


# ------------------------------------------------------------------------------------------ the document
@pytest.mark.slow
def test_three_to_twelve_pages_each_rendered_and_not_blank(pdf_path, reader, tmp_path):
    """Issue 15 added the label's transplant rules, the comparator's VOD by grade and the 2024 approval;
    the page budget and an appendix are issue 16's (the handout redesign)."""
    from PIL import Image

    assert 3 <= len(reader.pages) <= 16  # two front pages, then the appendix (issue 16)
    pdftoppm = require_tool("pdftoppm")
    subprocess.run([pdftoppm, "-r", "30", "-png", str(pdf_path), str(tmp_path / "p")], check=True)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == len(reader.pages)
    for png in pngs:
        with Image.open(png) as image:
            low, high = image.convert("L").getextrema()
        assert low < 100 < high, png.name


def test_header_and_footer_on_every_page(reader, template, report):
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        content = squash(page.extract_text())
        assert f"Page {number} of {pages}" in content
        assert report.evidence.drug.name in content  # the topic in the running header (test_handout: never the tool)
        assert report.evidence.meta.date.isoformat() in content
        assert "For teaching only" in content


def test_outline_has_every_section_and_each_study(reader, template, report):
    entries: list[tuple[int, str, int]] = []

    def walk(items, level=0):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                entries.append((level, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline)
    titles = [title for level, title, _ in entries if level == 0]
    for name in SECTIONS[1:]:
        assert template.text(f"pdf/titles/{name}", evidence=report.evidence) in titles, name
    assert [t for level, t, _ in entries if level == 1][:5] == [s.name for s in report.evidence.studies]
    pages = [page for _, _, page in entries]
    assert pages == sorted(pages) and pages[-1] > 2  # each entry points at its own page, in reading order
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"


def test_metadata_from_the_evidence_and_never_the_clock(reader, report):
    meta = reader.metadata
    ev = report.evidence.meta
    assert meta.title == ev.title
    assert meta.subject == ev.subtitle
    assert meta.author == ", ".join(ev.authors)
    assert meta["/Keywords"] == ", ".join(ev.keywords)
    assert meta["/CreationDate"].startswith(f"D:{ev.date:%Y%m%d}")
    assert meta["/ModDate"] == meta["/CreationDate"]


def test_charts_are_embedded_as_vectors_not_images(reader, charts):
    charts = charts.for_medium("print")
    assert len(charts) >= 2
    assert not any(page.images for page in reader.pages)
    figures = sum(squash(page.extract_text()).count("Figure ") for page in reader.pages)
    assert figures >= len(charts)  # every chart drawn for print is placed


def test_identical_input_gives_identical_bytes(report, charts, template, pdf_path):
    assert build_pdf(report, charts, template) == pdf_path.read_bytes()


def test_identical_bytes_across_processes_and_hash_seeds(pdf_path, tmp_path):
    script = textwrap.dedent(f"""
        import sys
        from report_builder.builders.pdf import PdfBuilder
        from report_builder.charts.draw import draw_charts
        from report_builder.analysis.report import load_report
        from report_builder.theme.template import load_template
        report, template = load_report({str(EXAMPLE)!r}), load_template("default")
        sys.stdout.buffer.write(PdfBuilder().build(report, draw_charts(report, template), template))
    """)
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, cwd=ROOT, env=env).stdout
    assert out == pdf_path.read_bytes()


@pytest.mark.parametrize("size, expected", [("A4", (595.28, 841.89)), ("Letter", (612.0, 792.0))])
def test_page_size_follows_the_theme(report, charts, template, size, expected, tmp_path):
    from pypdf import PdfReader

    theme = dataclasses.replace(template.theme, page_size=size)
    path = tmp_path / "sized.pdf"
    path.write_bytes(build_pdf(report, charts, dataclasses.replace(template, theme=theme)))
    for page in PdfReader(str(path)).pages:
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == expected


# ------------------------------------------------------------------------------------------ hostile and odd input
def test_evidence_markup_and_template_syntax_appear_literally(write_evidence, charts, template, tmp_path):
    case = ("Literal <b>not bold</b>, </para> & {{ x }} {% if 1 %}y{% endif %}; "
            "bilirubin ≤1.5 × ULN, CD22 ≥70%, dose ±10%, 5 µg/L, 0.8 mg/m²")
    report = variant(write_evidence, "A 42-year-old man with", f"{case}. A 42-year-old man with")
    path = tmp_path / "literal.pdf"
    path.write_bytes(build_pdf(report, charts, template))
    assert squash(case) in squash(pdftotext(path))


def test_twenty_times_longer_texts_build_and_paginate(write_evidence, charts, template, tmp_path):
    import yaml
    from pypdf import PdfReader

    from report_builder.analysis.report import load_report

    prose = {"title", "subtitle", "case", "population", "intervention", "comparison", "background", "design",
             "name", "short_name", "regimen", "stage", "definition", "note", "notes", "key_points", "limitations",
             "term", "event", "detail", "points", "question", "reason", "bottom_line", "teaching_points", "outcomes",
             "cycle_length", "max_cycles", "source_note", "reasons", "checklist", "median_age", "dose"}

    def longer(node, key=None):
        if isinstance(node, dict):
            return {k: ({a: " ".join([m] * 20) for a, m in v.items()} if k == "abbreviations" else longer(v, k))
                    for k, v in node.items()}
        if isinstance(node, list):
            return [longer(v, key) for v in node]
        return " ".join([node] * 20) if isinstance(node, str) and key in prose else node

    data = longer(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    report = load_report(write_evidence(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "long.yaml"))
    path = tmp_path / "long.pdf"
    path.write_bytes(build_pdf(report, charts, template))  # the bundled charts: long texts are a layout test
    reader = PdfReader(str(path), strict=True)
    assert len(reader.pages) > 8
    qpdf = require_tool("qpdf")
    subprocess.run([qpdf, "--check", str(path)], check=True, capture_output=True)
    last_point = report.evidence.teaching_points[-1]
    assert squash(last_point)[-60:] in squash(pdftotext(path, "-raw"))


def test_a_waived_consistency_check_is_footnoted(write_evidence, charts, template, tmp_path):
    report = variant(write_evidence, "ino: {events: 88, total: 109, percent: 80.7, ci: [72.1, 87.7]}",
                     'ino: {events: 88, total: 109, percent: 80.9, ci: [72.1, 87.7], '
                     'waive: {percent-vs-counts: "Kept as printed in the abstract"}}')
    assert report.waivers
    path = tmp_path / "waived.pdf"
    path.write_bytes(build_pdf(report, charts, template))
    text = squash(pdftotext(path, "-raw"))
    assert ('Consistency check "percent-vs-counts" waived for INO-VATE, CR/CRi, InO, percent: '
            "Kept as printed in the abstract") in text
    assert "88/109 (80.9%)" in text  # printed as the file reports it, never "fixed"


# ------------------------------------------------------------------------------------------ template sections
def test_unknown_section_name_is_a_template_error(report, charts, template):
    from report_builder.errors import TemplateError

    odd = dataclasses.replace(template, pdf_sections=template.pdf_sections + ("summary_of_finding",))
    with pytest.raises(TemplateError, match=r"template 'default'.*'summary_of_finding'.*did you mean"):
        build_pdf(report, charts, odd)


def test_local_section_renders_the_institution_wording(report, charts, tmp_path):
    from pypdf import PdfReader

    from report_builder.theme.template import load_template

    folder = tmp_path / "ours"
    (folder / "wording" / "pdf" / "local").mkdir(parents=True)
    (folder / "template.yaml").write_text(textwrap.dedent("""\
        extends: default
        theme: {institution: Our Hospital}
        pdf:
          sections: [title, local_protocol, references]
    """), encoding="utf-8")
    (folder / "wording" / "pdf" / "local" / "local_protocol.j2").write_text(
        "Our protocol for {{ drug.abbreviation }}\nOrdered by the leukemia service only.\n\n- Check bilirubin first.\n",
        encoding="utf-8")
    path = tmp_path / "local.pdf"
    path.write_bytes(build_pdf(report, charts, load_template(str(folder))))
    reader = PdfReader(str(path))
    assert [item.title for item in reader.outline] == ["Inotuzumab ozogamicin", "Our protocol for InO", "References"]
    text = squash(pdftotext(path))
    assert "Ordered by the leukemia service only." in text and "• Check bilirubin first." in text
    assert "Our Hospital" in text


def test_symbols_missing_from_the_template_font_fall_back_to_dejavu_sans(report, charts, template, tmp_path):
    serif = ROOT / "templates" / "northbridge" / "fonts"
    if not (serif / "DejaVuSerif.ttf").is_file():
        pytest.skip("the northbridge example template (DejaVu Serif, which lacks ✓ ✗ ⚠) is not present")
    fonts = {"regular": serif / "DejaVuSerif.ttf", "bold": serif / "DejaVuSerif-Bold.ttf",
             "italic": serif / "DejaVuSerif-Italic.ttf", "bold_italic": serif / "DejaVuSerif-BoldItalic.ttf"}
    theme = dataclasses.replace(template.theme, fonts=fonts)
    path = tmp_path / "serif.pdf"
    path.write_bytes(build_pdf(report, charts, dataclasses.replace(template, theme=theme)))
    text = squash(pdftotext(path))
    assert "✓ Yes" in text and "✗ No" in text and "⚠" in text
    listing = subprocess.run([require_tool("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSerif" in listing and "+DejaVuSans " in listing


# ------------------------------------------------------------------------------------------- charts replayed
def _replay_png(chart, fonts, folder: Path, ops=None):
    """The chart's recorded operations replayed on a page of its own size, rasterised by poppler."""
    from reportlab.pdfgen.canvas import Canvas

    from report_builder.builders.pdf.chart import RecordedChart

    flowable = RecordedChart.of(chart, fonts)
    if ops is not None:
        flowable.ops = ops
    pdf = folder / f"{chart.id}.pdf"
    canvas = Canvas(str(pdf), pagesize=(flowable.width, flowable.height))
    flowable.drawOn(canvas, 0, 0)
    canvas.save()
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(pdf), str(folder / chart.id)], check=True)
    return folder / f"{chart.id}.png"


def _blurred_difference(chart, replayed: Path) -> float:
    """Mean grey-level difference (0-255) of the replay and the chart's PNG, both blurred so that two
    rasterisers' anti-aliasing does not count, only missing or misplaced marks."""
    import io

    import numpy as np
    from PIL import Image, ImageFilter

    replay = Image.open(replayed).convert("L")
    png = Image.open(io.BytesIO(chart.png)).convert("L").resize(replay.size, Image.LANCZOS)
    blur = ImageFilter.GaussianBlur(3)
    return float(np.abs(np.asarray(replay.filter(blur), float) - np.asarray(png.filter(blur), float)).mean())


@pytest.mark.slow
def test_charts_in_the_pdf_draw_what_matplotlib_draws(report, template, tmp_path):
    """The PDF replays each chart's recorded operations (charts.record); they must show what Matplotlib's
    own PNG of the same print chart shows."""
    import html
    import json
    from dataclasses import replace

    from report_builder.builders.pdf.style import register_fonts
    from report_builder.charts import FORMS, PRINT
    from report_builder.charts.draw import draw_charts

    require_tool("pdftoppm")
    fonts = register_fonts(template.theme)
    charts = draw_charts(report, template, media=(replace(PRINT, forms=FORMS),))  # the print charts, with a PNG
    for chart in charts:
        ops = json.loads(chart.ops)["ops"]
        # Every string of the SVG (text kept as text) is in the recording, in the template's fonts.
        texts = sorted(op[7] for op in ops if op[0] == "text")
        svg_texts = sorted(html.unescape(t) for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", chart.svg.decode()))
        assert texts == svg_texts, chart.id
        assert {op[4] for op in ops if op[0] == "text"} <= {"regular", "bold", "italic"}
        assert _blurred_difference(chart, _replay_png(chart, fonts, tmp_path)) < 3.0, chart.id
    # The comparison is sharp enough to notice half the text missing.
    chart = charts.get("forest-inovate")
    ops = json.loads(chart.ops)["ops"]
    half = [op for i, op in enumerate(ops) if op[0] != "text" or i % 2]
    assert _blurred_difference(chart, _replay_png(chart, fonts, tmp_path, half)) > 3.0


def test_chart_text_in_the_pdf_is_text_in_the_template_font(pdf_path):
    text = pdftotext(pdf_path)
    for label in ("Randomized, N = 326", "95% CI 2.03–3.73", "favours InO", "grade ≥3"):
        assert label in text
    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSans-Bold" in fonts and "Helvetica" not in fonts


def test_a_chart_taller_than_a_page_goes_on_over_the_next_pages_cut_between_lines_of_text():
    """A response chart of fifty studies is taller than any page: it is split, never a LayoutError, and
    no cut passes through a line of text."""
    import io

    from pypdf import PdfReader
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from report_builder.builders.pdf.chart import RecordedChart

    class Fonts:
        regular, bold, italic, bold_italic = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique"

    rows = 150
    ops = [["text", 10, 6 + 14 * i, 0, "regular", 9, [0, 0, 0, 1], f"row {i}", [1, None, 0, 0, 0, None, None]]
           for i in range(rows)]
    chart = RecordedChart(ops, 400, 14 * rows, Fonts())
    chart.alt_text = "Fifty studies' response rates."
    pieces, rest = [], chart
    while True:
        split = rest.split(400, 700)
        if not split:
            break
        first, rest = split
        pieces.append(first)
    pieces.append(rest)
    assert len(pieces) >= 3 and all(p.height <= 700 for p in pieces)
    assert sum(p.height for p in pieces) == pytest.approx(chart.height)
    for piece in pieces[:-1]:
        cut = piece.window[0]
        assert all(not (y - 0.3 * 9 < cut < y + 9) for y in (6 + 14 * i for i in range(rows))), cut
    assert [p.alt_text for p in pieces] == [chart.alt_text] + ["The figure above, continued."] * (len(pieces) - 1)

    buffer = io.BytesIO()
    normal = getSampleStyleSheet()["Normal"]
    SimpleDocTemplate(buffer).build([Paragraph("Before", normal), chart, Paragraph("Caption", normal)])
    pages = PdfReader(buffer).pages
    assert len(pages) >= 3 and "Caption" in pages[-1].extract_text()


def test_a_paragraph_measured_again_at_the_same_width_breaks_as_reportlab_does():
    """Para reuses its line breaks for a second wrap at the same width; ReportLab's own Paragraph is the
    oracle: same sizes at every width, in any order, and after a split (which takes the lines away)."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph

    from report_builder.builders.pdf.style import Para

    style = ParagraphStyle("t", fontName="Helvetica", fontSize=9, leading=11, allowOrphans=0, allowWidows=0)
    text = " ".join(f"word{i} <b>bold{i}</b>" for i in range(60))
    ours, theirs = Para(text, style), Paragraph(text, style)
    for width in (200, 200, 310, 200, 0.0001, 200):
        assert ours.wrap(width, 500) == theirs.wrap(width, 500)
    assert ours.split(200, 5) == [] == theirs.split(200, 5)  # no room for two lines: ReportLab drops the lines
    assert ours.wrap(200, 500) == theirs.wrap(200, 500)
    ours.drawOn(Canvas(os.devnull), 0, 0)  # lines broken again, not a size without lines
    first, rest = ours.split(200, 60)
    assert [p.wrap(200, 500) for p in (first, rest)] == [p.wrap(200, 500) for p in theirs.split(200, 60)]

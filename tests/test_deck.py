"""The PowerPoint deck: slide order, notes, alt text, native charts, numbers, masters, reproducibility, rendering."""
from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from conftest import require_tool

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
TEMPLATE_CT = b"application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
PRESENTATION_CT = b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"


def build(report, charts, template) -> bytes:
    from report_builder.builders.pptx import PptxBuilder

    return PptxBuilder().build(report, charts, template)


def open_deck(data: bytes):
    from pptx import Presentation

    return Presentation(io.BytesIO(data))


@pytest.fixture(scope="module")
def deck_bytes(report, charts, template) -> bytes:
    return build(report, charts, template)


@pytest.fixture(scope="module")
def deck(deck_bytes):
    return open_deck(deck_bytes)


def titles(prs) -> list[str]:
    return [s.shapes.title.text if s.shapes.title is not None else "" for s in prs.slides]


def slide_text(slide) -> str:
    """Every text on a slide: text frames, table cells and native-chart data labels."""
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [cell.text for row in shape.table.rows for cell in row.cells]
        if shape.has_chart:
            parts += ["".join(t.text or "" for t in shape.chart._chartSpace.iter(f"{A}t"))]
    return "\n".join(parts)


def notes(slide) -> str:
    return slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""


def find(prs, title: str):
    return next(s for s in prs.slides if s.shapes.title is not None and s.shapes.title.text == title)


def chart_on(slide):
    return next(shape.chart for shape in slide.shapes if shape.has_chart)


# ------------------------------------------------------------------------------------------ structure
def test_slides_follow_the_template_order(deck, report):
    names = titles(deck)
    assert names[0] == report.evidence.meta.title
    assert names[-1] == "References"
    expected = [
        "The clinical question", "Background and unmet need", "Mechanism of action: InO and CD22",
        "INO-VATE: 326 randomized, InO vs SoC", "CR/CRi nearly tripled with InO: 80.7% vs 29.4%",
        "Overall survival: two-sided P=0.04 did not cross the prespecified boundary (two-sided P=0.0208)",
        "Overall survival: HR 0.77, not significant at the prespecified boundary",
        "Boxed warning: hepatotoxicity, including VOD/SOS, and higher post-HSCT non-relapse mortality",
        "VOD/SOS (final report), any grade: 14.0% with InO vs 2.1% with SoC",
        "4 supporting studies, none randomized: response 57% to 92%", "Dosing and administration",
        "Dosing rules: transplant, stopping and premedication", "Quiz 1 of 3: your answer?",
        "Quiz 1: the answer is C", "Quiz 3: the answer is D", "Bottom line", "Discussion", "References",
    ]
    positions = [names.index(t) for t in expected]
    assert positions == sorted(positions), [t for t, _ in sorted(zip(expected, positions), key=lambda x: x[1])]
    # Continued slides carry the title of the slide they continue.
    for i, name in enumerate(names):
        if name.endswith(" (continued)"):
            base = name.removesuffix(" (continued)")
            assert names[i - 1] in (base, name)


def test_the_learning_objectives_follow_the_title_slide(deck, report):
    assert titles(deck)[1] == "Learning objectives"
    text = " ".join(slide_text(deck.slides[1]).split())
    assert report.evidence.learning_objectives and all(
        " ".join(objective.split()) in text for objective in report.evidence.learning_objectives)


def test_deck_is_16_9_and_uses_the_masters_layouts(deck, template):
    assert (deck.slide_width, deck.slide_height) == (12192000, 6858000)
    used = {s.slide_layout.name for s in deck.slides}
    assert used <= set(template.deck_layouts.values())
    assert {"Title Slide", "Title and Content", "Two Content", "Title Only"} <= used


def test_every_slide_has_speaker_notes_with_sources(deck):
    for number, slide in enumerate(deck.slides, 1):
        assert len(notes(slide)) > 40, f"slide {number} has no real notes"
    results = notes(find(deck, "CR/CRi nearly tripled with InO: 80.7% vs 29.4%"))
    assert "80.7" in results and "Kantarjian 2016 [2]" in results and "Ask the audience" in results
    # The question's notes ask for a vote; the answer and its explanation are on (and in the notes of) the next slide.
    assert "Answer:" not in notes(find(deck, "Quiz 1 of 3: your answer?"))
    answer = notes(find(deck, "Quiz 1: the answer is C"))
    assert "Answer: C. 80.7%" in answer and "Explanation:" in answer
    assert "80.7%" in slide_text(find(deck, "Quiz 1 of 3: your answer?"))


def test_no_empty_placeholders(deck):
    for number, slide in enumerate(deck.slides, 1):
        for ph in slide.placeholders:
            assert ph.has_text_frame and ph.text_frame.text.strip(), (
                f"slide {number}: empty placeholder {ph.name}")


def test_every_picture_has_alt_text_from_its_chart(deck, charts):
    alt_texts = {c.alt_text for c in charts}
    pictures = [shape for slide in deck.slides for shape in slide.shapes if shape.shape_type == 13]
    assert len(pictures) >= 1  # the forest plot: other results are big numbers or native charts
    for picture in pictures:
        descr = picture._element.nvPicPr.cNvPr.get("descr")
        assert descr and descr in alt_texts
        assert not re.search(r"\.(png|svg|jpe?g)$", descr)
        assert picture._element.nvPicPr.cNvPr.get("title")


# ------------------------------------------------------------------------------------------ numbers
def figures(slide) -> list[str]:
    """The big numbers of a slide, row by row and left to right."""
    shapes = [sh for sh in slide.shapes if sh.name in ("Figure", "Not available")]
    return [sh.text_frame.paragraphs[0].text for sh in sorted(shapes, key=lambda sh: (sh.top, sh.left))]


def test_primary_result_as_big_numbers(deck):
    slide = find(deck, "CR/CRi nearly tripled with InO: 80.7% vs 29.4%")
    # Randomized first: MRD over all analysed (69/109 = 63.3%, 9/109 = 8.3%), never the responders' 78.4%.
    assert figures(slide) == ["80.7%", "29.4%", "63.3%", "8.3%", "41%", "11%"]
    text = slide_text(slide)
    assert "88/109; 95% CI 72.1–87.7" in text and "69/109" in text and "78.4" not in text
    assert "derived; RR 7.67" in text and "NNT 2 (95% CI 2 to 3)" in text
    # The name says over whom, in the words the room reads: "among CR/CRi" over 63.3% read as a responder rate.
    assert "MRD below 0.01% among CR/CRi: share of all analysed for CR/CRi [2]" in text
    # The reported P compares the responders, not the derived rates beside it; a P without its sidedness says so.
    mrd = next(line for line in notes(slide).splitlines() if line.startswith("- MRD below 0.01% among CR/CRi:"))
    assert "P<0.001 (sidedness not in this summary) among responders only" in mrd


def test_focused_harm_slide_and_native_adverse_event_chart(deck, template):
    focus = find(deck, "VOD/SOS (final report), any grade: 14.0% with InO vs 2.1% with SoC")
    assert figures(focus) == ["11%", "1%", "14.0%", "2.1%", "11.6%", "2.1%", "3.0%", "0%", "23%",
                              "not in this summary", "3%", "not in this summary"]
    chart = chart_on(find(deck, "Any serious adverse event, any grade: 51.8% vs 50.3%, no clear difference"))
    plot = chart.plots[0]
    row = list(plot.categories).index("Any serious adverse event, any grade [3]")
    series = {s.name: list(s.values) for s in plot.series}
    assert series["InO"][row] == pytest.approx(51.8) and series["SoC"][row] == pytest.approx(50.3)
    soc = next(s for s in plot.series if s.name == "SoC")
    assert str(soc.format.fill.fore_color.rgb) == template.theme.colors["muted"].lstrip("#").upper()
    labels = "".join(t.text for t in chart._chartSpace.iter(f"{A}t"))
    assert "InO 51.8%" in labels and "SoC 50.3%" in labels
    assert all(r.get("typeface") == "DejaVu Sans" for r in chart._chartSpace.iter(f"{A}latin"))


def test_key_numbers_appear_as_reported(deck):
    everything = "\n".join(slide_text(s) + "\n" + notes(s) for s in deck.slides)
    for text in ("88/109 (80.7%); 95% CI 72.1–87.7", "32/109 (29.4%)", "HR 0.77 (97.5% CI 0.58–1.03)",
                 "NOT significant: two-sided P=0.04 did not cross the prespecified boundary (two-sided P=0.0208)",
                 "23/164 (14.0%)", "NNT 2 (95% CI 2 to 3)", "0.8 mg/m²", "1.8 mg/m²",
                 "median 7.7 months (95% CI 6.0–9.2)", "69/109 (63.3%; of all analysed for CR/CRi, derived)",
                 "69/88 (78.4%) among responders only", "analysed after the prespecified final analysis",
                 "Patients proceeding to HSCT", "doi:10.1056/NEJMoa1509277"):
        assert text in everything, text
    assert "80.70" not in everything and "29.40" not in everything


def test_quiz_is_left_out_when_the_evidence_has_none(report, charts, template):
    evidence = report.evidence.model_copy(update={"quiz": ()})
    prs = open_deck(build(dataclasses.replace(report, evidence=evidence), charts, template))
    assert not any(t.startswith("Quiz") for t in titles(prs))


# ------------------------------------------------------------------------------------------ package
def test_reopens_and_is_byte_identical(deck_bytes, report, charts, template):
    assert build(report, charts, template) == deck_bytes
    with zipfile.ZipFile(io.BytesIO(deck_bytes)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        # pictures are stored as they are (PNG is compressed already), every other part deflated
        stored = {info.filename for info in archive.infolist() if info.compress_type == zipfile.ZIP_STORED}
        assert stored and all(name.startswith("ppt/media/") and name.endswith(".png") for name in stored)
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist()
                   if info.filename not in stored)
        core = archive.read("docProps/core.xml").decode()
        presentation = archive.read("ppt/presentation.xml").decode()
        # The native charts' data workbooks state the evidence date, not the build clock, inside and out.
        workbooks = [name for name in archive.namelist() if re.fullmatch(r"ppt/embeddings/.+\.xlsx", name)]
        assert workbooks
        for name in workbooks:
            with zipfile.ZipFile(io.BytesIO(archive.read(name))) as workbook:
                assert {info.date_time for info in workbook.infolist()} == {(1980, 1, 1, 0, 0, 0)}
                stamps = re.findall(rb"<dcterms:(?:created|modified)[^>]*>([^<]*)<", workbook.read("docProps/core.xml"))
                assert stamps == [b"2026-11-30T00:00:00Z"] * 2
    assert "2026-11-30T00:00:00Z" in core  # meta.date of the evidence file
    # The notes master is listed, not only related (readers such as Keynote need both for the speaker notes).
    assert re.search(r"</p:sldMasterIdLst><p:notesMasterIdLst><p:notesMasterId r:id=", presentation) and "<cp:revision>1</cp:revision>" in core
    prs = open_deck(deck_bytes)
    assert prs.core_properties.title == report.evidence.meta.title
    assert prs.core_properties.created.year == 2026


def dangling(data: bytes) -> list[str]:
    """Relationship targets that are not in the package, and slide parts nothing lists."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        for name in names:
            if not name.endswith(".rels"):
                continue
            base = PurePosixPath(name).parent.parent
            for target, mode in re.findall(rb'Target="([^"]+)"(?: TargetMode="(\w+)")?', archive.read(name)):
                if mode == b"External":
                    continue
                path = str(PurePosixPath(*(base / target.decode()).parts))
                path = re.sub(r"[^/]+/\.\./", "", path).lstrip("/")
                if path not in names:
                    problems.append(f"{name} -> {target.decode()}")
        listed = archive.read("ppt/_rels/presentation.xml.rels").decode()
        for name in names:
            if re.fullmatch(r"ppt/slides/slide\d+\.xml", name) and name.removeprefix("ppt/") not in listed:
                problems.append(f"unlisted {name}")
    return problems


def test_no_dangling_relationships(deck_bytes):
    assert dangling(deck_bytes) == []


# ------------------------------------------------------------------------------------------ text fitting
def regular_font(template):
    """The theme's regular face as the deck measures it (200 px, basic layout), to work out expectations."""
    from PIL import ImageFont

    return ImageFont.truetype(str(template.theme.fonts["regular"]), 200, layout_engine=ImageFont.Layout.BASIC)


def test_lines_wrap_greedily_at_the_measured_word_widths(template):
    from report_builder.builders.pptx.text import WIDTH_SLACK, Metrics, Para, plain_spans

    metrics = Metrics(template.theme.fonts)
    font = regular_font(template)
    word, space = (font.getlength(t) * 20 / 200 for t in ("evidence", " "))  # points, at 20 pt
    ten = Para(plain_spans(" ".join(["evidence"] * 10)))
    for per_line, lines in ((3, 4), (4, 3), (10, 1)):
        width = (per_line * word + (per_line - 1) * space + space / 2) / WIDTH_SLACK  # room for per_line, not more
        assert metrics.lines(ten, width, 20) == lines
    assert metrics.lines(Para(plain_spans("evidence\nevidence")), 1000, 20) == 2  # a newline starts a line
    # A word wider than the line is broken by characters: two and a half line widths take three lines.
    long_word = "Pneumonoultramicroscopicsilicovolcanoconiosis"
    assert metrics.lines(Para(plain_spans(long_word)), font.getlength(long_word) * 20 / 200 / 2.5 / WIDTH_SLACK,
                         20) == 3
    # Renderers break after a hyphen between letters: "CD22-" and "positive" on lines of their own.
    hyphenated = Para(plain_spans("CD22-positive"))
    width = max(font.getlength("CD22-"), font.getlength("positive")) * 20 / 200 / WIDTH_SLACK + 0.5
    assert metrics.lines(hyphenated, width, 20) == 2
    # Bold text is measured with the bold face: wider than regular.
    text = "Relapsed or refractory disease"
    fits_regular = (font.getlength(text) * 20 / 200 + 1) / WIDTH_SLACK
    assert metrics.lines(Para(plain_spans(text)), fits_regular, 20) == 1
    assert metrics.lines(Para(plain_spans(text), bold=True), fits_regular, 20) == 2


def _counting(metrics, name: str) -> list[int]:
    """Count calls to one of metrics' methods (the work fitting does), calling through to it."""
    calls = [0]
    method = getattr(metrics, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return method(*args, **kwargs)

    setattr(metrics, name, counted)
    return calls


def _reference_pages(metrics, paragraphs, width, height, size):
    """The plain rule: a page takes paragraphs while the page (and a heading's next item) still fits."""
    pages = [[]]
    for i, p in enumerate(paragraphs):
        following = [paragraphs[i + 1]] if p.keep_with_next and i + 1 < len(paragraphs) else []
        if pages[-1] and metrics.height(pages[-1] + [p] + following, width, size) > height:
            pages.append([p])
        else:
            pages[-1].append(p)
    return pages


def test_paginating_is_linear_in_the_number_of_paragraphs_and_keeps_the_plain_rules_pages(template):
    """10,000 learning objectives took minutes: every paragraph re-measured the whole page before it."""
    from report_builder.builders.pptx.text import EMU_PER_PT, Box, Metrics, paginate, para

    metrics = Metrics(template.theme.fonts)
    items = [para(f"Objective {i}: weigh the remission benefit against the risk of VOD/SOS", {}, bullet="•",
                  keep_with_next=i % 7 == 0) for i in range(1200)]
    box = Box(0, 0, 2000 * EMU_PER_PT, 3000 * EMU_PER_PT)  # about 200 objectives a page at 12 pt
    lines = _counting(metrics, "lines")
    fit = paginate(metrics, items, box, 12, 12, 12)
    assert 4 <= len(fit.pages) <= 12
    assert lines[0] <= 4 * len(items)  # the page's height is a running sum (it was about 100 x per paragraph)
    assert fit.pages == _reference_pages(Metrics(template.theme.fonts), items, box.inner_width_pt(),
                                         box.inner_height_pt(), 12)


def test_a_paragraph_taller_than_a_slide_is_cut_where_one_word_more_would_not_fit(template):
    """A 250 kB paragraph took 108 s: each word was tried by measuring the whole page again."""
    from report_builder.builders.pptx.text import EMU_PER_PT, Box, Metrics, paginate, para

    words = [f"word{i % 97}" for i in range(6000)]
    paragraph = para(" ".join(words), {}, bullet="•")
    box = Box(0, 0, 1500 * EMU_PER_PT, 300 * EMU_PER_PT)  # about 700 words a slide at 12 pt
    metrics = Metrics(template.theme.fonts)
    width_calls = _counting(metrics, "width")
    fit = paginate(metrics, [paragraph], box, 12, 12, 12)
    assert width_calls[0] <= 40 * len(words)  # each word measured about log(words a slide) times, not 500
    cut = [" ".join(span.text.strip() for span in page[0].spans).split() for page in fit.pages]
    assert [w for piece in cut for w in piece] == words and all(len(page) == 1 for page in fit.pages)
    assert 4 <= len(cut) <= 12 and fit.pages[0][0].bullet == "•" and fit.pages[1][0].bullet is None
    height, width = box.inner_height_pt(), box.inner_width_pt()
    for page, following in zip(fit.pages, fit.pages[1:]):  # every cut: one word more would not have fitted
        assert metrics.height(page, width, 12) <= height
        one_more = para(" ".join([*(s.text for s in page[0].spans), following[0].spans[0].text.split()[0]]), {})
        assert metrics.height([one_more], width, 12) > height


def test_a_table_takes_the_largest_size_at_which_every_word_fits_its_column(template):
    from report_builder.builders.pptx.shapes import Cell, paginate_rows
    from report_builder.builders.pptx.text import EMU_PER_PT, TABLE_MARGIN_X_PT, Box, Metrics, Para, plain_spans

    metrics = Metrics(template.theme.fonts)
    font = regular_font(template)
    # The first column has room for "Source" whole at 14 pt, not at 14.5 pt.
    room = (font.getlength("Source") * 14.25 / 200) / 0.985 + 2 * TABLE_MARGIN_X_PT
    widths = [int(room * EMU_PER_PT), 3_000_000]
    header = [Cell((Para(plain_spans("Source")),)), Cell((Para(plain_spans("Effect")),))]
    rows = [[Cell((Para(plain_spans("[2]")),)), Cell((Para(plain_spans("HR 0.77")),))]]
    size, pages = paginate_rows(metrics, header, rows, widths, Box(0, 0, sum(widths), 5_000_000), 18, 11)
    assert size == 14 and pages == [rows]


def master_with_sample_slide(template, tmp_path: Path, suffix: str) -> Path:
    from pptx import Presentation

    prs = Presentation(str(template.deck_master))
    sample = prs.slides.add_slide(prs.slide_layouts[1])
    sample.shapes.title.text = "SAMPLE SLIDE FROM THE MASTER"
    sample.notes_slide.notes_text_frame.text = "sample notes"
    raw = io.BytesIO()
    prs.save(raw)
    data = raw.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "[Content_Types].xml" and suffix == ".potx":
                content = content.replace(PRESENTATION_CT, TEMPLATE_CT)
            dst.writestr(info, content)
    path = tmp_path / f"master{suffix}"
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("suffix", [".potx", ".pptx"])
def test_master_with_sample_slides_and_potx(tmp_path, report, charts, template, suffix):
    path = master_with_sample_slide(template, tmp_path, suffix)
    if suffix == ".potx":
        with zipfile.ZipFile(path) as archive:
            assert TEMPLATE_CT in archive.read("[Content_Types].xml")
    data = build(report, charts, dataclasses.replace(template, deck_master=path))
    prs = open_deck(data)
    assert "SAMPLE SLIDE FROM THE MASTER" not in titles(prs)
    assert titles(prs)[0] == report.evidence.meta.title
    assert dangling(data) == []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        slide_parts = [n for n in archive.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
        assert len(slide_parts) == len(prs.slides)
        assert TEMPLATE_CT not in archive.read("[Content_Types].xml")


def test_unknown_layout_name_lists_the_masters_layouts(report, charts, template):
    from report_builder.errors import TemplateError

    broken = dataclasses.replace(template, deck_layouts={**template.deck_layouts, "content": "Our Text Layout"})
    with pytest.raises(TemplateError) as err:
        build(report, charts, broken)
    message = str(err.value)
    assert "'Our Text Layout'" in message
    for name in ("'Title Slide'", "'Title and Content'", "'Two Content'", "'Title Only'"):
        assert name in message
    unmapped = dataclasses.replace(template, deck_layouts={k: v for k, v in template.deck_layouts.items()
                                                           if k != "title_only"})
    with pytest.raises(TemplateError, match="'Title Only'"):
        build(report, charts, unmapped)


def test_local_slide_from_the_institutions_wording(tmp_path, report, charts):
    from report_builder.errors import TemplateError
    from report_builder.theme.template import load_template

    folder = tmp_path / "ours"
    (folder / "wording" / "deck" / "local").mkdir(parents=True)
    (folder / "template.yaml").write_text(
        "extends: default\ndeck:\n  slides: [title, local_protocol, closing]\n", encoding="utf-8")
    (folder / "wording" / "deck" / "local" / "local_protocol.j2").write_text(
        "Our protocol for {{ evidence.drug.abbreviation }}\nCheck with pharmacy first.\n\n"
        "- Bilirubin before every dose\n- Ursodiol prophylaxis\n", encoding="utf-8")
    prs = open_deck(build(report, charts, load_template(str(folder))))
    assert titles(prs)[1] == "Our protocol for InO"
    text = slide_text(prs.slides[1])
    assert "Bilirubin before every dose" in text and "Check with pharmacy first." in text
    assert notes(prs.slides[1])
    (folder / "template.yaml").write_text("extends: default\ndeck:\n  slides: [title, no_such_slide]\n")
    with pytest.raises(TemplateError, match="no_such_slide"):
        build(report, charts, load_template(str(folder)))


def test_default_master_is_generated_by_its_script(template, tmp_path):
    from masters import default_master as make_default_master

    assert make_default_master.main([str(tmp_path / "master.pptx")]) == 0
    assert (tmp_path / "master.pptx").read_bytes() == template.deck_master.read_bytes()


# ------------------------------------------------------------------------------------------ rendering
def render(data: bytes, tmp_path: Path) -> Path:
    """LibreOffice Impress's PDF of the deck, with a private profile so parallel runs never clash."""
    soffice = require_tool("soffice")
    (tmp_path / "deck.pptx").write_bytes(data)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "deck.pptx")],
                   check=True, capture_output=True, timeout=180)
    return tmp_path / "deck.pdf"


def word_boxes(pdf: Path) -> list[tuple[int, float, float, float, str]]:
    """(page, x_min, y_min, y_max, word) of every word LibreOffice drew, in points from the page's top left."""
    pdftotext = require_tool("pdftotext")
    html = subprocess.run([pdftotext, "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    boxes = [(page, float(x_min), float(y_min), float(y_max), word)
             for page, body in enumerate(html.split("<page ")[1:], 1)
             for x_min, y_min, y_max, word in re.findall(
                 r'<word xMin="(-?[\d.]+)" yMin="(-?[\d.]+)" xMax="-?[\d.]+" yMax="(-?[\d.]+)">([^<]*)</word>', body)]
    assert len(boxes) > 200, "pdftotext gave no word boxes: the overflow check would be empty"
    return boxes


def words_below(pdf: Path, limit_in: float) -> list[str]:
    """Words drawn below limit_in inches from the top (the footer band), except slide numbers."""
    return [f"page {page}: {word}" for page, x_min, _, y_max, word in word_boxes(pdf)
            if y_max > limit_in * 72 and not (word.isdigit() and x_min > 10.5 * 72)]


def words_above(pdf: Path, limit_in: float) -> list[str]:
    """Words drawn above limit_in inches from the top: a title too long for its box runs up off the slide."""
    return [f"page {page}: {word}" for page, _, y_min, _, word in word_boxes(pdf) if y_min < limit_in * 72]


@pytest.mark.slow
def test_libreoffice_renders_one_page_per_slide_without_overflow(deck_bytes, deck, tmp_path):
    from pypdf import PdfReader

    pdf = render(deck_bytes, tmp_path)
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == len(deck.slides)
    # Body text ends 6.95 in from the top; anything lower has run out of its box. Titles start 0.3 in down.
    assert words_below(pdf, 7.0) == []
    assert words_above(pdf, 0.25) == []


@pytest.mark.slow
def test_libreoffice_sets_the_footer_text_as_the_master_states_it(example_build, tmp_path):
    """Northbridge's master sets footer text left-aligned in grey #5F6B76; LibreOffice drew the slides' "Internal
    use." centred and black until each slide's footer placeholder carried the master's list style itself."""
    from PIL import Image
    from pptx import Presentation

    from conftest import EXAMPLE

    deck_path = next(example_build(EXAMPLE, "northbridge").glob("*.pptx"))
    master = Presentation(str(deck_path)).slide_masters[0]
    footer = next(ph for ph in master.placeholders if ph.placeholder_format.type == 15)  # PP_PLACEHOLDER.FOOTER
    left_pt = (footer.left + 91440) / 12700  # the box's left edge and its default 0.1-inch inset
    pdf = render(deck_path.read_bytes(), tmp_path)
    starts = [(page, x_min, y_min, y_max) for page, x_min, y_min, y_max, word in word_boxes(pdf) if word == "Internal"]
    assert len(starts) >= 10
    assert all(abs(x_min - left_pt) < 2 for _, x_min, _, _ in starts), (left_pt, starts)
    page, x_min, y_min, y_max = starts[0]
    subprocess.run([require_tool("pdftoppm"), "-r", "144", "-png", "-f", str(page), "-l", str(page), str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    word = image.crop((int(x_min * 2), int(y_min * 2), int(x_min * 2) + 100, int(y_max * 2)))
    darkest = min(word.getdata(), key=sum)
    assert all(abs(c - m) <= 24 for c, m in zip(darkest, (0x5F, 0x6B, 0x76))), darkest  # grey, not black


@pytest.mark.slow
def test_the_single_arm_example_renders_without_overflow(template, tmp_path):
    """ZUMA-3's design slide has a long population and three follow-up analyses beside a short flow table:
    what does not fit beside the table goes under it or to the notes, never below the slide."""
    from report_builder.analysis.report import load_report
    from report_builder.builders.pptx import PptxBuilder
    from report_builder.charts.draw import draw_charts
    from report_builder.charts.media import SLIDE

    report = load_report(Path(__file__).resolve().parents[1] / "data" / "brexucabtagene-autoleucel.yaml")
    data = PptxBuilder().build(report, draw_charts(report, template, media=(SLIDE,)), template)
    pdf = render(data, tmp_path)
    assert words_below(pdf, 7.0) == []
    # Its boxed warning's three-line capitals title was measured as regular text, set bold by the master, and ran
    # up to the slide's top edge. The title placeholder starts 0.3 in down.
    assert words_above(pdf, 0.25) == []


@pytest.mark.slow
def test_long_text_continues_on_further_slides(report, charts, template, tmp_path):
    long = ("Relapsed disease after intensive therapy carries a poor prognosis, and every salvage regimen "
            "must be weighed against its toxicity, the chance of reaching transplant and the patient's wishes "
            "[@uy2018]. ")
    evidence = report.evidence.model_copy(update={"background": tuple(long * (1 + i % 3) for i in range(12))})
    data = build(dataclasses.replace(report, evidence=evidence), charts, template)
    names = titles(open_deck(data))
    assert any(name.startswith("Background and unmet need (continued)") for name in names)  # numbered when repeated
    pdf = render(data, tmp_path)
    assert words_below(pdf, 7.0) == []


@pytest.mark.parametrize("example", ["inotuzumab-ozogamicin", "brexucabtagene-autoleucel"])
def test_the_mechanism_diagram_never_breaks_a_word(example_build, example):
    """Every word of a diagram box fits its box at the box's size: a renderer breaks a wider word mid-word
    ("Brexucabtagen" / "e autoleucel" in the ZUMA-3 deck, once). Northbridge's deck has no mechanism slide."""
    from conftest import ROOT
    from report_builder.builders.pptx.text import EMU_PER_PT, INSET_X_PT, Metrics
    from report_builder.theme.template import load_template

    out = example_build(ROOT / "data" / f"{example}.yaml")
    metrics = Metrics(load_template("default").theme.fonts)
    boxes = [shape for slide in open_deck((out / f"{example}.pptx").read_bytes()).slides for shape in slide.shapes
             if shape.name.startswith("Diagram step")]
    assert len(boxes) == 3
    for box in boxes:
        room = box.width / EMU_PER_PT - 2 * INSET_X_PT
        for paragraph in box.text_frame.paragraphs:
            for run in paragraph.runs:
                for word in run.text.split():
                    assert metrics.width(word, bool(run.font.bold), False, run.font.size.pt) <= room, (box.name, word)


def test_every_deck_wording_file_of_the_default_template_is_used():
    """A wording file no slide renders misleads whoever translates or restyles the deck (eight were left
    over from an earlier slide plan). Used: named as a string in the deck builder, or included by another."""
    from conftest import ROOT

    folder = ROOT / "templates" / "default" / "wording" / "deck"
    code = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "report_builder" / "builders" / "pptx").glob("*.py"))
    used = set(re.findall(r"""["']([\w/]+)["']""", code))
    for path in folder.rglob("*.j2"):
        used |= set(re.findall(r"wording/deck/([\w/]+)\.j2", path.read_text(encoding="utf-8")))
    files = {path.relative_to(folder).with_suffix("").as_posix() for path in folder.rglob("*.j2")}
    assert files - used == set()


def test_a_raised_number_keeps_its_place_in_the_notes(example_build):
    """Notes are plain text: "1 × 10^6^ CAR T cells per kg" once read "1 × 106 CAR T cells per kg", a dose
    ten thousand times too large. A raised or lowered number is written in its Unicode form."""
    from conftest import ROOT
    from report_builder.inputs.markup import plain

    out = example_build(ROOT / "data" / "brexucabtagene-autoleucel.yaml")
    everything = "\n".join(notes(slide) for slide in open_deck((out / "brexucabtagene-autoleucel.pptx").read_bytes()).slides)
    assert "1 × 10⁶ CAR T cells per kg" in everything
    assert "× 106" not in everything
    assert plain("10^-3^ and H~2~O, C~max~ and 1^st^", {}) == "10⁻³ and H₂O, Cmax and 1st"


def chart_categories(slide) -> list[str]:
    return [str(c) for shape in slide.shapes if shape.has_chart for c in shape.chart.plots[0].categories]


def test_the_adverse_event_chart_says_serious_and_not_confirmed(deck):
    """A serious event's rate is not the rate of every such event (febrile neutropenia of any seriousness is far
    more common), and a figure not checked against its source says so on the chart, not only in the notes."""
    slide = next(s for s in deck.slides if chart_categories(s) and "dverse" in notes(s) + titles_of(s))
    categories = chart_categories(slide)
    assert "Febrile neutropenia (serious), any grade [3]" in categories
    assert any(c.startswith("Non-relapse mortality after HSCT, grade 5 (not confirmed)") for c in categories)
    assert "The chart shows the first 6 of the 7 events listed below" in notes(slide)


def titles_of(slide) -> str:
    return slide.shapes.title.text if slide.shapes.title is not None else ""


def test_a_single_arm_deck_shows_every_harm_and_states_its_numbers(example_build):
    """ZUMA-3 once showed only its cytokine release syndrome: a single arm's other events (neurologic toxicities
    grade ≥3 in 35%, a handout headline) were left out because the chart wanted two arms. Its titles state the
    numbers, a median keeps its unit, and "not reached" is a result, not a missing figure."""
    from conftest import ROOT

    out = example_build(ROOT / "data" / "brexucabtagene-autoleucel.yaml")
    slides = list(open_deck((out / "brexucabtagene-autoleucel.pptx").read_bytes()).slides)
    names = [titles_of(s) for s in slides]
    assert "Cytokine release syndrome in ZUMA-3: 92% any grade, 26% grade ≥3" in names
    assert "ZUMA-3: Overall survival, median 18.2 months" in names
    other = next(s for s in slides if titles_of(s).startswith("Other adverse events in ZUMA-3"))
    assert "Neurologic toxicities, grade ≥3 [3]" in chart_categories(other)
    assert titles_of(other) == "Other adverse events in ZUMA-3: Neurologic toxicities, any grade, in 87%"
    # 92% and 26% were counted in the 78 treated at the approved dose, not in the 55 of the headline benefit.
    crs = slides[names.index("Cytokine release syndrome in ZUMA-3: 92% any grade, 26% grade ≥3")]
    assert slide_text(crs).count("78 patients treated at the approved dose in phases 1 and 2") == 2
    survival = slides[names.index("ZUMA-3: Overall survival, median 18.2 months")]
    assert [s.text_frame.text for s in survival.shapes if s.name == "Not available"] == []
    assert any(s.text_frame.text.startswith("not reached") for s in survival.shapes if s.name == "Figure")


@pytest.mark.parametrize("example", ["inotuzumab-ozogamicin", "brexucabtagene-autoleucel"])
def test_each_slide_has_notes_about_itself(example_build, example):
    """The dosing table and the dosing rules once shared one set of notes (2,906 characters, twice), and the
    big-number slides' notes spoke of bars they do not have."""
    from conftest import ROOT

    out = example_build(ROOT / "data" / f"{example}.yaml")
    slides = list(open_deck((out / f"{example}.pptx").read_bytes()).slides)
    texts = [notes(slide) for slide in slides]
    assert all(a != b for a, b in zip(texts, texts[1:]))
    for slide, text in zip(slides, texts):
        if not any(shape.has_chart for shape in slide.shapes) and not any(
                shape.shape_type == 13 for shape in slide.shapes):  # 13: a picture (a drawn chart)
            assert "bars show" not in text.lower(), titles_of(slide)


def test_numeric_ranges_on_slides_take_the_handouts_en_dash(deck):
    """"72.1-87.7" typed in the evidence file is set "72.1–87.7" in the handout; the slides set it the same way
    (quiz answers and the dosing table's cycle length once kept the hyphen)."""
    answer = find(deck, "Quiz 1: the answer is C")
    assert "72.1–87.7" in slide_text(answer) and "72.1-87.7" not in slide_text(answer)
    dosing = find(deck, "Dosing and administration")
    assert "21–28 days" in slide_text(dosing) and "21-28" not in slide_text(dosing)


@pytest.mark.parametrize("example", ["inotuzumab-ozogamicin", "brexucabtagene-autoleucel"])
def test_numeric_ranges_in_speaker_notes_take_the_en_dash_too(example_build, example):
    """ZUMA-3's design notes read "ECOG performance status 0-1" (the population as typed); a range in notes
    is set as on the slides. References keep what they print (a DOI's hyphens, a label's "5.1-5.5")."""
    import re

    from conftest import ROOT

    out = example_build(ROOT / "data" / f"{example}.yaml")
    slides = list(open_deck((out / f"{example}.pptx").read_bytes()).slides)
    hyphened = [(number, match.group(0)) for number, slide in enumerate(slides, 1)
                if not titles_of(slide).startswith("References")
                for match in re.finditer(r"(?<![\w./-])\d+(?:\.\d+)?-\d+(?:\.\d+)?(?![\w/])", notes(slide))]
    assert not hyphened
    if example == "brexucabtagene-autoleucel":
        assert any("status 0–1" in notes(slide) for slide in slides)


def test_a_number_keeps_its_unit_on_its_line(deck):
    """The question slide broke "1.8" / "mg/m² per cycle" across lines: a number and its unit are joined by a
    no-break space on slides and in the handout (plain text, such as notes and the CSV, keeps a space)."""
    from report_builder.inputs.markup import keep_units, plain

    assert keep_units("1.8 mg/m2 per cycle, median 7.7 months, in 2 cycles") == \
        "1.8\u00a0mg/m2 per cycle, median 7.7\u00a0months, in 2 cycles"
    assert "\u00a0" not in plain("1.8 mg/m2", {})
    question = next(slide for slide in deck.slides if titles_of(slide) in ("The clinical question",
                                                                            "Our patient and the question"))
    assert "1.8\u00a0mg/m²" in slide_text(question)

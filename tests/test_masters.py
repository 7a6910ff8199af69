"""An institution's master as it is: LibreOffice- and PowerPoint-made, python-pptx's 4:3, dark, odd layouts."""
from __future__ import annotations

import collections
import dataclasses
import io
import posixpath
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import require_tool
from masters import libreoffice_master
from test_deck import build, open_deck, render, titles

RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
HYPERLINK_COLOUR = "{http://schemas.microsoft.com/office/drawing/2018/hyperlinkcolor}"


def with_master(template, path: Path, layouts: dict[str, str] | None = None, **changes):
    """The template with another master (and its layout map), as a template.yaml naming it would give."""
    return dataclasses.replace(template, deck_master=path, deck_layouts=layouts or dict(template.deck_layouts),
                               deck_colors={}, deck_fonts={}, **changes)


def package_problems(data: bytes) -> list[str]:
    """Structural check of an OPC package: no duplicate names, every relationship resolves, every part has a
    content type, and no part is an orphan (unreachable from the package relationships)."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = [info.filename for info in archive.infolist()]
        problems += [f"duplicate {name}" for name, n in collections.Counter(entries).items() if n > 1]
        names = set(entries)
        types = etree.fromstring(archive.read("[Content_Types].xml"))
        defaults = {d.get("Extension").lower() for d in types.iter(f"{CT}Default")}
        overrides = {o.get("PartName").lstrip("/") for o in types.iter(f"{CT}Override")}
        problems += [f"content type for missing part {name}" for name in overrides - names]
        parts = {n for n in names if n != "[Content_Types].xml" and not n.endswith(".rels")}
        for name in parts:
            if name not in overrides and name.rsplit(".", 1)[-1].lower() not in defaults:
                problems.append(f"no content type: {name}")
        reached, todo = set(), [""]
        while todo:
            source = todo.pop()
            folder, base = posixpath.split(source)
            rels = posixpath.join(folder, "_rels", base + ".rels")
            if rels not in names:
                continue
            for rel in etree.fromstring(archive.read(rels)).iter(f"{RELS}Relationship"):
                if rel.get("TargetMode") == "External":
                    continue
                target = rel.get("Target")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                if path not in names:
                    problems.append(f"{rels} -> {target} (missing)")
                elif path not in reached:
                    reached.add(path)
                    todo.append(path)
        problems += [f"orphan {name}" for name in sorted(parts - reached)]
    return problems


def slides_shown(prs) -> list[str]:
    """The deck's slides by title, continued slides left out: a smaller body (a 4:3 master) may need more of them
    at the smallest readable size, but never other slides."""
    shown = []
    for slide in prs.slides:
        # A layout without a title placeholder gets the title as a text box named "Title".
        title = slide.shapes.title or next((shape for shape in slide.shapes if shape.name == "Title"), None)
        text = title.text_frame.text if title is not None else ""
        if not text.endswith("(continued)"):
            shown.append(text)
    return shown


def luminance(rgb) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def rendered_words(pdf: Path, dpi: int = 110):
    """(page, word, box in inches, contrast of its darkest-or-lightest glyph pixel against its background) for
    every word LibreOffice drew: the contrast is measured on the rendered page, not taken from the XML."""
    from PIL import Image

    pdftotext, pdftoppm = require_tool("pdftotext"), require_tool("pdftoppm")
    html = subprocess.run([pdftotext, "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    subprocess.run([pdftoppm, "-r", str(dpi), "-png", str(pdf), str(pdf.with_suffix(""))], check=True, timeout=300)
    images = sorted(pdf.parent.glob(pdf.stem + "-*.png"))
    found = []
    for page, (body, image_path) in enumerate(zip(html.split("<page ")[1:], images), 1):
        image = Image.open(image_path).convert("RGB")
        for x0, y0, x1, y1, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', body):
            box = tuple(float(v) / 72 for v in (x0, y0, x1, y1))
            crop = image.crop(tuple(int(round(v * dpi)) for v in box))
            colours = crop.getcolors(crop.width * crop.height + 1)
            if not colours:
                continue
            background = max(colours)[1]
            glyph = max((c for _, c in colours), key=lambda c: contrast(c, background))
            found.append((page, word, box, contrast(glyph, background)))
    return found


# ------------------------------------------------------------------------------------------ masters made here
@pytest.fixture(scope="module")
def libreoffice_masters(tmp_path_factory) -> dict[str, Path]:
    """A light .potx and a dark .pptx, saved by LibreOffice from a document written by the test."""
    require_tool("soffice")
    folder = tmp_path_factory.mktemp("masters")
    return {"light": libreoffice_master.make_master(folder / "light.potx", libreoffice_master.LIGHT),
            "dark": libreoffice_master.make_master(folder / "dark.pptx", libreoffice_master.DARK)}


def powerpoint_dark_master(path: Path) -> Path:
    """python-pptx's default master made dark the way PowerPoint's dark themes are: the colour map swaps dark and
    light (text tx1 -> lt1, background bg1 -> dk1) and the background refers to bg1."""
    from pptx import Presentation

    prs = Presentation(str(python_pptx_default()))
    master = prs.slide_master._element
    master.find(f"{P}clrMap").attrib.update({"bg1": "dk1", "tx1": "lt1", "bg2": "dk2", "tx2": "lt2"})
    background = etree.Element(f"{P}bg")
    etree.SubElement(etree.SubElement(background, f"{P}bgRef", idx="1001"), f"{A}schemeClr", val="bg1")
    master.find(f"{P}cSld").insert(0, background)
    prs.save(str(path))
    return path


@pytest.fixture(scope="module")
def default_deck(report, charts, template):
    return open_deck(build(report, charts, template))


@pytest.fixture(scope="module")
def libreoffice_decks(libreoffice_masters, report, charts, template, tmp_path_factory) -> dict[str, bytes]:
    decks = {look: build(report, charts, with_master(template, path, libreoffice_master.LAYOUTS))
             for look, path in libreoffice_masters.items()}
    dark = powerpoint_dark_master(tmp_path_factory.mktemp("powerpoint") / "dark.pptx")
    decks["powerpoint dark"] = build(report, charts, with_master(template, dark))
    # python-pptx's 4:3 master (a grey subtitle) with a content layout lacking title and body and a title-only
    # layout with four extra placeholders.
    decks["odd layouts"] = build(report, charts, with_master(template, python_pptx_default(), ODD_LAYOUTS))
    return decks


@pytest.mark.slow
def test_libreoffice_masters_are_what_libreoffice_writes(libreoffice_masters):
    """The fixture really has LibreOffice's quirks: placeholders without idx, a second master, 12 layouts each,
    the core properties under LibreOffice's relationship type, no text styles on the master."""
    for path in libreoffice_masters.values():
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            layouts = [n for n in names if re.fullmatch(r"ppt/slideLayouts/slideLayout\d+\.xml", n)]
            assert len([n for n in names if re.fullmatch(r"ppt/slideMasters/slideMaster\d+\.xml", n)]) == 2
            assert len(layouts) == 24
            assert any(b"<p:ph/>" in archive.read(n) for n in layouts)
            if path.suffix == ".potx":  # its .potx names them with "officedocument" (python-pptx misses that)
                assert b"officedocument/2006/relationships/metadata/core-properties" in archive.read("_rels/.rels")
            assert b"<p:txStyles>" not in archive.read("ppt/slideMasters/slideMaster1.xml")


@pytest.mark.slow
@pytest.mark.parametrize("look", ["light", "dark"])
def test_libreoffice_master_gives_a_clean_package_with_only_what_the_deck_uses(libreoffice_decks, report, look):
    data = libreoffice_decks[look]
    assert package_problems(data) == []
    prs = open_deck(data)
    assert len(prs.slide_masters) == 1
    used = {slide.slide_layout.name for slide in prs.slides}
    assert {layout.name for layout in prs.slide_masters[0].slide_layouts} == used
    assert prs.core_properties.title == report.evidence.meta.title
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        app = archive.read("docProps/app.xml").decode()
        assert "docProps/custom.xml" not in archive.namelist()
    assert f"<Slides>{len(prs.slides)}</Slides>" in app and "LibreOffice" not in app


@pytest.mark.slow
@pytest.mark.parametrize("look", ["light", "dark"])
def test_libreoffice_master_bodies_are_the_layouts_body_not_the_title(libreoffice_decks, look):
    prs = open_deck(libreoffice_decks[look])
    for slide in prs.slides:
        title = slide.shapes.title
        for shape in slide.placeholders:
            if shape.placeholder_format.type in (1, 3) or title is None:  # the title itself
                continue
            assert shape.top >= title.top + title.height, (titles(prs).index(title.text), shape.name)
            assert shape.height > 2 * 914400
        assert not any(shape.is_placeholder and shape.has_text_frame and not shape.text_frame.text.strip()
                       for shape in slide.shapes), "empty placeholder"
    # Two-content layouts fill both sides (the question slide: case left, PICO right).
    question = next(s for s in prs.slides if s.slide_layout.name == "Title, 2 Content")
    bodies = [s for s in question.placeholders if s.placeholder_format.idx != 0]
    assert len(bodies) == 2 and all(b.text_frame.text.strip() for b in bodies)


@pytest.mark.slow
@pytest.mark.parametrize("look", ["light", "dark"])
def test_libreoffice_master_has_the_same_slides_as_the_default(libreoffice_decks, default_deck, look):
    prs = open_deck(libreoffice_decks[look])
    assert slides_shown(prs) == slides_shown(default_deck)
    assert len(prs.slides) <= len(default_deck.slides) + 2


@pytest.mark.slow
@pytest.mark.parametrize("look", ["light", "dark"])
def test_libreoffice_master_fonts_and_colours_reach_the_deck(libreoffice_decks, look):
    """No typeface but the master's on any run; the master's title and text colours on its placeholders."""
    expected = libreoffice_master.DARK if look == "dark" else libreoffice_master.LIGHT
    with zipfile.ZipFile(io.BytesIO(libreoffice_decks[look])) as archive:
        slides = [archive.read(n) for n in archive.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
    faces = {face for xml in slides for face in re.findall(rb'<a:latin typeface="([^"]*)"', xml)}
    assert faces == {b"Calibri"}  # LibreOffice writes its Carlito as Calibri
    title_colour = expected.title.lstrip("#").upper().encode()
    assert all(title_colour in xml for xml in slides[1:])


@pytest.mark.slow
@pytest.mark.parametrize("look", ["light", "dark", "powerpoint dark", "odd layouts"])
def test_master_renders_readable_and_inside_the_slide(libreoffice_decks, look, tmp_path):
    """Rendered by LibreOffice: one page per slide, every word at a WCAG contrast >= 4.5:1 with what it is drawn
    on (measured on the pixels), and no word below the slide's bottom margin or off its right edge."""
    data = libreoffice_decks[look]
    pdf = render(data, tmp_path)
    words = rendered_words(pdf)
    assert len(words) > 1000
    from pypdf import PdfReader

    assert len(PdfReader(str(pdf)).pages) == len(open_deck(data).slides)
    faint = [f"page {page}: {word} {ratio:.1f}" for page, word, _, ratio in words
             if ratio < 4.5 and any(c.isalnum() for c in word)]
    # Anti-aliasing lowers the contrast of thin glyphs at small sizes a little; allow 1 word in 200.
    assert len(faint) <= len(words) / 200, faint[:20]
    prs = open_deck(data)
    width, height = prs.slide_width / 914400, prs.slide_height / 914400
    # Slide numbers sit in the master's footer band; any other word there has run out of its box.
    outside = [f"page {page}: {word}" for page, word, (x0, y0, x1, y1), _ in words
               if (y1 > height - 0.3 and not word.isdigit()) or x1 > width]
    assert outside == []


# ------------------------------------------------------------------------------------------ python-pptx's own
def python_pptx_default() -> Path:
    import pptx

    return Path(pptx.__file__).parent / "templates" / "default.pptx"


def test_python_pptx_default_4_3_master_builds_the_same_slides(report, charts, template, default_deck):
    data = build(report, charts, with_master(template, python_pptx_default()))
    prs = open_deck(data)
    assert (prs.slide_width, prs.slide_height) == (9144000, 6858000)
    assert package_problems(data) == []
    assert slides_shown(prs) == slides_shown(default_deck)
    for slide in prs.slides:
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.left + shape.width <= prs.slide_width, shape.name
            assert shape.top >= 0 and shape.top + shape.height <= prs.slide_height, shape.name


def test_placeholder_text_the_master_colours_too_faintly_takes_a_readable_shade_of_it(report, charts, template):
    """python-pptx's title layout sets its subtitle in tx1 at a 75% tint (grey, 3.4:1 on white): the deck's
    subtitle runs state the nearest darker grey that reads at 4.5:1; the title keeps the master's colour."""
    prs = open_deck(build(report, charts, with_master(template, python_pptx_default())))
    cover = prs.slides[0]
    subtitle = next(shape for shape in cover.placeholders if shape.placeholder_format.idx == 1)
    colours = {run.font.color.rgb for p in subtitle.text_frame.paragraphs for run in p.runs}
    assert len(colours) == 1
    (grey,) = colours
    assert len(set(grey)) == 1 and 4.5 <= contrast(grey, (255, 255, 255)) < 5.0
    assert all(run.font.color.type is None for p in cover.shapes.title.text_frame.paragraphs for run in p.runs)


def test_master_fonts_are_kept_unless_the_template_sets_deck_fonts(report, charts, template):
    """python-pptx's master is Calibri: no run states a typeface, text boxes and tables state Calibri; text is
    measured with Carlito, Calibri's metric twin. With deck.fonts, every run states the template's font."""
    from report_builder.builders.pptx.deck import Deck

    data = build(report, charts, with_master(template, python_pptx_default()))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n))
    assert set(re.findall(rb'<a:latin typeface="([^"]*)"', xml)) <= {b"Calibri"}
    deck = Deck(report, charts, with_master(template, python_pptx_default()))
    assert deck.placeholder_family is None and deck.family == "Calibri"
    assert Path(deck.look.fonts["regular"]).name == "Carlito-Regular.ttf"  # fonts-crosextra-carlito (tests/run)
    chosen = with_master(template, python_pptx_default())
    chosen = dataclasses.replace(chosen, deck_fonts=dict(template.theme.fonts))
    data = build(report, charts, chosen)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n))
    assert set(re.findall(rb'<a:latin typeface="([^"]*)"', xml)) == {b"DejaVu Sans"}


def test_deck_colours_come_from_the_masters_theme_unless_the_template_sets_them(report, charts, template):
    from report_builder.builders.pptx.deck import Deck

    office = Deck(report, charts, with_master(template, python_pptx_default()))
    assert office.colors["primary"] == "#4F81BD"  # Office theme accent1
    assert office.colors["light"] == "#EEECE1"  # lt2
    chosen = with_master(template, python_pptx_default(), )
    chosen = dataclasses.replace(chosen, deck_colors={"primary": "#00563F"})
    assert Deck(report, charts, chosen).colors["primary"] == "#00563F"


def test_links_on_a_dark_master_are_drawn_in_a_readable_shade_of_the_link_colour(report, charts, template, tmp_path):
    """PowerPoint and LibreOffice draw a link in the theme's hyperlink colour (blue: 2.4:1 on black) unless the link
    says to use its run's colour: on a dark master every link states a readable colour and says so; on a light
    master links keep the theme's colour."""
    dark = build(report, charts, with_master(template, powerpoint_dark_master(tmp_path / "dark.pptx")))
    light = build(report, charts, with_master(template, python_pptx_default()))
    for data, dark_background in ((dark, True), (light, False)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            slides = [etree.fromstring(archive.read(n)) for n in archive.namelist()
                      if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
        links = [rpr for slide in slides for rpr in slide.iter(f"{A}rPr") if rpr.find(f"{A}hlinkClick") is not None]
        assert len(links) >= 10  # the registry id and the references
        for rpr in links:
            in_run_colour = rpr.find(f"{A}hlinkClick/{A}extLst/{A}ext/{HYPERLINK_COLOUR}hlinkClr")
            if not dark_background:
                assert in_run_colour is None
                continue
            assert in_run_colour is not None and in_run_colour.get("val") == "tx"
            colour = bytes.fromhex(rpr.find(f"{A}solidFill/{A}srgbClr").get("val"))
            assert contrast(colour, (0, 0, 0)) >= 4.5
            assert colour[2] > colour[0]  # still the theme's blue, lightened


def test_boxed_warning_continues_rather_than_run_out_of_its_box(report, charts, template):
    """python-pptx's 4:3 master has no room for all the points at 20 pt: they continue in a box on the next slide,
    and each box holds its text, measured with the font the slide uses."""
    from report_builder.builders.pptx.deck import Deck
    from report_builder.builders.pptx.text import EMU_PER_PT, Para, plain_spans

    chosen = with_master(template, python_pptx_default())
    prs = open_deck(build(report, charts, chosen))
    metrics = Deck(report, charts, chosen).metrics
    boxes = [shape for slide in prs.slides for shape in slide.shapes if shape.name == "Boxed warning"]
    assert len(boxes) == 2
    assert sum(len(box.text_frame.paragraphs) for box in boxes) == len(report.evidence.boxed_warning.points)
    for box in boxes:
        frame = box.text_frame
        size = frame.paragraphs[0].runs[0].font.size.pt
        assert size >= 20
        paragraphs = [Para(plain_spans(p.text), bullet="•", space_before=0.35 if i else 0)
                      for i, p in enumerate(frame.paragraphs)]
        width = (box.width - frame.margin_left - frame.margin_right) / EMU_PER_PT
        assert metrics.height(paragraphs, width, size) <= (box.height - frame.margin_top - frame.margin_bottom) / EMU_PER_PT
        assert box.top + box.height <= prs.slide_height - 0.5 * 914400


# ------------------------------------------------------------------------------------------ odd layouts
def master_variant(tmp_path: Path, change) -> Path:
    """A copy of python-pptx's default master with `change(prs)` applied."""
    from pptx import Presentation

    prs = Presentation(str(python_pptx_default()))
    change(prs)
    path = tmp_path / "variant.pptx"
    prs.save(str(path))
    return path


def layout(prs, name: str):
    return next(item for item in prs.slide_layouts if item.name == name)


def test_narrow_title_only_title_does_not_narrow_tables(report, charts, template, tmp_path):
    def narrow(prs):
        layout(prs, "Title Only").placeholders[0].width = int(3.3 * 914400)

    data = build(report, charts, with_master(template, master_variant(tmp_path, narrow)))
    prs = open_deck(data)
    tables = [shape for slide in prs.slides for shape in slide.shapes if shape.has_table]
    assert tables
    for table in tables:
        assert table.width > 4 * 914400  # never the 3.3-inch title's width (a design slide puts its table in half the body)
        assert table.top + table.height <= prs.slide_height


ODD_LAYOUTS = {"title": "Title Slide", "section": "Section Header", "content": "Blank", "two_content": "Two Content",
               "title_only": "Comparison", "closing": "Title Slide"}


def test_layouts_without_title_or_body_and_with_extra_placeholders(report, charts, template, tmp_path,
                                                                   default_deck):
    """content on "Blank" (no title, no body): drawn title and text boxes; title_only on "Comparison" (four extra
    placeholders): none left empty, none holding text measured for another box."""
    data = build(report, charts, with_master(template, python_pptx_default(), ODD_LAYOUTS))
    prs = open_deck(data)
    assert package_problems(data) == []
    assert slides_shown(prs) == slides_shown(default_deck)
    for slide in prs.slides:
        assert not any(shape.is_placeholder and shape.has_text_frame and not shape.text_frame.text.strip()
                       for shape in slide.shapes)
    blank = [slide for slide in prs.slides if slide.slide_layout.name == "Blank"]
    assert blank and all(any(shape.name == "Title" for shape in slide.shapes) for slide in blank)
    from pptx.enum.shapes import PP_PLACEHOLDER

    bodies = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.SUBTITLE)
    comparison = [slide for slide in prs.slides if slide.slide_layout.name == "Comparison"]
    assert comparison and not any(shape.is_placeholder and shape.placeholder_format.type in bodies
                                  for slide in comparison for shape in slide.shapes)


def test_body_placeholders_too_small_for_text_are_left_out(report, charts, template, default_deck, tmp_path):
    """content and two_content on "Comparison": its 0.7-inch column headers are body placeholders too, but text
    goes in its content placeholders (it ran over 135 slides in the headers); a layout whose only body is too small
    is a warning naming the fallback."""
    import shutil

    from report_builder.builders.pptx import PptxBuilder
    from report_builder.theme.template import load_template

    layouts = {**ODD_LAYOUTS, "content": "Comparison", "two_content": "Comparison", "title_only": "Title Only"}
    prs = open_deck(build(report, charts, with_master(template, python_pptx_default(), layouts)))
    assert slides_shown(prs) == slides_shown(default_deck)
    assert len(prs.slides) <= len(default_deck.slides) + 4  # text in one column of a 4:3 slide continues a little more
    for slide in prs.slides:
        for shape in slide.placeholders:
            if shape.placeholder_format.type in (2, 7) and shape.text_frame.text.strip():
                assert shape.height > 914400, (slide.shapes.title.text, shape.name)
    folder = write_template(tmp_path, "  master: ours.pptx\n  layouts:\n    content: Picture with Caption\n")
    shutil.copyfile(python_pptx_default(), folder / "ours.pptx")
    (problem,) = PptxBuilder().check(load_template(folder))
    assert problem.line == 5 and problem.severity == "warning"
    assert ("has no body placeholders (1 too small for three lines of 20-pt text) where 'content' slides fill 1; "
            "their text goes in a text box") in problem.message


@pytest.mark.slow
def test_missing_layout_error_names_each_layout_once_with_its_master(report, charts, template, libreoffice_masters):
    from report_builder.errors import TemplateError

    layouts = {**libreoffice_master.LAYOUTS, "content": "Title and Content"}
    with pytest.raises(TemplateError) as err:
        build(report, charts, with_master(template, libreoffice_masters["light"], layouts))
    message = str(err.value)
    assert "'Title and Content'" in message and "light.potx" in message
    assert message.count("'Title, Content'") == 2  # once in each of the two masters, each named
    assert "slide master 1" in message and "slide master 2" in message


# ------------------------------------------------------------------------------------------ template.yaml
def write_template(tmp_path: Path, deck: str) -> Path:
    folder = tmp_path / "ours"
    folder.mkdir()
    (folder / "template.yaml").write_text("extends: default\ndeck:\n" + deck, encoding="utf-8")
    return folder


def test_unknown_deck_layouts_key_is_a_located_error_with_the_nearest_name(tmp_path):
    from report_builder.errors import TemplateError
    from report_builder.theme.template import load_template

    folder = write_template(tmp_path, "  layouts:\n    title: Title Slide\n    contnet: Title and Content\n")
    with pytest.raises(TemplateError) as err:
        load_template(folder)
    problem = err.value.problems[0]
    assert problem.line == 5 and "contnet" in problem.message and "did you mean 'content'" in problem.message


def test_layouts_may_name_slide_kinds_and_local_slides(tmp_path):
    from report_builder.theme.template import load_template

    folder = write_template(tmp_path, "  slides: [title, forest, our_protocol]\n"
                                      "  layouts: {forest: Title Only, our_protocol: Title and Content}\n")
    (folder / "wording" / "deck" / "local").mkdir(parents=True)
    (folder / "wording" / "deck" / "local" / "our_protocol.j2").write_text("Our protocol\n", encoding="utf-8")
    assert load_template(folder).deck_layouts["our_protocol"] == "Title and Content"


def test_a_deck_slide_mapped_on_its_own_gets_its_layout_for_all_its_slides(report, charts, template):
    """`pivotal: Comparison` puts the pivotal trial's four slides (design, results, its forest plot, survival) on
    that layout, and no other slide."""
    import dataclasses

    plain = open_deck(build(report, charts, template))
    chosen = dataclasses.replace(template, deck_layouts={**template.deck_layouts, "pivotal": "Comparison"})
    prs = open_deck(build(report, charts, chosen))
    assert titles(prs) == titles(plain)
    first = next(i for i, title in enumerate(titles(plain)) if title.startswith("Mechanism of action")) + 1
    assert titles(prs)[first].startswith("INO-VATE")
    assert [i for i, slide in enumerate(prs.slides) if slide.slide_layout.name == "Comparison"] == list(
        range(first, first + 4))


def test_a_new_master_drops_inherited_layouts_colours_and_fonts(tmp_path):
    import shutil

    from report_builder.theme.template import load_template

    folder = write_template(tmp_path, "  master: ours.pptx\n  layouts: {content: Title and Content}\n")
    shutil.copyfile(python_pptx_default(), folder / "ours.pptx")
    (folder / "template.yaml").write_text((folder / "template.yaml").read_text() + "  colors: {text: \"#FFFFFF\"}\n")
    loaded = load_template(folder)
    assert loaded.deck_layouts == {"content": "Title and Content"}
    assert loaded.deck_colors == {"text": "#FFFFFF"} and loaded.deck_fonts == {}
    assert loaded.theme.colors["text"] != "#FFFFFF"  # the handout keeps its own colours


BLANK_CONTENT = ("  master: ours.pptx\n  layouts:\n    title: Title Slide\n    content: Blank\n"
                 "    two_content: Title Only\n    title_only: Title Only\n    closing: Title Slide\n")


def test_layouts_without_title_or_body_are_located_warnings_naming_the_fallback(tmp_path):
    import shutil

    from report_builder.builders.pptx import PptxBuilder
    from report_builder.theme.template import load_template

    folder = write_template(tmp_path, BLANK_CONTENT)
    shutil.copyfile(python_pptx_default(), folder / "ours.pptx")
    problems = PptxBuilder().check(load_template(folder))
    assert {p.severity for p in problems} == {"warning"}
    assert {p.file for p in problems} == {folder / "template.yaml"}
    content = [p for p in problems if p.path == "deck.layouts.content"]
    assert [p.line for p in content] == [6, 6]
    assert "layout 'Blank' of slide master 1 has no title placeholder" in content[0].message
    assert "title as a bold text box at the top" in content[0].message
    assert "no body placeholders where 'content' slides fill 1; their text goes in a text box" in content[1].message
    two = [p for p in problems if p.path == "deck.layouts.two_content"]
    assert len(two) == 1 and "'two_content' slides fill 2; their text goes in 2 text boxes side by side" in two[0].message
    assert {p.path for p in problems} == {"deck.layouts.content", "deck.layouts.two_content"}


def test_check_and_build_report_the_layout_warnings(tmp_path, capsys):
    import shutil

    from conftest import EXAMPLE
    from report_builder.cli import main

    folder = write_template(tmp_path, BLANK_CONTENT)
    shutil.copyfile(python_pptx_default(), folder / "ours.pptx")
    assert main(["check", str(EXAMPLE), "--template", str(folder)]) == 0
    captured = capsys.readouterr()
    assert f"{folder / 'template.yaml'}:6:" in captured.err and "has no title placeholder" in captured.err
    assert f"template {folder}: valid with warnings" in captured.out
    assert main(["check", str(EXAMPLE), "--template", str(folder), "--strict"]) == 2
    capsys.readouterr()
    assert main(["build", str(EXAMPLE), "--template", str(folder), "--to", "pptx", "--out", str(tmp_path / "out")]) == 0
    assert f"{folder / 'template.yaml'}:6:" in capsys.readouterr().err


def test_templates_show_lists_the_layout_and_slide_master_of_each_slide(tmp_path, capsys):
    import shutil

    from report_builder.cli import main

    folder = write_template(tmp_path, BLANK_CONTENT)
    shutil.copyfile(python_pptx_default(), folder / "ours.pptx")
    assert main(["templates", "--show", str(folder)]) == 0
    captured = capsys.readouterr()
    assert f"master: {folder / 'ours.pptx'}" in captured.out
    lines = captured.out.split("\n")
    assert "  background     content      'Blank' (slide master 1)" in lines
    assert "  question       two_content  'Title Only' (slide master 1)" in lines
    assert "  title          title        'Title Slide' (slide master 1)" in lines
    assert f"{folder / 'template.yaml'}:6:14: deck.layouts.content: warning: layout 'Blank'" in captured.err


def test_the_layouts_templates_show_lists_are_those_the_deck_uses(report, charts, monkeypatch):
    """Every slide of the example deck, with the default and the Northbridge template, is built on a (kind, layout
    kind) that slides.layouts_used lists for its deck.slides entry."""
    from report_builder.builders.pptx import PptxBuilder
    from report_builder.builders.pptx.deck import Deck
    from report_builder.builders.pptx.slides import layouts_used
    from report_builder.theme.template import load_template

    used = set()
    original = Deck.layout

    def recording(self, kind, role):
        if self.slide is not None:
            used.add((self.slide, kind, role))
        return original(self, kind, role)

    monkeypatch.setattr(Deck, "layout", recording)
    for name in ("default", "northbridge"):
        PptxBuilder().build(report, charts, load_template(name))
    assert {slide for slide, _, _ in used} >= {"pivotal", "supporting", "question", "local_protocol", "references"}
    assert [(slide, kind, role) for slide, kind, role in sorted(used) if (kind, role) not in layouts_used(slide)] == []


def test_deck_slide_list_matches_the_builder():
    from report_builder.builders.pptx.slides import LAYOUTS_USED, register
    from report_builder.inputs.template_schema import DECK_SLIDES

    assert set(register()) == set(DECK_SLIDES) == set(LAYOUTS_USED)

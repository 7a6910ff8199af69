"""The tagged PDF (PDF/UA-1): structure tree, marked content, links, metadata, and the pdfua checker."""
from __future__ import annotations

import contextlib
import io
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT, require_tool

EVIDENCE = sorted((ROOT / "data").glob("*.yaml"))
TEMPLATES = ("default", "northbridge")
TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}
PAINT_OPERATORS = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do", "INLINE IMAGE"}
CASES = [pytest.param((e, t), id=f"{e.stem}-{t}") for e in EVIDENCE for t in TEMPLATES]


@pytest.fixture(scope="module")
def handouts() -> dict[tuple[Path, str], tuple[bytes, list]]:
    return {}


@pytest.fixture
def handout(handouts, example_build, request) -> tuple[bytes, list]:
    """(PDF bytes, the charts planned for print) of one evidence file's real build with one template."""
    evidence, template_name = request.param
    key = (evidence, template_name)
    if key not in handouts:
        from report_builder.analysis.report import load_report
        from report_builder.charts import PRINT
        from report_builder.charts.draw import plan_charts
        from report_builder.theme.template import load_template

        pdf = example_build(evidence, template_name) / f"{evidence.stem}.pdf"
        handouts[key] = (pdf.read_bytes(), plan_charts(load_report(evidence), load_template(template_name), PRINT))
    return handouts[key]


def cases(test):
    return pytest.mark.parametrize("handout", CASES, indirect=True)(test)


# ----------------------------------------------------------------------------------------- helpers
def elements(node, depth=0):
    """Structure elements depth first, in structure (reading) order."""
    kids = node.get("/K")
    if kids is None:
        return
    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type", pikepdf.Name.StructElem) == pikepdf.Name.StructElem \
                and "/S" in kid:
            yield kid, depth
            yield from elements(kid, depth + 1)


def content_items(element, pages):
    """(page index, MCID) of the content an element holds directly, in order."""
    kids = element.get("/K")
    items = []
    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
        if isinstance(kid, int):
            items.append((pages[element.Pg.objgen], int(kid)))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == pikepdf.Name.MCR:
            items.append((pages[kid.Pg.objgen], int(kid.MCID)))
    return items


def structure_order(pdf):
    pages = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
    order = []
    for element, _ in elements(pdf.Root.StructTreeRoot):
        order += content_items(element, pages)
    return order


def marked_content(pdf):
    """Walk every page's content: (MCIDs in content order, text per (page, MCID), problems found)."""
    import pypdf

    order, problems = [], []
    for number, page in enumerate(pdf.pages):
        stack: list[tuple[str, int | None]] = []
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op == "BDC":
                tag, props = str(operands[0]), operands[1]
                mcid = int(props.MCID) if isinstance(props, pikepdf.Dictionary) and "/MCID" in props else None
                if mcid is not None and any(t == "/Artifact" or m is not None for t, m in stack):
                    problems.append(f"page {number + 1}: MCID {mcid} nested in other marked content")
                stack.append((tag, mcid))
                if mcid is not None:
                    order.append((number, mcid))
            elif op == "BMC":
                stack.append((str(operands[0]), None))
            elif op == "EMC":
                if not stack:
                    problems.append(f"page {number + 1}: EMC without BDC/BMC")
                else:
                    stack.pop()
            elif op in TEXT_OPERATORS or op in PAINT_OPERATORS:
                owned = any(t == "/Artifact" or m is not None for t, m in stack)
                if not owned:
                    problems.append(f"page {number + 1}: {op} outside tagged content and artifacts")
        if stack:
            problems.append(f"page {number + 1}: {len(stack)} marked-content sequence(s) left open")
    texts: dict[tuple[int, int], str] = {}
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes_of(pdf)))
    for number, page in enumerate(reader.pages):
        current: list[int | None] = []

        def before(op, args, cm, tm):
            if op == b"BDC":
                props = args[1] if len(args) > 1 else {}
                current.append(props.get("/MCID") if hasattr(props, "get") else None)
            elif op == b"BMC":
                current.append(None)
            elif op == b"EMC" and current:
                current.pop()

        def text(t, cm, tm, font, size):
            if current and current[-1] is not None:
                key = (number, int(current[-1]))
                texts[key] = texts.get(key, "") + t

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return order, texts, problems


def pdf_bytes_of(pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def words(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------------------------------- tests
@cases
def test_the_handout_is_a_tagged_pdf_that_declares_pdf_ua_1(handout):
    data, _ = handout
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.Root.Lang) == "en"  # the template's wording language (labels.j2)
        xmp = pdf.Root.Metadata.read_bytes().decode("utf-8")
        assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
        assert str(pdf.docinfo.Title) in xmp.replace("&amp;", "&")
        root = pdf.Root.StructTreeRoot
        assert [e.S for e, depth in elements(root) if depth == 0] == [pikepdf.Name.Document]
        for i, page in enumerate(pdf.pages):
            assert page.obj.Tabs == pikepdf.Name.S
            assert page.obj.StructParents == i


@cases
def test_every_text_and_painting_operator_is_tagged_content_or_an_artifact(handout):
    data, _ = handout
    with pikepdf.open(io.BytesIO(data)) as pdf:
        order, _, problems = marked_content(pdf)
        assert problems == []
        # Every MCID in the content is owned, through the parent tree, by an element of the tree.
        in_tree = {e.objgen for e, _ in elements(pdf.Root.StructTreeRoot)}
        nums = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for page, mcid in order:
            owner = parents[pdf.pages[page].obj.StructParents][mcid]
            assert owner.objgen in in_tree, (page, mcid)
        assert len(order) == len(set(order)), "an MCID is used twice on a page"


@cases
def test_text_read_in_structure_order_is_the_text_in_reading_order(handout):
    data, _ = handout
    with pikepdf.open(io.BytesIO(data)) as pdf:
        order, texts, _ = marked_content(pdf)
        tree = structure_order(pdf)
        assert sorted(tree) == sorted(order), "tree and content hold different MCIDs"
        read = "".join(texts.get(k, "") for k in order)
        spoken = "".join(texts.get(k, "") for k in tree)
        assert words(spoken) == words(read)
        assert tree == order


@cases
def test_headings_nest_without_skipped_levels_and_are_not_empty(handout):
    data, _ = handout
    with pikepdf.open(io.BytesIO(data)) as pdf:
        levels = [int(str(e.S)[2:]) for e, _ in elements(pdf.Root.StructTreeRoot) if re.fullmatch(r"/H\d", str(e.S))]
        assert levels and levels[0] == 1
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, levels
        _, texts, _ = marked_content(pdf)
        pages = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
        for element, _ in elements(pdf.Root.StructTreeRoot):
            if re.fullmatch(r"/H\d", str(element.S)):
                assert words("".join(texts.get(k, "") for k in content_items(element, pages)))


@cases
def test_every_chart_is_a_figure_with_its_alt_text_and_a_bounding_box(handout):
    data, charts = handout
    with pikepdf.open(io.BytesIO(data)) as pdf:
        figures = [e for e, _ in elements(pdf.Root.StructTreeRoot) if e.S == pikepdf.Name.Figure]
        assert 1 <= len(figures) <= len(charts)  # a chart the handout leaves to its table is no figure
        assert {str(f.Alt) for f in figures} <= {c.alt_text for c in charts}
        for figure in figures:
            x0, y0, x1, y1 = (float(v) for v in figure.A.BBox)
            assert 0 <= x0 < x1 and 0 <= y0 < y1
        # Captions are tagged as such, next to their figure.
        assert sum(e.S == pikepdf.Name.Caption for e, _ in elements(pdf.Root.StructTreeRoot)) == len(figures)


@cases
def test_every_table_has_header_cells_with_a_scope_in_its_first_row(handout):
    data, _ = handout
    with pikepdf.open(io.BytesIO(data)) as pdf:
        tables = [e for e, _ in elements(pdf.Root.StructTreeRoot) if e.S == pikepdf.Name.Table]
        assert len(tables) >= 5
        for table in tables:
            rows = [r for r, _ in elements(table) if r.S == pikepdf.Name.TR]
            assert rows
            first = [c for c, _ in elements(rows[0]) if c.S in (pikepdf.Name.TH, pikepdf.Name.TD)]
            assert first and all(c.S == pikepdf.Name.TH and c.A.Scope == pikepdf.Name.Column for c in first)
            assert all(c.S == pikepdf.Name.TD for r in rows[1:] for c, _ in elements(r)
                       if c.S in (pikepdf.Name.TH, pikepdf.Name.TD)) or len(rows) > 1


@cases
def test_lists_notes_and_links_are_tagged(handout):
    data, _ = handout
    with pikepdf.open(io.BytesIO(data)) as pdf:
        all_elements = [e for e, _ in elements(pdf.Root.StructTreeRoot)]
        lists = [e for e in all_elements if e.S == pikepdf.Name.L]
        assert lists
        for lst in lists:
            items = lst.K if isinstance(lst.K, pikepdf.Array) else [lst.K]
            assert all(i.S == pikepdf.Name.LI for i in items)
        notes = [e for e in all_elements if e.S == pikepdf.Name.Note]
        assert notes and len({str(n.ID) for n in notes}) == len(notes)
        links = {(e.K[0] if isinstance(e.K, pikepdf.Array) else e.K).Obj.objgen: e
                 for e in all_elements if e.S == pikepdf.Name.Link}
        annotations = [a for p in pdf.pages for a in p.obj.get("/Annots", []) if a.Subtype == pikepdf.Name.Link]
        assert len(annotations) > 20
        nums = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for annotation in annotations:
            assert str(annotation.Contents).strip()
            assert annotation.objgen in links
            assert parents[int(annotation.StructParent)].objgen == links[annotation.objgen].objgen


@cases
def test_the_pdfua_checker_finds_no_error_and_no_warning(handout, tmp_path):
    from pdfua import Severity, validate

    data, _ = handout
    path = tmp_path / "handout.pdf"
    path.write_bytes(data)
    report = validate(str(path))
    serious = [f"{f.rule_id}: {f.message}" for f in report.findings if f.severity >= Severity.WARNING]
    assert serious == []
    assert [(o.rule_id, o.skipped_reason) for o in report.skipped] == []  # every rule it has was run


@pytest.mark.slow
def test_pdfinfo_says_tagged_yes(built):
    pdfinfo = require_tool("pdfinfo")
    pdf = next(built.glob("*.pdf"))
    out = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", out, re.M)


def test_the_content_walk_catches_a_flowable_that_draws_outside_its_tag(report, charts, template, monkeypatch):
    """A check that cannot fail proves nothing: a flowable that ends its own marked content early is caught."""
    from reportlab.platypus import Flowable

    from report_builder.builders.pdf import PdfBuilder, sections

    class Stray(Flowable):
        def wrap(self, *_):
            return 10, 10

        def draw(self):
            self.canv.restoreState()  # closes the flowable's marked content: the line below is untagged
            self.canv.line(0, 0, 10, 0)
            self.canv.saveState()

    waivers = sections.waivers
    monkeypatch.setattr(sections, "waivers", lambda ctx: waivers(ctx) + [Stray()])
    data = PdfBuilder().build(report, charts, template)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        _, _, problems = marked_content(pdf)
    assert any("S outside tagged content" in p for p in problems)


# ------------------------------------------------------------------------------------------- the deck
@pytest.fixture(scope="module")
def decks() -> dict[str, object]:
    return {}


@pytest.fixture(params=TEMPLATES)
def deck(decks, example_build, request):
    """The deck of the bundled example's real build with one template, as python-pptx reads it back."""
    from pptx import Presentation

    if request.param not in decks:
        example = next(path for path in EVIDENCE if path.stem == "inotuzumab-ozogamicin")  # its ids are asserted
        decks[request.param] = (example_build(example, request.param) / f"{example.stem}.pptx").read_bytes()
    return Presentation(io.BytesIO(decks[request.param]))


def relative_luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_slide_has_a_unique_title_read_first(deck):
    titles = []
    for slide in deck.slides:
        title = slide.shapes.title
        assert title is not None and title.text_frame.text.strip()
        assert list(slide.shapes)[0].shape_id == title.shape_id  # shape order is reading order
        titles.append(title.text_frame.text.strip())
    assert len(titles) == len(set(titles)), [t for t in titles if titles.count(t) > 1]


def test_every_table_marks_its_first_row_as_header(deck):
    tables = [shape.table for slide in deck.slides for shape in slide.shapes if shape.has_table]
    assert tables and all(t.first_row for t in tables)


def test_every_text_is_in_the_templates_language(deck):
    from lxml import etree

    a = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
    for slide in deck.slides:
        parts = [slide] + ([slide.notes_slide] if slide.has_notes_slide else [])
        for part in parts:
            root = etree.fromstring(part.part.blob)
            for rpr in root.iter(f"{a}rPr", f"{a}endParaRPr"):
                assert rpr.get("lang") == "en-US"  # wording/deck/labels.j2 "language"


def test_references_and_registry_ids_are_links(deck):
    links = [run.hyperlink.address for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
             for p in shape.text_frame.paragraphs for run in p.runs if run.hyperlink.address]
    assert "https://clinicaltrials.gov/study/NCT01564784" in links  # INO-VATE's registry id
    assert "https://doi.org/10.1056/NEJMoa1509277" in links  # the INO-VATE report
    assert sum(a.startswith("https://doi.org/") for a in links) >= 5


def test_every_picture_and_chart_has_alt_text(deck):
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.shape_type in (13,) or getattr(shape, "has_chart", False) and shape.has_chart:
                descr = shape._element.xpath("./*[1]/p:cNvPr/@descr")
                assert descr and descr[0].strip(), shape.name


def test_text_with_a_stated_colour_contrasts_4_5_to_1_with_what_is_behind_it(deck):
    """WCAG 1.4.3 for every run whose colour the deck states, on its cell's or shape's fill, else the slide's."""
    failures = []
    for number, slide in enumerate(deck.slides, start=1):
        background = "FFFFFF"
        fill = slide.background.fill if not slide.follow_master_background else \
            slide.slide_layout.slide_master.background.fill
        if fill.type == 1:  # solid
            with contextlib.suppress(AttributeError, TypeError):
                background = str(fill.fore_color.rgb)
        for shape in slide.shapes:
            areas = []
            if shape.has_text_frame:
                areas.append((shape.text_frame, _solid(shape.fill) or background))
            if getattr(shape, "has_table", False) and shape.has_table:
                areas += [(c.text_frame, _solid(c.fill) or background) for r in shape.table.rows for c in r.cells]
            for frame, behind in areas:
                for p in frame.paragraphs:
                    for run in p.runs:
                        colour = _solid_font(run)
                        if colour and run.text.strip() and contrast(colour, behind) < 4.5:
                            failures.append((number, run.text[:30], colour, behind, round(contrast(colour, behind), 2)))
    assert failures == []


def _solid(fill) -> str | None:
    with contextlib.suppress(AttributeError, TypeError, ValueError):
        if fill.type == 1:
            return str(fill.fore_color.rgb)
    return None


def _solid_font(run) -> str | None:
    with contextlib.suppress(AttributeError, TypeError, ValueError):
        if run.font.color.type is not None and run.font.color.rgb is not None:
            return str(run.font.color.rgb)
    return None


@pytest.mark.parametrize("template_name", ["default", "northbridge"])
def test_every_arm_colour_a_chart_or_the_deck_draws_is_seen_at_3_to_1(template_name, example_build):
    """WCAG 1.4.11: a mark that carries data is at least 3:1 against what is behind it. The "Weekly" arm's dots
    were Okabe-Ito orange, 2.25:1 on the white chart ground; they take the palette colour's darker shade."""
    from pptx import Presentation

    from conftest import EXAMPLE
    from report_builder.analysis.report import load_report
    from report_builder.charts import MEDIA
    from report_builder.charts.draw import plan_charts
    from report_builder.theme.contrast import contrast
    from report_builder.theme.template import load_template

    def colours(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "colour" and isinstance(item, str):
                    yield item
                else:
                    yield from colours(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from colours(item)

    template = load_template(template_name)
    report = load_report(EXAMPLE)
    drawn = {colour for medium in MEDIA.values() for plan in plan_charts(report, template, medium)
             for colour in colours(plan.data)}
    assert len(drawn) >= 3 and "#E69F00" not in drawn
    assert all(contrast(colour, "#FFFFFF") >= 3.0 for colour in drawn), sorted(drawn)
    deck = Presentation(str(example_build(EXAMPLE, template_name) / f"{EXAMPLE.stem}.pptx"))
    strips = {f"#{shape.fill.fore_color.rgb}" for slide in deck.slides for shape in slide.shapes
              if shape.name.startswith("Arm colour ")}
    assert strips and all(contrast(colour, "#FFFFFF") >= 3.0 for colour in strips), sorted(strips)

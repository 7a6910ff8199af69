"""The deck under construction: layouts by name, fitted titles and bodies, continued slides, notes."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from report_builder.inputs import markup
from report_builder.builders.pptx import package
from report_builder.builders.pptx.shapes import Cell, add_table, add_text, paginate_rows
from report_builder.builders.pptx.text import (
    EMU_PER_INCH, EMU_PER_PT, Box, Metrics, Para, fit_size, paginate, plain_spans, sizes, write,
)
from report_builder.errors import TemplateError

if TYPE_CHECKING:
    from report_builder.charts import ChartSet
    from report_builder.analysis.report import Report
    from report_builder.theme.template import Template

GAP = int(0.18 * EMU_PER_INCH)
BODY_LARGEST, BODY_SMALLEST, BODY_PAGE = 24.0, 14.0, 18.0
TABLE_LARGEST, TABLE_SMALLEST, TABLE_PAGE = 18.0, 11.0, 12.0
TITLE_LARGEST, TITLE_SMALLEST = 28.0, 18.0
COVER_LARGEST, COVER_SMALLEST = 40.0, 24.0
SLIDE_NUMBER_FIELD = "{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}"  # fixed: no random ids in the output


class Placeholder:
    """A placeholder of a slide or layout: its p:ph idx and type, and its effective position in EMU, inherited as
    python-pptx inherits it (slide from the layout placeholder of the same idx, layout from the master).

    Read with lxml, positions resolved once per layout and only when asked for: python-pptx's placeholder
    proxies evaluate an XPath for every idx, type and inherited position (see pptx_package.placeholder_of)."""

    _OWN = {"left": "x", "top": "y", "width": "cx", "height": "cy"}  #: directly applied, on the shape element

    def __init__(self, element, ph, *, parent=None, proxy=None, base: "Placeholder | None" = None):
        self.element = element
        self.idx: int = ph.idx
        self.type: int = int(ph.type or 0)  #: int(PP_PLACEHOLDER); python-pptx's default (OBJECT) if none stated
        self._parent = parent  #: the slide's placeholders collection, for the python-pptx proxy
        self._proxy = proxy  #: python-pptx's own placeholder object, when its rules give the position
        self._base = base  #: the layout placeholder a slide placeholder inherits from
        self._positions: dict[str, int | None] = {}
        if proxy is None:
            sp_pr = element.find(package.P_NS + "spPr")
            # No a:xfrm: nothing directly applied (a missing spPr is left to python-pptx to complain about).
            self._xfrm = sp_pr is None or sp_pr.find(package.A_NS + "xfrm") is not None

    def _position(self, name: str) -> int | None:
        if name not in self._positions:
            if self._proxy is not None:
                value = getattr(self._proxy, name)
            else:
                value = getattr(self.element, self._OWN[name]) if self._xfrm else None
                if value is None and self._base is not None:
                    value = self._base._position(name)
            self._positions[name] = value
        return self._positions[name]

    left = property(lambda self: self._position("left"))
    top = property(lambda self: self._position("top"))
    width = property(lambda self: self._position("width"))
    height = property(lambda self: self._position("height"))

    @property
    def shape(self):
        """The python-pptx proxy of a slide placeholder (what slide.placeholders yields)."""
        from pptx.shapes.shapetree import SlideShapeFactory

        return SlideShapeFactory(self.element, self._parent)

    @property
    def text_frame(self):
        if self.element.tag != package.P_NS + "sp":
            return self.shape.text_frame
        # Every p:sp slide placeholder class is a Shape, whose text_frame this is; no need to look up which.
        from pptx.shapes.placeholder import SlidePlaceholder

        return SlidePlaceholder(self.element, self._parent).text_frame


@dataclass
class SlideHandle:
    """A slide being filled; placeholders not filled by the end are removed."""

    slide: Any
    kind: str
    role: str
    layout: Any
    title: str
    used: set[int] = field(default_factory=set)


class Deck:
    """Everything slide builders share: the report, the template's wording, the master and the metrics."""

    def __init__(self, report: "Report", charts: "ChartSet", template: "Template"):
        self.report = report
        self.evidence = report.evidence
        self.charts = charts
        self.template = template
        self.theme = template.theme
        self.colors = template.theme.colors
        self.palette = template.theme.chart_palette
        self.numbers = report.reference_numbers
        self.metrics = Metrics(template.theme.fonts)
        self.family = self.metrics.family
        self.prs = package.open_master(template.deck_master)
        self._labels: dict[str, str] | None = None
        # Per build (this Deck's own package): layouts never change while slides are added.
        self._layouts: dict[tuple[str, str], Any] = {}  #: (kind, role) -> layout
        self._layout_placeholders: dict[Any, list[Placeholder]] = {}  #: layout part -> its placeholders
        self._clones: dict[Any, list] = {}  #: layout part -> the placeholders a new slide of it starts with
        self._notes: Any = None  #: a new notes slide's XML (placeholders cloned from the notes master)
        self._notes_body: int | None = None  #: where in its shape tree the notes placeholder is

    # ---------------------------------------------------------------------------------- wording
    def context(self, **extra: Any) -> dict[str, Any]:
        ev = self.evidence
        return {"report": self.report, "evidence": ev, "meta": ev.meta, "drug": ev.drug, "theme": self.theme, **extra}

    def say(self, key: str, **extra: Any) -> str:
        """Fixed wording from wording/deck/<key>.j2, with markup.clean applied (it goes into XML)."""
        return markup.clean(self.template.text(f"deck/{key}", **self.context(**extra)))

    def has(self, key: str) -> bool:
        return self.template.has_text(f"deck/{key}")

    def label(self, key: str) -> str:
        """Short labels (table headers, field names) from wording/deck/labels.j2, one "key: text" per line."""
        if self._labels is None:
            labels: dict[str, str] = {}
            for line in self.say("labels").splitlines():
                name, sep, text = line.partition(":")
                if sep and name.strip():
                    labels[name.strip()] = text.strip()
            self._labels = labels
        try:
            return self._labels[key]
        except KeyError:
            raise TemplateError(f"wording/deck/labels.j2 has no line '{key}: ...' (the deck needs it)") from None

    def plain(self, text: str) -> str:
        return markup.plain(text, self.numbers)

    def cite(self, *ref_ids: str) -> str:
        return markup.cite_numbers(list(ref_ids), self.numbers)

    def short_ref(self, ref_id: str) -> str:
        """"Kantarjian 2016 [2]": the short form presenters say aloud."""
        ref = self.evidence.reference(ref_id)
        first = ref.authors[0]
        surname = first.split(" ")[0] if " " in first and not first.startswith(("US ", "European ")) else first
        return f"{surname} {ref.year} {self.cite(ref_id)}"

    # ---------------------------------------------------------------------------------- slides
    def new_slide(self, kind: str, role: str, title: str) -> SlideHandle:
        layout = self._layouts.get((kind, role))
        if layout is None:
            layout = package.resolve_layout(self.prs, kind, role, self.template.deck_layouts, self.template.deck_master)
            self._layouts[kind, role] = layout
        slide = self._add_slide(layout)
        handle = SlideHandle(slide, kind, role, layout, title)
        self._set_title(handle, title)
        self._slide_number(handle)
        return handle

    def _add_slide(self, layout):
        """prs.slides.add_slide(layout), with the layout's placeholders cloned by python-pptx once per layout and
        copied for later slides: a new slide's clones depend on the layout only (ids and names count from an
        empty slide), and python-pptx would look each one up by XPath again for every slide."""
        import copy

        rid, slide = self.prs.part.add_slide(layout)
        sp_tree = slide.shapes._spTree
        clones = self._clones.get(layout.part)
        if clones is None:
            before = len(sp_tree)
            slide.shapes.clone_layout_placeholders(layout)
            self._clones[layout.part] = [copy.deepcopy(e) for e in sp_tree[before:]]
        else:
            for element in clones:
                sp_tree.append(copy.deepcopy(element))
        self.prs.slides._sldIdLst.add_sldId(rid)
        return slide

    def layout_placeholders(self, layout) -> list[Placeholder]:
        """A layout's placeholders in document order (as layout.placeholders lists them), found once per build."""
        found = self._layout_placeholders.get(layout.part)
        if found is None:
            from pptx.shapes.shapetree import _LayoutShapeFactory

            parent = layout.placeholders
            found = [Placeholder(shape, ph, proxy=_LayoutShapeFactory(shape, parent))
                     for shape, ph in package.iter_placeholders(layout.shapes._spTree)]
            self._layout_placeholders[layout.part] = found
        return found

    def placeholders(self, handle: SlideHandle) -> list[Placeholder]:
        """The slide's placeholders as slide.placeholders lists them (idx order); where a slide placeholder states
        no position, that of the layout's placeholder of the same idx (python-pptx's _effective_value)."""
        from pptx.shapes.shapetree import SlideShapeFactory

        parent = handle.slide.placeholders
        layout = self.layout_placeholders(handle.layout)
        found = []
        for shape, ph in package.iter_placeholders(handle.slide.shapes._spTree):
            if shape.tag == package.P_NS + "sp":
                base = next((p for p in layout if p.idx == ph.idx), None)
                found.append(Placeholder(shape, ph, parent=parent, base=base))
            else:  # a picture or table placeholder: python-pptx's own rules for its position
                found.append(Placeholder(shape, ph, parent=parent, proxy=SlideShapeFactory(shape, parent)))
        found.sort(key=lambda p: p.idx)
        return found

    def _set_title(self, handle: SlideHandle, title: str) -> None:
        ph = self.title_placeholder(handle)
        if ph is None:
            # A layout without a title: the title becomes a text box at the top, so the slide still has one.
            box = Box(int(0.5 * EMU_PER_INCH), int(0.3 * EMU_PER_INCH), self.prs.slide_width - EMU_PER_INCH,
                      int(0.9 * EMU_PER_INCH))
            paragraphs = [Para(plain_spans(title), bold=True)]
            size = fit_size(self.metrics, paragraphs, box, TITLE_LARGEST, TITLE_SMALLEST) or TITLE_SMALLEST
            add_text(handle.slide, box, paragraphs, size, self.family, name="Title", anchor="b")
            return
        cover = handle.role in ("title", "closing", "section")
        largest, smallest = (COVER_LARGEST, COVER_SMALLEST) if cover else (TITLE_LARGEST, TITLE_SMALLEST)
        box = self.box_of(ph)
        paragraphs = [Para(plain_spans(title), space_before=0)]
        size = fit_size(self.metrics, paragraphs, box, largest, smallest) or smallest
        write(ph.text_frame, paragraphs, size, self.family, anchor=None)
        handle.used.add(ph.idx)

    def _slide_number(self, handle: SlideHandle) -> None:
        """Copy the layout's slide-number (and, if the theme has one, footer) placeholder: python-pptx does not."""
        if handle.role in ("title", "closing"):
            return
        from pptx.oxml.xmlchemy import OxmlElement

        fld = OxmlElement("a:fld")
        fld.set("id", SLIDE_NUMBER_FIELD)
        fld.set("type", "slidenum")
        fld.append(self._run_properties())
        text = OxmlElement("a:t")
        text.text = str(len(self.prs.slides._sldIdLst))
        fld.append(text)
        self._copy_placeholder(handle, 13, fld)  # SLIDE_NUMBER
        footer = markup.clean(self.theme.footer or "").strip()
        if footer:
            run = OxmlElement("a:r")
            run.append(self._run_properties())
            text = OxmlElement("a:t")
            text.text = footer
            run.append(text)
            self._copy_placeholder(handle, 15, run)  # FOOTER

    def _run_properties(self):
        from pptx.oxml.xmlchemy import OxmlElement

        rpr = OxmlElement("a:rPr")
        rpr.set("lang", "en-US")
        latin = OxmlElement("a:latin")
        latin.set("typeface", self.family)
        rpr.append(latin)
        return rpr

    def _copy_placeholder(self, handle: SlideHandle, kind: int, content) -> None:
        import copy

        from pptx.oxml.ns import qn
        from pptx.oxml.xmlchemy import OxmlElement

        for ph in self.layout_placeholders(handle.layout):
            if ph.type == kind:
                sp = copy.deepcopy(ph.element)
                sp.remove(sp.find(qn("p:spPr")))
                sp.insert(1, OxmlElement("p:spPr"))  # inherit the layout's position
                tx = sp.find(qn("p:txBody"))
                for p in tx.findall(qn("a:p")):
                    tx.remove(p)
                para = OxmlElement("a:p")
                para.append(content)
                tx.append(para)
                sp.find(qn("p:nvSpPr")).find(qn("p:cNvPr")).set("id", str(self._next_shape_id(handle.slide)))
                handle.slide.shapes._spTree.append(sp)
                return

    @staticmethod
    def _next_shape_id(slide) -> int:
        ids = [int(x) for x in slide.shapes._spTree.xpath("//p:cNvPr/@id") if str(x).isdigit()]
        return max(ids, default=1) + 1

    def title_placeholder(self, handle: SlideHandle) -> Placeholder | None:
        for ph in self.placeholders(handle):
            if ph.type in (1, 3):  # TITLE, CENTER_TITLE
                return ph
        return None

    def bodies(self, handle: SlideHandle) -> list:
        """Body/content/subtitle placeholders, left to right then top to bottom."""
        found = [ph for ph in self.placeholders(handle) if ph.type in (2, 4, 7)]  # BODY, SUBTITLE, OBJECT
        return sorted(found, key=lambda p: (p.top // (EMU_PER_INCH // 4), p.left))

    @staticmethod
    def box_of(shape) -> Box:
        return Box(int(shape.left), int(shape.top), int(shape.width), int(shape.height))

    def content_area(self, handle: SlideHandle) -> Box:
        """Below the title, above the footer: where tables, charts and pictures go."""
        width, height = self.prs.slide_width, self.prs.slide_height
        ph = self.title_placeholder(handle)
        left = int(ph.left) if ph is not None else int(0.5 * EMU_PER_INCH)
        right = int(ph.left + ph.width) if ph is not None else width - int(0.5 * EMU_PER_INCH)
        top = int(ph.top + ph.height) + int(0.22 * EMU_PER_INCH) if ph is not None else int(1.4 * EMU_PER_INCH)
        bottom = height - int(0.5 * EMU_PER_INCH)
        for layout_ph in self.layout_placeholders(handle.layout):
            if layout_ph.type in (13, 15, 16) and layout_ph.top > top:
                bottom = min(bottom, int(layout_ph.top) - int(0.05 * EMU_PER_INCH))
        return Box(left, top, right - left, bottom - top)

    def body_box(self, handle: SlideHandle, index: int = 0, columns: int = 1) -> Box:
        """The index-th of `columns` body placeholders; where a master's layout has fewer, columns of the area."""
        bodies = self.bodies(handle)
        if len(bodies) >= columns:
            return self.box_of(bodies[index])
        area = self.content_area(handle)
        if columns == 1:
            return area
        width = (area.width - GAP * (columns - 1)) // columns
        return Box(area.left + index * (width + GAP), area.top, width, area.height)

    def fill_body(self, handle: SlideHandle, paragraphs: Sequence[Para], size: float, index: int = 0,
                  colour: str | None = None, columns: int = 1) -> None:
        """Write into the index-th body placeholder, or a text box where the layout has too few."""
        bodies = self.bodies(handle)
        if len(bodies) >= columns:
            ph = bodies[index]
            write(ph.text_frame, paragraphs, size, self.family, colour)
            handle.used.add(ph.idx)
        else:
            add_text(handle.slide, self.body_box(handle, index, columns), paragraphs, size, self.family,
                     name=f"Body {index + 1}", colour=colour or self.colors["text"])

    def finish(self, handle: SlideHandle, notes: str) -> None:
        """Remove every placeholder left unused (no empty prompts) and write the speaker notes."""
        for ph in self.placeholders(handle):
            if ph.idx in handle.used:
                continue
            if ph.type in (13, 15) and ph.shape.has_text_frame and ph.shape.text_frame.text:
                continue  # our slide number and footer
            ph.element.getparent().remove(ph.element)
        text = markup.clean(notes).strip()
        self._notes_text_frame(handle.slide).text = text

    def _notes_text_frame(self, slide):
        """slide.notes_slide.notes_text_frame of a new slide. The notes slide is made as python-pptx (1.0)
        NotesSlidePart.new makes it, except that the notes master's placeholders are cloned (and the notes
        placeholder found) once: every new notes slide is the same XML until its text is written, and
        python-pptx would look up the notes master's and the notes slide's placeholders for every slide."""
        import copy

        from pptx.opc.constants import CONTENT_TYPE as CT
        from pptx.opc.constants import RELATIONSHIP_TYPE as RT
        from pptx.oxml.slide import CT_NotesSlide
        from pptx.parts.slide import NotesSlidePart

        slide_part = slide.part
        package = slide_part.package
        master_part = package.presentation_part.notes_master_part
        element = CT_NotesSlide.new() if self._notes is None else copy.deepcopy(self._notes)
        partname = package.next_partname("/ppt/notesSlides/notesSlide%d.xml")
        part = NotesSlidePart(partname, CT.PML_NOTES_SLIDE, package, element)
        part.relate_to(master_part, RT.NOTES_MASTER)
        part.relate_to(slide_part, RT.SLIDE)
        notes = part.notes_slide
        sp_tree = notes.shapes._spTree
        if self._notes is None:
            notes.clone_master_placeholders(master_part.notes_master)
            self._notes = copy.deepcopy(element)
            body = notes.notes_placeholder
            self._notes_body = None if body is None else sp_tree.index(body._element)
        slide_part.relate_to(part, RT.NOTES_SLIDE)
        if self._notes_body is None:
            return notes.notes_text_frame  # python-pptx's answer (None) for a notes master without a body
        from pptx.shapes.placeholder import NotesSlidePlaceholder

        return NotesSlidePlaceholder(sp_tree[self._notes_body], notes.placeholders).text_frame

    def discard(self, handle: SlideHandle) -> None:
        """Take a slide back out cleanly (relationship and sldId), e.g. when its content needs another layout."""
        id_list = self.prs.slides._sldIdLst
        for sld_id in list(id_list):
            if self.prs.part.related_part(sld_id.rId) is handle.slide.part:
                rid = sld_id.rId
                id_list.remove(sld_id)
                self.prs.part.drop_rel(rid)
                self.prs.part.package.forget_parts()  # parts may have become unreachable

    # ---------------------------------------------------------------------------------- compound slides
    def text_slides(self, kind: str, role: str, title: str, paragraphs: Sequence[Para],
                    notes: str | Callable[[int, int], str], largest: float = BODY_LARGEST,
                    smallest: float = BODY_SMALLEST) -> list[SlideHandle]:
        """Paragraphs in the layout's body; what does not fit at the smallest size continues on more slides."""
        first = self.new_slide(kind, role, title)
        box = self.body_box(first)
        fit = paginate(self.metrics, paragraphs, box, largest, smallest, BODY_PAGE)
        handles = [first]
        for _ in fit.pages[1:]:
            handles.append(self.new_slide(kind, role, self.continued(title)))
        for i, (handle, page) in enumerate(zip(handles, fit.pages)):
            self.fill_body(handle, page, fit.size)
            self.finish(handle, notes(i, len(handles)) if callable(notes) else notes)
        return handles

    def continued(self, title: str) -> str:
        return self.say("titles/continued", title=title)

    def table_slides(self, kind: str, title: str, header: Sequence[Cell], rows: Sequence[Sequence[Cell]],
                     weights: Sequence[float], notes: str | Callable[[int, int], str], alt_text: str,
                     above: Sequence[Para] = (), below: Sequence[Para] = (),
                     largest: float = TABLE_LARGEST, smallest: float = TABLE_SMALLEST) -> list[SlideHandle]:
        """A measured table, split across slides with its header repeated; optional text above and below it."""
        first = self.new_slide(kind, "title_only", title)
        area = self.content_area(first)
        widths = [int(area.width * w / sum(weights)) for w in weights]
        text_above = self._reserve(above, area)
        text_below = self._reserve(below, area)
        table_box = Box(area.left, area.top + text_above[0], area.width, area.height - text_above[0] - text_below[0])
        size, pages = paginate_rows(self.metrics, header, rows, widths, table_box, largest, smallest,
                                    max(smallest, min(largest, TABLE_PAGE)))
        handles = [first] + [self.new_slide(kind, "title_only", self.continued(title)) for _ in pages[1:]]
        for i, (handle, page) in enumerate(zip(handles, pages)):
            if above and i == 0:
                add_text(handle.slide, Box(area.left, area.top, area.width, text_above[0]), above, text_above[1],
                         self.family, name="Text above table")
            frame = add_table(
                handle.slide, table_box, header, page, widths, self.metrics, size,
                header_fill=self.colors["primary"], header_colour="#FFFFFF", rule_colour=self.colors["muted"],
                band_fill=self.colors["light"], name=f"Table {kind}", alt_text=alt_text,
            )
            if below and i == len(pages) - 1:
                table_bottom = frame.top + frame.height + int(0.12 * EMU_PER_INCH)
                box = Box(area.left, table_bottom, area.width, area.bottom - table_bottom)
                size_below = fit_size(self.metrics, below, box, text_below[1], BODY_SMALLEST) or text_below[1]
                add_text(handle.slide, box, below, size_below, self.family, name="Text below table")
            self.finish(handle, notes(i, len(handles)) if callable(notes) else notes)
        return handles

    def _reserve(self, paragraphs: Sequence[Para], area: Box, largest: float = 18.0) -> tuple[int, float]:
        """Height (EMU) and size of a short text block next to a table: the smallest height it fits in."""
        if not paragraphs:
            return 0, largest
        width_pt = area.width / EMU_PER_PT
        for size in sizes(largest, BODY_SMALLEST):
            height = self.metrics.height(paragraphs, width_pt - 14.4, size) + 7.2 + 4
            if height <= area.height / EMU_PER_PT * 0.4:
                return int(height * EMU_PER_PT), size
        size = BODY_SMALLEST
        return int((self.metrics.height(paragraphs, width_pt - 14.4, size) + 11.2) * EMU_PER_PT), size

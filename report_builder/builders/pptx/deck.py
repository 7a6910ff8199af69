"""The deck under construction: layouts by name, fitted titles and bodies, continued slides, notes."""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pptx.enum.shapes import PP_PLACEHOLDER

from report_builder.inputs import markup
from report_builder.builders.pptx import oxml, package
from report_builder.builders.pptx.master import master_look
from report_builder.theme.contrast import readable, readable_shade
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
# Sizes as projected (issue 17): body text >= 20 pt, tables >= 16 pt, nothing below 14 pt.
BODY_LARGEST, BODY_SMALLEST, BODY_PAGE = 24.0, 20.0, 20.0
TABLE_LARGEST, TABLE_SMALLEST, TABLE_PAGE = 20.0, 16.0, 16.0
TITLE_LARGEST, TITLE_SMALLEST = 28.0, 18.0
COVER_LARGEST, COVER_SMALLEST = 40.0, 24.0


@dataclass(frozen=True)
class Placeholder:
    """A placeholder of a slide or layout as python-pptx reports it: idx, type and effective position (EMU),
    read once, since python-pptx looks each of them up in the XML again on every access."""

    shape: Any
    idx: int
    type: int  #: int(PP_PLACEHOLDER); python-pptx's default (OBJECT) where the master states none
    left: int
    top: int
    width: int
    height: int

    @classmethod
    def of(cls, shape) -> "Placeholder":
        ph = shape.placeholder_format
        return cls(shape, ph.idx, int(ph.type), shape.left, shape.top, shape.width, shape.height)

    @property
    def text_frame(self):
        return self.shape.text_frame


@dataclass
class SlideHandle:
    """A slide being filled; placeholders not filled by the end are removed."""

    slide: Any
    kind: str
    role: str
    layout: Any
    title: str
    placeholders: list[Placeholder]  #: those python-pptx copied from the layout, in idx order
    used: set[int] = field(default_factory=set)


class Deck:
    """Everything slide builders share: the report, the template's wording, the master and the metrics."""

    def __init__(self, report: "Report", charts: "ChartSet", template: "Template"):
        self.report = report
        self.evidence = report.evidence
        self.charts = charts
        self.template = template
        self.theme = template.theme
        self.palette = template.theme.chart_palette
        self.numbers = report.reference_numbers
        self.prs = package.open_master(template.deck_master)
        self._labels: dict[str, str] | None = None
        self.shown: set[str] = set()  #: chart ids already on a slide: no second slide of the same data
        # Layouts never change while slides are added: each is found, and its placeholders read, once.
        self._layouts: dict[tuple[str | None, str, str], Any] = {}  #: (slide, kind, role) -> layout
        self.slide: str | None = None  #: the deck.slides entry being built: its own deck.layouts mapping wins
        self._layout_placeholders: dict[Any, list[Placeholder]] = {}  #: layout part -> its placeholders
        self._backgrounds: dict[Any, str] = {}  #: layout part -> its background colour
        # The master's look (fonts, theme colours) unless the template sets deck fonts or colours.
        self.look = master_look(self.prs, self.layout("content", "content"), template)
        self.colors = self.look.colors
        self.metrics = Metrics(self.look.fonts, self.look.face)
        self.family = self.look.face  #: the typeface of text boxes, tables and charts
        self.placeholder_family = self.look.family  #: None: placeholders keep the master's fonts

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
        # An agency or company (the author of a label, notice or web page) is named in full.
        organisation = ref.kind not in ("article", "conference_abstract") or first.startswith(("US ", "European "))
        surname = first if organisation or " " not in first else first.split(" ")[0]
        return " ".join(filter(None, (surname, str(ref.year) if ref.year else "", self.cite(ref_id))))

    # ---------------------------------------------------------------------------------- slides
    def layout(self, kind: str, role: str):
        layout = self._layouts.get((self.slide, kind, role))
        if layout is None:
            layout = package.resolve_layout(self.prs, kind, role, self.template.deck_layouts, self.template.deck_master,
                                            self.slide)
            self._layouts[self.slide, kind, role] = layout
        return layout

    def new_slide(self, kind: str, role: str, title: str) -> SlideHandle:
        layout = self.layout(kind, role)
        slide = self.prs.slides.add_slide(layout)
        # python-pptx copies the layout's placeholders without a position of their own: each inherits type and
        # position from the (first) layout placeholder of its idx, read once per layout.
        inherited: dict[int, Placeholder] = {}
        for ph in self.layout_placeholders(layout):
            inherited.setdefault(ph.idx, ph)
        placeholders = [replace(inherited[ph.placeholder_format.idx], shape=ph) for ph in slide.placeholders]
        handle = SlideHandle(slide, kind, role, layout, title, placeholders)
        self._set_title(handle, title)
        self._slide_number(handle)
        return handle

    def layout_placeholders(self, layout) -> list[Placeholder]:
        """A layout's placeholders in document order (as layout.placeholders lists them)."""
        found = self._layout_placeholders.get(layout.part)
        if found is None:
            found = self._layout_placeholders[layout.part] = [Placeholder.of(ph) for ph in layout.placeholders]
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
        # Measured as bold, whatever the master's title style: most masters set titles bold (both bundled ones
        # do), and a regular title measured as bold only fits more safely.
        measured = [Para(plain_spans(title), space_before=0, bold=True)]
        size = fit_size(self.metrics, measured, box, largest, smallest) or smallest
        write(ph.text_frame, paragraphs, size, self.placeholder_family, anchor=None)
        handle.used.add(ph.idx)

    def _slide_number(self, handle: SlideHandle) -> None:
        """Copy the layout's slide-number (and, if the theme has one, footer) placeholder: python-pptx does not."""
        if handle.role in ("title", "closing"):
            return
        footer = markup.clean(self.theme.footer or "").strip()
        for kind, text in ((PP_PLACEHOLDER.SLIDE_NUMBER, str(len(self.prs.slides))), (PP_PLACEHOLDER.FOOTER, footer)):
            ph = next((ph for ph in self.layout_placeholders(handle.layout) if ph.type == kind), None)
            if ph is not None and text:
                oxml.add_latent_placeholder(handle.slide, ph.shape, text, self.placeholder_family,
                                            slide_number=kind == PP_PLACEHOLDER.SLIDE_NUMBER)

    def title_placeholder(self, handle: SlideHandle) -> Placeholder | None:
        return next((ph for ph in handle.placeholders
                     if ph.type in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)), None)

    def bodies(self, handle: SlideHandle) -> list[Placeholder]:
        """Body/content/subtitle placeholders large enough for slide text, left to right then top to bottom."""
        found = [ph for ph in handle.placeholders
                 if ph.type in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.SUBTITLE, PP_PLACEHOLDER.OBJECT)
                 and package.holds_body_text(ph.width, ph.height)]
        return sorted(found, key=lambda p: (p.top // (EMU_PER_INCH // 4), p.left))

    @staticmethod
    def box_of(shape) -> Box:
        return Box(int(shape.left), int(shape.top), int(shape.width), int(shape.height))

    def content_area(self, handle: SlideHandle) -> Box:
        """Below the title, above the footer: where tables, charts and pictures go."""
        width, height = self.prs.slide_width, self.prs.slide_height
        ph = self.title_placeholder(handle)
        # As wide as the body: the layout's, else the master's (a narrow title must not narrow a table), else the title.
        sides = self._body_sides(handle.layout) or ((int(ph.left), int(ph.left + ph.width)) if ph is not None else None)
        left, right = sides or (int(0.5 * EMU_PER_INCH), width - int(0.5 * EMU_PER_INCH))
        top = int(ph.top + ph.height) + int(0.22 * EMU_PER_INCH) if ph is not None else int(1.4 * EMU_PER_INCH)
        bottom = height - int(0.5 * EMU_PER_INCH)
        footers = (PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.DATE)
        for layout_ph in self.layout_placeholders(handle.layout):
            if layout_ph.type in footers and layout_ph.top > top:
                bottom = min(bottom, int(layout_ph.top) - int(0.05 * EMU_PER_INCH))
        return Box(left, top, right - left, bottom - top)

    def _body_sides(self, layout) -> tuple[int, int] | None:
        """Left and right edge (EMU) of the layout's body placeholders, else of its master's body placeholder."""
        kinds = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT)
        bodies = [ph for ph in self.layout_placeholders(layout) if ph.type in kinds]
        if not bodies:
            bodies = [Placeholder.of(ph) for ph in layout.slide_master.placeholders
                      if ph.placeholder_format.type in kinds]
        if not bodies:
            return None
        return min(ph.left for ph in bodies), max(ph.left + ph.width for ph in bodies)

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
            write(ph.text_frame, paragraphs, size, self.placeholder_family, colour)
            handle.used.add(ph.idx)
        else:
            add_text(handle.slide, self.body_box(handle, index, columns), paragraphs, size, self.family,
                     name=f"Body {index + 1}", colour=colour or self.colors["text"])

    def finish(self, handle: SlideHandle, notes: str) -> None:
        """Remove every placeholder left unused (no empty prompts) and write the speaker notes."""
        for ph in handle.placeholders:
            if ph.idx not in handle.used:
                oxml.remove_shape(ph.shape)
        handle.slide.notes_slide.notes_text_frame.text = markup.clean(notes).strip()

    def settle_colours(self) -> None:
        """Make every text readable on what it is drawn on; last, once the accessibility pass has made registry ids
        and DOIs into links."""
        inherited: dict[Any, dict[int, str]] = {}  #: layout part -> placeholder idx -> colour its text inherits
        for slide in self.prs.slides:
            layout = slide.slide_layout
            if layout.part not in inherited:
                inherited[layout.part] = oxml.placeholder_text_colours(layout)
            oxml.settle_text_colours(slide, self.background(layout), functools.partial(
                self._text_colour, inherited=inherited[layout.part]))

    def background(self, layout) -> str:
        colour = self._backgrounds.get(layout.part)
        if colour is None:
            colour = self._backgrounds[layout.part] = oxml.background_colour(layout) or "#FFFFFF"
        return colour

    def _text_colour(self, stated: str | None, fill: str, placeholder: tuple[str, int] | None, link: bool,
                     inherited: dict[int, str]) -> str | None:
        """A link in the theme's hyperlink colour where that is readable, else in a readable shade of it; a stated
        colour kept where it is readable; text boxes and tables stating none get the deck's text colour; placeholders
        keep the colour the master gives them where it is readable, else a readable shade of it (python-pptx's
        default master sets subtitles in a grey of 3.4:1)."""
        if link:
            shade = readable_shade(self.look.hyperlink, fill)
            return None if shade == self.look.hyperlink else shade
        if stated is not None:
            return readable(stated, fill)
        if placeholder is None:
            return readable(self.colors["text"], fill)
        kind, idx = placeholder
        master = self.look.placeholder_colours.get("title" if kind in ("title", "ctrTitle") else "body")
        if master:  # a master without text styles: its colour stated on every run
            return readable(master, fill)
        colour = inherited.get(idx)
        shade = readable_shade(colour, fill) if colour else None
        return shade if shade != colour else None

    def discard(self, handle: SlideHandle) -> None:
        """Take a slide back out cleanly (relationship and sldId), e.g. when its content needs another layout."""
        oxml.remove_slides(self.prs, [handle.slide])

    # ---------------------------------------------------------------------------------- compound slides
    def text_slides(self, kind: str, role: str, title: str, paragraphs: Sequence[Para],
                    notes: str | Callable[[int, int], str], largest: float = BODY_LARGEST,
                    smallest: float = BODY_SMALLEST) -> list[SlideHandle]:
        """Paragraphs in the layout's body; what does not fit at the smallest size continues on more slides."""
        first = self.new_slide(kind, role, title)
        # A title-only layout's other placeholders (a comparison's headers, say) are not this text's box.
        box = self.content_area(first) if role == "title_only" else self.body_box(first)
        fit = paginate(self.metrics, paragraphs, box, largest, smallest, BODY_PAGE)
        if len(fit.pages) > 1 and len(fit.pages[-1]) < 3:
            # No slide that only continues the one before with a line or two: those lines stay in the
            # speaker notes (which hold every paragraph) and the slide says where they are.
            fit.pages.pop()
            more = self.more_in_notes()
            while len(fit.pages[-1]) > 1 and self.metrics.height(fit.pages[-1] + [more], box.inner_width_pt(),
                                                                   fit.size) > box.inner_height_pt():
                fit.pages[-1].pop()
            fit.pages[-1].append(more)
        handles = [first]
        for _ in fit.pages[1:]:
            handles.append(self.new_slide(kind, role, self.continued(title)))
        for i, (handle, page) in enumerate(zip(handles, fit.pages)):
            if role == "title_only":  # in the box it was measured for, never a placeholder of another size
                add_text(handle.slide, box, page, fit.size, self.family, name="Body 1", colour=self.colors["text"])
            else:
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

    def more_in_notes(self) -> Para:
        """The small line that says a slide's text goes on in the speaker notes and the handout."""
        return Para(plain_spans(self.say("phrases/more_in_notes")), italic=True, colour=self.colors["muted"],
                    scale=0.8, floor=16, space_before=0.3)

    def table(self, handle: SlideHandle, box: Box, header: Sequence[Cell], rows: Sequence[Sequence[Cell]],
              weights: Sequence[float], alt_text: str, largest: float = TABLE_LARGEST,
              smallest: float = TABLE_SMALLEST):
        """A short table in a box, at the largest size that fits (one slide: more rows belong in the handout)."""
        widths = [int(box.width * w / sum(weights)) for w in weights]
        size, _ = paginate_rows(self.metrics, header, rows, widths, box, largest, smallest, smallest)
        return add_table(handle.slide, box, header, rows, widths, self.metrics, size,
                         header_fill=self.colors["primary"], header_colour="#FFFFFF", rule_colour=self.colors["muted"],
                         band_fill=self.colors["light"], name=f"Table {handle.kind}", alt_text=alt_text)

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

"""Tagged PDF (PDF/UA-1) on ReportLab: marked content where flowables draw, the structure tree written after with pikepdf."""
from __future__ import annotations

import contextlib
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, Image, Paragraph, Spacer, Table
from reportlab.platypus.tables import TableRenderCB

# Open-source ReportLab has no tagging API, so this is a small layer on its public hooks:
# - the frame (TaggedFrame.add) names each flowable's structure role by its type and paragraph style;
# - the canvas (TaggingCanvas) opens the flowable's marked-content sequence (BDC with an MCID) at the
#   saveState that every Flowable.drawOn begins with, and closes it (EMC) at the matching restoreState,
#   so a flowable that does not fit on the page leaves nothing behind;
# - a Table's documented render callback (TableRenderCB) marks rows and cells (TR, TH with a column
#   scope, TD), and its backgrounds and rules as artifacts; a table without header rows is layout, and
#   the flowables in its cells are tagged one by one;
# - running header, footer, page numbers and rules are drawn inside an /Artifact sequence;
# - finish() writes the structure tree, parent tree, link annotations' /Contents and /StructParent,
#   /MarkInfo, /Tabs /S, and XMP metadata that declares PDF/UA-1.
# Role by paragraph style name: title/h1/box_title/h2/h3 are headings (levels never skip: a heading is
# at most one level below the one it follows), caption is Caption, footnote is Note, a paragraph with a
# bullet is a list item (consecutive items of one style form one list), reference items are BibEntry;
# any other paragraph is P. A flowable with an `alt_text` attribute is a Figure; an image without one is
# decoration (Artifact).

#: Heading rank of a paragraph style; the level written is never more than one below the previous heading.
HEADING_RANKS = {"title": 1, "h1": 2, "box_title": 2, "h2": 3, "h3": 4}
ARTIFACT = "Artifact"


@dataclass(eq=False)
class Element:
    """A structure element: its role, attributes and kids (elements, or (page, mcid) content items)."""

    role: str
    parent: Element | None = None
    kids: list[Any] = field(default_factory=list)
    alt: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)  #: /A entries, e.g. {"O": "Table", "Scope": "Column"}
    element_id: str | None = None
    list_key: str | None = None  #: list items of one style share one L

    def add(self, role: str, **kw: Any) -> Element:
        kid = Element(role, parent=self, **kw)
        self.kids.append(kid)
        return kid


@dataclass
class Tag:
    """What a flowable is, decided before it draws: role, heading rank, list style, alt text, table kind."""

    role: str
    rank: int = 0
    list_key: str | None = None
    numbering: str = "Disc"
    alt: str | None = None
    table: str | None = None  #: "data" (TR/TH/TD) or "layout" (cells' flowables tagged one by one)
    size: tuple[float, float] = (0.0, 0.0)


def tag_of(flowable: Any) -> Tag | None:
    """The structure role of a flowable, by type and paragraph style name; None: it draws nothing."""
    if isinstance(flowable, Spacer) or getattr(flowable, "frameAction", None):
        return None
    alt = getattr(flowable, "alt_text", None)
    if alt:
        return Tag("Figure", alt=alt, size=(float(flowable.width), float(flowable.height)))
    if isinstance(flowable, Image):
        return Tag(ARTIFACT)  # an image without alt text is decoration (the institution's logo)
    if isinstance(flowable, Paragraph):
        style = flowable.style.name
        if style in HEADING_RANKS:
            return Tag("H", rank=HEADING_RANKS[style])
        if style == "caption":
            return Tag("Caption")
        if style == "footnote":
            return Tag("Note")
        bullet = getattr(flowable, "bulletText", None)
        if bullet:
            numbering = "Decimal" if re.match(r"\s*\d", str(bullet)) else "Disc"
            return Tag("LI", list_key=style, numbering=numbering)
        return Tag("P")
    if isinstance(flowable, Table):
        if not isinstance(flowable, TaggedTable):
            return Tag("Div")  # a plain Table: its content is tagged, as one block
        return Tag("Table" if flowable.repeatRows else "Div", table="data" if flowable.repeatRows else "layout")
    if getattr(flowable, "width", 0) == 0 and getattr(flowable, "height", 0) == 0:
        return None  # anchors and other zero-size markers
    return Tag("Div")


class Tagger:
    """The structure tree of one document, built while it draws, and the marked content that feeds it."""

    def __init__(self) -> None:
        self.root = Element("Document")
        self.sections: list[tuple[int, int, Element]] = []  #: open headings: (rank, level, their Sect)
        self.owners: list[tuple[Element | str, bool]] = []  #: what owns what is drawn now; bool: it has content
        self.open: Element | str | None = None  #: the owner whose marked-content sequence is open
        self.next_mcid: dict[int, int] = defaultdict(int)
        self.depth = 0  #: saveState nesting
        self.expected: list[list[Any]] = []  #: [depth, tags still to open, owner opened] per frame or layout cell
        self.links: dict[int, list[tuple[Element | None, str]]] = defaultdict(list)  #: per page: owner, description
        self.pending_box: tuple[Element, float, float] | None = None
        self.notes = 0

    # ------------------------------------------------------------------------------- marked content
    def _begin(self, canvas: Canvas, owner: Element | str) -> None:
        if owner == ARTIFACT:
            canvas.addLiteral("/Artifact BMC")
        else:
            page = canvas.getPageNumber()
            mcid = self.next_mcid[page]
            self.next_mcid[page] += 1
            owner.kids.append((page, mcid))
            canvas.addLiteral(f"/{owner.role} <</MCID {mcid}>> BDC")
        self.open = owner

    def _end(self, canvas: Canvas) -> None:
        if self.open is not None:
            canvas.addLiteral("EMC")
            self.open = None

    def enter(self, canvas: Canvas, owner: Element | str, content: bool = True) -> None:
        """Content drawn from now on belongs to owner (content=False: a grouping, like TR, that draws nothing)."""
        self._end(canvas)
        self.owners.append((owner, content))
        if content:
            self._begin(canvas, owner)

    def leave(self, canvas: Canvas) -> None:
        self._end(canvas)
        owner, content = self.owners.pop()
        if isinstance(owner, Element) and not content:
            # Sections opened by a heading inside a table (a boxed title) end with it: what follows
            # the table must not be filed inside it, or structure order would differ from reading order.
            while self.sections and _inside(self.sections[-1][2], owner):
                self.sections.pop()
        if self.owners and self.owners[-1][1]:
            self._begin(canvas, self.owners[-1][0])  # back to what the enclosing owner draws

    @property
    def container(self) -> Element:
        """Where a new block goes: the open section, unless a grouping being drawn (a table) is inside it."""
        section = self.sections[-1][2] if self.sections else self.root
        for owner, content in reversed(self.owners):
            if isinstance(owner, Element) and not content:
                return section if _inside(section, owner) else owner
        return section

    def place(self, tag: Tag) -> tuple[Element | str, bool]:
        """The element for a flowable about to draw, put in the tree: (owner of its content, has content)."""
        if tag.role == ARTIFACT:
            return ARTIFACT, True
        parent = self.container
        if tag.role == "H":
            while self.sections and self.sections[-1][0] >= tag.rank:
                self.sections.pop()
            level = min(self.sections[-1][1] + 1 if self.sections else 1, 6)
            parent = self.container
            sect = parent.add("Sect")
            self.sections.append((tag.rank, level, sect))
            return sect.add(f"H{level}"), True
        if tag.role == "LI":
            last = parent.kids[-1] if parent.kids else None
            if not (isinstance(last, Element) and last.role == "L" and last.list_key == tag.list_key):
                last = parent.add("L", list_key=tag.list_key, attributes={"O": "List", "ListNumbering": tag.numbering})
            body = last.add("LI").add("LBody")
            return (body.add("BibEntry") if tag.list_key == "reference" else body), True
        if tag.role == "Note":
            self.notes += 1
            return parent.add("Note", element_id=f"note-{self.notes}"), True
        if tag.role == "Figure":
            figure = parent.add("Figure", alt=tag.alt)
            self.pending_box = (figure, *tag.size)
            return figure, True
        element = parent.add(tag.role)
        return element, tag.table is None

    def expect(self, tags: list[Tag | None]) -> None:
        """The next drawOn calls at this depth draw these flowables, in order."""
        self.expected.append([self.depth, list(tags), None])

    def unexpect(self, canvas: Canvas) -> None:
        depth, _, opened = self.expected.pop()
        if opened is not None:
            self.leave(canvas)

    def before_save(self, canvas: Canvas) -> None:
        if self.expected and self.expected[-1][0] == self.depth and self.expected[-1][1]:
            tag = self.expected[-1][1].pop(0)
            if tag is not None:
                owner, content = self.place(tag)
                self.enter(canvas, owner, content)
                self.expected[-1][2] = owner
        self.depth += 1

    def after_restore(self, canvas: Canvas) -> None:
        self.depth -= 1
        if self.expected and self.expected[-1][0] == self.depth and self.expected[-1][2] is not None:
            self.expected[-1][2] = None
            self.leave(canvas)

    def after_translate(self, canvas: Canvas) -> None:
        """A figure's bounding box: drawOn translates to the flowable's origin right after saveState."""
        if self.pending_box is not None:
            figure, width, height = self.pending_box
            self.pending_box = None
            (x0, y0), (x1, y1) = canvas.absolutePosition(0, 0), canvas.absolutePosition(width, height)
            figure.attributes = {"O": "Layout", "BBox": [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]}

    def link(self, canvas: Canvas, description: str) -> None:
        owner = self.open if isinstance(self.open, Element) else None
        self.links[canvas.getPageNumber()].append((owner, description))


def _inside(element: Element, group: Element) -> bool:
    while element.parent is not None:
        element = element.parent
        if element is group:
            return True
    return False


class TaggingCanvas(Canvas):
    """A canvas whose drawOn calls open and close the marked content of the flowable being drawn."""

    tagger: Tagger | None = None

    def saveState(self) -> None:
        if self.tagger is not None:
            self.tagger.before_save(self)
        super().saveState()

    def restoreState(self) -> None:
        super().restoreState()
        if self.tagger is not None:
            self.tagger.after_restore(self)

    def translate(self, dx: float, dy: float) -> None:
        super().translate(dx, dy)
        if self.tagger is not None:
            self.tagger.after_translate(self)

    def linkRect(self, contents: str, destinationname: str, *args: Any, **kw: Any) -> Any:
        if self.tagger is not None:
            self.tagger.link(self, contents or _destination_description(destinationname))
        return super().linkRect(contents, destinationname, *args, **kw)

    def linkURL(self, url: str, *args: Any, **kw: Any) -> Any:
        if self.tagger is not None:
            self.tagger.link(self, f"Link to {url}")
        return super().linkURL(url, *args, **kw)

    @contextlib.contextmanager
    def artifact(self) -> Iterator[None]:
        """Page furniture: running header and footer, page numbers, rules."""
        if self.tagger is None:
            yield
            return
        self.tagger.enter(self, ARTIFACT)
        try:
            yield
        finally:
            self.tagger.leave(self)


class TaggedFrame(Frame):
    """A frame that tells the canvas what each flowable is before it draws (see Tagger.expect)."""

    def add(self, flowable: Any, canv: Canvas, trySplit: int = 0) -> int:
        tagger = getattr(canv, "tagger", None)
        if tagger is None:
            return super().add(flowable, canv, trySplit)
        tagger.expect([tag_of(flowable)])
        try:
            return super().add(flowable, canv, trySplit)
        finally:
            tagger.unexpect(canv)


class _TableTags(TableRenderCB):
    """Rows and cells of a data table as TR/TH/TD; backgrounds and rules as artifacts."""

    def startTable(self, T: Table) -> None:
        pass

    def startBG(self, T: Table) -> None:
        self._enter(T, ARTIFACT)

    def endBG(self, T: Table) -> None:
        self._leave(T)

    def startRow(self, T: Table, rowNo: int) -> None:
        tagger = getattr(T.canv, "tagger", None)
        if tagger is not None and T.repeatRows:
            tagger.enter(T.canv, tagger.container.add("TR"), content=False)

    def startCell(self, T: Table, rowNo: int, colNo: int, cellval: Any, cellstyle: Any, pos: Any, size: Any) -> None:
        tagger = getattr(T.canv, "tagger", None)
        if tagger is None:
            return
        if T.repeatRows:
            header = rowNo < T.repeatRows
            row = tagger.container
            cell = row.add("TH", attributes={"O": "Table", "Scope": "Column"}) if header else row.add("TD")
            tagger.enter(T.canv, cell)
        elif isinstance(cellval, (list, tuple)) or not isinstance(cellval, str):
            flowables = cellval if isinstance(cellval, (list, tuple)) else [cellval] if cellval is not None else []
            tagger.expect([tag_of(f) for f in flowables])
        else:
            tagger.expect([])
            if cellval.strip():
                paragraph = tagger.container.add("P")
                tagger.enter(T.canv, paragraph)
                tagger.expected[-1][2] = paragraph

    def endCell(self, T: Table) -> None:
        tagger = getattr(T.canv, "tagger", None)
        if tagger is None:
            return
        if T.repeatRows:
            tagger.leave(T.canv)
        else:
            tagger.unexpect(T.canv)

    def endRow(self, T: Table) -> None:
        tagger = getattr(T.canv, "tagger", None)
        if tagger is not None and T.repeatRows:
            tagger.leave(T.canv)

    def startLines(self, T: Table) -> None:
        self._enter(T, ARTIFACT)

    def endLines(self, T: Table) -> None:
        self._leave(T)

    def endTable(self, T: Table) -> None:
        pass

    @staticmethod
    def _enter(T: Table, owner: str) -> None:
        tagger = getattr(T.canv, "tagger", None)
        if tagger is not None:
            tagger.enter(T.canv, owner)

    @staticmethod
    def _leave(T: Table) -> None:
        tagger = getattr(T.canv, "tagger", None)
        if tagger is not None:
            tagger.leave(T.canv)


#: The render callback of every TaggedTable: it tags the table's rows and cells as it draws them.
TABLE_TAGS = _TableTags()


class TaggedTable(Table):
    """A Table whose rows and cells are tagged as it draws them (TR, TH with scope, TD; rules and
    backgrounds as Artifacts) through ReportLab's public render callback; the handout makes every table
    this way. A plain Table is tagged as one block (tag_of)."""

    def __init__(self, *args: Any, **kw: Any):
        kw["renderCB"] = TABLE_TAGS
        super().__init__(*args, **kw)


# ------------------------------------------------------------------------------------ after the build
def finish(pdf: bytes, tagger: Tagger, *, title: str, language: str, author: str = "", subject: str = "",
           creator: str = "", created: str = "") -> bytes:
    """The ReportLab PDF with its structure tree, parent tree, link descriptions and PDF/UA-1 metadata."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        pages = list(doc.pages)
        parent_tree: dict[int, Any] = {}
        written: dict[int, Any] = {}  #: id(Element) -> its pikepdf object
        next_key = len(pages)

        def write(element: Element, parent: Any) -> Any:
            obj = doc.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name("/" + element.role),
                                                       P=parent))
            written[id(element)] = obj
            if element.alt:
                obj.Alt = pikepdf.String(element.alt)
            if element.element_id:
                obj.ID = pikepdf.String(element.element_id)
            if element.attributes:
                obj.A = pikepdf.Dictionary({"/" + k: _pdf_value(v) for k, v in element.attributes.items()})
            kids = pikepdf.Array()
            first_page = next((k[0] for k in element.kids if isinstance(k, tuple)), None)
            if first_page is not None:
                obj.Pg = pages[first_page - 1].obj
            for kid in element.kids:
                if isinstance(kid, Element):
                    kids.append(write(kid, obj))
                else:
                    page, mcid = kid
                    slots = parent_tree.setdefault(page - 1, [])
                    slots.extend([None] * (mcid + 1 - len(slots)))
                    slots[mcid] = obj
                    if page == first_page:
                        kids.append(mcid)
                    else:
                        kids.append(pikepdf.Dictionary(Type=pikepdf.Name.MCR, Pg=pages[page - 1].obj, MCID=mcid))
            obj.K = kids[0] if len(kids) == 1 else kids  # a single kid stands alone, as most readers expect
            return obj

        root = doc.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
        document = write(tagger.root, root)

        # Each link annotation: /Contents, and a Link element (holding the annotation) in the element drawn around it.
        for number, owners in tagger.links.items():
            page = pages[number - 1]
            annotations = [a for a in page.obj.get("/Annots", []) if a.get("/Subtype") == pikepdf.Name.Link]
            for annotation, (owner, description) in zip(annotations, owners):
                annotation.Contents = pikepdf.String(description)
                holder = written[id(owner)] if owner is not None else document
                link = doc.make_indirect(pikepdf.Dictionary(
                    Type=pikepdf.Name.StructElem, S=pikepdf.Name.Link, P=holder, Pg=page.obj,
                    K=pikepdf.Array([pikepdf.Dictionary(Type=pikepdf.Name.OBJR, Obj=annotation, Pg=page.obj)]),
                    Alt=pikepdf.String(str(annotation.Contents))))
                kids = holder.K if isinstance(holder.K, pikepdf.Array) else pikepdf.Array([holder.K])
                kids.append(link)
                holder.K = kids
                annotation.StructParent = next_key
                parent_tree[next_key] = link
                next_key += 1

        nums = pikepdf.Array()
        for i, page in enumerate(pages):
            page.obj.StructParents = i
            page.obj.Tabs = pikepdf.Name.S
            nums.append(i)
            nums.append(doc.make_indirect(pikepdf.Array(
                parent_tree.get(i, []))))
        for key in range(len(pages), next_key):
            nums.append(key)
            nums.append(parent_tree[key])
        root.K = pikepdf.Array([document])
        root.ParentTree = doc.make_indirect(pikepdf.Dictionary(Nums=nums))
        root.ParentTreeNextKey = next_key
        doc.Root.StructTreeRoot = root
        doc.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
        doc.Root.Lang = pikepdf.String(language)
        doc.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        xmp = _xmp(title=title, language=language, author=author, subject=subject, creator=creator,
                   producer=str(doc.docinfo.get("/Producer", "")), created=created)
        metadata = doc.make_stream(xmp.encode("utf-8"))
        metadata.Type = pikepdf.Name.Metadata
        metadata.Subtype = pikepdf.Name.XML
        doc.Root.Metadata = metadata
        out = io.BytesIO()
        doc.save(out, deterministic_id=True, min_version="1.7")  # same input, same bytes; UA-1 is on PDF 1.7
        return out.getvalue()


def _pdf_value(value: Any) -> Any:
    import pikepdf

    if isinstance(value, str):
        return pikepdf.Name("/" + value)
    if isinstance(value, list):
        return pikepdf.Array(value)
    return value


def _destination_description(name: str) -> str:
    """Where an internal link jumps, in words: a numbered reference, else a part of this document."""
    number = re.fullmatch(r"ref-(\d+)", name or "")
    return f"Go to reference {number[1]}" if number else "Go to another part of this document"


def _xmp(*, title: str, language: str, author: str, subject: str, creator: str, producer: str, created: str) -> str:
    """XMP that names the title and declares PDF/UA-1 (ISO 14289-1), as §5 asks."""
    e = xml_escape
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{e(author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(subject)}</rdf:li></rdf:Alt></dc:description>
   <dc:language><rdf:Bag><rdf:li>{e(language)}</rdf:li></rdf:Bag></dc:language>
   <pdf:Producer>{e(producer)}</pdf:Producer>
   <xmp:CreatorTool>{e(creator)}</xmp:CreatorTool>
   <xmp:CreateDate>{e(created)}</xmp:CreateDate>
   <pdfuaid:part>1</pdfuaid:part>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""

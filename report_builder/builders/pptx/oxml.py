"""The deck's XML where python-pptx's public API stops: the `_element` idiom, kept in this one module."""
from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import etree
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls, qn
from pptx.oxml.xmlchemy import OxmlElement

#: PowerPoint 2010's namespace, where slide sections (p14:sectionLst) list their slides.
P14 = "http://schemas.microsoft.com/office/powerpoint/2010/main"
#: "No Style, No Grid": a table whose every colour is stated on its cells.
NO_STYLE_TABLE = "{2D5ABB26-0587-4C30-8999-92F81FD0307C}"
#: Fixed id of the slide-number field: no random ids in the output.
SLIDE_NUMBER_FIELD = "{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}"


#: DrawingML, whose elements (a:p, a:r, a:rPr ...) make up every text and table cell.
A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def _sub(parent, name: str, **attributes: str):
    """A new last child a:<name> of parent (a DrawingML element: text, fills, lines)."""
    return etree.SubElement(parent, f"{{{A}}}{name}", attributes)


# ------------------------------------------------------------------------------------------ slides
def remove_slides(prs, slides: Iterable) -> None:
    """Take slides out of the presentation (python-pptx can only add them): the sldId and the relationship,
    and any custom show or section that names them. Parts nothing relates to any more are not saved."""
    presentation = prs.part._element
    id_list = presentation.find(qn("p:sldIdLst"))
    removed = set()
    parts = {slide.part for slide in slides}
    for sld_id in list(id_list):
        rid = sld_id.get(qn("r:id"))
        if prs.part.related_part(rid) in parts:
            removed.add(sld_id.get("id"))
            id_list.remove(sld_id)
            prs.part.drop_rel(rid)  # after the sldId: python-pptx keeps a relationship the XML still names
    if not removed:
        return
    for show_list in presentation.findall(qn("p:custShowLst")):
        presentation.remove(show_list)  # custom shows list slides by relationship; they would dangle
    for section_id in list(presentation.iter(f"{{{P14}}}sldId")):
        if section_id.get("id") in removed:
            section_id.getparent().remove(section_id)


def link_notes_master(prs) -> None:
    """List the notes master in presentation.xml: python-pptx relates it but leaves out p:notesMasterIdLst, and
    Keynote and other readers then lose the speaker notes."""
    presentation = prs.part._element
    if presentation.find(qn("p:notesMasterIdLst")) is not None:
        return
    rid = next((r.rId for r in prs.part.rels.values() if r.reltype == RT.NOTES_MASTER), None)
    if rid is None:
        return
    id_list = OxmlElement("p:notesMasterIdLst")
    etree.SubElement(id_list, qn("p:notesMasterId")).set(qn("r:id"), rid)
    presentation.find(qn("p:sldMasterIdLst")).addnext(id_list)  # schema order: right after the slide masters


# ------------------------------------------------------------------------------------------ shapes
def set_alt_text(shape, description: str, title: str = "") -> None:
    """Alternative text (cNvPr descr and title): python-pptx has no API for it."""
    c_nv_pr = shape._element[0].find(qn("p:cNvPr"))
    c_nv_pr.set("descr", description)
    if title:
        c_nv_pr.set("title", title)


def remove_shape(shape) -> None:
    """Take a shape off its slide (an unused placeholder): python-pptx has no delete."""
    element = shape._element
    element.getparent().remove(element)


def add_latent_placeholder(slide, layout_placeholder, text: str, family: str, slide_number: bool = False) -> None:
    """Copy the layout's footer or slide-number placeholder onto the slide, holding `text` in `family` (as the
    slide-number field when slide_number). python-pptx never copies these "latent" placeholders to a slide."""
    sp = copy.deepcopy(layout_placeholder._element)
    sp.replace(sp.find(qn("p:spPr")), OxmlElement("p:spPr"))  # no position of its own: the layout's applies
    body = sp.find(qn("p:txBody"))
    for p in body.findall(qn("a:p")):
        body.remove(p)
    content = _sub(_sub(body, "p"), "fld" if slide_number else "r")
    if slide_number:
        content.set("id", SLIDE_NUMBER_FIELD)
        content.set("type", "slidenum")
    _run_properties(content, RunFormat(0, family), "rPr", full=False)  # the layout's size and colour
    _sub(content, "t").text = text
    tree = slide._element.cSld.spTree
    ids = [int(x) for x in tree.xpath("//p:cNvPr/@id") if str(x).isdigit()]
    sp.find(qn("p:nvSpPr")).find(qn("p:cNvPr")).set("id", str(max(ids, default=1) + 1))
    tree.append(sp)


# ------------------------------------------------------------------------------------------ text
@dataclass(frozen=True)
class RunFormat:
    """What a run states explicitly: its size (pt), style, baseline shift (1/1000 %), colour and typeface."""

    size: float
    family: str
    bold: bool = False
    italic: bool = False
    baseline: int | None = None
    colour: str | None = None  #: "#rrggbb"


@dataclass(frozen=True)
class ParagraphFormat:
    """A paragraph's indents (EMU), alignment, exact line spacing and space before (pt) and list style."""

    margin: int
    indent: int
    line: float
    before: float
    align: str | None = None
    bullet: str | None = None  #: a bullet character, "1." (numbered from `number`), "A." (lettered), or None
    number: int = 1


def paragraph(format_: ParagraphFormat, runs: Sequence[tuple[str, RunFormat]], end: RunFormat):
    """An a:p with every property explicit: indents, spacing and bullets (python-pptx sets none of them) and
    runs with their baseline shift and complex-script typeface; a newline in a run's text becomes a:br."""
    p = OxmlElement("a:p")
    ppr = _sub(p, "pPr", marL=str(format_.margin), indent=str(format_.indent))
    if format_.align:
        ppr.set("algn", format_.align)
    _sub(_sub(ppr, "lnSpc"), "spcPts", val=str(int(round(format_.line * 100))))
    _sub(_sub(ppr, "spcBef"), "spcPts", val=str(int(round(format_.before * 100))))
    if format_.bullet:
        _sub(ppr, "buFontTx")
        if format_.bullet in ("1.", "A."):
            auto = _sub(ppr, "buAutoNum", type="arabicPeriod" if format_.bullet == "1." else "alphaUcPeriod")
            if format_.number != 1:
                auto.set("startAt", str(format_.number))
        else:
            _sub(ppr, "buChar", char=format_.bullet)
    else:
        _sub(ppr, "buNone")
    for text, run_format in runs:
        for i, piece in enumerate(text.split("\n")):
            if i:
                _run_properties(_sub(p, "br"), run_format, "rPr")
            if piece:
                r = _sub(p, "r")
                _run_properties(r, run_format, "rPr")
                _sub(r, "t").text = piece
    _run_properties(p, end, "endParaRPr")
    return p


def _run_properties(parent, run: RunFormat, tag: str, full: bool = True) -> None:
    """parent's a:rPr (or a:endParaRPr): language, size, style, baseline, colour, latin and complex-script
    typeface; full=False for language and latin typeface only."""
    rpr = _sub(parent, tag, lang="en-US")
    if full:
        rpr.set("sz", str(int(round(run.size * 100))))
        if run.bold:
            rpr.set("b", "1")
        if run.italic:
            rpr.set("i", "1")
        if run.baseline:
            rpr.set("baseline", str(run.baseline))
        if run.colour:
            _sub(_sub(rpr, "solidFill"), "srgbClr", val=run.colour.lstrip("#").upper())
    _sub(rpr, "latin", typeface=run.family)
    if full:
        _sub(rpr, "cs", typeface=run.family)


def set_insets(text_frame, x: int, y: int) -> None:
    """Left/right and top/bottom insets (EMU) stated on the text frame even where they equal the schema's
    defaults: python-pptx's margin setters then leave them out, and a placeholder inherits its layout's."""
    body_pr = text_frame._element.find(qn("a:bodyPr"))
    for name, value in (("lIns", x), ("rIns", x), ("tIns", y), ("bIns", y)):
        body_pr.set(name, str(value))


def set_paragraphs(text_frame, paragraphs: Sequence) -> None:
    """Replace a text frame's (or table cell's) paragraphs with a:p elements made by paragraph()."""
    body = text_frame._element
    for p in body.findall(qn("a:p")):
        body.remove(p)
    for p in paragraphs:
        body.append(p)
    if not paragraphs:
        body.append(OxmlElement("a:p"))


# ------------------------------------------------------------------------------------------ tables
def set_table_style(frame, style_id: str = NO_STYLE_TABLE) -> None:
    """The style (a:tableStyleId) of the table in a graphic frame: python-pptx gives every new table "Medium
    Style 2 - Accent 1" and has no API to change it."""
    for style in frame._element.iter(qn("a:tableStyleId")):
        style.text = style_id


def set_cell_rules(cell, colour: str, width: int) -> None:
    """No left, right or top border and a bottom rule of `width` EMU: python-pptx has no cell-border API. Call
    before setting the cell's fill, which the schema places after the borders."""
    tc_pr = cell._tc.get_or_add_tcPr()
    for child in list(tc_pr):
        tc_pr.remove(child)
    for side in ("lnL", "lnR", "lnT"):
        _sub(_sub(tc_pr, side, w="0"), "noFill")
    bottom = _sub(tc_pr, "lnB", w=str(width))
    _sub(_sub(bottom, "solidFill"), "srgbClr", val=colour.lstrip("#").upper())


# ------------------------------------------------------------------------------------------ charts
def value_axis_crosses_at_maximum(chart) -> None:
    """The value axis crosses the category axis at its last category: at the bottom of a horizontal bar chart
    whose categories run top down. python-pptx's ValueAxis.crosses sets the other axis's crossing."""
    crosses = chart.value_axis._element.find(qn("c:crosses"))
    if crosses is None:
        crosses = parse_xml(f'<c:crosses {nsdecls("c")} val="max"/>')
        chart.value_axis._element.find(qn("c:crossAx")).addnext(crosses)
    crosses.set("val", "max")


__all__ = ["ParagraphFormat", "RunFormat", "add_latent_placeholder", "link_notes_master", "paragraph",
           "remove_shape", "remove_slides", "set_alt_text", "set_cell_rules", "set_insets", "set_paragraphs",
           "set_table_style", "value_axis_crosses_at_maximum"]


# ------------------------------------------------------------------------------------ accessibility
def set_language(slide, language: str) -> None:
    """Every run, paragraph end and default run property of a slide (or notes slide) in `language`."""
    for rpr in slide._element.iter(qn("a:rPr"), qn("a:endParaRPr"), qn("a:defRPr")):
        rpr.set("lang", language)


def put_title_first(slide, title_shape) -> None:
    """The title as the first shape of the slide, so a screen reader reads it first (shape order is reading order)."""
    element = title_shape._element
    tree = element.getparent()
    first = next((child for child in tree if child.tag in (qn("p:sp"), qn("p:graphicFrame"), qn("p:pic"),
                                                            qn("p:grpSp"), qn("p:cxnSp"))), None)
    if first is not None and first is not element:
        first.addprevious(element)

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
    # The text's look as the slide master states it for this kind of placeholder, copied where the layout's copy
    # states none: PowerPoint inherits it anyway, but LibreOffice set a slide's footer text centred, black and in
    # its default size instead of the master's left-aligned grey.
    own_style = body.find(qn("a:lstStyle"))
    if own_style is None or len(own_style) == 0:
        kind = _placeholder_type(sp)
        master_style = next((ph.find(f"{qn('p:txBody')}/{qn('a:lstStyle')}")
                             for ph in layout_placeholder.part.slide_master._element.cSld.spTree.iter(qn("p:sp"))
                             if _placeholder_type(ph) == kind), None)
        if master_style is not None and len(master_style):
            if own_style is not None:
                body.remove(own_style)
            body.find(qn("a:bodyPr")).addnext(copy.deepcopy(master_style))
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


def _placeholder_type(sp) -> str | None:
    """The type of a shape's placeholder (None: not a placeholder)."""
    ph = sp.find(f"{qn('p:nvSpPr')}/{qn('p:nvPr')}/{qn('p:ph')}")
    return None if ph is None else ph.get("type", "body")


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
    typeface; full=False for language and latin typeface only. An empty family states no typeface: the
    master's font applies."""
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
    if run.family:
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
# ------------------------------------------------------------------------------------------ masters
#: Placeholder types a slide matches by type alone (PowerPoint and python-pptx give them no index of their own).
_BY_TYPE = ("title", "ctrTitle")


def number_placeholders(layout) -> None:
    """Give every placeholder of a layout its own idx. LibreOffice writes content placeholders as <p:ph/> (idx 0,
    the title's), so a slide's body would inherit the title's box; numbered, each matches its own."""
    taken: set[int] = set()
    needs: list = []
    for sp in layout._element.cSld.spTree.iter(qn("p:sp")):
        ph = sp.find(f"{qn('p:nvSpPr')}/{qn('p:nvPr')}/{qn('p:ph')}")
        if ph is None:
            continue
        if ph.get("type") in _BY_TYPE:
            taken.add(int(ph.get("idx", "0")))
            continue
        idx = ph.get("idx")
        if idx is None or int(idx) in taken:
            needs.append(ph)
        else:
            taken.add(int(idx))
    number = max(taken, default=0) + 1
    for ph in needs:
        while number in taken:
            number += 1
        ph.set("idx", str(number))
        taken.add(number)


def remove_master(prs, master) -> None:
    """Take a slide master (and with it the layouts only it relates to) out of the presentation."""
    id_list = prs.part._element.find(qn("p:sldMasterIdLst"))
    for master_id in list(id_list):
        rid = master_id.get(qn("r:id"))
        if prs.part.related_part(rid) is master.part:
            id_list.remove(master_id)
            prs.part.drop_rel(rid)


def _xml(part):
    """A part python-pptx keeps as bytes only (the theme)."""
    return etree.fromstring(part.blob)


def theme_colours(master) -> dict[str, str]:
    """The master's theme colour scheme: dk1, lt1, dk2, lt2, accent1-6, hlink, folHlink as "#RRGGBB"."""
    theme = _xml(master.part.part_related_by(RT.THEME))
    scheme = theme.find(f".//{{{A}}}clrScheme")
    colours: dict[str, str] = {}
    for slot in scheme if scheme is not None else ():
        if not isinstance(slot.tag, str):
            continue
        value = slot.find(f"{{{A}}}srgbClr")
        system = slot.find(f"{{{A}}}sysClr")
        if value is not None:
            colours[etree.QName(slot).localname] = "#" + value.get("val").upper()
        elif system is not None and system.get("lastClr"):
            colours[etree.QName(slot).localname] = "#" + system.get("lastClr").upper()
    return colours


def theme_fonts(master) -> tuple[str, str]:
    """The theme's heading (major) and body (minor) latin typefaces."""
    theme = _xml(master.part.part_related_by(RT.THEME))
    faces = []
    for kind in ("majorFont", "minorFont"):
        latin = theme.find(f".//{{{A}}}{kind}/{{{A}}}latin")
        faces.append(latin.get("typeface", "") if latin is not None else "")
    return faces[0], faces[1]


def _colour_of(element, master, colours: dict[str, str]) -> str | None:
    """The colour an a:solidFill (or a:bgRef, a gradient's first stop) states, scheme colours resolved through
    the master's colour map (tx1 -> dk1 ...)."""
    if element is None:
        return None
    for child in element.iter():
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        colour = None
        if name == "srgbClr":
            colour = "#" + child.get("val").upper()
        elif name == "sysClr" and child.get("lastClr"):
            colour = "#" + child.get("lastClr").upper()
        elif name == "schemeClr":
            slot = child.get("val")
            mapping = master._element.find(qn("p:clrMap"))
            if mapping is not None and mapping.get(slot):
                slot = mapping.get(slot)
            colour = colours.get(slot)
        else:
            continue
        return _modified(colour, child) if colour else None
    return None


def _modified(colour: str, element) -> str:
    """The colour with the element's tint, shade and luminance changes applied, as PowerPoint and LibreOffice draw
    them (a subtitle in "tx1 at 75% tint" is grey): tint and shade in linear RGB, lumMod/lumOff in HSL."""
    import colorsys

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    def srgb(c: float) -> float:
        return c * 12.92 if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055

    rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    modifiers = {etree.QName(m).localname: int(m.get("val", "100000")) / 100000 for m in element
                 if isinstance(m.tag, str)}
    if "tint" in modifiers:
        rgb = [srgb(linear(c) * modifiers["tint"] + 1 - modifiers["tint"]) for c in rgb]
    if "shade" in modifiers:
        rgb = [srgb(linear(c) * modifiers["shade"]) for c in rgb]
    if "lumMod" in modifiers or "lumOff" in modifiers:
        hue, lightness, saturation = colorsys.rgb_to_hls(*rgb)
        lightness = lightness * modifiers.get("lumMod", 1.0) + modifiers.get("lumOff", 0.0)
        rgb = list(colorsys.hls_to_rgb(hue, min(1.0, max(0.0, lightness)), saturation))
    return "#" + "".join(f"{round(min(1.0, max(0.0, c)) * 255):02X}" for c in rgb)


def placeholder_text_colours(layout) -> dict[int, str]:
    """idx -> the colour text in the layout's placeholder inherits where it states none: the placeholder's own list
    style, else that of the master's placeholder of its type, else the master's title or body text style."""
    master = layout.slide_master
    colours = theme_colours(master)
    level = f"{{{A}}}lstStyle/{{{A}}}lvl1pPr/{{{A}}}defRPr/{{{A}}}solidFill"
    found = {}
    for shape in layout.placeholders:
        ph = shape._element.find(f".//{qn('p:nvPr')}/{qn('p:ph')}")
        kind = "title" if ph.get("type") in ("title", "ctrTitle") else ph.get("type", "body")
        candidates = [shape._element.find(f"{qn('p:txBody')}/{level}")]
        for sp in master._element.cSld.spTree.iter(qn("p:sp")):
            master_ph = sp.find(f"{qn('p:nvSpPr')}/{qn('p:nvPr')}/{qn('p:ph')}")
            if master_ph is not None and master_ph.get("type", "body") == kind:
                candidates.append(sp.find(f"{qn('p:txBody')}/{level}"))
        style = "titleStyle" if kind == "title" else ("otherStyle" if kind in ("dt", "ftr", "sldNum") else "bodyStyle")
        candidates.append(master._element.find(f"{qn('p:txStyles')}/{qn('p:' + style)}/{{{A}}}lvl1pPr/"
                                               f"{{{A}}}defRPr/{{{A}}}solidFill"))
        colour = next((c for c in (_colour_of(fill, master, colours) for fill in candidates if fill is not None) if c),
                      None)
        if colour:
            found[shape.placeholder_format.idx] = colour
    return found


def background_colour(layout) -> str | None:
    """The colour of a layout's background (its own, else its master's); a gradient's first stop; None for a
    picture or where nothing is stated."""
    master = layout.slide_master
    colours = theme_colours(master)
    for owner in (layout, master):
        bg = owner._element.cSld.find(qn("p:bg"))
        if bg is None:
            continue
        pr = bg.find(qn("p:bgPr"))
        if pr is not None and pr.find(f"{{{A}}}blipFill") is not None:
            return None
        return _colour_of(pr if pr is not None else bg.find(qn("p:bgRef")), master, colours)
    return "#FFFFFF"


def has_text_styles(master) -> bool:
    """Whether the master states its text styles where slides inherit them (p:txStyles); LibreOffice writes none
    and puts its fonts and colours on the runs of the master's placeholders instead."""
    styles = master._element.find(qn("p:txStyles"))
    return styles is not None and styles.find(f"{qn('p:bodyStyle')}/{{{A}}}lvl1pPr/{{{A}}}defRPr") is not None


def master_text_style(master, kind: str = "body") -> tuple[str, str | None]:
    """The typeface and colour of the master's body (or title) text: its text style, else (as LibreOffice writes
    them) the runs of its placeholder of that type; theme references (+mn-lt) resolved."""
    colours = theme_colours(master)
    major, minor = theme_fonts(master)
    face, colour = "", None
    style = master._element.find(f"{qn('p:txStyles')}/{qn('p:' + kind + 'Style')}")
    level = style.find(f"{{{A}}}lvl1pPr/{{{A}}}defRPr") if style is not None else None
    candidates = [level] if level is not None else []
    for sp in master._element.cSld.spTree.iter(qn("p:sp")):
        ph = sp.find(f"{qn('p:nvSpPr')}/{qn('p:nvPr')}/{qn('p:ph')}")
        if ph is not None and ph.get("type") == kind:
            candidates += list(sp.iter(f"{{{A}}}rPr", f"{{{A}}}endParaRPr", f"{{{A}}}defRPr"))
    for rpr in candidates:
        latin = rpr.find(f"{{{A}}}latin")
        if not face and latin is not None and latin.get("typeface"):
            face = latin.get("typeface")
        if colour is None:
            colour = _colour_of(rpr.find(f"{{{A}}}solidFill"), master, colours)
    default = major if kind == "title" else minor
    face = {"+mn-lt": minor, "+mj-lt": major}.get(face, face) or default
    return face, colour


def _fill_of(properties) -> str | None:
    """The "#RRGGBB" of an spPr's or tcPr's (or rPr's) own a:solidFill/a:srgbClr, if it states one."""
    colour = properties.find(f"{{{A}}}solidFill/{{{A}}}srgbClr") if properties is not None else None
    return "#" + colour.get("val").upper() if colour is not None else None


#: Office 2019's extension of a:hlinkClick that draws a link in its run's colour rather than the theme's hyperlink
#: colour (LibreOffice reads it too); without it both draw every link in the theme's colour, whatever the run says.
HYPERLINK_COLOUR = "http://schemas.microsoft.com/office/drawing/2018/hyperlinkcolor"
HYPERLINK_COLOUR_EXTENSION = "{A12FA001-AC4F-418D-AE19-62706E023703}"


def settle_text_colours(slide, background: str, choose) -> None:
    """Give every run of the slide's text the colour choose(stated, fill, placeholder, link) returns (stated: its
    own colour or None; fill: what it is drawn on, the shape's or cell's fill, else the background; placeholder: the
    placeholder's type ("body" where it states none) and idx, or None outside placeholders; link: whether the run is a
    hyperlink, which then is drawn in that colour instead of the theme's hyperlink colour)."""
    for element in slide._element.cSld.spTree.iterchildren():
        if element.tag == qn("p:sp"):
            ph = element.find(f"{qn('p:nvSpPr')}/{qn('p:nvPr')}/{qn('p:ph')}")
            placeholder = None if ph is None else (ph.get("type", "body"), int(ph.get("idx", "0")))
            fill = _fill_of(element.find(qn("p:spPr"))) or background
            areas = [(element.find(qn("p:txBody")), fill)]
        elif element.tag == qn("p:graphicFrame"):
            placeholder = None
            areas = [(cell.find(qn("a:txBody")), _fill_of(cell.find(qn("a:tcPr"))) or background)
                     for cell in element.iter(qn("a:tc"))]
        else:
            continue
        for body, fill in areas:
            if body is None:
                continue
            for rpr in body.iter(qn("a:rPr"), qn("a:endParaRPr")):
                stated = _fill_of(rpr)
                link = rpr.find(qn("a:hlinkClick"))
                colour = choose(stated, fill, placeholder, link is not None)
                if colour is None or colour == stated:
                    continue
                if link is not None:
                    _draw_link_in_run_colour(link)
                old = rpr.find(qn("a:solidFill"))
                if old is not None:
                    rpr.remove(old)
                new = OxmlElement("a:solidFill")
                etree.SubElement(new, qn("a:srgbClr")).set("val", colour.lstrip("#").upper())
                line = rpr.find(qn("a:ln"))
                if line is not None:
                    line.addnext(new)  # schema order: a:ln, then the fill
                else:
                    rpr.insert(0, new)


def _draw_link_in_run_colour(hlink_click) -> None:
    if hlink_click.find(f"{qn('a:extLst')}/{qn('a:ext')}[@uri='{HYPERLINK_COLOUR_EXTENSION}']") is not None:
        return
    extensions = hlink_click.find(qn("a:extLst"))
    if extensions is None:
        extensions = _sub(hlink_click, "extLst")
    extension = _sub(extensions, "ext", uri=HYPERLINK_COLOUR_EXTENSION)
    etree.SubElement(extension, f"{{{HYPERLINK_COLOUR}}}hlinkClr", {"val": "tx"}, nsmap={"ahyp": HYPERLINK_COLOUR})


# ------------------------------------------------------------------------------------------ package parts
#: Relationship types of the master's own document properties (LibreOffice writes "officedocument").
MASTER_PROPERTIES = ("/metadata/core-properties", "/custom-properties")


def without_properties(rels: bytes, content_types: bytes) -> tuple[bytes, bytes, list[str]]:
    """The package relationships and content types without the master's own core and custom properties:
    python-pptx does not recognise LibreOffice's spelling of their type and would add a second docProps/core.xml.
    Returns both files and the names of the parts left out."""
    rels_tree = etree.fromstring(rels)
    dropped = []
    for rel in list(rels_tree):
        if rel.get("Type", "").lower().endswith(MASTER_PROPERTIES):
            dropped.append(rel.get("Target").lstrip("/"))
            rels_tree.remove(rel)
    types_tree = etree.fromstring(content_types)
    for override in list(types_tree):
        if override.get("PartName", "").lstrip("/") in dropped:
            types_tree.remove(override)
    declaration = dict(xml_declaration=True, encoding="UTF-8", standalone=True)
    return etree.tostring(rels_tree, **declaration), etree.tostring(types_tree, **declaration), dropped


def app_properties(slides: int, notes: int, application: str = "report_builder") -> bytes:
    """docProps/app.xml describing the deck itself (not the master's sample slides)."""
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
    root = etree.Element(f"{{{ns}}}Properties", nsmap={None: ns})
    for name, value in (("Application", application), ("Slides", str(slides)), ("Notes", str(notes)),
                        ("HiddenSlides", "0")):
        etree.SubElement(root, f"{{{ns}}}{name}").text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


__all__ = ["ParagraphFormat", "RunFormat", "add_latent_placeholder", "app_properties", "background_colour",
           "has_text_styles", "link_notes_master", "master_text_style", "number_placeholders", "paragraph",
           "placeholder_text_colours", "remove_master", "remove_shape", "remove_slides", "set_alt_text", "set_cell_rules", "set_insets",
           "put_title_first", "set_language", "set_paragraphs", "set_table_style", "settle_text_colours",
           "theme_colours", "theme_fonts", "value_axis_crosses_at_maximum", "without_properties"]

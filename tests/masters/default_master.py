"""Write templates/default/master.pptx: the clean 16:9 master whose named layouts the deck uses.

Run once after changing the default theme colours or font, and commit the result:

    .venv/bin/python -m masters.default_master

The package is written part by part (not edited from python-pptx's 4:3 default) so that every
placeholder position, text style and colour is stated here, and the output is byte-identical
on every run and with any library version.
"""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

EMU_PER_INCH = 914400
SLIDE_W, SLIDE_H = 12192000, 6858000  # 13.333 x 7.5 in, PowerPoint's "Widescreen"
MARGIN = 0.55  # inches, left/right

NS = (
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
)
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CT = "application/vnd.openxmlformats-officedocument.presentationml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def emu(inches: float) -> int:
    return int(round(inches * EMU_PER_INCH))


def hexc(colour: str) -> str:
    return colour.lstrip("#").upper()


# ----------------------------------------------------------------------------------------- shapes
def xfrm(x: float, y: float, w: float, h: float) -> str:
    return f'<a:xfrm><a:off x="{emu(x)}" y="{emu(y)}"/><a:ext cx="{emu(w)}" cy="{emu(h)}"/></a:xfrm>'


def placeholder(
    shape_id: int, name: str, ph: str, box: tuple[float, float, float, float] | None = None,
    body_pr: str = "<a:bodyPr/>", lst_style: str = "<a:lstStyle/>", prompt: str = "",
) -> str:
    """A layout or master placeholder; box None inherits the master's position."""
    sp_pr = f"<p:spPr>{xfrm(*box)}</p:spPr>" if box else "<p:spPr/>"
    if prompt.startswith("<a:fld"):
        para = f"<a:p>{prompt}<a:endParaRPr lang=\"en-US\"/></a:p>"
    elif prompt:
        para = f'<a:p><a:r><a:rPr lang="en-US"/><a:t>{escape(prompt)}</a:t></a:r></a:p>'
    else:
        para = '<a:p><a:endParaRPr lang="en-US"/></a:p>'
    return (
        f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="{escape(name)}"/><p:cNvSpPr><a:spLocks noGrp="1"/>'
        f"</p:cNvSpPr><p:nvPr>{ph}</p:nvPr></p:nvSpPr>{sp_pr}<p:txBody>{body_pr}{lst_style}{para}</p:txBody></p:sp>"
    )


def rectangle(shape_id: int, name: str, box: tuple[float, float, float, float], fill: str) -> str:
    """A decorative bar: part of the layout, so it is never selectable or empty on a slide."""
    return (
        f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="{name}"/><p:cNvSpPr/><p:nvPr userDrawn="1"/></p:nvSpPr>'
        f'<p:spPr>{xfrm(*box)}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>{fill}<a:ln><a:noFill/></a:ln></p:spPr>'
        '<p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:endParaRPr lang="en-US"/></a:p></p:txBody></p:sp>'
    )


def solid(colour: str) -> str:
    if colour.startswith("#"):
        return f'<a:solidFill><a:srgbClr val="{hexc(colour)}"/></a:solidFill>'
    return f'<a:solidFill><a:schemeClr val="{colour}"/></a:solidFill>'


def body_pr(anchor: str = "t", inset: float = 0.1) -> str:
    i = emu(inset)
    return (
        f'<a:bodyPr vert="horz" wrap="square" lIns="{i}" tIns="{emu(0.05)}" rIns="{i}" bIns="{emu(0.05)}" '
        f'rtlCol="0" anchor="{anchor}"><a:noAutofit/></a:bodyPr>'
    )


def level_style(level: int, size: int, colour: str, bold: bool = False, align: str = "l",
                bullet: str | None = None, bullet_colour: str | None = None, space_before: int = 0,
                mar: int = 0, indent: int = 0) -> str:
    bu = "<a:buNone/>"
    if bullet:
        bu = f'{solid(bullet_colour or colour).replace("solidFill", "buClr")}<a:buFontTx/><a:buChar char="{bullet}"/>'
    b = ' b="1"' if bold else ""
    return (
        f'<a:lvl{level}pPr marL="{mar}" indent="{indent}" algn="{align}" defTabSz="914400" rtl="0" eaLnBrk="1" '
        f'latinLnBrk="0" hangingPunct="1"><a:lnSpc><a:spcPct val="100000"/></a:lnSpc>'
        f'<a:spcBef><a:spcPts val="{space_before * 100}"/></a:spcBef>{bu}'
        f'<a:defRPr sz="{size * 100}"{b} kern="1200">{solid(colour)}'
        '<a:latin typeface="+mn-lt"/><a:ea typeface="+mn-ea"/><a:cs typeface="+mn-cs"/></a:defRPr>'
        f"</a:lvl{level}pPr>"
    )


def plain_list(size: int, colour: str, bold: bool = False, align: str = "l") -> str:
    """A lstStyle with no bullets at any level (titles, subtitles, captions)."""
    return "<a:lstStyle>" + level_style(1, size, colour, bold, align) + "</a:lstStyle>"


# ----------------------------------------------------------------------------------------- parts
def theme_xml(colors: dict[str, str], palette: tuple[str, ...], font: str) -> str:
    """The theme: our colour scheme and font, flat fills and no effects (no default shadows on shapes). The
    brand colours come first (accent1-3: primary, secondary, accent), as in an institution's own theme: the deck
    takes its colours from there; the arm colours follow."""
    brand = (colors["primary"], colors["secondary"], colors["accent"])
    accents = "".join(f'<a:accent{i}><a:srgbClr val="{hexc(c)}"/></a:accent{i}>'
                      for i, c in enumerate((brand + tuple(palette))[:6], 1))
    fill = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    lines = "".join(f'<a:ln w="{w}" cap="flat" cmpd="sng" algn="ctr">{fill}<a:prstDash val="solid"/></a:ln>'
                    for w in (9525, 25400, 38100))
    return (
        f'{HEAD}<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="report_builder">'
        '<a:themeElements><a:clrScheme name="report_builder">'
        f'<a:dk1><a:srgbClr val="{hexc(colors["text"])}"/></a:dk1><a:lt1><a:srgbClr val="FFFFFF"/></a:lt1>'
        f'<a:dk2><a:srgbClr val="{hexc(colors["primary"])}"/></a:dk2><a:lt2><a:srgbClr val="{hexc(colors["light"])}"/></a:lt2>'
        f'{accents}<a:hlink><a:srgbClr val="{hexc(colors["secondary"])}"/></a:hlink>'
        f'<a:folHlink><a:srgbClr val="{hexc(colors["muted"])}"/></a:folHlink></a:clrScheme>'
        f'<a:fontScheme name="{escape(font)}">'
        f'<a:majorFont><a:latin typeface="{escape(font)}"/><a:ea typeface=""/><a:cs typeface=""/></a:majorFont>'
        f'<a:minorFont><a:latin typeface="{escape(font)}"/><a:ea typeface=""/><a:cs typeface=""/></a:minorFont>'
        "</a:fontScheme>"
        f'<a:fmtScheme name="report_builder"><a:fillStyleLst>{fill * 3}</a:fillStyleLst>'
        f"<a:lnStyleLst>{lines}</a:lnStyleLst>"
        "<a:effectStyleLst>" + "<a:effectStyle><a:effectLst/></a:effectStyle>" * 3 + "</a:effectStyleLst>"
        f"<a:bgFillStyleLst>{fill * 3}</a:bgFillStyleLst></a:fmtScheme></a:themeElements>"
        "<a:objectDefaults/><a:extraClrSchemeLst/></a:theme>"
    )


def master_xml(colors: dict[str, str], layout_count: int) -> str:
    w = SLIDE_W / EMU_PER_INCH
    content_w = w - 2 * MARGIN
    footer = plain_list(14, colors["muted"])  # 14 pt: nothing on a slide is smaller where it is projected
    shapes = [
        rectangle(7, "Title rule", (MARGIN, 1.3, content_w, 0.03), solid(colors["primary"])),
        placeholder(2, "Title Placeholder 1", '<p:ph type="title"/>', (MARGIN, 0.3, content_w, 0.95),
                    body_pr("b"), prompt="Click to edit Master title style"),
        placeholder(3, "Text Placeholder 2", '<p:ph type="body" idx="1"/>', (MARGIN, 1.5, content_w, 5.45),
                    body_pr("t"), prompt="Click to edit Master text styles"),
        placeholder(4, "Date Placeholder 3", '<p:ph type="dt" sz="half" idx="2"/>', (7.6, 7.05, 3.6, 0.32),
                    body_pr("ctr"), plain_list(14, colors["muted"], align="r")),
        placeholder(5, "Footer Placeholder 4", '<p:ph type="ftr" sz="quarter" idx="3"/>', (MARGIN, 7.05, 7.0, 0.32),
                    body_pr("ctr"), footer),
        placeholder(6, "Slide Number Placeholder 5", '<p:ph type="sldNum" sz="quarter" idx="4"/>',
                    (w - MARGIN - 1.4, 7.05, 1.4, 0.32), body_pr("ctr"), plain_list(14, colors["muted"], align="r"),
                    prompt='<a:fld id="{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}" type="slidenum"><a:rPr lang="en-US"/><a:t>‹#›</a:t></a:fld>'),
    ]
    layout_ids = "".join(f'<p:sldLayoutId id="{2147483649 + i}" r:id="rId{i + 1}"/>' for i in range(layout_count))
    body_levels = "".join(
        level_style(i, size, "tx1", bullet=char, bullet_colour=colors["secondary"], space_before=6,
                    mar=emu(0.32 * i), indent=-emu(0.32))
        for i, size, char in ((1, 20, "•"), (2, 18, "–"), (3, 16, "•"), (4, 16, "–"), (5, 16, "•"))
    )
    return (
        f"{HEAD}<p:sldMaster {NS}><p:cSld><p:bg><p:bgRef idx=\"1001\"><a:schemeClr val=\"bg1\"/></p:bgRef></p:bg>"
        '<p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr><a:xfrm>'
        '<a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/><a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>'
        + "".join(shapes)
        + "</p:spTree></p:cSld>"
        '<p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" accent2="accent2" accent3="accent3" '
        'accent4="accent4" accent5="accent5" accent6="accent6" hlink="hlink" folHlink="folHlink"/>'
        f"<p:sldLayoutIdLst>{layout_ids}</p:sldLayoutIdLst>"
        "<p:txStyles>"
        f'<p:titleStyle>{level_style(1, 28, "tx2", bold=True).replace("+mn-", "+mj-")}</p:titleStyle>'
        f"<p:bodyStyle>{body_levels}</p:bodyStyle>"
        f'<p:otherStyle><a:defPPr><a:defRPr lang="en-US"/></a:defPPr>{level_style(1, 18, "tx1")}</p:otherStyle>'
        "</p:txStyles></p:sldMaster>"
    )


def footers(first_id: int) -> str:
    """Date, footer and slide number, inheriting the master's positions (PowerPoint's Insert > Footer)."""
    return (
        placeholder(first_id, "Date Placeholder", '<p:ph type="dt" sz="half" idx="10"/>')
        + placeholder(first_id + 1, "Footer Placeholder", '<p:ph type="ftr" sz="quarter" idx="11"/>')
        + placeholder(first_id + 2, "Slide Number Placeholder", '<p:ph type="sldNum" sz="quarter" idx="12"/>',
                      prompt='<a:fld id="{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}" type="slidenum"><a:rPr lang="en-US"/><a:t>‹#›</a:t></a:fld>')
    )


def layouts(colors: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(name, type, background, shapes) of each layout, in the order PowerPoint lists them."""
    w = SLIDE_W / EMU_PER_INCH
    cw = w - 2 * MARGIN
    gap = 0.35
    half = (cw - gap) / 2
    title = placeholder(2, "Title 1", '<p:ph type="title"/>', prompt="Click to edit Master title style")
    body = lambda sid, idx, box, prompt="Click to edit Master text styles", kind="": placeholder(  # noqa: E731
        sid, f"Content Placeholder {sid - 1}", f'<p:ph{kind} idx="{idx}"/>', box, body_pr("t"), prompt=prompt)
    heading = lambda sid, idx, box: placeholder(  # noqa: E731
        sid, f"Text Placeholder {sid - 1}", f'<p:ph type="body" sz="quarter" idx="{idx}"/>', box, body_pr("b"),
        plain_list(20, "tx2", bold=True), "Click to edit Master text styles")
    cover_bg = f'<p:bg><p:bgPr>{solid("tx2")}<a:effectLst/></p:bgPr></p:bg>'
    section_bg = f'<p:bg><p:bgPr>{solid("bg2")}<a:effectLst/></p:bgPr></p:bg>'
    return [
        ("Title Slide", "title", cover_bg,
         rectangle(4, "Accent bar", (0.8, 4.12, 1.6, 0.07), solid(colors["accent"]))
         + placeholder(2, "Title 1", '<p:ph type="ctrTitle"/>', (0.8, 1.2, w - 1.6, 2.8), body_pr("b"),
                       plain_list(36, "bg1", bold=True), "Click to edit Master title style")
         + placeholder(3, "Subtitle 2", '<p:ph type="subTitle" idx="1"/>', (0.8, 4.4, w - 1.6, 2.5), body_pr("t"),
                       plain_list(18, "bg2"), "Click to edit Master subtitle style")),
        ("Title and Content", "obj", "", title + body(3, 1, None) + footers(4)),
        ("Section Header", "secHead", section_bg,
         rectangle(5, "Accent bar", (0.8, 4.02, 1.6, 0.07), solid(colors["accent"]))
         + placeholder(2, "Title 1", '<p:ph type="title"/>', (0.8, 1.6, w - 1.6, 2.3), body_pr("b"),
                       plain_list(36, "tx2", bold=True), "Click to edit Master title style")
         + placeholder(3, "Text Placeholder 2", '<p:ph type="body" idx="1"/>', (0.8, 4.3, w - 1.6, 1.6), body_pr("t"),
                       plain_list(20, colors["muted"]), "Click to edit Master text styles")
         + footers(6)),
        ("Two Content", "twoObj", "",
         title + body(3, 1, (MARGIN, 1.5, half, 5.45), kind=' sz="half"')
         + body(4, 2, (MARGIN + half + gap, 1.5, half, 5.45), kind=' sz="half"') + footers(5)),
        ("Comparison", "twoTxTwoObj", "",
         title + heading(3, 1, (MARGIN, 1.5, half, 0.6)) + body(4, 2, (MARGIN, 2.15, half, 4.8), kind=' sz="half"')
         + heading(5, 3, (MARGIN + half + gap, 1.5, half, 0.6))
         + body(6, 4, (MARGIN + half + gap, 2.15, half, 4.8), kind=' sz="half"') + footers(7)),
        ("Title Only", "titleOnly", "", title + footers(3)),
        ("Blank", "blank", "", footers(2)),
    ]


def layout_xml(name: str, kind: str, background: str, shapes: str) -> str:
    # Cover, section and blank layouts hide the master's title rule.
    show = "" if kind in ("obj", "twoObj", "twoTxTwoObj", "titleOnly") else ' showMasterSp="0"'
    return (
        f'{HEAD}<p:sldLayout {NS}{show} type="{kind}" preserve="1"><p:cSld name="{escape(name)}">{background}'
        '<p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr><a:xfrm>'
        '<a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/><a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>'
        f"{shapes}</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>"
    )


def rels(items: list[tuple[str, str]]) -> str:
    body = "".join(f'<Relationship Id="rId{i}" Type="{t}" Target="{target}"/>' for i, (t, target) in enumerate(items, 1))
    return f'{HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{body}</Relationships>'


def build_master(theme, font_family: str) -> bytes:
    """The whole master package as bytes; deterministic for a given theme, independent of library versions."""
    import io

    from report_builder.builders.pptx.package import fixed_entry

    colors = dict(theme.colors)
    lays = layouts(colors)
    n = len(lays)
    parts: list[tuple[str, str]] = []
    overrides = [("/ppt/presentation.xml", f"{CT}.presentation.main+xml"),
                 ("/ppt/slideMasters/slideMaster1.xml", f"{CT}.slideMaster+xml")]
    overrides += [(f"/ppt/slideLayouts/slideLayout{i}.xml", f"{CT}.slideLayout+xml") for i in range(1, n + 1)]
    overrides += [("/ppt/theme/theme1.xml", "application/vnd.openxmlformats-officedocument.theme+xml"),
                  ("/ppt/presProps.xml", f"{CT}.presProps+xml"), ("/ppt/viewProps.xml", f"{CT}.viewProps+xml"),
                  ("/ppt/tableStyles.xml", f"{CT}.tableStyles+xml"),
                  ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
                  ("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml")]
    parts.append(("[Content_Types].xml", (
        f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides) + "</Types>")))
    parts.append(("_rels/.rels", rels([
        (f"{REL}/officeDocument", "ppt/presentation.xml"),
        ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties", "docProps/core.xml"),
        (f"{REL}/extended-properties", "docProps/app.xml")])))
    parts.append(("docProps/core.xml", (
        f'{HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>report_builder default master</dc:title>'
        "<dc:creator>report_builder</dc:creator><cp:revision>1</cp:revision>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:modified></cp:coreProperties>')))
    parts.append(("docProps/app.xml", (
        f'{HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>report_builder</Application><PresentationFormat>Widescreen</PresentationFormat>"
        "<Slides>0</Slides><Notes>0</Notes></Properties>")))
    parts.append(("ppt/presentation.xml", (
        f'{HEAD}<p:presentation {NS} saveSubsetFonts="1"><p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId1"/>'
        f'</p:sldMasterIdLst><p:sldSz cx="{SLIDE_W}" cy="{SLIDE_H}"/><p:notesSz cx="6858000" cy="9144000"/>'
        '<p:defaultTextStyle><a:defPPr><a:defRPr lang="en-US"/></a:defPPr>'
        + level_style(1, 18, "tx1") + "</p:defaultTextStyle></p:presentation>")))
    parts.append(("ppt/_rels/presentation.xml.rels", rels([
        (f"{REL}/slideMaster", "slideMasters/slideMaster1.xml"), (f"{REL}/presProps", "presProps.xml"),
        (f"{REL}/viewProps", "viewProps.xml"), (f"{REL}/theme", "theme/theme1.xml"),
        (f"{REL}/tableStyles", "tableStyles.xml")])))
    parts.append(("ppt/presProps.xml", f"{HEAD}<p:presentationPr {NS}/>"))
    parts.append(("ppt/viewProps.xml", (
        f'{HEAD}<p:viewPr {NS}><p:normalViewPr><p:restoredLeft sz="15620"/><p:restoredTop sz="94660"/></p:normalViewPr>'
        '<p:gridSpacing cx="76200" cy="76200"/></p:viewPr>')))
    parts.append(("ppt/tableStyles.xml", f'{HEAD}<a:tblStyleLst xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
                                         'def="{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}"/>'))
    parts.append(("ppt/theme/theme1.xml", theme_xml(colors, theme.chart_palette, font_family)))
    parts.append(("ppt/slideMasters/slideMaster1.xml", master_xml(colors, n)))
    parts.append(("ppt/slideMasters/_rels/slideMaster1.xml.rels", rels(
        [(f"{REL}/slideLayout", f"../slideLayouts/slideLayout{i}.xml") for i in range(1, n + 1)]
        + [(f"{REL}/theme", "../theme/theme1.xml")])))
    for i, (name, kind, background, shapes) in enumerate(lays, 1):
        parts.append((f"ppt/slideLayouts/slideLayout{i}.xml", layout_xml(name, kind, background, shapes)))
        parts.append((f"ppt/slideLayouts/_rels/slideLayout{i}.xml.rels",
                      rels([(f"{REL}/slideMaster", "../slideMasters/slideMaster1.xml")])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts:
            archive.writestr(fixed_entry(name), text.encode("utf-8"))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    from PIL import ImageFont

    from report_builder.resources import templates_root
    from report_builder.theme.template import load_template

    template = load_template("default")
    family = ImageFont.truetype(str(template.theme.fonts["regular"]), 12).getname()[0]
    target = Path(argv[0]) if argv else templates_root() / "default" / "master.pptx"
    target.write_bytes(build_master(template.theme, family))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

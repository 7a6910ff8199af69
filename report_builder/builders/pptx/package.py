"""The deck's package: opening a .pptx/.potx master cleanly, naming layouts, and reproducible saving."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

from report_builder.errors import TemplateError

TEMPLATE_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
PRESENTATION_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


#: Media already compressed in their own format: deflating them again costs time (about 0.02 s for the
#: bundled deck's pictures, on the critical path of a split build) for a few percent of size.
COMPRESSED_MEDIA = (".png", ".jpg", ".jpeg", ".gif")


def fixed_entry(name: str, stored: bool = False) -> zipfile.ZipInfo:
    """A zip entry that records no build clock and no host: the same parts give the same bytes."""
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 0
    return info
P14 = "http://schemas.microsoft.com/office/powerpoint/2010/main"


def open_master(path: Path):
    """The master as a Presentation with no slides; a .potx is read as the .pptx it equals."""
    from report_builder.builders.pptx.parts import open_presentation

    data = path.read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise TemplateError(f"{path}: not a PowerPoint file ({exc})") from None
    if TEMPLATE_MAIN.encode() in types:
        # python-pptx refuses the template content type; the parts are otherwise identical.
        data = _replace_entry(data, "[Content_Types].xml", types.replace(TEMPLATE_MAIN.encode(), PRESENTATION_MAIN.encode()))
    try:
        prs = open_presentation(io.BytesIO(data))
    except Exception as exc:  # any parse failure of a user's master is a template problem, not a crash
        raise TemplateError(f"{path}: cannot be read as a PowerPoint master ({type(exc).__name__}: {exc})") from None
    remove_slides(prs)
    return prs


def _replace_entry(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, content if info.filename == name else src.read(info.filename))
    return out.getvalue()


def remove_slides(prs) -> None:
    """Drop a master's sample slides: relationship, sldId, and any section or custom show naming them."""
    from pptx.oxml.ns import qn

    id_list = prs.slides._sldIdLst
    removed = set()
    for sld_id in list(id_list):
        removed.add(sld_id.get("id"))
        rid = sld_id.rId
        id_list.remove(sld_id)
        prs.part.drop_rel(rid)
    if not removed:
        return
    root = prs.part._element
    for show_list in root.findall(qn("p:custShowLst")):
        root.remove(show_list)  # custom shows list slides by relationship; they would dangle
    for section_id in root.iter(f"{{{P14}}}sldId"):
        if section_id.get("id") in removed:
            section_id.getparent().remove(section_id)


def layout_names(prs) -> list[str]:
    return [layout.name for master in prs.slide_masters for layout in master.slide_layouts]


def find_layout(prs, name: str, kind: str, master_path: Path):
    for master in prs.slide_masters:
        for layout in master.slide_layouts:
            if layout.name == name:
                return layout
    names = ", ".join(f"'{n}'" for n in layout_names(prs)) or "none"
    raise TemplateError(
        f"deck slide '{kind}' uses layout '{name}', which {master_path.name} does not have; "
        f"its layouts are: {names} (map slide kinds to these names under deck.layouts in template.yaml)"
    )


def resolve_layout(prs, kind: str, role: str, layouts: Mapping[str, str], master_path: Path):
    """The layout of a slide kind: its own mapping first (institutions), else its role's mapping."""
    name = layouts.get(kind) or layouts.get(role)
    if name is None:
        names = ", ".join(f"'{n}'" for n in layout_names(prs)) or "none"
        raise TemplateError(
            f"deck slide '{kind}' needs a layout: map '{kind}' or '{role}' to one of the layouts of "
            f"{master_path.name} under deck.layouts in template.yaml: {names}"
        )
    return find_layout(prs, name, kind, master_path)


# --------------------------------------------------------------------------------------- placeholders
P_NS = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
SHAPE_TAGS = frozenset(P_NS + tag for tag in ("sp", "grpSp", "graphicFrame", "cxnSp", "pic", "contentPart"))


def placeholder_of(shape):
    """The shape's p:ph element or None, as python-pptx's `ph` ("./*[1]/p:nvPr/p:ph") finds it; python-pptx
    compiles that XPath on every access, which made placeholder lookups most of the deck's build time."""
    first = shape.find("*")
    if first is None:
        return None
    nv_pr = first.find(P_NS + "nvPr")
    return None if nv_pr is None else nv_pr.find(P_NS + "ph")


def iter_placeholders(sp_tree):
    """(shape, p:ph) of each placeholder of a shape tree in document order, as python-pptx iterates them."""
    for shape in sp_tree.iterchildren():
        if shape.tag in SHAPE_TAGS:
            ph = placeholder_of(shape)
            if ph is not None:
                yield shape, ph


# --------------------------------------------------------------------------------------- saving
def set_properties(prs, *, title: str, author: str, subject: str, keywords: str, date: dt.date, comments: str) -> None:
    """Core properties from the evidence, never from the clock or the master."""
    props = prs.core_properties
    moment = dt.datetime(date.year, date.month, date.day, 0, 0, 0)
    props.title = title[:255]
    props.author = author[:255]
    props.subject = subject[:255]
    props.keywords = keywords[:255]
    props.comments = comments[:255]
    props.last_modified_by = "report_builder"
    props.category = ""
    props.content_status = ""
    props.identifier = ""
    props.language = "en-US"
    props.version = ""
    props.created = moment
    props.modified = moment
    props.last_printed = moment
    props.revision = 1


def link_notes_master(prs) -> None:
    """List the notes master in presentation.xml (python-pptx relates it but omits notesMasterIdLst;
    Keynote and other readers then lose the speaker notes)."""
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT
    from pptx.oxml.ns import qn
    from pptx.oxml.xmlchemy import OxmlElement

    root = prs.part._element
    if root.find(qn("p:notesMasterIdLst")) is not None:
        return
    rid = next((r.rId for r in prs.part.rels.values() if r.reltype == RT.NOTES_MASTER), None)
    if rid is None:
        return
    id_list = OxmlElement("p:notesMasterIdLst")
    entry = OxmlElement("p:notesMasterId")
    entry.set(qn("r:id"), rid)
    id_list.append(entry)
    root.find(qn("p:sldMasterIdLst")).addnext(id_list)  # schema order: right after the slide masters


def save(prs, date: dt.date) -> bytes:
    """Save with fixed timestamps, so identical input gives identical bytes."""
    link_notes_master(prs)
    return write_package(prs.part.package, date)


def write_package(package, date: dt.date) -> bytes:
    """What prs.save() followed by a re-pack with fixed entries gave, in one pass: python-pptx's PackageWriter
    (its items, their order and content types) writing straight into our reproducible zip, so every part is
    deflated once instead of deflated, inflated and deflated again."""
    from pptx.opc.serialized import PackageWriter

    writer = PackageWriter(None, package._rels, tuple(package.iter_parts()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        fixed = _FixedEntryWriter(archive, date)
        # PackageWriter._write, with our physical writer in place of its own zip file.
        writer._write_content_types_stream(fixed)
        writer._write_pkg_rels(fixed)
        writer._write_parts(fixed)
    return out.getvalue()


class _FixedEntryWriter:
    """A physical package writer for python-pptx's PackageWriter: each item becomes a fixed_entry member."""

    def __init__(self, archive: zipfile.ZipFile, date: dt.date):
        self.archive = archive
        self.date = date

    def write(self, pack_uri, blob: bytes) -> None:
        name = pack_uri.membername
        if name.startswith("ppt/embeddings/") and name.endswith(".xlsx"):
            blob = repack_workbook(blob, self.date)
        stored = name.startswith("ppt/media/") and name.lower().endswith(COMPRESSED_MEDIA)
        self.archive.writestr(fixed_entry(name, stored), blob)


def repack_workbook(data: bytes, date: dt.date) -> bytes:
    """The chart's data workbook (XlsxWriter) records the build clock; state the evidence date instead."""
    stamp = f"{date.isoformat()}T00:00:00Z".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + stamp + rb"\g<2>",
                                 content)
            dst.writestr(fixed_entry(info.filename), content)
    return out.getvalue()

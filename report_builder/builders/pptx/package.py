"""The deck's package: opening a .pptx/.potx master cleanly, naming layouts, and reproducible saving."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

from report_builder.builders.pptx import oxml
from report_builder.errors import TemplateError

TEMPLATE_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
PRESENTATION_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


#: Media already compressed in their own format: stored as they are (deflating them again saves a few percent).
COMPRESSED_MEDIA = (".png", ".jpg", ".jpeg", ".gif")


def fixed_entry(name: str, stored: bool = False) -> zipfile.ZipInfo:
    """A zip entry that records no build clock and no host: the same parts give the same bytes."""
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 0
    return info


def open_master(path: Path):
    """The master as a Presentation with no slides; a .potx is read as the .pptx it equals."""
    import pptx

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
        prs = pptx.Presentation(io.BytesIO(data))
    except Exception as exc:  # any parse failure of a user's master is a template problem, not a crash
        raise TemplateError(f"{path}: cannot be read as a PowerPoint master ({type(exc).__name__}: {exc})") from None
    oxml.remove_slides(prs, list(prs.slides))  # a master's sample slides
    return prs


def _replace_entry(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, content if info.filename == name else src.read(info.filename))
    return out.getvalue()


def layout_names(prs) -> list[str]:
    return [layout.name for master in prs.slide_masters for layout in master.slide_layouts]


def check_layouts(template) -> list["Problem"]:
    """Every layout name template.yaml maps a slide kind to exists in the master: what `build-report check`
    finds without building (a build would stop at the first slide that uses a missing one)."""
    import difflib

    from report_builder.errors import Problem
    from report_builder.inputs.yaml_reader import read_yaml

    names = layout_names(open_master(template.deck_master))
    problems = []
    for kind, name in sorted(template.deck_layouts.items()):
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"its layouts are: {', '.join(repr(n) for n in names)}"
            message = f"layout '{name}' is not in {template.deck_master.name}; {hint}"
            source = template.layout_sources.get(kind)
            if source is None:
                problems.append(Problem(template.deck_master, None, None, f"deck.layouts.{kind}", message))
            else:  # located at the line of template.yaml that maps it
                problems.append(read_yaml(source, "template file")[1].problem(("deck", "layouts", kind), message))
    return problems


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


def save(prs, date: dt.date) -> bytes:
    """python-pptx's save, then every zip entry rewritten without the build clock, so identical input gives
    identical bytes."""
    oxml.link_notes_master(prs)
    saved = io.BytesIO()
    prs.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name = info.filename
            content = src.read(name)
            if name.startswith("ppt/embeddings/") and name.endswith(".xlsx"):
                content = repack_workbook(content, date)
            stored = name.startswith("ppt/media/") and name.lower().endswith(COMPRESSED_MEDIA)
            dst.writestr(fixed_entry(name, stored), content)
    return out.getvalue()


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

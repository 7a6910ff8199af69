"""The deck's package: opening a .pptx/.potx master cleanly, naming layouts, and reproducible saving."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

from report_builder.builders.pptx import oxml
from report_builder.builders.pptx.text import EMU_PER_INCH, EMU_PER_PT, INSET_Y_PT, LINE
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
            rels = archive.read("_rels/.rels")
        # The master's own document properties go: the deck gets its own (set_properties), never two.
        rels, types, dropped = oxml.without_properties(rels, types)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TemplateError(f"{path}: not a PowerPoint file ({exc})") from None
    # python-pptx refuses the template content type; the parts are otherwise identical.
    types = types.replace(TEMPLATE_MAIN.encode(), PRESENTATION_MAIN.encode())
    data = _replace_entries(data, {"[Content_Types].xml": types, "_rels/.rels": rels, **dict.fromkeys(dropped)})
    try:
        prs = pptx.Presentation(io.BytesIO(data))
    except Exception as exc:  # any parse failure of a user's master is a template problem, not a crash
        raise TemplateError(f"{path}: cannot be read as a PowerPoint master ({type(exc).__name__}: {exc})") from None
    oxml.remove_slides(prs, list(prs.slides))  # a master's sample slides
    return prs


def _replace_entries(data: bytes, replacements: Mapping[str, bytes | None]) -> bytes:
    """The zip with some entries replaced (None: left out)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename not in replacements:
                dst.writestr(info, src.read(info.filename))
            elif replacements[info.filename] is not None:
                dst.writestr(info, replacements[info.filename])
    return out.getvalue()


def master_name(prs, master) -> str:
    """How the error messages name a slide master: its theme's name where it has one, and its position."""
    position = list(prs.slide_masters).index(master) + 1
    name = master.name
    return f"slide master {position} '{name}'" if name else f"slide master {position}"


def layout_listing(prs) -> str:
    """Every layout name once, grouped by the slide master it belongs to."""
    groups = []
    for master in prs.slide_masters:
        names = list(dict.fromkeys(layout.name for layout in master.slide_layouts))
        groups.append(f"{master_name(prs, master)}: " + (", ".join(f"'{n}'" for n in names) or "none"))
    return "; ".join(groups) or "none"


def holds_body_text(width: int, height: int) -> bool:
    """Whether a body placeholder (EMU) can take slide text: three lines at the smallest body size (20 pt) and 2.5
    inches across. A Comparison layout's column headers (0.6 inch tall) cannot: text put there ran over 17 slides."""
    return height >= (3 * LINE * 20 + 2 * INSET_Y_PT) * EMU_PER_PT and width >= 2.5 * EMU_PER_INCH


#: Body placeholders the slides of each layout kind fill: a cover's subtitle, a content slide's text, the question's
#: case and PICO side by side; title-only slides place their tables and pictures below the title themselves.
LAYOUT_BODIES = {"title": 1, "section": 0, "content": 1, "two_content": 2, "title_only": 0, "closing": 1}


def check_layouts(template) -> list["Problem"]:
    """What `build-report check` and every deck build find in the master without building: each layout name
    template.yaml maps a slide kind to exists (errors; a build would stop at the first slide that uses a missing one),
    and each mapped layout has the title and body placeholders its slides fill (warnings naming the fallback)."""
    import difflib

    from report_builder.errors import Problem
    from report_builder.inputs.yaml_reader import read_yaml

    prs = open_master(template.deck_master)
    layouts: dict[str, object] = {}
    for master in prs.slide_masters:
        for layout in master.slide_layouts:
            layouts.setdefault(layout.name, layout)  # a name in several masters: the first master's (find_layout)
    names = list(layouts)
    problems = []
    for kind, name in sorted(template.deck_layouts.items()):
        layout = layouts.get(name)
        if layout is None:
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"its layouts are ({layout_listing(prs)})"
            found = [(f"layout '{name}' is not in {template.deck_master.name}; {hint}", "error")]
        else:
            found = [(message, "warning") for message in _fallbacks(prs, kind, layout)]
        source = template.layout_sources.get(kind)
        for message, severity in found:
            if source is None:
                problems.append(Problem(template.deck_master, None, None, f"deck.layouts.{kind}", message, severity))
            else:  # located at the line of template.yaml that maps it
                problems.append(read_yaml(source, "template file")[1].problem(("deck", "layouts", kind), message,
                                                                              severity))
    return problems


def _fallbacks(prs, kind: str, layout) -> list[str]:
    """What the deck draws itself because the layout lacks a placeholder its slides fill (Deck.new_slide, fill_body).
    A slide kind mapped on its own may be of any layout kind: only its title is checked."""
    from pptx.enum.shapes import PP_PLACEHOLDER

    types = [ph.placeholder_format.type for ph in layout.placeholders]
    where = f"layout '{layout.name}' of {master_name(prs, layout.slide_master)}"
    found = []
    if not any(t in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE) for t in types):
        found.append(f"{where} has no title placeholder; '{kind}' slides get their title as a bold text box at the "
                     "top of the slide, left-aligned")
    needed = LAYOUT_BODIES.get(kind, 0)
    kinds = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.SUBTITLE, PP_PLACEHOLDER.OBJECT)
    bodies = [ph for ph in layout.placeholders if ph.placeholder_format.type in kinds]
    usable = sum(holds_body_text(ph.width, ph.height) for ph in bodies)
    if usable < needed:
        boxes = "a text box" if needed == 1 else f"{needed} text boxes side by side"
        small = f" ({len(bodies) - usable} too small for three lines of 20-pt text)" if len(bodies) > usable else ""
        found.append(f"{where} has {usable or 'no'} body placeholder{'' if usable == 1 else 's'}{small} where '{kind}' "
                     f"slides fill {needed}; their text goes in {boxes} in the area below the title")
    return found


def find_layout(prs, name: str, kind: str, master_path: Path):
    """The first layout of that name, masters in order (a name in several masters: the first master's)."""
    for master in prs.slide_masters:
        for layout in master.slide_layouts:
            if layout.name == name:
                oxml.number_placeholders(layout)
                return layout
    raise TemplateError(
        f"deck slide '{kind}' uses layout '{name}', which {master_path.name} does not have; its layouts are "
        f"({layout_listing(prs)}); map slide kinds to these names under deck.layouts in template.yaml"
    )


def layout_name(layouts: Mapping[str, str], slide: str | None, kind: str, role: str) -> str | None:
    """The layout name a slide is built on: the mapping of the deck.slides entry that makes it (pivotal), else of its
    own kind (the pivotal trial's forest plot is a forest slide), else of its layout kind."""
    return (layouts.get(slide) if slide else None) or layouts.get(kind) or layouts.get(role)


def resolve_layout(prs, kind: str, role: str, layouts: Mapping[str, str], master_path: Path, slide: str | None = None):
    """The layout of a slide (layout_name), found in the master."""
    name = layout_name(layouts, slide, kind, role)
    if name is None:
        raise TemplateError(
            f"deck slide '{kind}' needs a layout: map '{kind}' or '{role}' under deck.layouts in template.yaml "
            f"to one of the layouts of {master_path.name} ({layout_listing(prs)})"
        )
    return find_layout(prs, name, kind, master_path)


def drop_unused(prs) -> None:
    """Leave out the layouts no slide uses and the slide masters left without any: the deck carries only what it
    shows (a LibreOffice master brings 12 layouts per master, and often several masters)."""
    for master in list(prs.slide_masters):
        for layout in list(master.slide_layouts):
            if not layout.used_by_slides:
                master.slide_layouts.remove(layout)
        if len(master.slide_layouts) == 0:
            oxml.remove_master(prs, master)


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
    drop_unused(prs)
    app = oxml.app_properties(len(prs.slides), sum(1 for slide in prs.slides if slide.has_notes_slide))
    saved = io.BytesIO()
    prs.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name = info.filename
            content = src.read(name)
            if name.startswith("ppt/embeddings/") and name.endswith(".xlsx"):
                content = repack_workbook(content, date)
            elif name == "docProps/app.xml":
                content = app
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

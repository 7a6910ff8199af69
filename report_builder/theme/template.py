"""A resolved template: the settings of its search path merged, the files they name checked, and its wording."""
from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from report_builder.errors import Problem, TemplateError
from report_builder.inputs.evidence import validate_as
from report_builder.inputs.template_schema import DECK_SLIDES, LAYOUT_ROLES, TemplateFile
from report_builder.inputs.yaml_reader import SourceMap
from report_builder.resources import templates_root
from report_builder.theme.search_path import DEFAULT, TemplateFolder, template_chain, template_files


@dataclass(frozen=True)
class ResolvedTheme:
    """The merged theme, every value present (the default template defines all of them)."""

    institution: str
    colors: Mapping[str, str]
    chart_palette: tuple[str, ...]
    fonts: Mapping[str, Path]
    logo: Path | None
    page_size: str
    header: str
    footer: str
    disclaimer: str


@dataclass(frozen=True)
class Template:
    """A resolved template: its search path, merged settings and a sandboxed Jinja environment."""

    name: str
    search_path: tuple[Path, ...]  #: most specific first, the default template last
    theme: ResolvedTheme
    pdf_sections: tuple[str, ...]
    deck_slides: tuple[str, ...]
    deck_master: Path
    deck_layouts: Mapping[str, str]
    layout_sources: Mapping[str, Path] = field(default_factory=dict)  #: where each layout mapping was set
    citation_style: Path | None = None  #: the CSL file the reference list is formatted with
    deck_colors: Mapping[str, str] = field(default_factory=dict)  #: set with or after the master; others: its theme
    deck_fonts: Mapping[str, Path] = field(default_factory=dict)  #: set with or after the master; else its fonts
    pdf_move_up: tuple[str, ...] = ()  #: sections after `appendix` that move up to page 2 when they fit there

    @cached_property
    def environment(self):
        from report_builder.theme.wording import wording_environment

        return wording_environment(self.search_path)

    @cached_property
    def wording_glyph_problems(self) -> tuple[Problem, ...]:
        """Warnings for characters of the wording files that the fonts lack: once per loaded template."""
        from report_builder.theme.glyphs import wording_glyphs

        return wording_glyphs(self.environment, self.search_path[:-1], self.theme.fonts)  # default comes last

    def has_text(self, key: str) -> bool:
        return any((folder / "wording" / f"{key}.j2").is_file() for folder in self.search_path)

    def text(self, key: str, **context: Any) -> str:
        """Render wording/<key>.j2 through the search path; errors name the template file and line."""
        from report_builder.theme.wording import render

        return render(self.environment, f"wording/{key}.j2", context, self.name)

    def files(self, outputs: Path | None = None) -> list[Path]:
        """Every file of every folder on the search path but those in `outputs`: the inputs of a build."""
        return template_files(self.search_path, outputs)


def load_template(template: str | Path | tuple[TemplateFolder, ...] = DEFAULT) -> Template:
    """Validate every template.yaml of a search path, merge them, and check the files they name.

    template is a name, a folder, or the chain template_chain() already walked (a build walks it
    once, for its up-to-date check and for this).
    """
    chain = template if isinstance(template, tuple) else template_chain(template)
    parsed = [(link.folder, validate_as(TemplateFile, link.data, link.source_map, TemplateError), link.source_map)
              for link in chain]
    resolved = _merge(parsed)  # first, so a link named in template.yaml is reported at its line there
    _check_folders(chain)
    return resolved


def _check_folders(chain: tuple[TemplateFolder, ...]) -> None:
    """Every template folder: no link leads outside it, and every wording file parses.

    Checked when the template loads, so a mistake in a wording file that only some builds render
    (or a link to /etc/passwd that the loader would silently skip) is reported on every build.
    """
    from jinja2 import TemplateSyntaxError

    from report_builder.theme.wording import WordingEnvironment

    problems: list[Problem] = []
    parser = WordingEnvironment()
    for link in chain:
        folder = link.folder
        root = folder.resolve()
        for path in sorted(folder.rglob("*")):
            try:
                target = path.resolve()
            except (OSError, RuntimeError):  # a loop of links
                problems.append(Problem(path, None, None, "", "is a link that leads back to itself; remove it"))
                continue
            if path.is_symlink() and not target.is_relative_to(root):
                problems.append(Problem(path, None, None, "", f"is a link to {path.resolve()}, outside the template "
                                                              "folder; copy the file into the folder instead"))
                continue
            if path.suffix != ".j2" or not path.is_file():
                continue
            try:
                source = path.read_bytes().decode("utf-8")
            except UnicodeDecodeError as exc:
                line = path.read_bytes()[: exc.start].count(b"\n") + 1
                problems.append(Problem(path, line, None, "", f"byte 0x{exc.object[exc.start]:02x} is not valid UTF-8; "
                                                              "save the file as UTF-8"))
                continue
            try:
                parser.parse(source, path.name, str(path))
            except TemplateSyntaxError as exc:
                problems.append(Problem(path, exc.lineno, None, "", f"template syntax error: {exc.message}"))
    if problems:
        raise TemplateError(f"template '{chain[0].folder.name}': {len(problems)} error(s)", problems)


def _merge(chain: list[tuple[Path, TemplateFile, SourceMap]]) -> Template:
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    layouts: dict[str, str] = {}
    layout_sources: dict[str, Path] = {}
    layout_keys: list[tuple[str, SourceMap]] = []
    deck_colors: dict[str, str] = {}
    deck_fonts: dict[str, Path | None] = {}
    # Walk from the default up to the institution so that the most specific value wins.
    for folder, parsed, source_map in reversed(chain):
        theme = parsed.theme
        for key in ("institution", "chart_palette", "page_size", "header", "footer", "disclaimer"):
            value = getattr(theme, key)
            if value is not None:
                values[key] = value
        for key, value in theme.colors.model_dump().items():
            if value is not None:
                values[f"colors.{key}"] = value
        for key, value in theme.fonts.model_dump().items():
            if value is not None:
                values[f"fonts.{key}"] = _file(folder, value, source_map, ("theme", "fonts", key), problems, _check_font)
        if theme.citation_style is not None:
            values["citation_style"] = theme.citation_style
            values["citation_style.source"] = (source_map, ("theme", "citation_style"))
        if theme.logo is not None:
            values["logo"] = _file(folder, theme.logo, source_map, ("theme", "logo"), problems, _check_image)
        if parsed.pdf.sections is not None:
            values["pdf.sections"] = parsed.pdf.sections
        if parsed.pdf.move_up is not None:
            values["pdf.move_up"] = parsed.pdf.move_up
        if parsed.deck.slides is not None:
            values["deck.slides"] = parsed.deck.slides
        if parsed.deck.master is not None:
            values["deck.master"] = _file(folder, parsed.deck.master, source_map, ("deck", "master"), problems, _check_master)
            # A new master brings its own layout names, colours and fonts.
            layouts, deck_colors, deck_fonts = {}, {}, {}
        for kind, layout in parsed.deck.layouts.items():
            layouts[kind] = layout
            layout_sources[kind] = source_map.file
            layout_keys.append((kind, source_map))
        deck_colors.update({k: v for k, v in parsed.deck.colors.model_dump().items() if v is not None})
        for key, value in parsed.deck.fonts.model_dump().items():
            if value is not None:
                deck_fonts[key] = _file(folder, value, source_map, ("deck", "fonts", key), problems, _check_font)
    slides = values.get("deck.slides", ())
    for kind, source_map in layout_keys:
        if kind not in LAYOUT_ROLES and kind not in DECK_SLIDES and kind not in slides:
            known = sorted(set(LAYOUT_ROLES) | set(DECK_SLIDES) | set(slides))
            close = difflib.get_close_matches(kind, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(source_map.problem(
                ("deck", "layouts", kind), f"unknown layout kind or slide '{kind}'; {hint}deck.layouts maps a layout "
                f"kind ({', '.join(LAYOUT_ROLES)}) or a slide of deck.slides to a layout name", key=True))
    if deck_fonts and "regular" not in deck_fonts:
        problems.append(Problem(chain[0][0] / "template.yaml", None, None, "deck.fonts",
                                "deck.fonts needs at least 'regular' (the others default to it)"))
    style = _citation_style(tuple(folder for folder, _, _ in chain), values, problems)
    if problems:
        raise TemplateError(f"template '{chain[0][0].name}': {len(problems)} error(s)", problems)
    missing = [k for k in _REQUIRED if k not in values]
    if missing:
        raise TemplateError(f"template '{chain[0][0].name}': the default template must define {', '.join(missing)}")
    theme = ResolvedTheme(
        institution=values.get("institution", ""),  # none: the handout's header names no institution
        colors={k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("colors.")},
        chart_palette=tuple(values["chart_palette"]),
        fonts={k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("fonts.")},
        logo=values.get("logo"),
        page_size=values["page_size"],
        header=values.get("header", ""),
        footer=values.get("footer", ""),
        disclaimer=values["disclaimer"],
    )
    return Template(
        name=chain[0][1].name or chain[0][0].name,
        search_path=tuple(folder for folder, _, _ in chain),
        theme=theme,
        pdf_sections=tuple(values["pdf.sections"]),
        pdf_move_up=tuple(values.get("pdf.move_up", ())),
        deck_slides=tuple(values["deck.slides"]),
        deck_master=values["deck.master"],
        deck_layouts=dict(layouts),
        layout_sources=layout_sources,
        citation_style=style,
        deck_colors=deck_colors,
        deck_fonts={key: deck_fonts.get(key) or deck_fonts["regular"]
                    for key in ("regular", "bold", "italic", "bold_italic")} if deck_fonts else {},
    )


def _citation_style(search_path: tuple[Path, ...], values: dict[str, Any], problems: list[Problem]) -> Path | None:
    """csl/<name>.csl of the most specific folder that has it, checked by the formatter's own parser."""
    name = values.get("citation_style", "vancouver")
    source_map, path = values.get("citation_style.source", (None, ()))
    for folder in search_path:
        candidate = folder / "csl" / f"{name}.csl"
        if candidate.is_file():
            try:
                from citeproc import CitationStylesStyle

                CitationStylesStyle(str(candidate), validate=False)
            except Exception as exc:  # a damaged style must be a located user error, whatever lxml raises
                message = f"csl/{name}.csl is not a readable CSL style ({type(exc).__name__}: {exc})"
                problems.append(source_map.problem(path, message) if source_map else Problem(candidate, None, None,
                                                                                             "", message))
                return None
            return candidate
    if source_map is not None:
        problems.append(source_map.problem(path, f"no CSL style '{name}': expected csl/{name}.csl in "
                                                 f"{' or '.join(str(f) for f in search_path)}"))
    return None


_REQUIRED = (
    "chart_palette", "page_size", "disclaimer", "pdf.sections", "deck.slides", "deck.master",
    "colors.primary", "colors.secondary", "colors.accent", "colors.text", "colors.muted", "colors.light",
    "colors.warning", "fonts.regular", "fonts.bold", "fonts.italic", "fonts.bold_italic",
)


def _file(folder: Path, name: str, source_map: SourceMap, path: tuple, problems: list[Problem], check) -> Path | None:
    """A file named in template.yaml: relative to its folder, never outside it, present and sound."""
    if len(name) > 255 or any(ord(c) < 32 or c == "\x7f" for c in name):
        problems.append(source_map.problem(path, "a file name of at most 255 characters without control "
                                                  "characters is expected"))
        return None
    try:
        candidate = (folder / name).resolve()
    except (OSError, RuntimeError) as exc:  # a loop of links, a name too long for the file system
        problems.append(source_map.problem(path, f"'{name}' cannot be followed ({exc})"))
        return None
    if Path(name).is_absolute() or not candidate.is_relative_to(folder.resolve()):
        problems.append(source_map.problem(path, f"'{name}' points outside the template folder; "
                                                  "copy the file into the folder and name it relatively"))
        return None
    if not candidate.is_file():
        problems.append(source_map.problem(path, f"file '{name}' not found in {folder}"))
        return None
    message = check(candidate)
    if message:
        problems.append(source_map.problem(path, f"'{name}': {message}"))
        return None
    return candidate


def _check_font(path: Path) -> str | None:
    """None for a TrueType font every renderer of a build can use in full, else what is wrong with it."""
    if path.is_relative_to(templates_root()):
        return None  # the bundled fonts are part of the program, checked by its tests, not at every load
    return _font_problem(path.read_bytes())


@lru_cache(maxsize=8)
def _font_problem(data: bytes) -> str | None:
    """Decoded as each renderer does: every glyph through FreeType (the charts and the deck's measuring), the
    glyph table's offsets through fontTools and the tables ReportLab embeds, so a damaged font fails here, at
    its line in template.yaml, and never halfway through drawing a chart or saving the PDF."""
    head = data[:4]
    if head == b"OTTO":
        return "OpenType/CFF fonts cannot be embedded by ReportLab; use a TrueType (.ttf) font"
    if head not in (b"\x00\x01\x00\x00", b"true"):
        return "not a TrueType font file"
    from io import BytesIO

    from fontTools.ttLib import TTFont
    from matplotlib.ft2font import FT2Font
    from reportlab.pdfbase.ttfonts import TTFontFile

    from report_builder.theme.font_metrics import UNREADABLE, parse_metrics

    try:  # first, with bounded work: a character map whose ranges claim billions of characters stops here
        parse_metrics(data)
    except UNREADABLE as exc:
        return f"damaged or unsupported TrueType font ({type(exc).__name__}: {exc})"
    try:
        face = FT2Font(BytesIO(data))
    except Exception as exc:  # a corrupt font must be a located user error, whatever FreeType raises
        return f"damaged or unsupported TrueType font ({exc})"
    for kind, name in (("family name (name ID 1)", face.family_name), ("PostScript name (name ID 6)",
                                                                      face.postscript_name)):
        if not name or name == "UNAVAILABLE":  # FreeType's word for an absent name
            return f"the font has no {kind} in its name table; the PDF, the deck and the charts name a font by it"
    for glyph in range(face.num_glyphs):
        try:
            face.load_glyph(glyph)
        except RuntimeError as exc:
            return f"damaged glyph data (glyph {glyph}: {exc})"
    try:
        tables = TTFont(BytesIO(data))
        tables["glyf"]  # the glyph offsets (loca) within the glyph table, which ReportLab copies
        tables["hmtx"]  # the advance widths and character map charts and slides are laid out with
        tables["cmap"].getBestCmap()
        if "kern" in tables:
            tables["kern"]
        TTFontFile(BytesIO(data))
    except Exception as exc:  # a corrupt font must be a located user error, whatever the parsers raise
        return f"damaged or unsupported TrueType font ({type(exc).__name__}: {exc})"
    # Each outline decoded by fontTools too: Matplotlib before 3.11 lets FreeType's errors pass silently,
    # and ReportLab embeds these bytes as they are.
    glyphs = tables["glyf"]
    for number, name in enumerate(tables.getGlyphOrder()):
        try:
            glyphs[name].expand(glyphs)
        except Exception as exc:  # noqa: BLE001 - as above
            return f"damaged glyph data (glyph {number}: {type(exc).__name__}: {exc})"
    return None


def _check_image(path: Path) -> str | None:
    try:
        from PIL import Image

        with Image.open(path) as image:
            image.verify()
            if image.format not in ("PNG", "JPEG"):
                return f"logo must be a PNG or JPEG image, not {image.format}"
            if image.width * image.height > MAX_LOGO_PIXELS:
                return f"logo of {image.width} x {image.height} pixels; at most {MAX_LOGO_PIXELS:,} pixels are accepted"
        with Image.open(path) as image:
            image.load()  # decoded in full now, not when the PDF is drawn: verify() reads no pixel data
    except Exception as exc:
        return f"not a readable image ({type(exc).__name__}: {exc})"
    return None


def _check_master(path: Path) -> str | None:
    import zipfile

    if path.suffix.lower() not in (".pptx", ".potx"):
        return "the master must be a .pptx or .potx file"
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return "not a PowerPoint file (not a zip archive)"
    if "[Content_Types].xml" not in names or not any(n.startswith("ppt/slideLayouts/") for n in names):
        return "not a PowerPoint presentation or template (no slide layouts inside)"
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
    if len(parts) > MAX_MASTER_PARTS:
        return f"{len(parts)} parts; a master has at most {MAX_MASTER_PARTS:,}"
    total = sum(part.file_size for part in parts)
    if total > MAX_MASTER_BYTES:
        return f"{total:,} bytes unpacked; a master is limited to {MAX_MASTER_BYTES:,}"
    for part in parts:
        if part.filename.startswith("ppt/media/") and part.file_size > MAX_MEDIA_BYTES:
            return (f"media part {part.filename} is {part.file_size:,} bytes unpacked; a picture in a master is "
                    f"limited to {MAX_MEDIA_BYTES:,} (every deck would carry it)")
    return None


MAX_MASTER_PARTS = 1_000  #: parts of a master (python-pptx's own saves have about 60)
MAX_MASTER_BYTES = 50 * 1024 * 1024  #: unpacked size of a master
MAX_MEDIA_BYTES = 10 * 1024 * 1024  #: unpacked size of one picture in a master
MAX_LOGO_PIXELS = 25_000_000  #: a logo larger than 5000 x 5000 pixels is a photograph, not a logo

"""A resolved template: the settings of its search path merged, the files they name checked, and its wording."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from report_builder.errors import Problem, TemplateError
from report_builder.inputs.evidence import validate_as
from report_builder.inputs.template_schema import TemplateFile
from report_builder.inputs.yaml_reader import SourceMap
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

    @cached_property
    def environment(self):
        from report_builder.theme.wording import wording_environment

        return wording_environment(self.search_path, opaque=(Template,))

    def has_text(self, key: str) -> bool:
        return any((folder / "wording" / f"{key}.j2").is_file() for folder in self.search_path)

    def text(self, key: str, **context: Any) -> str:
        """Render wording/<key>.j2 through the search path; errors name the template file and line."""
        from report_builder.theme.wording import render

        return render(self.environment, f"wording/{key}.j2", context, self.name)

    def files(self) -> list[Path]:
        """Every file of every folder on the search path: the inputs of a build."""
        return template_files(self.search_path)


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
            if path.is_symlink() and not path.resolve().is_relative_to(root):
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
        if theme.logo is not None:
            values["logo"] = _file(folder, theme.logo, source_map, ("theme", "logo"), problems, _check_image)
        if parsed.pdf.sections is not None:
            values["pdf.sections"] = parsed.pdf.sections
        if parsed.deck.slides is not None:
            values["deck.slides"] = parsed.deck.slides
        if parsed.deck.master is not None:
            values["deck.master"] = _file(folder, parsed.deck.master, source_map, ("deck", "master"), problems, _check_master)
            layouts = {}  # a new master brings its own layout names
        for kind, layout in parsed.deck.layouts.items():
            layouts[kind] = layout
            layout_sources[kind] = source_map.file
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
        deck_slides=tuple(values["deck.slides"]),
        deck_master=values["deck.master"],
        deck_layouts=dict(layouts),
        layout_sources=layout_sources,
    )


_REQUIRED = (
    "chart_palette", "page_size", "disclaimer", "pdf.sections", "deck.slides", "deck.master",
    "colors.primary", "colors.secondary", "colors.accent", "colors.text", "colors.muted", "colors.light",
    "colors.warning", "fonts.regular", "fonts.bold", "fonts.italic", "fonts.bold_italic",
)


def _file(folder: Path, name: str, source_map: SourceMap, path: tuple, problems: list[Problem], check) -> Path | None:
    """A file named in template.yaml: relative to its folder, never outside it, present and sound."""
    candidate = (folder / name).resolve()
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
    head = path.read_bytes()[:4]
    if head == b"OTTO":
        return "OpenType/CFF fonts cannot be embedded by ReportLab; use a TrueType (.ttf) font"
    if head not in (b"\x00\x01\x00\x00", b"true"):
        return "not a TrueType font file"
    try:
        from reportlab.pdfbase.ttfonts import TTFontFile

        TTFontFile(str(path))
    except Exception as exc:  # a corrupt font must be a located user error, whatever ReportLab raises
        return f"damaged or unsupported TrueType font ({exc})"
    return None


def _check_image(path: Path) -> str | None:
    try:
        from PIL import Image

        with Image.open(path) as image:
            image.verify()
            if image.format not in ("PNG", "JPEG"):
                return f"logo must be a PNG or JPEG image, not {image.format}"
    except Exception as exc:
        return f"not a readable image ({type(exc).__name__})"
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
    return None

"""Templates per institution: a search path of folders (institution -> parents -> default), like MkDocs themes."""
from __future__ import annotations

import re
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from jinja2 import BaseLoader, TemplateNotFound
from pydantic import Field, StringConstraints

from report_builder.errors import Problem, TemplateError
from report_builder.inputs.evidence import validate_as
from report_builder.inputs.evidence_schema import Model, Text
from report_builder.inputs.yaml_reader import SourceMap, read_yaml
from report_builder.theme.search_path import (
    DEFAULT,
    MAX_CHAIN,
    TEMPLATE_FILE,
    find_template_folder,
    is_default,
    template_files,
)

Color = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
RelativeFile = Annotated[str, StringConstraints(min_length=1, max_length=300)]


class Colors(Model):
    primary: Color | None = None
    """Headings, title bars, table headers."""
    secondary: Color | None = None
    accent: Color | None = None
    text: Color | None = None
    muted: Color | None = None
    light: Color | None = None
    """Background of boxes and alternate table rows."""
    warning: Color | None = None
    """The boxed-warning callout."""


class Fonts(Model):
    regular: RelativeFile | None = None
    bold: RelativeFile | None = None
    italic: RelativeFile | None = None
    bold_italic: RelativeFile | None = None


class Theme(Model):
    institution: Text | None = None
    colors: Colors = Colors()
    chart_palette: tuple[Color, ...] | None = Field(default=None, min_length=2)
    """Arm colours in charts, in arm order; keep it colour-blind safe (Okabe-Ito by default)."""
    fonts: Fonts = Fonts()
    logo: RelativeFile | None = None
    page_size: Literal["A4", "Letter"] | None = None
    header: str | None = None
    footer: str | None = None
    disclaimer: Text | None = None


class PdfSettings(Model):
    sections: tuple[Text, ...] | None = None


class DeckSettings(Model):
    master: RelativeFile | None = None
    """A .pptx or .potx whose slide layouts the deck uses, by name."""
    layouts: dict[Text, Text] = {}
    """Slide kind -> layout name in the master."""
    slides: tuple[Text, ...] | None = None


class TemplateFile(Model):
    """One template.yaml; an institution's overrides only what differs from its parent."""

    name: Text | None = None
    description: Text | None = None
    extends: Text | None = None
    theme: Theme = Theme()
    pdf: PdfSettings = PdfSettings()
    deck: DeckSettings = DeckSettings()


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
        env = _sandbox(_SearchPathLoader(self.search_path))
        from report_builder.analysis import formatting

        env.filters.update(
            number=formatting.number, interval=formatting.interval, hazard_ratio=formatting.hazard_ratio,
            p_value=formatting.p_value, binary_result=formatting.binary_result, median=formatting.median,
            grade=formatting.grade, ratio=formatting.ratio, percentage_points=formatting.percentage_points,
        )
        return env

    def has_text(self, key: str) -> bool:
        return any((folder / "wording" / f"{key}.j2").is_file() for folder in self.search_path)

    def text(self, key: str, **context: Any) -> str:
        """Render wording/<key>.j2 through the search path; errors name the template file and line."""
        from jinja2 import TemplateError as JinjaError
        from jinja2 import TemplateSyntaxError

        name = f"wording/{key}.j2"
        try:
            return self.environment.get_template(name).render(**context).strip()
        except TemplateSyntaxError as exc:
            raise TemplateError(f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}") from None
        except TemplateNotFound as exc:
            where = _template_frame(exc)  # set when an {% include %} or {% extends %} names the missing file
            if where is not None:
                raise TemplateError(f"{where}: no wording file {exc.name!r} (names are relative to the wording "
                                    "folders of the template and its parents; '..' is not allowed)") from None
            raise TemplateError(f"template '{self.name}': no wording file {exc.name} in {_show_path(self.search_path)}") from None
        except JinjaError as exc:
            where = _template_frame(exc) or name
            raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from None
        except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError, RecursionError) as exc:
            # e.g. {{ 1/0 }} or a filter given text: the template's author can fix it, so say where;
            # the same failure inside the bundled default wording is a bug, and stays an internal error.
            where = _template_frame(exc)
            if where is None or _in_default(where):
                raise
            raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from None

    def files(self) -> list[Path]:
        """Every file of every folder on the search path: the inputs of a build."""
        return template_files(self.search_path)


def _show_path(paths: tuple[Path, ...]) -> str:
    return " -> ".join(str(p) for p in paths)


def _in_default(where: str) -> bool:
    from report_builder.resources import templates_root

    return Path(where.rsplit(":", 1)[0]).resolve().is_relative_to((templates_root() / DEFAULT).resolve())


def _template_frame(exc: BaseException) -> str | None:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return f"{frame.filename}:{frame.lineno}"
    return None


#: Types whose attributes wording templates may read: the report's data and Jinja's own helpers.
#: Anything else (a Path with read_text/unlink, a module, a file) is refused, not just _private names.
_SAFE_MODULES = ("builtins", "fractions", "decimal", "datetime", "collections", "types", "markupsafe",
                 "jinja2.runtime", "jinja2.utils", "report_builder.")
_MAX_REPEAT = 100_000  #: longest string or list a template may build with *
_MAX_EXPONENT = 64


def _sandbox(loader: BaseLoader | None):
    """Jinja's sandbox, narrowed: attribute access only on data types, and no runaway * or **."""
    import operator
    import types

    from jinja2 import StrictUndefined
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    class Sandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            if not super().is_safe_attribute(obj, attr, value):
                return False
            if isinstance(obj, (types.ModuleType, Template)):
                return False
            module = type(obj).__module__ or ""
            return module.startswith(_SAFE_MODULES) and not (module == "builtins" and callable(obj)
                                                              and not isinstance(obj, type))

        def call_binop(self, context, op: str, left: Any, right: Any) -> Any:
            if op == "**" and isinstance(right, (int, float)) and abs(right) > _MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is too large for a wording template")
            if op == "*":
                for seq, times in ((left, right), (right, left)):
                    if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > _MAX_REPEAT:
                        raise SecurityError(f"repeating a value {times} times is too much for a wording template")
                return operator.mul(left, right)
            return operator.pow(left, right)

    return Sandbox(loader=loader, undefined=StrictUndefined, autoescape=False,
                   trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=False)


def _check_folders(chain: list[tuple[Path, "TemplateFile", SourceMap]]) -> None:
    """Every template folder: no link leads outside it, and every wording file parses.

    Checked when the template loads, so a mistake in a wording file that only some builds render
    (or a link to /etc/passwd that the loader would silently skip) is reported on every build.
    """
    from jinja2 import TemplateSyntaxError

    problems: list[Problem] = []
    env = _sandbox(None)
    for folder, _, _ in chain:
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
                env.parse(source, path.name, str(path))
            except TemplateSyntaxError as exc:
                problems.append(Problem(path, exc.lineno, None, "", f"template syntax error: {exc.message}"))
    if problems:
        raise TemplateError(f"template '{chain[0][0].name}': {len(problems)} error(s)", problems)


class _SearchPathLoader(BaseLoader):
    """Jinja loader over the search path; "!name" means the next version of name down the path.

    Like Sphinx's "!" prefix: an institution's wording/x.j2 can {% extends "!wording/x.j2" %} to
    build on its parent's version instead of copying it. The source is rewritten so that "!x"
    inside folder i resolves from folder i+1 on, which works at any depth.
    """

    def __init__(self, search_path: tuple[Path, ...]):
        self.search_path = search_path

    def get_source(self, environment, template):
        start = 0
        name = template
        match = re.match(r"^@(\d+):(.*)$", template)
        if match:
            start, name = int(match[1]), match[2]
        elif template.startswith("!"):
            raise TemplateNotFound(template)  # only meaningful inside a template, where it is rewritten
        parts = [p for p in name.split("/") if p]
        if any(p in ("..", ".") for p in parts) or name.startswith("/") or "\\" in name:
            raise TemplateNotFound(template)
        for index in range(start, len(self.search_path)):
            folder = self.search_path[index]
            candidate = folder.joinpath(*parts)
            if candidate.is_file() and candidate.resolve().is_relative_to(folder.resolve()):
                source = candidate.read_text(encoding="utf-8")
                source = re.sub(r"""(["'])!([^"']+)\1""", lambda m: f'{m[1]}@{index + 1}:{m[2]}{m[1]}', source)
                mtime = candidate.stat().st_mtime
                return source, str(candidate), lambda: candidate.stat().st_mtime == mtime
        raise TemplateNotFound(name)

    def list_templates(self):
        return sorted({str(p.relative_to(f)) for f in self.search_path for p in f.rglob("*.j2")})


# ------------------------------------------------------------------------------------------ resolution
def load_template(spec: str | Path = DEFAULT) -> Template:
    """Resolve a template and its parents, validate every file, merge, and check referenced files."""
    folder = find_template_folder(str(spec))
    chain: list[tuple[Path, TemplateFile, SourceMap]] = []
    while True:
        data, source_map = read_yaml_template(folder / TEMPLATE_FILE)
        parsed = validate_as(TemplateFile, data, source_map, TemplateError)
        chain.append((folder, parsed, source_map))
        parent = parsed.extends
        if parent is None:
            if is_default(folder):
                break
            parent = DEFAULT  # every chain ends at the default, so nothing is ever undefined
        line, column = source_map.locate(("extends",))
        where = f"{source_map.file}:{line}:{column}: extends"
        try:
            folder = find_template_folder(parent, relative_to=folder)
        except TemplateError as exc:
            raise TemplateError(f"{where}: {exc.message}") from None
        if any(folder == seen for seen, _, _ in chain):
            raise TemplateError(f"{where}: loops back to {folder.name}")
        if len(chain) >= MAX_CHAIN:
            raise TemplateError(f"{where}: chain deeper than {MAX_CHAIN}")
    template = _merge(chain)  # first, so a link named in template.yaml is reported at its line there
    _check_folders(chain)
    return template


def read_yaml_template(path: Path):
    from report_builder.errors import EvidenceError

    try:
        return read_yaml(path, kind="template file")
    except EvidenceError as exc:
        raise TemplateError(exc.message, exc.problems) from None


def _merge(chain: list[tuple[Path, TemplateFile, SourceMap]]) -> Template:
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    sources: dict[str, tuple[Path, SourceMap]] = {}
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
            sources["pdf.sections"] = (folder, source_map)
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
        institution=values["institution"],
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
    "institution", "chart_palette", "page_size", "disclaimer", "pdf.sections", "deck.slides", "deck.master",
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

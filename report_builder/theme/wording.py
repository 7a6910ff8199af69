"""The wording of a template: a sandboxed Jinja environment over its search path, with the report's filters."""
from __future__ import annotations

import operator
import re
import traceback
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound, TemplateSyntaxError
from jinja2 import TemplateError as JinjaError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from report_builder.errors import TemplateError
from report_builder.resources import templates_root
from report_builder.theme.search_path import DEFAULT

#: Types whose attributes wording templates may read: the report's data and Jinja's own helpers.
#: Anything else (a Path with read_text/unlink, a module, a file) is refused, not just _private names.
_SAFE_MODULES = ("builtins", "fractions", "decimal", "datetime", "collections", "types", "markupsafe",
                 "jinja2.runtime", "jinja2.utils", "report_builder.")
_MAX_REPEAT = 100_000  #: longest string or list a template may build with *
_MAX_EXPONENT = 64
#: The name join_path gives "!name": the same name, looked up from the folder with this index on.
_BELOW = re.compile(r"^!(\d+)/(.*)$", re.DOTALL)


class SearchPathLoader(BaseLoader):
    """Jinja loader over a search path: a name is the first file of that name, most specific folder first."""

    def __init__(self, search_path: tuple[Path, ...]):
        self.search_path = search_path

    def find(self, name: str, start: int = 0) -> int | None:
        """The index of the first folder from `start` on that holds the file `name` (inside that folder)."""
        parts = [p for p in name.split("/") if p]
        if any(p in ("..", ".") for p in parts) or name.startswith("/") or "\\" in name:
            return None
        for index in range(start, len(self.search_path)):
            folder = self.search_path[index]
            candidate = folder.joinpath(*parts)
            if candidate.is_file() and candidate.resolve().is_relative_to(folder.resolve()):
                return index
        return None

    def below(self, name: str, parent: str) -> str:
        """The loader's name for the next version of `name` after the folder that holds template `parent`."""
        start, parent_name = _split(parent)
        holder = self.find(parent_name, start)
        return f"!{len(self.search_path) if holder is None else holder + 1}/{name}"

    def get_source(self, environment: Environment, template: str):
        start, name = _split(template)
        index = self.find(name, start)
        if index is None:
            if start:
                raise TemplateNotFound(f"!{name}", f"no folder after {self.search_path[start - 1]} on the search "
                                                   f"path has {name} ('!' names a parent template's version)")
            raise TemplateNotFound(name)
        path = self.search_path[index].joinpath(*[p for p in name.split("/") if p])
        mtime = path.stat().st_mtime
        return path.read_text(encoding="utf-8"), str(path), lambda: path.stat().st_mtime == mtime

    def list_templates(self) -> list[str]:
        return sorted({str(p.relative_to(f)) for f in self.search_path for p in f.rglob("*.j2")})


def _split(name: str) -> tuple[int, str]:
    """(folder index to start from, file name) of a loader name."""
    match = _BELOW.match(name)
    return (int(match[1]), match[2]) if match else (0, name)


class WordingEnvironment(SandboxedEnvironment):
    """Jinja's sandbox, narrowed: attribute access only on data types, no runaway * or **; and "!name".

    Like Sphinx's "!" prefix, "!name" in an {% extends %}, {% include %} or {% import %} is the next
    version of name down the search path, after the folder of the file that names it: an
    institution's wording/x.j2 can {% extends "!wording/x.j2" %} to build on its parent's version
    instead of copying it, at any depth. join_path is Jinja's hook for naming templates relative
    to the one that refers to them; the source is never rewritten.
    """

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, loader: SearchPathLoader | None = None, opaque: tuple[type, ...] = ()):
        super().__init__(loader=loader, undefined=StrictUndefined, autoescape=False, trim_blocks=True,
                         lstrip_blocks=True, keep_trailing_newline=False)
        #: Types besides the environment and its loader whose attributes no wording file may read.
        self.opaque = (types.ModuleType, Environment, BaseLoader, *opaque)

    def join_path(self, template: str, parent: str) -> str:
        if template.startswith("!") and isinstance(self.loader, SearchPathLoader):
            return self.loader.below(template[1:], parent)
        return template

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, self.opaque):
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


def wording_environment(search_path: tuple[Path, ...], opaque: tuple[type, ...] = ()) -> WordingEnvironment:
    """The sandboxed environment a template's wording renders in, with the report's number filters."""
    from report_builder.analysis import formatting

    environment = WordingEnvironment(SearchPathLoader(search_path), opaque)
    environment.filters.update(
        number=formatting.number, interval=formatting.interval, hazard_ratio=formatting.hazard_ratio,
        p_value=formatting.p_value, binary_result=formatting.binary_result, median=formatting.median,
        grade=formatting.grade, ratio=formatting.ratio, percentage_points=formatting.percentage_points,
    )
    return environment


def render(environment: WordingEnvironment, name: str, context: Mapping[str, Any], template_name: str) -> str:
    """Render one wording file of template `template_name`; errors name the wording file and line."""
    try:
        return environment.get_template(name).render(**context).strip()
    except TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except TemplateNotFound as exc:
        where = _template_frame(exc)  # set when an {% include %} or {% extends %} names the missing file
        if where is not None and exc.name.startswith("!"):
            raise TemplateError(f"{where}: no wording file {exc.name!r}: {exc.message}") from None
        if where is not None:
            raise TemplateError(f"{where}: no wording file {exc.name!r} (names are relative to the wording "
                                "folders of the template and its parents; '..' is not allowed)") from None
        search_path = environment.loader.search_path if isinstance(environment.loader, SearchPathLoader) else ()
        raise TemplateError(f"template '{template_name}': no wording file {exc.name} in "
                            f"{' -> '.join(str(p) for p in search_path)}") from None
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


def _in_default(where: str) -> bool:
    return Path(where.rsplit(":", 1)[0]).resolve().is_relative_to((templates_root() / DEFAULT).resolve())


def _template_frame(exc: BaseException) -> str | None:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return f"{frame.filename}:{frame.lineno}"
    return None

"""The wording of a template: a sandboxed Jinja environment over its search path, with the report's filters."""
from __future__ import annotations

import operator
import re
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound, TemplateSyntaxError
from jinja2 import TemplateError as JinjaError
from jinja2 import filters as jinja_filters
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from report_builder.errors import TemplateError
from report_builder.resources import templates_root
from report_builder.theme.search_path import DEFAULT
from report_builder.theme.view import MAPPING_METHODS, SCALARS, FrozenMap, Record, unwrap, view

#: Jinja's own helpers (loop, macros, cycler, joiner, namespace, Markup), whose public attributes the
#: sandbox already vets; every other object a template meets is a view (theme.view) or a scalar.
_JINJA_MODULES = ("jinja2.runtime", "jinja2.utils", "markupsafe")
#: The limits of a wording file's work; a real wording file stays far below each of them.
MAX_REPEAT = 100_000  #: longest string or list a template may build with *, + or replace
MAX_EXPONENT = 64
MAX_WIDTH = 1_000  #: widest field of a format, %, center, ljust, indent, batch or slice
MAX_OUTPUT = 1_000_000  #: characters one wording file (or one block or macro of it) may produce
MAX_ITERATIONS = 1_000_000  #: numbers all range() calls of one rendering may produce
MAX_SECONDS = 10.0  #: processor time one rendering may take (on the main thread of a POSIX system)
_SIZED_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_WIDTHS = re.compile(r"\d+")
_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
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
    """Jinja's sandbox, narrowed to data: attributes of views (theme.view) and scalars only, and every
    kind of runaway work (repetition, widths, ranges, output, time) limited; and "!name".

    Like Sphinx's "!" prefix, "!name" in an {% extends %}, {% include %} or {% import %} is the next
    version of name down the search path, after the folder of the file that names it: an
    institution's wording/x.j2 can {% extends "!wording/x.j2" %} to build on its parent's version
    instead of copying it, at any depth. join_path is Jinja's hook for naming templates relative
    to the one that refers to them; the source is never rewritten.
    """

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, loader: SearchPathLoader | None = None):
        super().__init__(loader=loader, undefined=StrictUndefined, autoescape=False, trim_blocks=True,
                         lstrip_blocks=True, keep_trailing_newline=False)
        self.globals["range"] = _counted_range
        for name in ("center", "indent", "batch", "slice", "format", "replace"):
            self.filters[name] = _bounded(name, self.filters[name])

    def join_path(self, template: str, parent: str) -> str:
        if template.startswith("!") and isinstance(self.loader, SearchPathLoader):
            return self.loader.below(template[1:], parent)
        return template

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """An allow-list: a view's fields, a mapping's lookups, a scalar's or Jinja helper's public methods."""
        if attr.startswith("_"):
            return False
        if isinstance(obj, Record):
            return attr in object.__getattribute__(obj, "_names")
        if isinstance(obj, FrozenMap):
            return attr in MAPPING_METHODS
        if isinstance(obj, (*SCALARS, tuple, frozenset, list, dict, set)) or \
                (type(obj).__module__ or "").startswith(_JINJA_MODULES):
            return super().is_safe_attribute(obj, attr, value)
        return False

    def wrap_str_format(self, value: Any):
        wrapper = super().wrap_str_format(value)
        if wrapper is not None:
            _check_format_spec(value.__self__)
        return wrapper

    def call(__self, __context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        if getattr(__obj, "__name__", "") in _SIZED_METHODS and isinstance(getattr(__obj, "__self__", None), str):
            _check_widths(__obj.__name__, *args, *kwargs.values())
        elif getattr(__obj, "__name__", "") == "replace" and isinstance(getattr(__obj, "__self__", None), str):
            _check_replace(__obj.__self__, *args)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            if isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is too large for a wording template")
            return operator.pow(left, right)
        if op == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_REPEAT:
                    raise SecurityError(f"repeating a value {times} times is too much for a wording template")
            return operator.mul(left, right)
        if op == "%":
            if isinstance(left, str):
                _check_printf(left)
            return operator.mod(left, right)
        if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
                and len(left) + len(right) > MAX_OUTPUT:
            raise SecurityError(f"joining values longer than {MAX_OUTPUT} is too much for a wording template")
        return operator.add(left, right)

    @staticmethod
    def concat(pieces) -> str:
        """Jinja's "".join of a template's (block's, macro's) output, stopped at MAX_OUTPUT characters."""
        parts, size = [], 0
        for piece in pieces:
            size += len(piece)
            if size > MAX_OUTPUT:
                raise SecurityError(f"the wording produced more than {MAX_OUTPUT} characters")
            parts.append(piece)
        return "".join(parts)


def _check_widths(what: str, *values: Any) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WIDTH:
            raise SecurityError(f"{what}({value}) is wider than the {MAX_WIDTH} a wording template may use")


def _check_replace(text: str, old: Any = "", new: Any = "", count: Any = -1, *rest: Any) -> None:
    if isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        times = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            times = min(times, count)
        if len(text) + times * (len(new) - len(old)) > MAX_REPEAT:
            raise SecurityError(f"replace() would make a text longer than {MAX_REPEAT} characters")


def _check_format_spec(text: str) -> None:
    """A str.format pattern: no width or precision over MAX_WIDTH, none taken from an argument."""
    import string

    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return  # the call itself reports the malformed pattern
    for _, name, spec, _ in fields:
        if spec and "{" in spec:
            raise SecurityError("a format width taken from an argument is not allowed in wording")
        for digits in _WIDTHS.findall(spec or ""):
            if len(digits) > 6 or int(digits) > MAX_WIDTH:
                raise SecurityError(f"format width {digits} is wider than the {MAX_WIDTH} a wording template may use")


def _check_printf(text: str) -> None:
    """A %-pattern: no width or precision over MAX_WIDTH, none taken from an argument (*)."""
    for match in _PRINTF.finditer(text):
        for digits in match.groups():
            if digits == "*":
                raise SecurityError("a % width taken from an argument (*) is not allowed in wording")
            if digits and (len(digits) > 6 or int(digits) > MAX_WIDTH):
                raise SecurityError(f"% width {digits} is wider than the {MAX_WIDTH} a wording template may use")


def _bounded(name: str, jinja_filter):
    """Jinja's filter, refusing sizes (widths, counts) over MAX_WIDTH and patterns that would build huge text."""
    import functools

    @functools.wraps(jinja_filter)  # keeps Jinja's pass_eval_context mark of replace
    def checked(*args: Any, **kwargs: Any) -> Any:
        if name == "format":
            _check_printf(str(args[0]))
        elif name == "replace":
            _, text, *rest = args  # the evaluation context comes first
            _check_replace(str(text), *rest, *kwargs.values())
        else:
            _check_widths(name, *args[1:], *kwargs.values())
        return jinja_filter(*args, **kwargs)

    return checked


class _IterationBudget:
    """How many numbers range() may still produce in the rendering under way."""

    left = MAX_ITERATIONS


def _counted_range(*args: int):
    """Jinja's range (at most 100,000 numbers each), with all ranges of one rendering sharing MAX_ITERATIONS."""
    from jinja2.sandbox import safe_range

    numbers = safe_range(*args)
    _IterationBudget.left -= len(numbers)
    if _IterationBudget.left < 0:
        raise SecurityError(f"the wording's loops ran more than {MAX_ITERATIONS} times")
    return numbers


def wording_environment(search_path: tuple[Path, ...]) -> WordingEnvironment:
    """The sandboxed environment a template's wording renders in, with the report's number filters."""
    from report_builder.analysis import formatting

    environment = WordingEnvironment(SearchPathLoader(search_path))
    environment.filters.update({name: _on_views(function) for name, function in dict(
        number=formatting.number, interval=formatting.interval, hazard_ratio=formatting.hazard_ratio,
        p_value=formatting.p_value, binary_result=formatting.binary_result, median=formatting.median,
        grade=formatting.grade, ratio=formatting.ratio, percentage_points=formatting.percentage_points,
    ).items()})
    return environment


def _on_views(function):
    """A formatting function of the report (trusted code) as a filter: given the objects behind the views
    it receives, and its result seen as a view again."""
    import functools

    @functools.wraps(function)
    def on_views(*args: Any, **kwargs: Any) -> Any:
        return view(function(*(unwrap(a) for a in args), **{k: unwrap(v) for k, v in kwargs.items()}))

    return on_views


def render(environment: WordingEnvironment, name: str, context: Mapping[str, Any], template_name: str) -> str:
    """Render one wording file of template `template_name`; errors name the wording file and line."""
    template = None
    try:
        data = {key: view(value) for key, value in context.items()}  # never the objects themselves
        template = environment.get_template(name)
        _IterationBudget.left = MAX_ITERATIONS
        with _time_limit(name):
            return template.render(**data).strip()
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
        # the output limit stops the whole file, not a line of it: then the message names the file alone
        where = _template_frame(exc) or (template.filename if template is not None and template.filename else name)
        raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        # e.g. {{ 1/0 }} or a filter given text: the template's author can fix it, so say where;
        # the same failure inside the bundled default wording is a bug, and stays an internal error.
        where = _template_frame(exc)
        if where is None or _in_default(where):
            raise
        raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from None


@contextmanager
def _time_limit(name: str) -> Iterator[None]:
    """At most MAX_SECONDS of processor time for one rendering: loops over data and text that no single
    limit catches (nested loops over a long text, say) end with a SecurityError instead of a hang.
    Only the main thread may handle signals, and only POSIX has the timer: elsewhere, no time limit."""
    import signal
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise SecurityError(f"the wording took more than {MAX_SECONDS:g} s of processor time")

    previous = signal.signal(signal.SIGVTALRM, expired)
    signal.setitimer(signal.ITIMER_VIRTUAL, MAX_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def _in_default(where: str) -> bool:
    return Path(where.rsplit(":", 1)[0]).resolve().is_relative_to((templates_root() / DEFAULT).resolve())


def _template_frame(exc: BaseException) -> str | None:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return f"{frame.filename}:{frame.lineno}"
    return None

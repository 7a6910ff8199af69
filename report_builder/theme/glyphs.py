"""Characters of the evidence and of the wording that the template's fonts lack: one located warning per field
or wording file, naming them."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from report_builder.errors import Problem
from report_builder.resources import templates_root

if TYPE_CHECKING:
    from jinja2 import Environment

    from report_builder.analysis.report import Report

FALLBACK = templates_root() / "default" / "fonts" / "DejaVuSans.ttf"  #: what the PDF and the charts set them in
SHOWN = 10  #: characters named in one warning; more are counted


def missing_glyphs(report: Report, fonts: Mapping[str, Path]) -> tuple[Problem, ...]:
    """A warning at each text of the evidence holding characters that the template's regular or bold font
    lacks: the PDF and the charts set them in the bundled DejaVu Sans (if it has them), the deck leaves them
    to the viewer's font substitution, so the user should know, at the field, rather than find out on paper."""
    present = _present(fonts)
    found = []
    for path, text in _texts(report.evidence.model_dump(mode="python"), ()):
        missing = sorted({ch for ch in text if ord(ch) not in present and _drawn(ch)})
        if missing:
            found.append(report.source_map.problem(path, _message(fonts, missing), severity="warning"))
    return tuple(found)


def wording_glyphs(environment: Environment, own: tuple[Path, ...], fonts: Mapping[str, Path]) -> tuple[Problem, ...]:
    """A warning at each wording file of the template's own folders (not the default template's: DejaVu Sans,
    which the PDF and the charts fall back to, has all its characters) whose text, not its Jinja code or
    comments, holds characters the fonts lack: at the first line with one, as for the evidence."""
    names = sorted({str(path.relative_to(folder)) for folder in own for path in folder.rglob("*.j2")})
    present = _present(fonts) if names else frozenset()
    found = []
    for name in names:
        source, filename, _ = environment.loader.get_source(environment, name)
        missing: dict[str, int] = {}
        for line, kind, value in environment.lex(source, name, filename):
            if kind in ("data", "string"):
                for offset, ch in enumerate(value):
                    if ord(ch) not in present and _drawn(ch) and ch not in missing:
                        missing[ch] = line + value.count("\n", 0, offset)
        if missing:
            found.append(Problem(Path(filename), min(missing.values()), None, "", _message(fonts, sorted(missing)),
                                 severity="warning"))
    return tuple(found)


def _present(fonts: Mapping[str, Path]) -> frozenset[int]:
    return _characters(str(fonts["regular"])) & _characters(str(fonts["bold"]))


def _message(fonts: Mapping[str, Path], missing: list[str]) -> str:
    named = ", ".join(_name(ch) for ch in missing[:SHOWN])
    more = f" and {len(missing) - SHOWN} more" if len(missing) > SHOWN else ""
    fallback = _characters(str(FALLBACK))
    blank = [ch for ch in missing if ord(ch) not in fallback]
    if not blank:
        where = "the PDF and the charts set them in DejaVu Sans"
    elif len(blank) == len(missing):
        where = "DejaVu Sans, which the PDF and the charts fall back to, lacks them too: they print as empty boxes"
    else:
        lacking = ", ".join(repr(ch) for ch in blank)
        where = f"the PDF and the charts set them in DejaVu Sans, which lacks {lacking} too: those print as boxes"
    return (f"the template's font ({_family(str(fonts['regular']))}) has no glyph for {named}{more}; "
            f"{where}; the deck leaves them to the viewer's font substitution. Use a template font that has them, "
            "or other characters")


def _texts(value: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, (*path, key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _texts(item, (*path, index))


def _drawn(ch: str) -> bool:
    """A character that needs a glyph: not a space, control or format (zero-width) character."""
    return not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")


def _name(ch: str) -> str:
    return f"'{ch}' (U+{ord(ch):04X}{' ' + unicodedata.name(ch) if unicodedata.name(ch, '') else ''})"


@lru_cache(maxsize=16)
def _characters(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


@lru_cache(maxsize=16)
def _family(path: str) -> str:
    from matplotlib.ft2font import FT2Font

    return FT2Font(path).family_name

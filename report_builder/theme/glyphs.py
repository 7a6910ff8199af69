"""Characters of the evidence that the template's fonts lack: one located warning per field, naming them."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from report_builder.errors import Problem
from report_builder.resources import templates_root

if TYPE_CHECKING:
    from report_builder.analysis.report import Report
    from report_builder.theme.template import Template

FALLBACK = templates_root() / "default" / "fonts" / "DejaVuSans.ttf"  #: what the PDF and the charts set them in
SHOWN = 10  #: characters named in one warning; more are counted


def missing_glyphs(report: Report, template: Template) -> tuple[Problem, ...]:
    """A warning at each text of the evidence holding characters that the template's regular or bold font
    lacks: the PDF and the charts set them in the bundled DejaVu Sans (if it has them), the deck leaves them
    to the viewer's font substitution, so the user should know, at the field, rather than find out on paper."""
    fonts = template.theme.fonts
    present = _characters(str(fonts["regular"])) & _characters(str(fonts["bold"]))
    fallback = _characters(str(FALLBACK))
    family = _family(str(fonts["regular"]))
    found = []
    for path, text in _texts(report.evidence.model_dump(mode="python"), ()):
        missing = sorted({ch for ch in text if ord(ch) not in present and _drawn(ch)})
        if not missing:
            continue
        named = ", ".join(_name(ch) for ch in missing[:SHOWN])
        more = f" and {len(missing) - SHOWN} more" if len(missing) > SHOWN else ""
        blank = [ch for ch in missing if ord(ch) not in fallback]
        if not blank:
            where = "the PDF and the charts set them in DejaVu Sans"
        elif len(blank) == len(missing):
            where = "DejaVu Sans, which the PDF and the charts fall back to, lacks them too: they print as empty boxes"
        else:
            lacking = ", ".join(repr(ch) for ch in blank)
            where = f"the PDF and the charts set them in DejaVu Sans, which lacks {lacking} too: those print as boxes"
        found.append(report.source_map.problem(
            path, f"the template's font ({family}) has no glyph for {named}{more}; {where}; the deck leaves them to "
                  "the viewer's font substitution. Use a template font that has them, or other characters",
            severity="warning"))
    return tuple(found)


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

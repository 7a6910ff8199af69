"""The small inline markup evidence text may use: **bold**, *italic*, ^sup^, ~sub~ and [@ref] citations.

Nothing else is interpreted: angle brackets, ampersands and Jinja braces are plain text. Builders
turn the spans into ReportLab paragraph markup (escaped) or PowerPoint runs.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: Characters that XML 1.0 (and so PowerPoint and ReportLab) cannot hold; replaced, never crashing a save.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_TOKEN = re.compile(
    r"(?P<cite>\[(?:@[A-Za-z0-9][A-Za-z0-9_.-]*\s*;?\s*)+\])"
    r"|(?P<bold>\*\*(?=\S)(?P<bold_text>.+?)(?<=\S)\*\*)"
    r"|(?P<italic>(?<![\*\w])\*(?=\S)(?P<italic_text>[^*]+?)(?<=\S)\*(?![\*\w]))"
    r"|(?P<sup>\^(?P<sup_text>[^\s^]{1,20})\^)"
    r"|(?P<sub>~(?P<sub_text>[^\s~]{1,20})~)"
)
_UNITS = (("mg/m2", "mg/m²"), ("µg/m2", "µg/m²"), ("/m2 ", "/m² "))


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    superscript: bool = False
    subscript: bool = False
    citation: bool = False
    link: str | None = None  #: a web address the text opens (reference identifiers)


def clean(text: str) -> str:
    """Remove characters that no output format can hold, and typeset units (mg/m2 -> mg/m²)."""
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    for plain, typeset in _UNITS:
        text = text.replace(plain, typeset)
    if text.endswith("/m2"):
        text = text[:-3] + "/m²"
    return text


def cite_numbers(keys: list[str], numbers: Mapping[str, int]) -> str:
    """[1], [1,3] or [1-3], Vancouver style."""
    nums = sorted({numbers[k] for k in keys if k in numbers})
    parts: list[str] = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        parts.append(f"{nums[i]}–{nums[j]}" if j - i >= 2 else ",".join(map(str, nums[i : j + 1])))
        i = j + 1
    return "[" + ",".join(parts) + "]" if parts else ""


#: "0.34-0.61" typed in evidence prose: a numeric range, set with an en dash as the tables set theirs.
#: Dates (2016-06-01), words ("2-year", "CD22-positive") and longer chains are left alone.
_RANGE = re.compile(r"(?<![\w.\-])(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)(?![\w\-]|\.\d)")


def en_dash_ranges(text: str) -> str:
    """Numeric ranges with an en dash: the same range looks the same in prose, tables, slides and notes."""
    return _RANGE.sub("\\1\u2013\\2", text)


#: A number and the unit after it ("1.8 mg/m2", "7.7 months"): one word for line breaking.
_UNIT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?) (?=(?:mg|µg|g/dL|mL|mm|cells|months?|weeks?|days?|years?|hours?)\b)")


def keep_units(text: str) -> str:
    """A number keeps its unit on its line: "1.8" at a line's end and "mg/m²" on the next misreads as a dose."""
    return _UNIT.sub("\\1\u00a0", text)


def parse(text: str, numbers: Mapping[str, int], laid_out: bool = True) -> list[Span]:
    """Split text into styled spans; citations become [n] with the reference numbers given; a numeric range
    typed with a hyphen takes the en dash (en_dash_ranges); in text that is laid out in lines (the PDF, the
    slides) a number keeps its unit (keep_units)."""
    text = en_dash_ranges(clean(text))
    if laid_out:
        text = keep_units(text)
    spans: list[Span] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        if match.start() > pos:
            spans.append(Span(text[pos : match.start()]))
        if match["cite"]:
            keys = re.findall(r"@([A-Za-z0-9][A-Za-z0-9_.-]*)", match["cite"])
            label = cite_numbers(keys, numbers)
            if spans and spans[-1].text.endswith(" ") and not spans[-1].citation and label:
                spans[-1] = Span(spans[-1].text.rstrip(" ") + " ", spans[-1].bold, spans[-1].italic)
            spans.append(Span(label, citation=True))
        elif match["bold"]:
            spans.append(Span(match["bold_text"], bold=True))
        elif match["italic"]:
            spans.append(Span(match["italic_text"], italic=True))
        elif match["sup"]:
            spans.append(Span(match["sup_text"], superscript=True))
        else:
            spans.append(Span(match["sub_text"], subscript=True))
        pos = match.end()
    if pos < len(text):
        spans.append(Span(text[pos:]))
    return [s for s in spans if s.text]


_SUPERSCRIPT = str.maketrans("0123456789+-−=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾")
_SUBSCRIPT = str.maketrans("0123456789+-−=()", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎")


CITATION = re.compile(r"\[(@[^\]]+)\]")
CITATION_KEY = re.compile(r"@([A-Za-z0-9][A-Za-z0-9_.-]*)")


def cited_keys(text: str) -> list[str]:
    """Reference ids cited in text as [@id] or [@a; @b]."""
    return [key for group in CITATION.findall(text) for key in CITATION_KEY.findall(group)]


def plain(text: str, numbers: Mapping[str, int]) -> str:
    """The text with markup removed and citations numbered: for alt text, notes and charts. A raised or
    lowered number keeps its place in Unicode ("1 × 10^6^" reads "1 × 10⁶", never "1 × 106"); raised or
    lowered letters ("C~max~") have no reliable Unicode form and are written on the line. Plain text is not
    laid out here: a number and its unit keep an ordinary space."""
    return "".join(_plain_span(s) for s in parse(text, numbers, laid_out=False))


def _plain_span(span: Span) -> str:
    table = _SUPERSCRIPT if span.superscript else _SUBSCRIPT if span.subscript else None
    if table is None:
        return span.text
    shifted = span.text.translate(table)
    if all(ord(c) > 0x7F for c in shifted):  # every character has its raised or lowered form
        return shifted
    return f"^{span.text}" if span.superscript and span.text[:1] in "0123456789+-−" else span.text


def to_reportlab(text: str, numbers: Mapping[str, int], link: Callable[[str], str] | None = None) -> str:
    """ReportLab paragraph markup: every character of the evidence escaped, only our styles added."""
    out = []
    for span in parse(text, numbers):
        body = span.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if span.bold:
            body = f"<b>{body}</b>"
        if span.italic:
            body = f"<i>{body}</i>"
        if span.superscript:
            body = f"<super>{body}</super>"
        if span.subscript:
            body = f"<sub>{body}</sub>"
        if span.citation:
            body = f"<super>{body}</super>" if link is None else link(body)
        out.append(body)
    return "".join(out)

"""The one reference-list formatter of every output: the template's CSL style (citeproc-py), identifiers as links."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from report_builder.analysis import formatting
from report_builder.inputs.references import to_csl

#: Identifiers are ours, not the style's: CSL styles print DOIs unevenly and PMIDs not at all, and only
#: we know how each output makes a link. Left out of what citeproc sees, added after its text.
_OURS = ("DOI", "URL", "PMID", "PMCID", "note")


@dataclass(frozen=True)
class Piece:
    """A run of a formatted reference: plain, italic or bold text, or a link."""

    text: str
    italic: bool = False
    bold: bool = False
    link: str | None = None


def format_references(references: tuple[Any, ...], style: Path | None) -> tuple[tuple[Piece, ...], ...]:
    """Each reference, in the order given (their citation numbers), as pieces without its number; style is
    the template's CSL file (Template.citation_style), the bundled Vancouver style when there is none."""
    from report_builder.resources import templates_root

    return _formatted(tuple(references), Path(style or templates_root() / "default" / "csl" / "vancouver.csl"))


def numbered_references(report: Any, style: Path | None) -> list[tuple[Any, tuple[Piece, ...]]]:
    """The report's references in citation-number order, each with its formatted pieces: the list the
    PDF and the deck both print."""
    ordered = sorted(report.evidence.references, key=lambda r: report.reference_numbers[r.id])
    return list(zip(ordered, format_references(tuple(ordered), style)))


@lru_cache(maxsize=4)  # the PDF and the deck of one build ask for the same list
def _formatted(references: tuple[Any, ...], style: Path) -> tuple[tuple[Piece, ...], ...]:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    # citeproc-py lower-cases ids, so it gets positions ("r0", "r1"...) rather than ours (which may differ in case
    # only). The year only: the outputs have always printed it alone, and citeproc-py runs a full date together.
    items = [{**{k: v for k, v in to_csl(ref).items() if k not in _OURS and k not in ("issued", "event-title")},
              "id": f"r{n}", **({"issued": {"date-parts": [[_year(ref)]]}} if _year(ref) else {}), **_meeting(ref)}
             for n, ref in enumerate(references)]
    bibliography = CitationStylesBibliography(CitationStylesStyle(str(style), validate=False), CiteProcJSON(items),
                                              formatter.html)
    for item in items:  # cited in evidence order, so a citation-sequence style numbers them as we do
        bibliography.register(Citation([CitationItem(item["id"])]))
    by_id = {str(key): str(entry) for key, entry in zip(bibliography.keys, bibliography.bibliography())}
    return tuple(_pieces(by_id[f"r{n}"]) + _identifiers(ref) for n, ref in enumerate(references))


def _meeting(reference: Any) -> dict[str, str]:
    """A conference abstract's meeting where the styles print it: as the container of a conference paper.

    CSL's "event-title" (citeproc-py knows it as "event") is printed by Vancouver and AMA only for a
    speech, and neither prints an abstract's number: the container holds the meeting and the number,
    after the supplement's journal when there is one ("Blood (ASH Annual Meeting 2024; abstract 1234)").
    """
    if getattr(reference, "kind", "article") != "conference_abstract":
        return {}
    return {"container-title": formatting.reference_venue(reference)}


def _year(reference: Any) -> int | None:
    """The year the reference prints; a label or web page of unknown date has none."""
    published = getattr(reference, "published", None)
    return reference.year or (published.year if published is not None else None)


def _pieces(html: str) -> tuple[Piece, ...]:
    parser = _Runs()
    parser.feed(re.sub(r"^\s*(\[\d+\]|\d+\.)\s*", "", html))  # the style's own citation number: ours is the list's
    parser.close()
    text = tuple(p for p in parser.pieces if p.text)
    return text if not text or text[-1].text.endswith((".", "?", "!")) else text + (Piece("."),)


class _Runs(HTMLParser):
    """citeproc-py's HTML output as pieces: <i>/<em> and <b>/<strong> kept, every other tag dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[Piece] = []
        self.italic = self.bold = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        self.italic += tag in ("i", "em")
        self.bold += tag in ("b", "strong")

    def handle_endtag(self, tag: str) -> None:
        self.italic -= tag in ("i", "em") and self.italic > 0
        self.bold -= tag in ("b", "strong") and self.bold > 0

    def handle_data(self, data: str) -> None:
        self.pieces.append(Piece(data, italic=self.italic > 0, bold=self.bold > 0))


def _identifiers(ref: Any) -> tuple[Piece, ...]:
    """doi, PMID, PMCID and URL as links (the same in every output and style), then the note."""
    pieces: list[Piece] = []
    for label, text, url in (
        ("doi:", ref.doi, f"https://doi.org/{ref.doi}"),
        ("PMID ", ref.pmid and str(ref.pmid), f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"),
        ("PMCID ", ref.pmcid, f"https://www.ncbi.nlm.nih.gov/pmc/articles/{ref.pmcid}/"),
        ("", ref.url, ref.url),
    ):
        if text:
            pieces += [Piece(f" {label}"), Piece(text, link=url), Piece(".")]
    if ref.note:
        pieces.append(Piece(" " + ref.note if ref.note.endswith((".", "?", "!")) else f" {ref.note}."))
    return tuple(pieces)


def plain_text(pieces: tuple[Piece, ...]) -> str:
    """A formatted reference as plain text (speaker notes, tests)."""
    return "".join(piece.text for piece in pieces)

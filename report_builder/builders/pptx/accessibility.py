"""The deck's accessibility pass: header rows, the template's language, live links, title first in reading order."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from report_builder.builders.pptx import oxml

#: Identifiers in slide text that become links: (pattern, address of the match).
LINKS = (
    (re.compile(r"doi:\s*(10\.\S+?)(?=[.,;]?(?:\s|$))"), "https://doi.org/{0}"),
    (re.compile(r"\b(PMC\d+)\b"), "https://www.ncbi.nlm.nih.gov/pmc/articles/{0}/"),
    (re.compile(r"\b(NCT\d{8})\b"), "https://clinicaltrials.gov/study/{0}"),
    (re.compile(r"\b(ISRCTN\d+)\b"), "https://www.isrctn.com/{0}"),
    (re.compile(r"(https?://[^\s<>\"]+?)(?=[.,;)]?(?:\s|$))"), "{0}"),
)


def link_of(text: str) -> str | None:
    """The address a run's text names (a DOI, PMCID, trial registry id or web address), if any."""
    for pattern, address in LINKS:
        found = pattern.search(text)
        if found:
            return address.format(found[1])
    return None


def make_accessible(prs: Any, language: str) -> None:
    """Tables' first row marked as their header, every text in `language`, references and registry ids
    as links, each slide's title first in its reading order and unique."""
    _number_repeated_titles(prs)
    for slide in prs.slides:
        title = slide.shapes.title
        if title is not None:
            oxml.put_title_first(slide, title)
        for shape in slide.shapes:
            if shape.has_table:
                shape.table.first_row = True  # the header row screen readers announce with each cell
        for run in _runs(slide.shapes):
            address = link_of(run.text)
            if address and run.hyperlink.address is None:
                run.hyperlink.address = address
        oxml.set_language(slide, language)
        if slide.has_notes_slide:
            oxml.set_language(slide.notes_slide, language)


def _number_repeated_titles(prs: Any) -> None:
    """Slides continued more than once ("References (continued)" twice) get "(2/3)", "(3/3)": a screen
    reader's list of slides then tells them apart."""
    groups: dict[str, list[Any]] = {}
    for slide in prs.slides:
        title = slide.shapes.title
        if title is not None and title.has_text_frame and title.text_frame.text.strip():
            groups.setdefault(title.text_frame.text.strip(), []).append(title)
    for titles in groups.values():
        if len(titles) > 1:
            for k, title in enumerate(titles, start=1):
                runs = [r for p in title.text_frame.paragraphs for r in p.runs]
                runs[-1].text = runs[-1].text.rstrip() + f" ({k}/{len(titles)})"


def _runs(shapes: Any) -> Iterator[Any]:
    for shape in shapes:
        frames = []
        if shape.has_text_frame:
            frames.append(shape.text_frame)
        if getattr(shape, "has_table", False) and shape.has_table:
            frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
        for frame in frames:
            for paragraph in frame.paragraphs:
                yield from paragraph.runs

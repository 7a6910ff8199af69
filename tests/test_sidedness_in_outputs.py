"""Every P value in the built handout and deck (text and speaker notes) carries its sidedness where the source gives one."""
from __future__ import annotations

import re
import subprocess

import pytest

from report_builder.analysis import formatting

from conftest import EXAMPLE, require_tool

P_VALUE = re.compile(r"P ?(?:=|<|>|≤|≥) ?\d*\.?\d+")
SIDED = re.compile(r"(one|two|1|2)[- ]sided", re.IGNORECASE)
BEFORE, AFTER = 60, 20  #: characters around a P value where its sidedness must appear


def flat(text: str) -> str:
    return " ".join(text.split())


def p_texts(report):
    """The printed form of every reported P value and boundary, split by whether the source gives a sidedness."""
    sided, unsided = set(), set()
    for study in report.evidence.studies:
        for o in study.outcomes:
            if o.p is not None:
                (sided if o.p_sided else unsided).add(formatting.p_value(o.p))
            if o.p_boundary is not None:
                (sided if (o.p_boundary_sided or o.p_sided) else unsided).add(f"P={o.p_boundary.text}")
    return sided, unsided


def unsided_occurrences(text: str, must: set[str], may: set[str]) -> list[str]:
    """P values in text without "one-sided"/"two-sided" nearby, except those only printed for unsided outcomes."""
    missing = []
    for match in P_VALUE.finditer(text):
        printed = match.group(0).replace(" ", "")
        if printed in may and printed not in must:
            continue
        window = text[max(0, match.start() - BEFORE):match.end() + AFTER]
        if printed in may and printed in must:
            continue  # printed for outcomes with and without a sidedness: checked per outcome below
        if not SIDED.search(window):
            missing.append(text[max(0, match.start() - BEFORE):match.end() + AFTER])
    return missing


def deck_texts(path):
    from pptx import Presentation

    texts = []
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(flat(shape.text_frame.text))
            if getattr(shape, "has_table", False) and shape.has_table:
                texts += [flat(" ".join(c.text for c in row.cells)) for row in shape.table.rows]
        if slide.has_notes_slide:
            texts += [flat(line) for line in slide.notes_slide.notes_text_frame.text.splitlines()]
    return texts


@pytest.fixture(scope="module", params=["default", "northbridge"])
def outputs(request, example_build):
    out_dir = example_build(EXAMPLE, request.param)
    pdftotext = require_tool("pdftotext")
    # -raw: text in the order it is drawn, so a footnote in two columns is not interleaved line by line.
    pdf_text = subprocess.run([pdftotext, "-raw", str(out_dir / f"{EXAMPLE.stem}.pdf"), "-"], check=True,
                              capture_output=True, text=True).stdout
    return flat(pdf_text), deck_texts(out_dir / f"{EXAMPLE.stem}.pptx")


def test_every_p_value_in_the_handout_carries_its_sidedness(outputs, report):
    pdf_text, _ = outputs
    must, may = p_texts(report)
    assert P_VALUE.search(pdf_text)
    assert not unsided_occurrences(pdf_text, must, may)


def test_every_p_value_in_the_deck_and_its_notes_carries_its_sidedness(outputs, report):
    _, texts = outputs
    must, may = p_texts(report)
    missing = [m for text in texts for m in unsided_occurrences(text, must, may)]
    assert not missing, "\n".join(missing)


def test_a_p_value_shared_with_unsided_outcomes_keeps_its_sidedness_in_its_own_rows(outputs, report):
    """CR/CRi's two-sided P<0.001 prints like MRD's P<0.001, whose sidedness no source gives: check by row."""
    pdf_text, texts = outputs
    for study in report.evidence.studies:
        for o in study.outcomes:
            if o.p is None or not o.p_sided:
                continue
            printed = f"{o.p_sided} {formatting.p_value(o.p)}".lower()
            assert printed in pdf_text.lower(), printed
            rows = [t for t in texts if t.startswith((o.name, f"- {o.name}:")) and formatting.p_value(o.p) in t]
            assert rows, o.name
            for row in rows:
                assert printed in row.lower(), row


def test_boundaries_carry_their_sidedness_and_the_converted_one(outputs):
    pdf_text, texts = outputs
    both = "two-sided P=0.0208, one-sided 0.0104"
    assert both in pdf_text
    assert any(both in t for t in texts)


def test_a_p_value_without_its_sidedness_says_so(outputs, report):
    """A P value whose sidedness the file does not hold (no source in hand gives it, or they disagree, as for
    CR/CRi) is never printed bare in the deck: "(sidedness not in this summary)" follows it. The handout's
    tables say it in a footnote, its cards in words."""
    pdf_text, texts = outputs
    _, unsided = p_texts(report)
    bare = [t[max(0, m.start() - 40):m.end() + 40] for t in texts for m in P_VALUE.finditer(t)
            if m.group(0).replace(" ", "") in unsided and not SIDED.search(t[max(0, m.start() - BEFORE):m.end() + AFTER])
            and "sidedness not in this summary" not in t[m.end():m.end() + 40]]
    assert not bare, "\n".join(bare)
    assert "The sidedness of this P value is not in this summary" in pdf_text

"""References: one CSL formatter for the PDF and the deck, styles chosen by the template, files from Zotero."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from report_builder.builders.references import format_references, plain_text
from report_builder.errors import EvidenceError, TemplateError
from report_builder.inputs.evidence import load_evidence
from report_builder.inputs.references import csl_type, to_csl
from report_builder.theme.template import load_template

from conftest import EXAMPLE

NEJM_2016 = ("Kantarjian HM, DeAngelo DJ, Stelljes M, et al. Inotuzumab ozogamicin versus standard therapy for acute "
             "lymphoblastic leukemia. N Engl J Med. 2016;375(8):740–53. doi:10.1056/NEJMoa1509277. PMID 27292104.")


def without_inline_references(tmp_path: Path, references_file: str) -> Path:
    """The bundled evidence file with its `references:` block replaced by `references_file:`."""
    text = EXAMPLE.read_text(encoding="utf-8")
    head, _, _ = text.partition("\nreferences:\n")
    path = tmp_path / "evidence.yaml"
    path.write_text(f"{head}\nreferences_file: {references_file}\n", encoding="utf-8")
    return path


def zotero_like(item: dict) -> dict:
    """What Zotero's CSL-JSON export holds for an article: full given names, the full journal title and its
    abbreviation, the full date, and the PMID in the note (Zotero keeps it in "Extra")."""
    given = {"Kantarjian": "Hagop M.", "DeAngelo": "Daniel J.", "Stelljes": "Matthias"}
    authors = [{"family": a["family"], "given": given.get(a["family"], a["given"])} if "family" in a else a
               for a in item["author"]]
    zotero = {**item, "author": authors, "container-title": "New England Journal of Medicine",
              "container-title-short": item["container-title"], "issued": {"date-parts": [[2016, 8, 25]]},
              "note": f"PMID: {item['PMID']}"}  # Zotero's "Extra" field
    del zotero["PMID"]
    return zotero


def test_a_zotero_csl_json_export_gives_the_same_references_as_the_inline_ones(tmp_path):
    inline = load_evidence(EXAMPLE).evidence
    items = [to_csl(ref) for ref in inline.references]
    items = [zotero_like(i) if i["id"] == "kantarjian2016" else i for i in items]
    (tmp_path / "library.json").write_text(json.dumps(items, indent=2), encoding="utf-8")
    from_file = load_evidence(without_inline_references(tmp_path, "library.json")).evidence
    style = load_template("default").citation_style
    assert [plain_text(p) for p in format_references(from_file.references, style)] == \
        [plain_text(p) for p in format_references(inline.references, style)]
    assert NEJM_2016 in [plain_text(p) for p in format_references(from_file.references, style)]
    assert from_file.references_file == "library.json"


def test_a_bibtex_export_gives_the_same_reference(tmp_path):
    (tmp_path / "library.bib").write_text("""@article{kantarjian2016,
  title = {Inotuzumab ozogamicin versus standard therapy for acute lymphoblastic leukemia},
  author = {Kantarjian, Hagop M. and DeAngelo, Daniel J. and Stelljes, Matthias and others},
  year = {2016}, journal = {N Engl J Med}, volume = {375}, number = {8}, pages = {740--753},
  doi = {10.1056/NEJMoa1509277}, pmid = {27292104}
}
""", encoding="utf-8")
    inline = load_evidence(EXAMPLE).evidence
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("  - id: kantarjian2016\n")
    end = text.index("  - id: kantarjian2019\n")
    path = tmp_path / "evidence.yaml"
    path.write_text(text[:start] + text[end:] + "references_file: library.bib\n", encoding="utf-8")
    evidence = load_evidence(path).evidence
    assert evidence.reference("kantarjian2016") == inline.reference("kantarjian2016")
    ref = evidence.reference("kantarjian2016")
    assert plain_text(format_references((ref,), None)[0]) == NEJM_2016


def test_a_reference_file_entry_that_fails_validation_names_the_file_and_the_entry(tmp_path):
    (tmp_path / "library.json").write_text(json.dumps([{"id": "x1", "type": "article-journal", "title": "T"}]))
    with pytest.raises(EvidenceError) as caught:
        load_evidence(without_inline_references(tmp_path, "library.json"))
    assert "library.json: [0] x1:" in str(caught.value) and "authors" in str(caught.value)


@pytest.mark.parametrize("name,fragment", [("../outside.json", "must be a path relative"),
                                           ("missing.json", "no such file")])
def test_a_reference_file_outside_the_folder_or_missing_is_an_error(tmp_path, name, fragment):
    with pytest.raises(EvidenceError, match=fragment):
        load_evidence(without_inline_references(tmp_path, name))


def test_no_references_at_all_is_an_error(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").partition("\nreferences:\n")[0] + "\n"
    (tmp_path / "e.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(EvidenceError, match="no references"):
        load_evidence(tmp_path / "e.yaml")


def test_the_template_chooses_the_style(tmp_path):
    folder = tmp_path / "ama-house"
    folder.mkdir()
    (folder / "template.yaml").write_text("extends: default\ntheme:\n  citation_style: ama\n")
    ref = load_evidence(EXAMPLE).evidence.reference("kantarjian2016")
    ama = plain_text(format_references((ref,), load_template(str(folder)).citation_style)[0])
    assert "N Engl J Med. 2016;375(8):740-753. doi:10.1056/NEJMoa1509277. PMID 27292104." in ama
    assert load_template("default").citation_style.name == "vancouver.csl"


def test_an_unknown_style_is_a_located_template_error(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "template.yaml").write_text("extends: default\ntheme:\n  citation_style: harvard\n")
    with pytest.raises(TemplateError, match=r"template.yaml:3:.*no CSL style 'harvard'"):
        load_template(str(folder))


def test_doi_pmid_and_pmcid_are_links_in_the_formatted_reference():
    ev = load_evidence(EXAMPLE).evidence
    links = {p.link for pieces in format_references(ev.references, None) for p in pieces if p.link}
    assert {"https://doi.org/10.1056/NEJMoa1509277", "https://pubmed.ncbi.nlm.nih.gov/27292104/",
            "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC5908210/"} <= links


def test_the_deck_prints_the_pdfs_reference_text_with_the_same_links(report, charts, template):
    """On the slide a short entry that opens the source; in the notes the formatter's full entry, as in the PDF."""
    from report_builder.builders.pptx import PptxBuilder
    from pptx import Presentation
    import io

    deck = Presentation(io.BytesIO(PptxBuilder().build(report, charts, template)))
    slides = [s for s in deck.slides if s.shapes.title is not None and s.shapes.title.text.startswith("References")]
    assert slides
    paragraphs = [p for s in slides for sh in s.shapes if sh.has_text_frame for p in sh.text_frame.paragraphs]
    entry = next(p for p in paragraphs if p.text.startswith("Kantarjian HM et al. N Engl J Med 2016"))
    assert {r.hyperlink.address for r in entry.runs if r.hyperlink.address} == {"https://doi.org/10.1056/NEJMoa1509277"}
    notes = "\n".join(s.notes_slide.notes_text_frame.text for s in slides)
    assert NEJM_2016 in notes


def test_reference_types_map_to_csl_types():
    ev = load_evidence(EXAMPLE).evidence
    assert csl_type(ev.reference("kantarjian2016")) == "article-journal"
    assert {csl_type(r) for r in ev.references} <= {"article-journal", "document", "webpage"}


def test_an_edited_reference_file_makes_the_build_out_of_date(tmp_path):
    from report_builder.output.manifest import input_fingerprint

    inline = load_evidence(EXAMPLE).evidence
    library = tmp_path / "library.json"
    library.write_text(json.dumps([to_csl(ref) for ref in inline.references]), encoding="utf-8")
    evidence = without_inline_references(tmp_path, "library.json")
    before = input_fingerprint(evidence, "t")
    library.write_text(json.dumps([to_csl(ref) for ref in inline.references], indent=1), encoding="utf-8")
    assert input_fingerprint(evidence, "t") != before


@pytest.mark.parametrize("style", ["vancouver", "ama"])
def test_a_conference_abstract_prints_its_meeting_and_number_in_each_bundled_style(style, recwarn):
    from report_builder.inputs.evidence_schema import Reference
    from report_builder.resources import templates_root

    abstract = Reference(id="ash", kind="conference_abstract", authors=["Doe J", "et al"], title="Event-free survival",
                         conference="ASH Annual Meeting 2024", number="1234", year=2024)
    text = plain_text(format_references((abstract,), templates_root() / "default" / "csl" / f"{style}.csl")[0])
    assert "ASH Annual Meeting 2024" in text and "1234" in text
    assert not [w for w in recwarn if "unsupported" in str(w.message)]  # citeproc-py saw only variables it knows
    assert to_csl(abstract)["event-title"] == "ASH Annual Meeting 2024"  # the export keeps CSL-JSON's own name

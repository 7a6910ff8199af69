"""References as CSL-JSON: read a reference manager's export (CSL-JSON or BibTeX), and write ours back."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from report_builder.errors import EvidenceError, Problem
from report_builder.inputs.limits import MAX_BYTES

#: An author entry that stands for the authors left out ("Kantarjian HM, ..., et al"); BibTeX writes "others".
ET_AL = "et al"

#: CSL-JSON keys our Reference keeps, besides authors and dates: CSL name -> Reference field.
_FIELDS = {"title": "title", "volume": "volume", "issue": "issue", "page": "pages", "DOI": "doi", "PMID": "pmid",
           "PMCID": "pmcid", "URL": "url", "note": "note"}


#: Evidence reference kinds (evidence_schema.REFERENCE_NEEDS) as CSL item types, and back.
CSL_TYPES = {"label": "document", "regulatory_notice": "report", "web_page": "webpage",
             "conference_abstract": "paper-conference"}
KINDS = {"report": "regulatory_notice", "webpage": "web_page", "post-weblog": "web_page",
         "paper-conference": "conference_abstract", "article-journal": "article"}


def csl_type(reference: Any) -> str:
    """The CSL item type of a reference: the one place evidence reference kinds map to CSL types.

    An `article` with a journal and a volume, issue or pages is a journal article; an `article`
    without them (files written before `kind` existed kept a label's agency in `journal`) a plain
    document, or a web page when it has only a URL.
    """
    kind = getattr(reference, "kind", "article")
    if kind != "article":
        return CSL_TYPES[kind]
    if reference.journal and (reference.volume or reference.pages or reference.issue):
        return "article-journal"
    return "webpage" if reference.url and not reference.journal else "document"


def to_csl(reference: Any) -> dict[str, Any]:
    """One reference as a CSL-JSON item, as Zotero exports one; `et al` becomes a literal name."""
    item: dict[str, Any] = {"id": reference.id, "type": csl_type(reference),
                            "author": [_csl_name(name) for name in reference.authors]}
    if reference.journal:  # before `kind`, a label's or a notice's "journal" was the agency that published it
        journal_like = item["type"] in ("article-journal", "paper-conference")
        item["container-title" if journal_like else "publisher"] = reference.journal
    for csl_key, field in (("publisher", "publisher"), ("event-title", "conference"), ("number", "number")):
        value = getattr(reference, field, None)
        if value is not None:
            item[csl_key] = value
    if tuple(reference.authors) == (item.get("publisher"),):  # an agency or company that is both: printed once
        del item["publisher"]
    date = reference.published
    if date is not None and (reference.year is None or date.year == reference.year):
        item["issued"] = {"date-parts": [[v for v in (date.year, date.month, date.day) if v]]}
    elif reference.year is not None:
        item["issued"] = {"date-parts": [[reference.year]]}
    accessed = getattr(reference, "accessed", None)
    if accessed is not None:
        item["accessed"] = {"date-parts": [[accessed.year, accessed.month, accessed.day]]}
    for csl_key, field in _FIELDS.items():
        value = getattr(reference, field)
        if value is not None:
            item[csl_key] = str(value)
    return item


def _csl_name(author: str) -> dict[str, str]:
    """"Kantarjian HM" -> family "Kantarjian", given "H. M."; anything else (an agency) stays literal."""
    match = re.fullmatch(r"(.+?) ([A-Z]{1,4})", author)
    if author == ET_AL or not match:
        return {"literal": author}
    return {"family": match[1], "given": " ".join(f"{initial}." for initial in match[2])}


def from_csl(item: dict[str, Any]) -> dict[str, Any]:
    """A CSL-JSON item as the plain data of an evidence `references:` entry (validated by the caller)."""
    entry: dict[str, Any] = {"id": item.get("id")}
    kind = KINDS.get(item.get("type", ""), "label" if item.get("type") == "document" and item.get("publisher")
                     and not item.get("container-title") else "article")
    if kind != "article":
        entry["kind"] = kind
    entry["authors"] = [_name_text(name) for name in item.get("author") or []]
    journal = item.get("container-title-short") or item.get("journalAbbreviation") or item.get("container-title")
    if kind == "article":
        journal = journal or item.get("publisher")
    elif item.get("publisher"):
        entry["publisher"] = item["publisher"]
    if journal:
        entry["journal"] = journal
    for csl_key, field in (("event-title", "conference"), ("event", "conference"), ("number", "number")):
        if item.get(csl_key) not in (None, "") and field not in entry and kind != "article":
            entry[field] = str(item[csl_key])
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    if parts[0]:
        entry["year"] = _whole(parts[0][0])
        if len(parts[0]) == 3:
            entry["published"] = "{:04d}-{:02d}-{:02d}".format(*(_whole(p) for p in parts[0]))
    accessed = (item.get("accessed") or {}).get("date-parts") or [[]]
    if len(accessed[0]) == 3:
        entry["accessed"] = "{:04d}-{:02d}-{:02d}".format(*(_whole(p) for p in accessed[0]))
    item = _from_note(item)
    for csl_key, field in _FIELDS.items():
        if item.get(csl_key) not in (None, ""):
            entry[field] = _whole(item[csl_key]) if field == "pmid" else str(item[csl_key])
    return entry


_NOTE_ID = re.compile(r"\s*(PMID|PMCID|DOI)\s*:\s*(\S+)\s*", re.IGNORECASE)


def _from_note(item: dict[str, Any]) -> dict[str, Any]:
    """Zotero keeps identifiers it has no field for in "Extra" ("PMID: 27292104" lines), which its exports
    may leave in `note`: those lines become the identifiers, the rest stays the note."""
    lines = str(item.get("note") or "").splitlines()
    matches = [_NOTE_ID.fullmatch(line) for line in lines]
    found = {m[1].upper(): m[2] for m in matches if m}
    if not found:
        return item
    rest = "\n".join(line for line, m in zip(lines, matches) if not m).strip()
    return {**item, **{k: v for k, v in found.items() if not item.get(k)}, "note": rest or None}


def _name_text(name: dict[str, Any]) -> str:
    if "literal" in name:
        return str(name["literal"])
    family, given = str(name.get("family", "")), str(name.get("given", ""))
    if family == "others" and not given:
        return ET_AL
    initials = "".join(part[0] for part in re.split(r"[\s.\-]+", given) if part)
    return f"{family} {initials.upper()}".strip()


def _whole(value: Any) -> Any:
    """Numbers as whole numbers where the text is one; anything else is left for validation to report."""
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


# ------------------------------------------------------------------------------ reading a file
def read_references_file(name: str, evidence_path: Path) -> list[dict[str, Any]]:
    """The entries of `references_file:` (CSL-JSON .json or BibTeX .bib), beside the evidence file."""
    folder = evidence_path.parent.resolve()
    path = (folder / name).resolve()
    if Path(name).is_absolute() or not path.is_relative_to(folder):
        raise EvidenceError(f"{evidence_path}: references_file '{name}' must be a path relative to the evidence "
                            "file's folder, inside it")
    if not path.is_file():
        raise EvidenceError(f"{evidence_path}: references_file '{name}': no such file in {folder}")
    if path.stat().st_size > MAX_BYTES:
        raise EvidenceError(f"{path}: file is over {MAX_BYTES:,} bytes; reference files are limited to that")
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    if path.suffix.lower() == ".json":
        items = _csl_json(path, text)
    elif path.suffix.lower() == ".bib":
        items = _bibtex(path, text)
    else:
        raise EvidenceError(f"{path}: references_file must be CSL-JSON (.json) or BibTeX (.bib)")
    return [from_csl(item) for item in items]


def _csl_json(path: Path, text: str) -> list[dict[str, Any]]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EvidenceError(f"{path}: not valid JSON", [Problem(path, exc.lineno, exc.colno, "", exc.msg)]) from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise EvidenceError(f"{path}: expected a CSL-JSON list of items, as Zotero's 'Export Collection' writes")
    return items


def _bibtex(path: Path, text: str) -> list[dict[str, Any]]:
    import io

    from citeproc.source.bibtex import BibTeX

    try:
        entries = BibTeX(io.StringIO(text))
    except Exception as exc:  # citeproc-py's parser raises plain exceptions on malformed BibTeX
        raise EvidenceError(f"{path}: cannot be read as BibTeX ({type(exc).__name__}: {exc})") from None
    return [_bibtex_item(key, entry) for key, entry in entries.items()]


def _bibtex_item(key: str, entry: Any) -> dict[str, Any]:
    """citeproc-py's parsed BibTeX entry as a CSL-JSON item."""
    item: dict[str, Any] = {"id": key, "type": entry.type}
    for name, value in entry.items():
        csl_key = {"container_title": "container-title", "container_title_short": "container-title-short"}.get(
            name, name)
        if name == "author":
            item["author"] = [dict(person.items()) for person in value]
        elif name == "issued":
            item["issued"] = {"date-parts": [[value[p] for p in ("year", "month", "day") if p in value]]}
        elif name not in ("key", "type"):
            item[csl_key] = str(value)
    return item

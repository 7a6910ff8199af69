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


def csl_type(reference: Any) -> str:
    """The CSL item type of a reference: the one place evidence reference kinds map to CSL types.

    The evidence format has no `kind:` for references yet; a journal with a volume or pages is an
    article, anything else (a label, a regulatory notice, a web page) a plain document.
    """
    if reference.journal and (reference.volume or reference.pages or reference.issue):
        return "article-journal"
    return "webpage" if reference.url and not reference.journal else "document"


def to_csl(reference: Any) -> dict[str, Any]:
    """One reference as a CSL-JSON item, as Zotero exports one; `et al` becomes a literal name."""
    item: dict[str, Any] = {"id": reference.id, "type": csl_type(reference),
                            "author": [_csl_name(name) for name in reference.authors]}
    if reference.journal:  # a label's or a notice's "journal" is the agency or company that published it
        item["container-title" if item["type"] == "article-journal" else "publisher"] = reference.journal
    date = reference.published
    item["issued"] = {"date-parts": [[date.year, date.month, date.day] if date and date.year == reference.year
                                     else [reference.year]]}
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
    entry["authors"] = [_name_text(name) for name in item.get("author") or []]
    journal = item.get("container-title-short") or item.get("journalAbbreviation") or item.get("container-title") \
        or item.get("publisher")
    if journal:
        entry["journal"] = journal
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    if parts[0]:
        entry["year"] = _whole(parts[0][0])
        if len(parts[0]) == 3:
            entry["published"] = "{:04d}-{:02d}-{:02d}".format(*(_whole(p) for p in parts[0]))
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

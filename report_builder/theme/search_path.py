"""Finding template folders and walking their `extends` chain, without importing any renderer."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from report_builder.errors import EvidenceError, TemplateError
from report_builder.inputs.yaml_reader import SourceMap, read_yaml
from report_builder.resources import templates_root

TEMPLATE_FILE = "template.yaml"
DEFAULT = "default"
MAX_CHAIN = 10


def find_template_folder(spec: str, relative_to: Path | None = None) -> Path:
    """--template NAME (a folder under templates/) or PATH (any folder with a template.yaml).

    relative_to is the template folder whose `extends:` names spec: a relative path then starts
    from that folder (not from wherever the command runs), and a name is first looked for next to it.
    """
    candidate = Path(spec).expanduser()
    looks_like_path = "/" in spec or "\\" in spec or spec.startswith(".") or candidate.is_absolute()
    if looks_like_path and relative_to is not None and not candidate.is_absolute():
        candidate = relative_to / candidate
    places = [candidate] if looks_like_path else []
    if not looks_like_path:
        if relative_to is not None:
            places.append(relative_to.parent / spec)
        places.append(templates_root() / spec)
    for place in places:
        if (place / TEMPLATE_FILE).is_file():
            return place.resolve()
    if looks_like_path:
        if candidate.is_dir():
            raise TemplateError(f"{candidate}: not a template folder (no {TEMPLATE_FILE} in it)")
        raise TemplateError(f"{candidate}: no such template folder")
    known = ", ".join(list_templates()) or "none"
    raise TemplateError(f"unknown template '{spec}'; known templates: {known} (or give a folder path)")


def list_templates() -> list[str]:
    root = templates_root()
    return sorted(p.name for p in root.iterdir() if (p / TEMPLATE_FILE).is_file()) if root.is_dir() else []


def is_default(folder: Path) -> bool:
    return folder.resolve() == (templates_root() / DEFAULT).resolve()


@dataclass(frozen=True)
class TemplateFolder:
    """One folder of a search path and its template.yaml as read (load_template validates it)."""

    folder: Path
    data: Any
    source_map: SourceMap


def template_chain(spec: str | Path) -> tuple[TemplateFolder, ...]:
    """The folders of a template from the most specific to the default, each with its template.yaml.

    The one walk of `extends`. It needs no schema: an `extends:` that is not a name or a path ends
    the walk, and validating that file (load_template) then reports it at its line.
    """
    folder = find_template_folder(str(spec))
    chain: list[TemplateFolder] = []
    while True:
        link = TemplateFolder(folder, *_read_template_file(folder / TEMPLATE_FILE))
        chain.append(link)
        parent = _parent(link)
        if parent is None:
            return tuple(chain)
        line, column = link.source_map.locate(("extends",))
        where = f"{link.source_map.file}:{line}:{column}: extends" if line else f"{link.source_map.file}: extends"
        try:
            folder = find_template_folder(parent, relative_to=link.folder)
        except TemplateError as exc:
            raise TemplateError(f"{where}: {exc.message}") from None
        if any(seen.folder == folder for seen in chain):
            raise TemplateError(f"{where}: loops back to {folder.name}")
        if len(chain) >= MAX_CHAIN:
            raise TemplateError(f"{where}: chain deeper than {MAX_CHAIN}")


def search_path(spec: str | Path) -> tuple[Path, ...]:
    """Template folders from the most specific to the default, following `extends`."""
    return tuple(link.folder for link in template_chain(spec))


def _parent(link: TemplateFolder) -> str | None:
    """What a template.yaml extends (stripped, as the schema reads it); None at the end of the chain."""
    parent = link.data.get("extends") if isinstance(link.data, dict) else None
    if parent is None and not is_default(link.folder):
        return DEFAULT  # every chain ends at the default, so no setting is ever undefined
    if isinstance(parent, str) and parent.strip():
        return parent.strip()
    return None


def _read_template_file(path: Path) -> tuple[Any, SourceMap]:
    """A template.yaml read with the guarded, located reader evidence files use; its errors are template errors."""
    try:
        return read_yaml(path, kind="template file")
    except EvidenceError as exc:
        raise TemplateError(exc.message, exc.problems) from None


def template_files(folders: tuple[Path, ...], outputs: Path | None = None) -> list[Path]:
    """Every file of every folder on a search path: the template inputs of a build.

    A link leading out of its folder is left out (loading the template reports it): hashing it
    could mean reading /proc/kcore or a huge file before any check has run. So is the build's
    output folder (`outputs`) when it lies inside a template folder: the last build's outputs are
    not inputs of the next, or no build would ever be up to date.
    """
    outputs = outputs.resolve() if outputs is not None else None
    found = []
    for folder in folders:
        root = folder.resolve()
        for path in folder.rglob("*"):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            # Where the file really is. Only a link needs resolving: rglob never enters a linked folder.
            real = path.resolve() if path.is_symlink() else root / path.relative_to(folder)
            if real.is_relative_to(root) and (outputs is None or not real.is_relative_to(outputs)):
                found.append(path)
    return sorted(found)

"""Finding template folders and their search path, cheaply: used before anything heavy is imported."""
from __future__ import annotations

from pathlib import Path

from report_builder.errors import TemplateError
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


def declared_parent(folder: Path) -> str | None:
    return _declared_parent(folder)[0]


def _declared_parent(folder: Path) -> tuple[str | None, str]:
    """The `extends:` of a template folder, read without schema validation (that comes with loading).

    Read with the same guarded, located reader as everything else, so a broken template.yaml gives
    the same message here (the up-to-date check) as when the template is loaded.
    """
    from report_builder.errors import EvidenceError
    from report_builder.inputs.yaml_reader import read_yaml

    try:
        data, source_map = read_yaml(folder / TEMPLATE_FILE, kind="template file")
    except EvidenceError as exc:
        raise TemplateError(exc.message, exc.problems) from None
    line, column = source_map.locate(("extends",))
    where = f"{folder / TEMPLATE_FILE}:{line}:{column}" if line else str(folder / TEMPLATE_FILE)
    parent = data.get("extends")
    if parent is None and not is_default(folder):
        return DEFAULT, where  # every chain ends at the default, so no setting is ever undefined
    return (parent if isinstance(parent, str) else None), where


def search_path(spec: str) -> tuple[Path, ...]:
    """Template folders from the most specific to the default, following `extends`."""
    folder = find_template_folder(spec)
    chain = [folder]
    while True:
        parent, where = _declared_parent(chain[-1])
        if parent is None:
            return tuple(chain)
        try:
            folder = find_template_folder(parent, relative_to=chain[-1])
        except TemplateError as exc:
            raise TemplateError(f"{where}: extends: {exc.message}") from None
        if folder in chain:
            raise TemplateError(f"{where}: extends: loops back to {folder.name}")
        if len(chain) >= MAX_CHAIN:
            raise TemplateError(f"{where}: extends: chain deeper than {MAX_CHAIN}")
        chain.append(folder)


def template_files(folders: tuple[Path, ...]) -> list[Path]:
    """Every file of every folder on a search path: the template inputs of a build.

    A link leading out of its folder is left out (loading the template reports it): hashing it
    could mean reading /proc/kcore or a huge file before any check has run.
    """
    return sorted(p for folder in folders for p in folder.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts
                  and (not p.is_symlink() or p.resolve().is_relative_to(folder.resolve())))

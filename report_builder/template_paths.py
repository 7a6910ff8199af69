"""Finding template folders and their search path, cheaply: used before anything heavy is imported."""
from __future__ import annotations

from pathlib import Path

from report_builder.errors import TemplateError
from report_builder.resources import templates_root

TEMPLATE_FILE = "template.yaml"
DEFAULT = "default"
MAX_CHAIN = 10


def find_template_folder(spec: str, relative_to: Path | None = None) -> Path:
    """--template NAME (a folder under templates/) or PATH (any folder with a template.yaml)."""
    candidate = Path(spec).expanduser()
    looks_like_path = "/" in spec or "\\" in spec or spec.startswith(".") or candidate.is_absolute()
    places = [candidate] if looks_like_path else []
    if not looks_like_path:
        if relative_to is not None:
            places.append(relative_to / spec)
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
    """The `extends:` of a template folder, read without validation (validation comes with loading)."""
    import yaml

    try:
        data = yaml.safe_load((folder / TEMPLATE_FILE).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        raise TemplateError(f"{folder / TEMPLATE_FILE}: cannot be read") from None
    parent = data.get("extends") if isinstance(data, dict) else None
    if parent is None and not is_default(folder):
        return DEFAULT  # every chain ends at the default, so no setting is ever undefined
    return parent if isinstance(parent, str) else None


def search_path(spec: str) -> tuple[Path, ...]:
    """Template folders from the most specific to the default, following `extends`."""
    folder = find_template_folder(spec)
    chain = [folder]
    while True:
        parent = declared_parent(chain[-1])
        if parent is None:
            return tuple(chain)
        folder = find_template_folder(parent, relative_to=chain[-1].parent)
        if folder in chain:
            raise TemplateError(f"{chain[-1] / TEMPLATE_FILE}: 'extends' loops back to {folder.name}")
        if len(chain) >= MAX_CHAIN:
            raise TemplateError(f"{chain[-1] / TEMPLATE_FILE}: 'extends' chain deeper than {MAX_CHAIN}")
        chain.append(folder)


def template_files(folders: tuple[Path, ...]) -> list[Path]:
    """Every file of every folder on a search path: the template inputs of a build."""
    return sorted(p for folder in folders for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)

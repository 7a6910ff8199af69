"""What a build records next to its outputs: the inputs' fingerprint, each file's hash, the chart keys, the library versions."""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from report_builder.output.writer import OutputSet
    from report_builder.theme.template import Template

MANIFEST = "manifest.json"
CHART_DIR = "charts"
CACHE_DIR = ".cache"  #: what the next build reuses and nobody reads: the charts' recorded operations
#: The libraries whose versions the fingerprint and the manifest record: the code that draws.
LIBRARIES = ("reportlab", "rl_accel", "python-pptx", "matplotlib", "jinja2", "pyyaml", "pydantic", "scipy")
_PACKAGE_DIR = Path(__file__).resolve().parent.parent

ChartCache = dict[str, tuple[bytes, bytes, bytes]]  #: chart key -> (svg, png, ops) of the previous build


# ------------------------------------------------------------------------------ is anything to do?
def template_digest(folders: tuple[Path, ...]) -> str:
    """A hash of every file of every template folder on a search path, by its place in the chain."""
    from report_builder.theme.search_path import template_files

    digest = hashlib.sha256()
    for folder in folders:
        for path in template_files((folder,)):
            _add(digest, f"template:{len(folders)}:{path.relative_to(folder)}", path.read_bytes())
    return digest.hexdigest()


def input_fingerprint(evidence_path: Path, template_hash: str) -> str:
    """A hash of everything that affects the outputs, computed without importing any renderer.

    The evidence bytes, the template's files (template_digest), report_builder's own code and the
    versions of the libraries that draw, plus SOURCE_DATE_EPOCH.
    """
    digest = hashlib.sha256()
    _add(digest, "evidence", evidence_path.read_bytes())
    _add(digest, "template", template_hash.encode())
    for path in sorted(_PACKAGE_DIR.rglob("*.py")):
        _add(digest, f"code:{path.relative_to(_PACKAGE_DIR)}", path.read_bytes())
    _add(digest, "versions", json.dumps(library_versions(), sort_keys=True).encode())
    _add(digest, "env", os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    return digest.hexdigest()


def _add(digest, label: str, data: bytes) -> None:
    digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())


def read_manifest(out_dir: Path) -> dict:
    try:
        return json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def own_outputs(manifest: dict) -> dict[str, str]:
    """The files the last build wrote (name -> sha256), as its manifest lists them: the only files a
    build may remove (output.writer removes those it no longer writes, if nobody changed them)."""
    outputs = manifest.get("outputs")
    if not isinstance(outputs, dict):
        return {}
    return {name: digest for name, digest in outputs.items() if isinstance(name, str) and isinstance(digest, str)}


def is_up_to_date(out_dir: Path, fingerprint: str, manifest: dict) -> bool:
    """Same inputs as the last build, and every output it wrote still there, unmodified."""
    if manifest.get("fingerprint") != fingerprint:
        return False
    outputs = manifest.get("outputs", {})
    if not outputs:
        return False
    for name, expected in outputs.items():
        try:
            if hashlib.sha256((out_dir / name).read_bytes()).hexdigest() != expected:
                return False
        except OSError:
            return False
    return True


# ------------------------------------------------------------------------------ charts of the last build
def chart_files(chart_id: str) -> tuple[str, str, str]:
    """Where a chart's SVG, PNG and recorded operations go; the operations are a cache for the next
    build's PDF (a chart reused from the cache is never drawn again), not a file for readers."""
    return f"{CHART_DIR}/{chart_id}.svg", f"{CHART_DIR}/{chart_id}.png", f"{CACHE_DIR}/{chart_id}.ops.json"


def previous_charts(out_dir: Path, manifest: dict) -> ChartCache:
    """The previous build's charts by key, if every file is still exactly as that build wrote it.

    A chart whose key is unchanged draws the same bytes, so it is reused instead of redrawn.
    """
    keys, digests = manifest.get("charts"), manifest.get("outputs")
    if not isinstance(keys, dict) or not isinstance(digests, dict):
        return {}
    cache: ChartCache = {}
    for chart_id, key in keys.items():
        if not isinstance(key, str) or not isinstance(chart_id, str) or Path(chart_id).name != chart_id:
            continue
        files = []
        for name in chart_files(chart_id):
            try:
                data = (out_dir / name).read_bytes()
            except OSError:
                break
            if hashlib.sha256(data).hexdigest() != digests.get(name):
                break  # edited or half-written since: draw it again
            files.append(data)
        if len(files) == 3:
            cache[key] = (files[0], files[1], files[2])
    return cache


# ------------------------------------------------------------------------------ the manifest itself
def manifest_bytes(evidence_path: Path, template: "Template", outputs: "OutputSet", fingerprint: str,
                   charts: dict[str, str]) -> bytes:
    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    manifest = {
        "fingerprint": fingerprint,
        "evidence": {"path": str(evidence_path), "sha256": digest(evidence_path)},
        "template": {"name": template.name, "files": {str(p): digest(p) for p in template.files()}},
        "outputs": outputs.digests(),
        "charts": charts,  # chart id -> key (charts.draw.chart_key): what the next build may reuse
        "versions": library_versions(),
    }
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


def library_versions() -> dict[str, str]:
    return dict(_library_versions())


@lru_cache(maxsize=1)
def _library_versions() -> dict[str, str]:
    """Read once per process: the code already loaded is what draws, whatever is installed meanwhile."""
    from importlib.metadata import PackageNotFoundError, version

    from report_builder import __version__

    found = {"report_builder": __version__}
    for package in LIBRARIES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "unknown"
    return found

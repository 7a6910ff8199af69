"""What a build records next to its outputs: the inputs' fingerprint, each file's hash, the chart keys, the library versions."""
from __future__ import annotations

import hashlib
import json
import os
import re
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
LIBRARIES = ("reportlab", "rl_accel", "python-pptx", "matplotlib", "jinja2", "pyyaml", "pydantic", "scipy", "citeproc-py")
_PACKAGE_DIR = Path(__file__).resolve().parent.parent

ChartCache = dict[str, dict[str, bytes]]  #: chart key -> its forms ("svg", "png", "ops") from the previous build


# ------------------------------------------------------------------------------ is anything to do?
def template_digest(folders: tuple[Path, ...], outputs: Path | None = None) -> str:
    """A hash of every file of every template folder on a search path, by its place in the chain; files
    inside the output folder `outputs` (an --out inside the template folder) are outputs, not inputs."""
    from report_builder.theme.search_path import template_files

    digest = hashlib.sha256()
    for folder in folders:
        for path in template_files((folder,), outputs):
            _add(digest, f"template:{len(folders)}:{path.relative_to(folder)}", path.read_bytes())
    return digest.hexdigest()


def input_fingerprint(evidence_path: Path, template_hash: str, formats: tuple[str, ...] | None = None,
                      strict: bool = False) -> str:
    """A hash of everything that affects the outputs, computed without importing any renderer.

    The evidence bytes (and its references_file), the template's files (template_digest), the formats
    asked for (--to) and --strict (a build that passed with warnings is not up to date for --strict),
    report_builder's own code and the versions of the libraries that draw, plus SOURCE_DATE_EPOCH.
    """
    digest = hashlib.sha256()
    _add(digest, "options", f"to={','.join(sorted(formats)) if formats else 'all'};strict={strict}".encode())
    evidence = evidence_path.read_bytes()
    _add(digest, "evidence", evidence)
    # The references_file is an input too; found with a line match, since this check parses no YAML.
    named = re.search(rb"^references_file:[ \t]*['\"]?([^'\"\s#]+)", evidence, re.MULTILINE)
    if named:
        folder = evidence_path.parent.resolve()
        references = (folder / named[1].decode("utf-8", "replace")).resolve()
        if references.is_relative_to(folder) and references.is_file():  # the loader refuses any other
            _add(digest, "references", references.read_bytes())
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
def chart_files(chart_id: str, forms: tuple[str, ...]) -> dict[str, str]:
    """Where each form of a chart goes: the print SVG and the slide PNG under charts/ for readers to
    reuse; the PDF's recorded operations are a cache for the next build (a chart reused from the cache
    is never drawn again), not a file for readers."""
    places = {"svg": f"{CHART_DIR}/{chart_id}.svg", "png": f"{CHART_DIR}/{chart_id}.png",
              "ops": f"{CACHE_DIR}/{chart_id}.ops.json"}
    return {form: places[form] for form in forms}


def previous_charts(out_dir: Path, manifest: dict) -> ChartCache:
    """The previous build's charts by key (the manifest's "charts": "medium/id" -> {"key", "files": {form:
    file}}), each only if every file of it is still exactly as that build wrote it.

    A chart whose key is unchanged draws the same bytes, so it is reused instead of redrawn.
    """
    charts, digests = manifest.get("charts"), manifest.get("outputs")
    if not isinstance(charts, dict) or not isinstance(digests, dict):
        return {}
    cache: ChartCache = {}
    for entry in charts.values():
        key, files = (entry.get("key"), entry.get("files")) if isinstance(entry, dict) else (None, None)
        if not isinstance(key, str) or not isinstance(files, dict):
            continue
        forms = {}
        for form, name in files.items():
            if not isinstance(name, str) or name not in digests:
                break  # only files this build wrote, by the names it recorded
            try:
                data = (out_dir / name).read_bytes()
            except OSError:
                break
            if hashlib.sha256(data).hexdigest() != digests[name]:
                break  # edited or half-written since: draw it again
            forms[form] = data
        else:
            cache[key] = forms
    return cache


# ------------------------------------------------------------------------------ the manifest itself
def manifest_bytes(evidence_path: Path, template: "Template", outputs: "OutputSet", fingerprint: str,
                   charts: dict[str, dict], out_root: Path | None = None) -> bytes:
    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    manifest = {
        "fingerprint": fingerprint,
        "evidence": {"path": str(evidence_path), "sha256": digest(evidence_path)},
        "template": {"name": template.name, "files": {str(p): digest(p) for p in template.files(out_root)}},
        "outputs": outputs.digests(),
        # "medium/chart id" -> {"key": charts.draw.chart_key, "files": {form: file}}: what the next build may reuse
        "charts": charts,
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

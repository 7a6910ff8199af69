"""Builds: load and check everything, draw charts once, run each builder, then write all outputs at once."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from report_builder.output.writer import OutputSet, write_outputs

if TYPE_CHECKING:
    from report_builder.theme.search_path import TemplateFolder

MANIFEST = "manifest.json"
CHART_DIR = "charts"
CACHE_DIR = ".cache"  #: what the next build reuses and nobody reads: the charts' recorded operations
_PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class BuildResult:
    source: Path
    out_dir: Path
    status: str  #: "built", "up to date" or "failed"
    outputs: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str = ""
    internal: bool = False  #: the failure is a bug, not bad input
    detail: str = ""  #: traceback of an internal error, shown with --debug only
    charts_drawn: int = 0
    charts_reused: int = 0


# ------------------------------------------------------------------------------ incremental builds
def input_fingerprint(evidence_path: Path, chain: tuple[TemplateFolder, ...]) -> str:
    """A hash of everything that affects the outputs, computed without importing any renderer.

    Evidence bytes, every file of every template on the search path (chain: template_chain()),
    report_builder's own code and the versions of the libraries that draw, plus SOURCE_DATE_EPOCH.
    """
    from report_builder.theme.search_path import template_files

    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    add("evidence", evidence_path.read_bytes())
    folders = tuple(link.folder for link in chain)
    for folder in folders:
        for path in template_files((folder,)):
            add(f"template:{len(folders)}:{path.relative_to(folder)}", path.read_bytes())
    for path in sorted(_PACKAGE_DIR.rglob("*.py")):
        add(f"code:{path.relative_to(_PACKAGE_DIR)}", path.read_bytes())
    add("versions", json.dumps(library_versions(), sort_keys=True).encode())
    add("env", os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    return digest.hexdigest()


def read_manifest(out_dir: Path) -> dict:
    try:
        return json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


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


# ------------------------------------------------------------------------------ one build
def build(evidence_path: Path, out_root: Path, template_spec: str = "default", force: bool = False,
          split: bool = False) -> BuildResult:
    """Build the PDF, the deck and the charts of one evidence file into out_root/<stem>/.

    Raises ReportBuilderError for bad input; nothing is written unless every output rendered.
    With split, the PDF and the deck are rendered at the same time on two cores (render_documents).
    """
    evidence_path = Path(evidence_path)
    out_dir = Path(out_root) / evidence_path.stem
    from report_builder.inputs.limits import MAX_BYTES

    if not evidence_path.is_file() or evidence_path.stat().st_size > MAX_BYTES:
        from report_builder.analysis.report import load_report

        load_report(evidence_path)  # raises "no such file" / "is a folder" / "too big" before the fingerprint reads it
    from report_builder.theme.search_path import template_chain

    chain = template_chain(template_spec)  # walked once: the fingerprint hashes its folders, load_template reads it
    previous = read_manifest(out_dir)
    fingerprint = None
    if previous and not force:  # with no earlier build (or --force) there is nothing to compare: hash while loading
        fingerprint = input_fingerprint(evidence_path, chain)
        if is_up_to_date(out_dir, fingerprint, previous):
            return BuildResult(evidence_path, out_dir, "up to date")

    if split and _can_fork():
        # The template and the report (YAML, schema, checks, exact CIs with scipy) load on the other
        # core while this process hashes the inputs (unless it did above) and imports Matplotlib,
        # which both halves of the build then share.
        from report_builder.forked import Forked

        def load() -> Any:
            from report_builder.analysis.report import load_report
            from report_builder.theme.template import load_template

            return load_template(chain), load_report(evidence_path)  # template errors first, as below

        with Forked(load) as loading:
            fingerprint = fingerprint or input_fingerprint(evidence_path, chain)
            _import_chart_libraries()
            import report_builder.analysis.report  # noqa: F401 - what unpickling the two needs, imported while they load
            import report_builder.theme.template  # noqa: F401

            template, report = loading.result()
    else:
        from report_builder.analysis.report import load_report
        from report_builder.theme.template import load_template

        fingerprint = fingerprint or input_fingerprint(evidence_path, chain)
        template = load_template(chain)
        report = load_report(evidence_path)
    cache = {} if force else _chart_cache(out_dir, previous)  # --force redraws every chart too
    charts, documents = render_documents(report, template, cache, split=split)
    reused = sum(1 for chart in charts if chart.key in cache)
    outputs = OutputSet()
    for chart in charts:
        for name, data in zip(_chart_files(chart.id), (chart.svg, chart.png, chart.ops)):
            outputs.add(name, data)
    for extension, document in documents.items():
        outputs.add(f"{report.stem}{extension}", document)
    outputs.add(MANIFEST, _manifest(evidence_path, template, outputs, fingerprint, {c.id: c.key for c in charts}))
    written = write_outputs(out_dir, outputs, last=MANIFEST)
    _remove_stale_charts(out_dir, outputs)
    return BuildResult(evidence_path, out_dir, "built", tuple(written), tuple(str(w) for w in report.warnings),
                       charts_drawn=len(charts) - reused, charts_reused=reused)


def render_documents(report, template, cache: dict[str, tuple[bytes, bytes, bytes]], split: bool = False):
    """The charts (every form) and every builder's document, by extension.

    With split, a forked process draws the SVGs and the recorded operations, builds the documents
    that replay those (the PDF) and draws the PNGs no picture-embedding builder shows, while this one
    draws the PNGs the deck shows and builds the deck: the halves take about as long, so a build on
    two cores takes little more than the longer one. Either way the bytes are the same.
    """
    from dataclasses import replace

    from report_builder.builders import get_builders
    from report_builder.charts import ChartSet
    from report_builder.charts.draw import draw_charts

    builders = get_builders()
    pictures = [b for b in builders if b.chart_format == "png"]
    vectors = [b for b in builders if b.chart_format != "png"]
    if not split or not _can_fork() or not pictures or not vectors:
        charts = draw_charts(report, template, cache=cache)
        return charts, {b.extension: b.build(report, charts, template) for b in builders}

    def shown(plan) -> bool:
        return any(b.chart_kinds is None or plan.kind in b.chart_kinds for b in pictures)

    def vector_half() -> tuple[dict[str, tuple[bytes, bytes, bytes]], dict[str, bytes]]:
        charts = draw_charts(report, template, cache=cache,
                             formats=lambda plan: ("svg", "ops") if shown(plan) else ("svg", "ops", "png"))
        docs = {b.extension: b.build(report, charts, template) for b in vectors}
        return {c.id: (c.svg, c.png, c.ops) for c in charts}, docs

    from report_builder.forked import Forked

    with Forked(vector_half) as other:
        png_charts = draw_charts(report, template, cache=cache, formats=lambda plan: ("png",) if shown(plan) else ())
        documents = {b.extension: b.build(report, png_charts, template) for b in pictures}
        forms, vector_documents = other.result()
    charts = ChartSet(tuple(replace(c, svg=forms[c.id][0], png=c.png or forms[c.id][1], ops=forms[c.id][2])
                            for c in png_charts))
    documents.update(vector_documents)
    return charts, {b.extension: documents[b.extension] for b in builders}


def _import_chart_libraries() -> None:
    """Matplotlib, as the chart renderers use it; imported before the halves of a split build fork."""
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401


def _can_fork() -> bool:
    """fork() copies the loaded model for free, but is only safe without other Python threads."""
    import multiprocessing
    import threading

    return (hasattr(os, "fork") and threading.active_count() == 1
            and not multiprocessing.current_process().daemon)  # daemonic processes may not have children


def _chart_files(chart_id: str) -> tuple[str, str, str]:
    """Where a chart's SVG, PNG and recorded operations go; the operations are a cache for the next
    build's PDF (a chart reused from the cache is never drawn again), not a file for readers."""
    return f"{CHART_DIR}/{chart_id}.svg", f"{CHART_DIR}/{chart_id}.png", f"{CACHE_DIR}/{chart_id}.ops.json"


def _chart_cache(out_dir: Path, manifest: dict) -> dict[str, tuple[bytes, bytes, bytes]]:
    """The previous build's charts by key (svg, png, ops), if every file is still exactly as that build wrote it.

    A chart whose key is unchanged draws the same bytes, so it is reused instead of redrawn.
    """
    keys, digests = manifest.get("charts"), manifest.get("outputs")
    if not isinstance(keys, dict) or not isinstance(digests, dict):
        return {}
    cache: dict[str, tuple[bytes, bytes, bytes]] = {}
    for chart_id, key in keys.items():
        if not isinstance(key, str) or not isinstance(chart_id, str) or Path(chart_id).name != chart_id:
            continue
        files = []
        for name in _chart_files(chart_id):
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


def _manifest(evidence_path: Path, template, outputs: OutputSet, fingerprint: str, charts: dict[str, str]) -> bytes:
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


#: The libraries whose versions the fingerprint and the manifest record: the code that draws.
LIBRARIES = ("reportlab", "rl_accel", "python-pptx", "matplotlib", "jinja2", "pyyaml", "pydantic", "scipy")


@lru_cache(maxsize=1)
def _library_versions() -> dict[str, str]:
    """The versions of the code that draws, read once per process: the fingerprint and the manifest both
    need them, and the code already loaded is what draws, whatever is installed meanwhile.

    Read from the names of the installed distributions' folders (`<name>-<version>.dist-info`, as the
    packaging specifications name them), the way importlib.metadata finds a distribution, but without
    importing it and parsing each METADATA file: this is on the path of every build, also of one that
    finds everything up to date. A library found another way falls back to importlib.metadata.
    """
    import re
    import sys

    from report_builder import __version__

    def normal(name: str) -> str:
        return re.sub(r"[-_.]+", "_", name).lower()

    wanted = {normal(package): package for package in LIBRARIES}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a missing folder or a zip file on the path
            continue
        for name in names:
            if name.endswith(".dist-info"):
                distribution, _, number = name[: -len(".dist-info")].partition("-")
                package = wanted.get(normal(distribution))
                if package and package not in found:  # the first on the path is the one imported
                    found[package] = number
    for package in LIBRARIES:
        if package not in found:
            from importlib.metadata import PackageNotFoundError, version

            try:
                found[package] = version(package)
            except PackageNotFoundError:
                found[package] = "unknown"
    return {"report_builder": __version__, **{package: found[package] for package in LIBRARIES}}


def _remove_stale_charts(out_dir: Path, outputs: OutputSet) -> None:
    """A chart the evidence no longer supports must not linger next to the new ones."""
    for folder, suffixes in ((CHART_DIR, (".svg", ".png")), (CACHE_DIR, (".json",))):
        if not (out_dir / folder).is_dir():
            continue
        for path in (out_dir / folder).iterdir():
            if path.suffix in suffixes and f"{folder}/{path.name}" not in outputs.files:
                path.unlink(missing_ok=True)  # a concurrent build into the same folder may have removed it


# ------------------------------------------------------------------------------ many builds
@dataclass
class BuildSummary:
    results: list[BuildResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def exit_status(self) -> int:
        if any(r.internal for r in self.results):
            return 1
        return 2 if self.count("failed") else 0

    def line(self) -> str:
        return (f"{self.count('built')} built, {self.count('up to date')} up to date, "
                f"{self.count('failed')} failed")


def build_safely(evidence_path: Path, out_root: Path, template_spec: str, force: bool,
                 split: bool = False) -> BuildResult:
    """A build whose failure becomes a result, so one bad file never stops the others."""
    from report_builder.errors import ReportBuilderError

    try:
        return build(evidence_path, out_root, template_spec, force, split=split)
    except ReportBuilderError as exc:
        return BuildResult(Path(evidence_path), Path(out_root) / Path(evidence_path).stem, "failed", error=str(exc))
    except Exception as exc:  # noqa: BLE001 - reported as an internal error with the file it happened on
        import traceback

        return BuildResult(Path(evidence_path), Path(out_root) / Path(evidence_path).stem, "failed",
                           error=f"{evidence_path}: internal error: {type(exc).__name__}: {exc}\n"
                                 "This is a bug in report_builder, not in your input; rerun with --debug for details.",
                           internal=True, detail=traceback.format_exc())


def build_many(paths: list[Path], out_root: Path, template_spec: str, *, jobs: int = 1, force: bool = False,
               on_result=None) -> BuildSummary:
    """Build many evidence files in up to `jobs` processes; results arrive in completion order.

    Files are spread over min(jobs, files) processes; when that leaves two processes per file (one
    file, two cores), each build is split in two (render_documents).
    """
    summary = BuildSummary()
    workers = max(1, min(jobs, len(paths)))
    split = jobs >= 2 * workers
    if workers == 1:
        for index, path in enumerate(paths):
            if index:
                _collect_garbage()
            result = build_safely(path, out_root, template_spec, force, split)
            summary.results.append(result)
            if on_result:
                on_result(result)
        return summary
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # Import the renderers once in the parent: forked workers share them instead of each paying the import.
    _preload()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_build_then_collect, path, out_root, template_spec, force, split) for path in paths]
        for future in as_completed(futures):
            result = future.result()
            summary.results.append(result)
            if on_result:
                on_result(result)
    return summary


def _collect_garbage() -> None:
    """Free the previous build's reference cycles before the next build in the same process.

    The console script collects garbage less often than Python's default (cli.run, for speed), which
    over many builds in one process would let the peak memory grow from build to build; one full
    collection between builds (about 0.1 s) keeps every build's peak where the first one's is.
    """
    import gc

    gc.collect()


def _build_then_collect(evidence_path: Path, out_root: Path, template_spec: str, force: bool,
                        split: bool) -> BuildResult:
    try:
        return build_safely(evidence_path, out_root, template_spec, force, split)
    finally:
        _collect_garbage()


def _preload() -> None:
    """Import what every build needs before forking the workers, which then share it instead of each
    paying the import (about a second of a cold build)."""
    import importlib

    from report_builder.builders import get_builders

    get_builders()
    for module in ("report_builder.builders.pdf.context", "report_builder.builders.pdf.sections",
                   "report_builder.builders.pdf.studies", "report_builder.builders.pptx.deck",
                   "report_builder.builders.pptx.slides", "report_builder.builders.pptx.studies",
                   "report_builder.charts.style", "report_builder.charts.record", "report_builder.analysis.report",
                   "scipy.special", "pptx", "reportlab.platypus"):
        importlib.import_module(module)
    _import_chart_libraries()

"""The pipeline: load and check everything, draw the charts once, run each builder, then write all outputs at once."""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from report_builder.errors import Problem
from report_builder.output import manifest
from report_builder.output.writer import (
    OutputSet, check_distinct, finish_interrupted, output_folder, output_name, write_outputs,
)

if TYPE_CHECKING:
    from report_builder.parallel import ParallelTasks, SerialTasks
    from report_builder.theme.search_path import TemplateFolder
    from report_builder.theme.template import Template


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
    problems: tuple[Problem, ...] = ()  #: the error's and the warnings' located problems (--format json)
    seconds: float = 0.0  #: how long this file took


# ------------------------------------------------------------------------------ one build
def build(evidence_path: Path, out_root: Path, template_spec: str = "default", force: bool = False,
          formats: tuple[str, ...] | None = None, strict: bool = False, chart_jobs: int = 1) -> BuildResult:
    """Build the PDF, the deck, the exports and the charts of one evidence file into out_root/<stem>/.

    formats: builder names ("pdf", "pptx") to build, all by default. strict: any warning fails the build.
    chart_jobs: worker processes that draw the charts (1: in this process); meanwhile this process runs
    the glyph check and each builder's first steps (prepare), then builds the documents once every chart is in.
    Raises ReportBuilderError for bad input; nothing is written unless every output rendered.
    """
    from report_builder.inputs.limits import MAX_BYTES
    from report_builder.theme.search_path import template_chain

    evidence_path = Path(evidence_path)
    out_dir = output_folder(out_root, evidence_path)
    if not evidence_path.is_file() or evidence_path.stat().st_size > MAX_BYTES:
        from report_builder.analysis.report import load_report

        load_report(evidence_path)  # "no such file" / "is a folder" / "too big", before anything reads it

    # Nothing to do when the inputs are those of the last build and its outputs are untouched.
    chain = template_chain(template_spec)  # walked once: hashed here, loaded below
    template_hash = manifest.template_digest(tuple(link.folder for link in chain), out_root)
    fingerprint = manifest.input_fingerprint(evidence_path, template_hash, formats, strict)
    finish_interrupted(out_dir)  # a build killed while renaming its outputs: its outputs, complete
    previous = manifest.read_manifest(out_dir)
    if not force and manifest.is_up_to_date(out_dir, fingerprint, previous):
        return BuildResult(evidence_path, out_dir, "up to date")

    # Imported only now: an up-to-date check needs none of them.
    from report_builder.analysis.report import load_report
    from report_builder.builders import get_builders
    from report_builder.builders.exports import exports
    from report_builder.charts import MEDIA
    from report_builder.charts.draw import ChartDrawing, plan_drawing
    from report_builder.parallel import tasks_for
    from report_builder.theme.glyphs import missing_glyphs

    template = _template(chain, template_hash)  # template errors first
    builders = [builder for builder in get_builders() if formats is None or builder.name in formats]
    template_problems = [problem for builder in builders for problem in builder.check(template)]
    if any(problem.severity == "error" for problem in template_problems):
        from report_builder.errors import TemplateError, summarise

        raise TemplateError(summarise(template_problems, f"template '{template.name}'"), template_problems)
    report = load_report(evidence_path)
    cache = {} if force else manifest.previous_charts(out_dir, previous)  # --force redraws every chart too
    planned = plan_drawing(report, template, cache, media=tuple(MEDIA[builder.medium] for builder in builders))
    with warnings.catch_warnings(record=True) as caught, \
            tasks_for(chart_jobs, sum(p.reused is None for p in planned)) as chart_tasks:
        warnings.simplefilter("always")
        drawing = ChartDrawing(planned, chart_tasks.submit)
        # What needs no chart is done while they are drawn: the glyph check, each builder's first steps.
        glyph_problems = (*template.wording_glyph_problems, *missing_glyphs(report, template.theme.fonts))
        for builder in builders:
            builder.prepare(report, template)
        charts = drawing.all()
        chart_tasks.close()  # every chart is in: the workers end while the documents are built
        documents = {builder.extension: builder.build(report, charts, template) for builder in builders}
    found = (*template_problems, *report.warnings, *glyph_problems, *library_warnings(evidence_path, caught))
    if strict and found:
        from report_builder.errors import EvidenceError, summarise

        raise EvidenceError(summarise(list(found), str(evidence_path)) + " (--strict: warnings fail the build)",
                            [Problem(p.file, p.line, p.column, p.path, p.message) for p in found])

    outputs = OutputSet()
    chart_files = {}
    for chart in charts:
        files = manifest.chart_files(chart.id, chart.medium.forms)
        for form, name in files.items():
            outputs.add(name, getattr(chart, form))
        chart_files[f"{chart.medium.name}/{chart.id}"] = {"key": chart.key, "files": files}
    for extension, document in documents.items():
        outputs.add(f"{out_dir.name}{extension}", document)
    for name, data in exports(report, template, out_dir.name).items():  # evidence JSON, Summary of findings CSV, CSL-JSON
        outputs.add(name, data)
    outputs.add(manifest.MANIFEST, manifest.manifest_bytes(evidence_path, template, outputs, fingerprint,
                                                           chart_files, out_root))
    written = write_outputs(out_dir, outputs, last=manifest.MANIFEST, previous=manifest.own_outputs(previous))
    reused = sum(chart.key in cache for chart in charts)
    return BuildResult(evidence_path, out_dir, "built", tuple(written), tuple(str(w) for w in found),
                       charts_drawn=len(charts) - reused, charts_reused=reused, problems=tuple(found))


def library_warnings(evidence_path: Path, caught: list[warnings.WarningMessage]) -> tuple[Problem, ...]:
    """What a library warned about while drawing and building (a glyph missing from the template's font), as
    warnings about the evidence file: the message only, never the library's file and line; each once. A
    library's deprecation warning (one library calling another's old API) says nothing about the input
    and is left out."""
    messages = dict.fromkeys(f"{w.category.__name__}: {w.message}" if w.category is not UserWarning else str(w.message)
                             for w in caught if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning)))
    return tuple(Problem(evidence_path, None, None, "", message, severity="warning") for message in messages)


_loaded: dict[tuple, "Template"] = {}  #: the last template this process loaded, by its folders and their files' hash


def _template(chain: tuple["TemplateFolder", ...], template_hash: str) -> "Template":
    """The template, loaded once per process while its files stay the same: --watch and a worker's
    many files reuse it, with its wording already compiled; any change to a template file reloads it."""
    from report_builder.theme.template import load_template

    key = (tuple(link.folder for link in chain), template_hash)
    if key not in _loaded:
        _loaded.clear()
        _loaded[key] = load_template(chain)
    return _loaded[key]


def build_safely(evidence_path: Path, out_root: Path, template_spec: str, force: bool,
                 formats: tuple[str, ...] | None = None, strict: bool = False, chart_jobs: int = 1) -> BuildResult:
    """A build whose failure becomes a result, so one bad file never stops the others; timed."""
    import dataclasses
    import time

    start = time.perf_counter()
    try:
        result = build(evidence_path, out_root, template_spec, force, formats, strict, chart_jobs)
    except Exception as exc:  # noqa: BLE001 - bad input or a bug, reported with the file it happened on
        result = failed(evidence_path, out_root, exc)
    return dataclasses.replace(result, seconds=time.perf_counter() - start)


def failed(evidence_path: Path, out_root: Path, exc: Exception) -> BuildResult:
    """The result of a build that raised: bad input as its message, anything else as an internal error."""
    import traceback

    from report_builder.errors import ReportBuilderError, internal_error

    out_dir = Path(out_root) / Path(evidence_path).stem
    try:
        out_dir = Path(out_root) / output_name(Path(evidence_path))
    except ReportBuilderError:
        pass  # the name itself is what failed
    if isinstance(exc, ReportBuilderError):
        problems = exc.problems or (Problem(Path(evidence_path), None, None, "", exc.message),)
        return BuildResult(Path(evidence_path), out_dir, "failed", error=str(exc), problems=problems)
    return BuildResult(Path(evidence_path), out_dir, "failed", error=internal_error(exc, evidence_path),
                       internal=True, detail="".join(traceback.format_exception(exc)))


# ------------------------------------------------------------------------------ many builds
@dataclass
class BuildSummary:
    results: list[BuildResult] = field(default_factory=list)  #: in the order the files were given

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


def build_many(paths: list[Path], out_root: Path, template_spec: str, *, tasks: "SerialTasks | ParallelTasks",
               force: bool = False, on_result: Callable[[BuildResult], None] | None = None,
               formats: tuple[str, ...] | None = None, strict: bool = False, chart_jobs: int = 1) -> BuildSummary:
    """Build each evidence file as one task of `tasks` (parallel.tasks_for: in worker processes, or in
    this one); each result goes to on_result as soon as it is there. chart_jobs: see build() (for a
    single file; several files are built side by side instead)."""
    check_distinct(list(paths), out_root)
    build_one = functools.partial(build_safely, out_root=out_root, template_spec=template_spec, force=force,
                                  formats=formats, strict=strict, chart_jobs=chart_jobs if len(paths) == 1 else 1)
    results = tasks.run(build_one, list(paths), on_result or (lambda result: None),
                        lambda path, exc: failed(path, out_root, exc))
    return BuildSummary(results)

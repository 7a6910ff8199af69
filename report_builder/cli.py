"""The build-report command: parse arguments, call the pipeline, turn user errors into exit status 2."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from report_builder import __version__
from report_builder.errors import ReportBuilderError, UsageError, internal_error

EXIT_OK, EXIT_INTERNAL, EXIT_USER = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors also exit 2, via our one path
        raise UsageError(f"{self.prog}: {message}\n{self.format_usage().strip()}")


def _parser() -> argparse.ArgumentParser:
    from report_builder.resources import example_evidence

    parser = _Parser(
        prog="build-report",
        description="Turn a YAML evidence file into a PDF evidence summary and a PowerPoint teaching deck. "
        f"With no command, builds the bundled example ({example_evidence().name}) into ./build/.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    build = commands.add_parser("build", help="build the PDF, deck and charts of evidence files",
                                description="Build OUT/<stem>/<stem>.pdf, OUT/<stem>/<stem>.pptx and OUT/<stem>/charts/.")
    build.add_argument("evidence", nargs="+", type=Path, metavar="EVIDENCE.yaml")
    build.add_argument("--out", type=Path, default=Path("build"), metavar="DIR", help="output folder (default: ./build)")
    build.add_argument("--template", default="default", metavar="NAME|DIR",
                       help="template name (see 'build-report templates') or a template folder path")
    build.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    build.add_argument("--jobs", "-j", type=_positive, default=None, metavar="N",
                       help="build up to N files at the same time, each in a process of its own "
                            "(default: the number of cores; one file is built in this process)")
    build.add_argument("--quiet", "-q", action="store_true", help="no progress display and no per-file lines")
    build.add_argument("--watch", action="store_true",
                       help="after building, rebuild whenever an evidence file or a template file changes")
    build.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    validate = commands.add_parser("validate", help="check evidence files without building",
                                   description="Validate evidence files: schema, then clinical consistency checks.")
    validate.add_argument("evidence", nargs="+", type=Path, metavar="EVIDENCE.yaml")
    validate.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    schema = commands.add_parser("schema", help="print the JSON Schema of the evidence format",
                                 description="Print the JSON Schema of the evidence format, for editor autocomplete.")
    schema.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    listing = commands.add_parser("templates", help="list the available templates and their parents",
                                  description="List the bundled templates, each with the chain it extends.")
    listing.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    new = commands.add_parser("new-template", help="create a commented template folder that builds as is",
                              description="Scaffold a template folder that extends PARENT and overrides nothing yet.")
    new.add_argument("name", metavar="NAME", help="folder name of the new template")
    new.add_argument("--from", dest="parent", default="default", metavar="PARENT",
                     help="the template to extend (name or folder; default: default)")
    new.add_argument("--dir", type=Path, default=Path("."), metavar="DIR",
                     help="where to create the folder (default: the current folder)")
    new.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def run() -> None:
    """The console script (and ``python -m report_builder``)."""
    sys.exit(main())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        parser = _parser()
        args = parser.parse_args(argv)
        # argparse lets the subcommand's default (False) overwrite a --debug given before the subcommand
        args.debug = debug
        status = _run(args)
        sys.stdout.flush()  # a reader that has gone (below) shows here, not in Python's flush at exit
        return status
    except ReportBuilderError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output stopped reading (e.g. `build-report schema | head`)
        # What Python's documentation advises (signal module, "Note on SIGPIPE"): whatever is still
        # buffered goes to devnull, so the flush at exit cannot fail again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_OK
    except Exception as exc:  # an internal error: say so plainly; the traceback is for --debug
        if debug:
            raise
        print(internal_error(exc, "build-report"), file=sys.stderr)
        return EXIT_INTERNAL


def _run(args: argparse.Namespace) -> int:
    if args.command is None:
        from report_builder.resources import example_evidence

        args = argparse.Namespace(command="build", evidence=[example_evidence()], out=Path("build"), template="default",
                                  force=False, jobs=None, quiet=False, watch=False)
    if args.command == "schema":
        return _schema()
    if args.command == "templates":
        return _templates()
    if args.command == "new-template":
        from report_builder.theme.scaffold import new_template

        folder = new_template(args.name, args.parent, args.dir)
        shown = folder.as_posix() if folder.is_absolute() else f"./{folder.as_posix()}"
        print(f"created {folder}; build with: build-report build EVIDENCE.yaml --template {shown}")
        return EXIT_OK
    if args.command == "validate":
        return _validate(args.evidence)
    return _build(args)


def _schema() -> int:
    import json

    from report_builder.inputs.evidence_schema import Evidence

    schema = Evidence.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return EXIT_OK


def _validate(paths: list[Path]) -> int:
    from report_builder.analysis.report import load_report

    failed = 0
    for path in paths:
        try:
            report = load_report(path)
        except ReportBuilderError as exc:
            print(str(exc), file=sys.stderr)
            failed += 1
            continue
        for warning in report.warnings:
            print(str(warning), file=sys.stderr)
        waived = f", {len(report.waivers)} waived check(s)" if report.waivers else ""
        print(f"{path}: valid ({len(report.evidence.studies)} studies, {len(report.evidence.references)} references"
              f"{waived})")
    return EXIT_USER if failed else EXIT_OK


def _templates() -> int:
    from report_builder.theme.search_path import list_templates, search_path

    for name in list_templates():
        chain = " -> ".join(folder.name for folder in search_path(name))
        print(f"{name:20s} {chain}")
    return EXIT_OK


def _build(args: argparse.Namespace) -> int:
    import os

    from report_builder.build import build_many
    from report_builder.parallel import tasks_for

    jobs = args.jobs or os.cpu_count() or 1
    reporter = _Reporter(total=len(args.evidence), quiet=args.quiet, debug=getattr(args, "debug", False))
    with _stopped_by_sigterm(), tasks_for(jobs, len(args.evidence)) as tasks:
        with reporter:
            summary = build_many(list(args.evidence), args.out, args.template, tasks=tasks, force=args.force,
                                 on_result=reporter.result)
        if len(args.evidence) > 1 and not args.quiet:
            print(summary.line())
        if args.watch:
            return _watch(args, reporter, tasks)
    return summary.exit_status


def _watch(args: argparse.Namespace, reporter: "_Reporter", tasks) -> int:
    """Rebuild (with the same tasks, so the same warm workers) whenever an evidence or template file changes."""
    from watchfiles import watch

    from report_builder.build import build_many
    from report_builder.theme.search_path import search_path

    watched = {Path(p).resolve() for p in args.evidence}
    try:
        folders = search_path(args.template)  # the folders being watched; resolved again by each rebuild
    except ReportBuilderError:  # a broken template.yaml: reported by the build; watch its folder for the fix
        folders = [Path(args.template)] if Path(args.template).is_dir() else []
    out = Path(args.out).resolve()
    roots = {p.parent for p in watched} | set(folders)
    print(f"watching {len(watched)} evidence file(s) and template '{args.template}'; press Ctrl-C to stop",
          file=sys.stderr)
    try:
        # step: a save counts as done after 20 ms without another change (watchfiles waits 50 ms by default)
        for changes in watch(*sorted(roots), debounce=300, step=20, raise_interrupt=False):
            # our own outputs (an --out inside a watched folder) never trigger a rebuild: it would never end
            changed = {p for p in (Path(path).resolve() for _, path in changes) if not p.is_relative_to(out)}
            if not any(p in watched or any(p.is_relative_to(r) for r in folders) for p in changed):
                continue  # e.g. an unrelated file next to the evidence
            try:
                build_many(list(args.evidence), args.out, args.template, tasks=tasks, on_result=reporter.result)
            except ReportBuilderError as exc:  # reported; the next save may fix it
                print(str(exc), file=sys.stderr)
    except KeyboardInterrupt:
        pass
    return EXIT_OK


@contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM stops a build as Ctrl-C does: the exception unwinds (workers stop, nothing is half-written)
    and the command exits with status 128 + 15."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Reporter:
    """Per-file lines and, on a terminal, a progress bar (rich); silent with --quiet or when piped."""

    def __init__(self, total: int, quiet: bool, debug: bool = False):
        self.total = total
        self.debug = debug
        self.quiet = quiet
        self.progress = None
        self.task = None

    def __enter__(self):
        if not self.quiet and self.total > 1 and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("building"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                     transient=True)
            self.progress.start()
            self.task = self.progress.add_task("build", total=self.total)
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def result(self, result) -> None:
        if self.progress is not None:
            self.progress.advance(self.task)
        if result.status == "failed":
            if self.debug and result.detail:
                print(result.detail, file=sys.stderr)
            print(result.error, file=sys.stderr)
            return
        for warning in result.warnings:
            print(warning, file=sys.stderr)
        if not self.quiet:
            line = f"{result.source}: {result.status} -> {result.out_dir}"
            if self.progress is not None:
                self.progress.console.print(line, highlight=False, markup=False)
            else:
                print(line, flush=True)  # --watch runs for hours: each line as it happens, also into a log

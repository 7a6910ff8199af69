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
    def __init__(self, *args, **kwargs):
        self.option_names: set[str] = set()  #: every option string, for suggestions (argparse keeps them private)
        self.commands: dict[str, "_Parser"] = {}
        super().__init__(*args, **kwargs)

    def add_argument(self, *names, **kwargs):
        self.option_names.update(name for name in names if isinstance(name, str) and name.startswith("-"))
        return super().add_argument(*names, **kwargs)

    def add_subparsers(self, **kwargs):
        commands = super().add_subparsers(**kwargs)
        self.commands = commands.choices  # name -> its parser, filled as commands are added
        return commands

    def error(self, message: str):  # argparse's own usage errors also exit 2, via our one path
        raise UsageError(f"{self.prog}: {message}{self._suggestion(message)}\n{self.format_usage().strip()}")

    def _suggestion(self, message: str) -> str:
        """"did you mean ...?" for a mistyped command, choice or option, from the names argparse lists or
        the options this parser and its commands know (the top parser reports every unknown option)."""
        import difflib
        import re

        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            wrong, known = choice[1], re.findall(r"'([^']*)'", choice[2])
        else:
            unknown = re.search(r"unrecognized arguments: (\S+)", message)
            if not unknown:
                return ""
            wrong = unknown[1].split("=")[0]
            known = sorted(self.option_names.union(*(command.option_names for command in self.commands.values())))
        close = difflib.get_close_matches(wrong, known, n=1, cutoff=0.6)
        return f"; did you mean '{close[0]}'?" if close else ""


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

    build = commands.add_parser("build", help="build the PDF, deck, exports and charts of evidence files",
                                description="Build OUT/<stem>/<stem>.pdf, OUT/<stem>/<stem>.pptx, the exports "
                                            "(<stem>.evidence.json, <stem>.summary-of-findings.csv, "
                                            "<stem>.references.json) and OUT/<stem>/charts/.")
    build.add_argument("evidence", nargs="+", type=Path, metavar="EVIDENCE.yaml")
    build.add_argument("--out", type=Path, default=Path("build"), metavar="DIR", help="output folder (default: ./build)")
    build.add_argument("--template", default="default", metavar="NAME|DIR",
                       help="template name (see 'build-report templates') or a template folder path")
    build.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    build.add_argument("--jobs", "-j", type=_positive, default=None, metavar="N",
                       help="build up to N files at the same time, each in a process of its own "
                            "(default: the cores this process may use); one file is built in this process, "
                            "its charts drawn by N processes")
    build.add_argument("--quiet", "-q", action="store_true", help="no progress display and no per-file lines")
    build.add_argument("--watch", action="store_true",
                       help="after building, rebuild whenever an evidence file or a template file changes")
    build.add_argument("--to", action="append", choices=FORMATS, metavar="pdf|pptx",
                       help="build only this format (repeat for both; default: both). The exports "
                            "(evidence JSON, Summary of findings CSV, references CSL-JSON) are always written")
    _checking_options(build)

    new_file = commands.add_parser("new", help="start an evidence file: a commented starter that builds as is",
                                   description="Write FILE.yaml, a commented starter evidence file that validates "
                                               "and builds, and evidence.schema.json beside it for editors.")
    new_file.add_argument("file", type=Path, metavar="FILE.yaml")
    new_file.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    check = commands.add_parser("check", help="check evidence files and the template together, without building",
                                description="Check the template (its settings, files, wording and master layouts) "
                                            "and each evidence file (schema and clinical consistency checks).")
    check.add_argument("evidence", nargs="+", type=Path, metavar="EVIDENCE.yaml")
    check.add_argument("--template", default="default", metavar="NAME|DIR",
                       help="template name or folder to check with (default: default)")
    _checking_options(check)

    validate = commands.add_parser("validate", help="check evidence files without building",
                                   description="Validate evidence files: schema, then clinical consistency checks.")
    validate.add_argument("evidence", nargs="+", type=Path, metavar="EVIDENCE.yaml")
    _checking_options(validate)

    schema = commands.add_parser("schema", help="print a JSON Schema (evidence file, template.yaml, export)",
                                 description="Print the JSON Schema of the evidence format (for editors), of "
                                             "template.yaml, or of the <stem>.evidence.json export.")
    schema.add_argument("kind", nargs="?", choices=("evidence", "template", "export"), default="evidence",
                        help="which schema (default: evidence)")
    schema.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    listing = commands.add_parser("templates", help="list the available templates and their parents",
                                  description="List the bundled templates, each with the chain it extends; with "
                                              "--show, what one template's deck is built on.")
    listing.add_argument("--show", metavar="NAME|DIR",
                         help="show the template's master, the layout (and its slide master) each slide of the deck "
                              "uses, and any warning about them")
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


FORMATS = ("pdf", "pptx")


def _checking_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--strict", action="store_true", help="warnings fail too (exit status 2)")
    command.add_argument("--format", choices=("text", "json"), default="text", dest="output_format",
                         help="json: one JSON document of every file's status and located problems on standard "
                              "output, for editors and CI")
    command.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)


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
                                  force=False, jobs=None, quiet=False, watch=False, to=None, strict=False,
                                  output_format="text")
    if args.command == "schema":
        return _schema(args.kind)
    if args.command == "new":
        return _new(args.file)
    if args.command == "check":
        return _check(args)
    if args.command == "templates":
        return _show(args.show) if args.show else _templates()
    if args.command == "new-template":
        from report_builder.theme.scaffold import new_template

        folder = new_template(args.name, args.parent, args.dir)
        shown = folder.as_posix() if folder.is_absolute() else f"./{folder.as_posix()}"
        print(f"created {folder}; build with: build-report build EVIDENCE.yaml --template {shown}")
        return EXIT_OK
    if args.command == "validate":
        return _check(args, template=None)
    return _build(args)


def _schema(kind: str) -> int:
    if kind == "export":
        import json

        from report_builder.builders.exports import export_schema

        print(json.dumps(export_schema(), indent=2, ensure_ascii=False))
        return EXIT_OK
    from report_builder.inputs.schemas import schema_text

    print(schema_text(kind), end="")
    return EXIT_OK


def _new(file: Path) -> int:
    """A starter evidence file (one real result, copied with its source from the bundled example) and the
    editor schema beside it; never overwrites."""
    from report_builder.resources import starter_evidence
    from report_builder.inputs.schemas import schema_text

    if file.suffix.lower() not in (".yaml", ".yml"):
        raise UsageError(f"{file}: name the new evidence file with .yaml, e.g. build-report new my-drug.yaml")
    if file.exists():
        raise UsageError(f"{file}: already exists; choose another name (nothing was written)")
    if not file.parent.is_dir():
        raise UsageError(f"{file.parent}: no such folder (nothing was written)")
    schema = file.parent / "evidence.schema.json"
    file.write_bytes(starter_evidence().read_bytes())
    if not schema.exists() or schema.read_text(encoding="utf-8") != schema_text("evidence"):
        schema.write_text(schema_text("evidence"), encoding="utf-8")
    print(f"created {file} and {schema} (for editors). Next:\n"
          f"  build-report check {file}\n  build-report build {file}")
    return EXIT_OK


def _check(args: argparse.Namespace, template: str | None = "") -> int:
    """check (template and evidence) and validate (evidence only): every problem, then one line per file."""
    from report_builder.analysis.report import load_report
    from report_builder.errors import Problem

    template = args.template if template == "" else template
    entries: list[dict] = []
    if template is not None:
        problems: tuple[Problem, ...] = ()
        try:
            from report_builder.builders import get_builders
            from report_builder.theme.template import load_template

            loaded = load_template(template)
            problems = tuple(problem for builder in get_builders() for problem in builder.check(loaded))
        except ReportBuilderError as exc:
            problems = exc.problems or (Problem(template, None, None, "", exc.message),)
        entries.append(_entry(f"template {template}", problems, args.strict, "template"))
    for path in args.evidence:
        try:
            report = load_report(path)
            entries.append(_entry(str(path), report.warnings, args.strict, "evidence",
                                  detail=", ".join([_count(len(report.evidence.studies), "study", "studies"),
                                                    _count(len(report.evidence.references), "reference")]
                                                   + ([_count(len(report.waivers), "waived check")]
                                                      if report.waivers else []))))
        except ReportBuilderError as exc:
            entries.append(_entry(str(path), exc.problems or (Problem(path, None, None, "", exc.message),),
                                  args.strict, "evidence", message=exc.message))
    failed = any(e["status"] == "failed" for e in entries)
    if args.output_format == "json":
        _print_json(entries)
    else:
        for e in entries:
            for problem in e["_problems"]:
                print(str(problem), file=sys.stderr)
            if e["status"] == "failed" and e.get("_message"):
                print(e["_message"], file=sys.stderr)
            print(f"{e['file']}: {e['status']}" + (f" ({e['_detail']})" if e.get("_detail") else ""))
    return EXIT_USER if failed else EXIT_OK


def _count(n: int, singular: str, plural: str | None = None) -> str:
    """"1 study", "2 studies": a count with its noun in the right number."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def _entry(name: str, problems, strict: bool, kind: str, detail: str = "", message: str = "") -> dict:
    errors = [p for p in problems if p.severity == "error"]
    failed = bool(errors) or bool(message) or (strict and bool(problems))
    status = "failed" if failed else ("valid with warnings" if problems else "valid")
    return {"file": name, "kind": kind, "status": status, "problems": [_problem_json(p) for p in problems],
            "_problems": tuple(problems), "_detail": detail, "_message": message}


def _problem_json(problem) -> dict:
    return {"file": str(problem.file), "line": problem.line, "column": problem.column, "path": problem.path,
            "severity": problem.severity, "message": problem.message}


def _print_json(entries: list[dict]) -> None:
    import json

    shown = [{k: v for k, v in e.items() if not k.startswith("_")} for e in entries]
    print(json.dumps({"version": 1, "ok": all(e["status"] != "failed" for e in entries), "files": shown},
                     indent=2, ensure_ascii=False))


def _templates() -> int:
    from report_builder.theme.search_path import list_templates, search_path

    for name in list_templates():
        chain = " -> ".join(folder.name for folder in search_path(name))
        print(f"{name:20s} {chain}")
    return EXIT_OK


def _show(template: str) -> int:
    """The template's chain and master, then each slide of its deck with the layout it uses and where that is."""
    from report_builder.builders import get_builders
    from report_builder.builders.pptx.slides import layout_plan
    from report_builder.theme.template import load_template

    loaded = load_template(template)
    print(f"template {loaded.name}: " + " -> ".join(str(folder) for folder in loaded.search_path))
    print(f"master: {loaded.deck_master}")
    for slide, role, name, where in layout_plan(loaded):
        print(f"  {slide:14s} {role:12s} " + (f"'{name}' ({where})" if name else where))
    problems = [problem for builder in get_builders() for problem in builder.check(loaded)]
    for problem in problems:
        print(str(problem), file=sys.stderr)
    return EXIT_USER if any(problem.severity == "error" for problem in problems) else EXIT_OK


def _usable_cores() -> int:
    """The cores this process may run on (taskset, a container's CPU set), not every core of the machine."""
    import os

    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _build(args: argparse.Namespace) -> int:
    from report_builder.build import build_many
    from report_builder.parallel import tasks_for

    jobs = args.jobs or _usable_cores()
    as_json = args.output_format == "json"
    formats = tuple(args.to) if args.to else None
    reporter = _Reporter(total=len(args.evidence), quiet=args.quiet or as_json, debug=getattr(args, "debug", False),
                         silent=as_json)
    with _stopped_by_sigterm(), tasks_for(jobs, len(args.evidence)) as tasks:
        with reporter:
            summary = build_many(list(args.evidence), args.out, args.template, tasks=tasks, force=args.force,
                                 on_result=reporter.result, formats=formats, strict=args.strict, chart_jobs=jobs)
        if as_json:
            _print_json([{"file": str(r.source), "kind": "evidence", "status": r.status, "out_dir": str(r.out_dir),
                          "outputs": [str(p) for p in r.outputs], "seconds": round(r.seconds, 3),
                          "problems": [_problem_json(p) for p in r.problems]} for r in summary.results])
        elif len(args.evidence) > 1 and not args.quiet:
            print(summary.line())
        if args.watch:
            return _watch(args, reporter, tasks, jobs)
    return summary.exit_status


def _watch(args: argparse.Namespace, reporter: "_Reporter", tasks, jobs: int) -> int:
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
                build_many(list(args.evidence), args.out, args.template, tasks=tasks, on_result=reporter.result,
                           formats=tuple(args.to) if args.to else None, strict=args.strict,
                           chart_jobs=jobs)
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

    def __init__(self, total: int, quiet: bool, debug: bool = False, silent: bool = False):
        self.total = total
        self.debug = debug
        self.quiet = quiet
        self.silent = silent  #: --format json: the JSON document says everything
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
        if self.silent:
            return
        if result.status == "failed":
            if self.debug and result.detail:
                print(result.detail, file=sys.stderr)
            print(result.error, file=sys.stderr)
            return
        for warning in result.warnings:
            print(warning, file=sys.stderr)
        if not self.quiet:
            line = f"{_shown(result.source)}: {result.status} -> {_shown(result.out_dir)}"
            if result.status == "built":
                line += f" in {result.seconds:.1f} s ({_what(result.outputs)})"
            if self.progress is not None:
                self.progress.console.print(line, highlight=False, markup=False)
            else:
                print(line, flush=True)  # --watch runs for hours: each line as it happens, also into a log


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it; the bundled
    example by its name, never a path inside site-packages."""
    from report_builder.resources import bundled_root

    path = Path(path)
    resolved = path.resolve()
    if resolved.is_relative_to((bundled_root() / "data").resolve()):  # first: a venv may sit in the current folder
        return f"bundled example {path.name}"
    if resolved.is_relative_to(Path.cwd()):
        return str(resolved.relative_to(Path.cwd())) if path.is_absolute() else str(path)
    return str(path)


def _what(outputs: tuple[Path, ...]) -> str:
    """"PDF, deck, 3 exports, 14 charts": what a build wrote."""
    names = [p.name for p in outputs]
    parts = [label for suffix, label in ((".pdf", "PDF"), (".pptx", "deck")) if any(n.endswith(suffix) for n in names)]
    exported = sum(n.endswith((".evidence.json", ".references.json", ".csv")) for n in names)
    charts = sum(p.parent.name == "charts" and p.suffix == ".svg" for p in outputs)
    return ", ".join(parts + [f"{exported} exports", f"{charts} charts"])

"""The build-report command: parse arguments, call the pipeline, turn user errors into exit status 2."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from report_builder import __version__
from report_builder.errors import ReportBuilderError, UsageError

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
    build.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    validate = commands.add_parser("validate", help="check evidence files without building",
                                   description="Validate evidence files: schema, then clinical consistency checks.")
    validate.add_argument("evidence", nargs="+", type=Path, metavar="EVIDENCE.yaml")
    validate.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    schema = commands.add_parser("schema", help="print the JSON Schema of the evidence format",
                                 description="Print the JSON Schema of the evidence format, for editor autocomplete.")
    schema.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        parser = _parser()
        args = parser.parse_args(argv)
        return _run(args)
    except ReportBuilderError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_OK
    except Exception as exc:  # an internal error: say so plainly; the traceback is for --debug
        if debug:
            raise
        print(f"build-report: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in report_builder, not in your input; rerun with --debug for details.", file=sys.stderr)
        return EXIT_INTERNAL


def _run(args: argparse.Namespace) -> int:
    if args.command is None:
        from report_builder.resources import example_evidence

        args = argparse.Namespace(command="build", evidence=[example_evidence()], out=Path("build"), template="default")
    if args.command == "schema":
        return _schema()
    if args.command == "validate":
        return _validate(args.evidence)
    return _build(args)


def _schema() -> int:
    import json

    from report_builder.evidence.schema import Evidence

    schema = Evidence.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return EXIT_OK


def _validate(paths: list[Path]) -> int:
    from report_builder.model import load_report

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


def _build(args: argparse.Namespace) -> int:
    from report_builder.pipeline import build

    failed = 0
    for path in args.evidence:
        try:
            result = build(path, args.out, args.template)
        except ReportBuilderError as exc:
            print(str(exc), file=sys.stderr)
            failed += 1
            continue
        for warning in result.warnings:
            print(warning, file=sys.stderr)
        print(f"{path}: {result.status} -> {result.out_dir}")
    return EXIT_USER if failed else EXIT_OK

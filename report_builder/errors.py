"""User-facing errors: one base class, printed without a traceback, exit status 2."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file."""

    file: Path | str
    line: int | None
    column: int | None
    path: str  #: dotted field path, e.g. ``studies[0].outcomes[1].arms.ino.events``
    message: str
    severity: str = "error"  #: "error" or "warning"

    def __str__(self) -> str:
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.severity}: {self.message}"


class ReportBuilderError(Exception):
    """Base for every error caused by user input; the CLI prints it and exits with status 2."""

    exit_status = 2

    def __init__(self, message: str, problems: tuple[Problem, ...] | list[Problem] = ()):
        super().__init__(message)
        self.message = message
        self.problems = tuple(problems)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [str(p) for p in self.problems]
        lines.append(self.message)
        return "\n".join(lines)


class UsageError(ReportBuilderError):
    """Bad command-line usage."""


class EvidenceError(ReportBuilderError):
    """The evidence file cannot be read, or fails validation or consistency checks."""


class TemplateError(ReportBuilderError):
    """A template folder is missing, malformed, or renders with an error."""


def summarise(problems: list[Problem], what: str) -> str:
    """The closing line of a failed check, with counts like MkDocs' config validation."""
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    parts = [f"{errors} error{'s' if errors != 1 else ''}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return f"{what}: {', '.join(parts)}"


def internal_error(exc: BaseException, where: object) -> str:
    """The one message of a bug (exit status 1): what failed where, and that the input is not to blame."""
    return (f"{where}: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in report_builder, not in your input; rerun with --debug for details.")

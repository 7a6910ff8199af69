"""Load an evidence file: read YAML, validate against the schema, run the consistency checks."""
from __future__ import annotations

import difflib
import re
import types
import unicodedata
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from report_builder.errors import EvidenceError, Problem, ReportBuilderError, summarise
from report_builder.inputs.evidence_schema import Evidence
from report_builder.inputs.yaml_reader import PathKey, SourceMap, read_yaml


M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class LoadedEvidence:
    """A validated evidence file, with where each value came from and the checks' warnings."""

    path: Path
    evidence: Evidence
    source_map: SourceMap


@dataclass(frozen=True)
class Waiver:
    """A consistency check the evidence file waived for one figure, with the author's reason."""

    path: str
    check: str
    reason: str
    detail: str  #: what the check found


def load_evidence(path: Path | str) -> LoadedEvidence:
    """Read and schema-validate one evidence file, raising EvidenceError with every problem found.

    The clinical consistency checks need the derived statistics, so they run in `analyse`.
    """
    path = Path(path)
    data, source_map = read_yaml(path)
    if isinstance(data, dict) and isinstance(data.get("references_file"), str):
        data = _with_file_references(data, path)
    evidence = validate_as(Evidence, data, source_map, EvidenceError)
    return LoadedEvidence(path, evidence, source_map)


def _with_file_references(data: dict, path: Path) -> dict:
    """The evidence with the entries of its references_file after the inline ones, each checked on its own
    so a problem names the reference file and the entry's id."""
    from report_builder.inputs.evidence_schema import Reference
    from report_builder.inputs.references import read_references_file

    reference_file = data["references_file"]
    entries = read_references_file(reference_file, path)
    problems = []
    for i, entry in enumerate(entries):
        try:
            Reference.model_validate(entry)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                where = ".".join(str(part) for part in error["loc"])
                problems.append(Problem(path.parent / reference_file, None, None, f"[{i}] {entry.get('id')}",
                                        f"{where}: {error['msg']}" if where else error["msg"]))
    if problems:
        raise EvidenceError(summarise(problems, str(path.parent / reference_file)), problems)
    inline = data.get("references") if isinstance(data.get("references"), list) else []
    return {**data, "references": [*inline, *entries]}


def validate_as(model: type[M], data: Any, source_map: SourceMap, error: type[ReportBuilderError]) -> M:
    """Validate data read by read_yaml against a model, turning pydantic errors into located ones."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = _problems_from(exc, data, source_map, model)
        raise error(summarise(problems, str(source_map.file)), problems) from None


# ------------------------------------------------------------------ pydantic errors -> located problems
_FRIENDLY = {
    "missing": "required field is missing",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number, not a decimal",
    "string_type": "expected text",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "date_type": "expected a date written as YYYY-MM-DD",
    "date_from_datetime_parsing": "expected a date written as YYYY-MM-DD",
    "date_parsing": "expected a date written as YYYY-MM-DD",
    "tuple_type": "expected a list",
    "list_type": "expected a list",
    "dict_type": "expected a mapping of keys to values",
    "model_type": "expected a mapping of keys to values",
    "model_attributes_type": "expected a mapping of keys to values",
    "string_too_short": "expected non-empty text",
}


def _problems_from(exc: ValidationError, data: Any, source_map: SourceMap, root: type[BaseModel]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[PathKey, str]] = set()
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        about_key = loc[-1:] == ("[key]",) or error["type"] == "extra_forbidden"
        path, model = _yaml_path(loc[:-1] if loc[-1:] == ("[key]",) else loc, data, root)
        if error["type"] == "too_short" and _length(data, path) >= error.get("ctx", {}).get("min_length", 1):
            continue  # pydantic's echo of an invalid entry: the list in the file is long enough
        message = _message(error, path, model)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        problems.append(source_map.problem(path, message, key=about_key))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return problems


def _length(data: Any, path: PathKey) -> int:
    """Entries of the list at path in the data as read, or -1 when it is not a list."""
    node = data
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return -1
    return len(node) if isinstance(node, list) else -1


def _message(error: dict, path: PathKey, model: type[BaseModel] | None) -> str:
    kind = error["type"]
    got = error.get("input")
    if kind == "extra_forbidden":
        name = str(path[-1])
        allowed = sorted(_field_names(model)) if model else []
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else (f"; expected one of: {', '.join(allowed)}" if allowed else "")
        odd = [c for c in name if ord(c) > 127]
        if odd:  # a look-alike letter (Cyrillic і for i) makes the suggestion look identical to the key
            hint = (f" (it contains the non-ASCII character '{odd[0]}', U+{ord(odd[0]):04X} "
                    f"{unicodedata.name(odd[0], '')}){hint}").replace(" )", ")")
        return f"unknown field '{name}'{hint}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"expected one of {expected}, got {got!r}"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        return f"'kind' must be one of {ctx.get('expected_tags')}, got {ctx.get('tag')!r}"
    if kind == "union_tag_not_found":
        return "field 'kind' is missing (binary or time_to_event)"
    if kind == "missing":
        return f"required field '{path[-1]}' is missing" if path else "required field is missing"
    if kind in ("too_short",):
        least = error.get("ctx", {}).get("min_length")
        return "expected at least one entry" if least == 1 else f"expected at least {least} entries"
    if kind == "value_error":
        return error["msg"].removeprefix("Value error, ")
    if kind in _FRIENDLY:
        shown = _show(got)
        return f"{_FRIENDLY[kind]}, got {shown}" if shown and kind != "string_too_short" else _FRIENDLY[kind]
    # pydantic fills {name} placeholders of custom errors but leaves {name!r} as written
    ctx = error.get("ctx") or {}
    message = re.sub(r"\{(\w+)!r\}", lambda m: repr(ctx[m[1]]) if m[1] in ctx else m[0], error["msg"])
    if kind.startswith(("greater_than", "less_than")):
        return f"{message[0].lower()}{message[1:]}, got {_show(got)}"
    if kind == "string_pattern_mismatch":
        return f"{_show(got)} is not in the expected format (pattern {error['ctx']['pattern']})"
    return message[0].lower() + message[1:]


def _show(value: Any) -> str:
    if isinstance(value, (dict, list, tuple)):
        return "a mapping" if isinstance(value, dict) else "a list"
    if value is None:
        return "nothing (null)"
    text = getattr(value, "text", None) or repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def _yaml_path(loc: tuple, data: Any, root: type[BaseModel]) -> tuple[PathKey, type[BaseModel] | None]:
    """Drop union tags from a pydantic location and find the model that owns the last key."""
    path: list[str | int] = []
    node: Any = data
    annotation: Any = root
    owner: type[BaseModel] | None = root
    for part in loc:
        annotation = _strip(annotation)
        if isinstance(node, dict) and isinstance(part, str) and part not in node and node.get("kind") == part:
            annotation = _union_member(annotation, part)
            continue  # a discriminated-union tag, not a key in the file
        if isinstance(part, str) and part.startswith(("function-", "json-or-python")):
            continue
        path.append(part)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            owner = annotation
            field = annotation.model_fields.get(str(part))
            annotation = field.annotation if field else None
        else:
            args = typing.get_args(annotation)
            origin = typing.get_origin(annotation)
            if origin is tuple and args:
                annotation = args[0]
            elif origin in (dict, list) and args:
                annotation = args[-1]
            else:
                annotation = None
            owner = None
        node = node.get(part) if isinstance(node, dict) else (
            node[part] if isinstance(node, list) and isinstance(part, int) and part < len(node) else None
        )
    return tuple(path), owner


def _strip(annotation: Any) -> Any:
    """Unwrap Annotated[...] and Optional[...] down to the type that matters here."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
            else:
                return annotation
        else:
            return annotation


def _union_member(annotation: Any, tag: str) -> Any:
    for member in typing.get_args(annotation):
        member = _strip(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            kind = member.model_fields.get("kind")
            if kind is not None and tag in typing.get_args(kind.annotation):
                return member
    return annotation


def _field_names(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)

"""Safe YAML reading that remembers where every value came from and refuses duplicate keys."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from report_builder.errors import EvidenceError, Problem
from report_builder.evidence.numbers import ReportedNumber

MAX_BYTES = 5 * 1024 * 1024  #: larger evidence files are refused before parsing
MAX_NODES = 200_000  #: bounds alias expansion ("billion laughs") and absurd files
MAX_DEPTH = 60

PathKey = tuple[str | int, ...]


def dotted(path: PathKey) -> str:
    """('studies', 3, 'arms', 0, 'events') -> 'studies[3].arms[0].events'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass(frozen=True)
class SourceMap:
    """Line and column (1-based) of every value and key in a YAML file, by field path."""

    file: Path
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathKey, *, key: bool = False) -> tuple[int | None, int | None]:
        """The position of path, or of its nearest ancestor that exists in the file."""
        probe = tuple(path)
        while True:
            if key and probe in self.keys:
                return self.keys[probe]
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return (None, None)
            probe = probe[:-1]

    def problem(self, path: PathKey, message: str, severity: str = "error", *, key: bool = False) -> Problem:
        line, column = self.locate(path, key=key)
        return Problem(self.file, line, column, dotted(path), message, severity)


class _Builder:
    """Turns a composed YAML node graph into plain data, recording positions on the way."""

    def __init__(self, file: Path, constructor: yaml.constructor.SafeConstructor):
        self.file = file
        self.constructor = constructor
        self.values: dict[PathKey, tuple[int, int]] = {}
        self.keys: dict[PathKey, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.nodes = 0

    def mark(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def fail(self, node: yaml.Node, path: PathKey, message: str) -> None:
        line, column = self.mark(node)
        self.problems.append(Problem(self.file, line, column, dotted(path), message))

    def build(self, node: yaml.Node, path: PathKey, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            line, column = self.mark(node)
            raise EvidenceError(
                f"{self.file}:{line}:{column}: too many values (over {MAX_NODES}); "
                "is an alias (*name) expanding without bound?"
            )
        if depth > MAX_DEPTH:
            line, column = self.mark(node)
            raise EvidenceError(f"{self.file}:{line}:{column}: nesting deeper than {MAX_DEPTH} levels")
        self.values.setdefault(path, self.mark(node))
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    self.fail(key_node, path, "keys must be plain names (merge keys '<<' and complex keys are not supported)")
                    continue
                key = str(key_node.value)
                if key in result:
                    first = self.keys[path + (key,)]
                    self.fail(key_node, path + (key,), f"duplicate key '{key}' (first defined at line {first[0]}); "
                              "YAML would silently keep only the last one")
                    continue
                self.keys[path + (key,)] = self.mark(key_node)
                result[key] = self.build(value_node, path + (key,), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node, path)

    def scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        tag = node.tag
        if tag == "tag:yaml.org,2002:float":
            text = node.value.replace("_", "")
            value = self.constructor.construct_yaml_float(node)
            return ReportedNumber(value, text)
        if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"):
            return self.constructor.construct_object(node)
        if tag == "tag:yaml.org,2002:timestamp":
            try:
                value = self.constructor.construct_yaml_timestamp(node)
            except ValueError as exc:
                self.fail(node, path, f"not a valid date: {node.value!r} ({exc})")
                return node.value
            return value.date() if isinstance(value, dt.datetime) else value
        if tag == "tag:yaml.org,2002:str":
            return node.value
        self.fail(node, path, f"unsupported YAML tag {tag!r}; write plain text, numbers, lists and mappings")
        return None


def read_yaml(file: Path) -> tuple[Any, SourceMap]:
    """Read one YAML file into plain data and a SourceMap; every failure is an EvidenceError."""
    file = Path(file)
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise EvidenceError(f"{file}: file is {size:,} bytes; evidence files are limited to {MAX_BYTES:,} bytes")
        raw = file.read_bytes()
    except FileNotFoundError:
        raise EvidenceError(f"{file}: no such file") from None
    except IsADirectoryError:
        raise EvidenceError(f"{file}: is a folder, not an evidence file") from None
    except PermissionError:
        raise EvidenceError(f"{file}: permission denied") from None
    except OSError as exc:
        raise EvidenceError(f"{file}: cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise EvidenceError(
            f"{file}:{line}:{column}: byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as UTF-8"
        ) from None
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise EvidenceError(f"{file}: the file is empty; an evidence file is a YAML mapping (see docs/evidence-format.md)")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else str(file)
        message = exc.problem or exc.context or "invalid YAML"
        if "\t" in text and "tab" in str(message).lower() or "found character '\\t'" in str(exc):
            message = "a tab character here; YAML indentation must use spaces"
        raise EvidenceError(f"{where}: YAML syntax error: {message}") from None
    except yaml.YAMLError as exc:
        raise EvidenceError(f"{file}: YAML error: {exc}") from None
    except RecursionError:
        raise EvidenceError(f"{file}: nesting is too deep to read") from None
    finally:
        loader.dispose()
    if node is None:
        raise EvidenceError(f"{file}: the file is empty; an evidence file is a YAML mapping")
    if not isinstance(node, yaml.MappingNode):
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        raise EvidenceError(
            f"{file}:{line}:{column}: the top level is {kind}; an evidence file must be a mapping of keys "
            "such as 'meta:', 'question:' and 'studies:'"
        )
    builder = _Builder(file, yaml.constructor.SafeConstructor())
    try:
        data = builder.build(node, ())
    except RecursionError:
        raise EvidenceError(f"{file}: nesting is too deep to read") from None
    if builder.problems:
        raise EvidenceError(f"{file}: {len(builder.problems)} error(s)", builder.problems)
    return data, SourceMap(file, builder.values, builder.keys)

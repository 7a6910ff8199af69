"""Safe YAML reading that remembers where every value came from and refuses duplicate keys."""
from __future__ import annotations

import datetime as dt
import math
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from report_builder.errors import EvidenceError, Problem
from report_builder.inputs.numbers import ReportedNumber

from report_builder.inputs.limits import (
    MAX_BYTES, MAX_DEPTH, MAX_DIGITS, MAX_ITEMS, MAX_LIST, MAX_NAME, MAX_NODES, MAX_NUMBER, MAX_TEXT, MAX_YEAR,
    MIN_MAGNITUDE, MIN_YEAR,
)

#: Characters the YAML reader refuses (it would stop with an unlocated error); we locate them instead.
_NON_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
#: Line breaks to YAML but not to most editors: read as spaces, so reported line numbers match the editor's.
_UNUSUAL_BREAKS = str.maketrans({"\x85": " ", "\u2028": " ", "\u2029": " "})
_BREAK = re.compile(r"\r\n|\r|\n")
#: Whole numbers as a person writes them; YAML 1.1 also reads 010 as 8, 0x1F, 0b11 and 1:30 (= 90).
_PLAIN_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_STANDARD_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")

PathKey = tuple[str | int, ...]


def _visible(character: str) -> bool:
    import unicodedata

    return not character.isspace() and unicodedata.category(character) not in ("Cc", "Cf", "Zs")


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
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _STANDARD_COLLECTION_TAGS:
            # e.g. !!python/object/apply: never constructed, and named so the author sees why
            self.fail(node, path, f"unsupported YAML tag {_tag(node.tag)!r}; write plain text, numbers, lists and "
                                  "mappings")
            return None
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
            limit = MAX_LIST.get(str(path[-1]) if path else "", MAX_ITEMS)
            if len(node.value) > limit:
                self.fail(node, path, f"{len(node.value)} entries; a list here is limited to {limit}")
                return None
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        try:
            value = self.scalar(node, path)
        except (ValueError, KeyError, AttributeError, TypeError, OverflowError, yaml.YAMLError):
            # an explicit tag on a word (!!float sixty, !!bool maybe, !!timestamp soon): YAML cannot read it
            self.fail(node, path, f"{node.value!r} cannot be read as {_tag(node.tag)!r}; remove the tag, "
                                  "or write a value of that kind")
            return None
        return self._plausible(node, path, value)

    def _plausible(self, node: yaml.ScalarNode, path: PathKey, value: Any) -> Any:
        """Limits no real evidence file reaches: beyond them a value is a typing mistake (or an attack)."""
        key = str(path[-1]) if path else ""
        if isinstance(value, str):
            limit = MAX_NAME if key in ("name", "short_name", "abbreviation") else MAX_TEXT
            if len(value) > limit:
                self.fail(node, path, f"text of {len(value):,} characters; this field is limited to {limit:,}")
                return None
            if limit == MAX_NAME and value and not any(_visible(c) for c in value):
                self.fail(node, path, "a name with no visible character (only spaces, control or zero-width "
                                      "characters); write the name")
                return None
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            if abs(value) > MAX_NUMBER or 0 < abs(value) < MIN_MAGNITUDE:
                self.fail(node, path, f"{node.value} is outside the plausible range of a reported number "
                                      f"({MIN_MAGNITUDE:g} to {MAX_NUMBER:g}); check the value")
                return None
        elif isinstance(value, dt.date) and not MIN_YEAR <= value.year <= MAX_YEAR:
            self.fail(node, path, f"{node.value} is outside the years {MIN_YEAR} to {MAX_YEAR}; check the date")
            return None
        return value

    def scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        tag = node.tag
        if tag == "tag:yaml.org,2002:float":
            text = node.value.replace("_", "")
            if ":" in text:
                self.fail(node, path, f"{node.value!r} is a base-60 number to YAML (1:30.0 means 90.0); "
                                      "write the number in plain decimal, or quote it if it is text")
                return None
            value = self.constructor.construct_yaml_float(node)
            return ReportedNumber(value, text)
        if tag == "tag:yaml.org,2002:int":
            if not _PLAIN_INT.match(node.value):
                # A silently changed count is the worst kind of error in a clinical handout.
                self.fail(node, path, f"{node.value!r} is not a plain decimal number (YAML would read a leading 0 as "
                                      "octal, 0x as hexadecimal and 1:30 as base 60); write it without leading zeros, "
                                      "or quote it if it is text")
                return None
            if sum(c.isdigit() for c in node.value) > MAX_DIGITS:
                self.fail(node, path, f"number with {sum(c.isdigit() for c in node.value)} digits is too large")
                return None
            return self.constructor.construct_object(node)
        if tag in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"):
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
        self.fail(node, path, f"unsupported YAML tag {_tag(tag)!r}; write plain text, numbers, lists and mappings")
        return None


class _NestingLimit:
    """Refuses deep nesting with a located error before Python's recursion limit (a composer mixin)."""

    file: Path
    depth: int

    def compose_node(self, parent, index):
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise EvidenceError(f"{self.file}:{mark.line + 1}:{mark.column + 1}: nesting deeper than {MAX_DEPTH} "
                                    "levels")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _DepthLimitedLoader(_NestingLimit, yaml.SafeLoader):
    """The safe loader (pure Python), with the nesting limit."""

    def __init__(self, file: Path, text: str):
        super().__init__(text)
        self.file = file
        self.depth = 0


class _LibyamlLoader(_NestingLimit, yaml.composer.Composer, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """The same composer and resolver, fed by libyaml's C scanner and parser: about ten times faster.

    Only the events come from C, so the nesting limit (compose_node) and every tag decision stay
    exactly as in _DepthLimitedLoader. A file libyaml refuses is read again by the pure-Python loader,
    whose messages are the ones users see.
    """

    def __init__(self, file: Path, text: str):
        self._parser = yaml.cyaml.CParser(text)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.file = file
        self.depth = 0
        self.check_event = self._parser.check_event
        self.peek_event = self._parser.peek_event
        self.get_event = self._parser.get_event

    def dispose(self) -> None:
        self._parser.dispose()


def _compose(file: Path, text: str) -> yaml.Node | None:
    """The node graph of a well-formed file, from libyaml when PyYAML has it; else raises like SafeLoader."""
    if getattr(yaml, "__with_libyaml__", False):
        loader = _LibyamlLoader(file, text)
        try:
            return loader.get_single_node()
        except yaml.YAMLError:
            pass  # read it again below, for PyYAML's wording of the problem
        finally:
            loader.dispose()
    loader = _DepthLimitedLoader(file, text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def read_yaml(file: Path, kind: str = "evidence file") -> tuple[Any, SourceMap]:
    """Read one YAML file into plain data and a SourceMap; every failure is an EvidenceError.

    kind ("evidence file", "template file") only words the messages.
    """
    file = Path(file)
    try:
        info = file.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            # a device or pipe (e.g. /dev/zero) reports size 0 and never ends
            raise EvidenceError(f"{file}: not a regular file; give the path of a YAML {kind}")
        if info.st_size > MAX_BYTES:
            raise EvidenceError(f"{file}: file is {info.st_size:,} bytes; {kind}s are limited to {MAX_BYTES:,} bytes")
        with file.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # the file may have grown since stat()
        if len(raw) > MAX_BYTES:
            raise EvidenceError(f"{file}: file is over {MAX_BYTES:,} bytes; {kind}s are limited to {MAX_BYTES:,} bytes")
    except FileNotFoundError:
        raise EvidenceError(f"{file}: no such file") from None
    except IsADirectoryError:
        raise EvidenceError(f"{file}: is a folder, not {_article(kind)} {kind}") from None
    except PermissionError:
        raise EvidenceError(f"{file}: permission denied") from None
    except OSError as exc:
        raise EvidenceError(f"{file}: cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8-sig")  # valid up to the first bad byte
        line, column = _position(before, len(before))
        raise EvidenceError(
            f"{file}:{line}:{column}: byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as UTF-8"
        ) from None
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line, column = _position(text, bad.start())
        raise EvidenceError(f"{file}:{line}:{column}: invisible control character U+{ord(bad[0]):04X} is not allowed "
                            "in a YAML file; delete it (it often comes in with text pasted from a PDF)")
    text = text.translate(_UNUSUAL_BREAKS)
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise EvidenceError(f"{file}: the file is empty; {_article(kind)} {kind} is a YAML mapping of keys to values")
    try:
        node = _compose(file, text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = _plain_words(exc.problem or exc.context or "invalid YAML")
        if "\t" in text and "tab" in str(message).lower() or "found character '\\t'" in str(exc):
            message = "a tab character here; YAML indentation must use spaces"
        quote = _runaway_quote(text, mark) if mark else None
        if quote is not None:  # the parser only trips where the runaway quoted text finally ends
            message = (f"the quoted text that starts here runs on to line {quote.end_mark.line + 1}; "
                       "is its closing quote missing?")
            mark = quote.start_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else str(file)
        raise EvidenceError(f"{where}: YAML syntax error: {message}") from None
    except yaml.YAMLError as exc:
        raise EvidenceError(f"{file}: YAML error: {exc}") from None
    except RecursionError:
        raise EvidenceError(f"{file}: nesting is too deep to read") from None
    if node is None:
        raise EvidenceError(f"{file}: the file is empty; {_article(kind)} {kind} is a YAML mapping of keys to values")
    if not isinstance(node, yaml.MappingNode):
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        found = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        example = "'meta:', 'question:' and 'studies:'" if kind == "evidence file" else "'extends:' and 'theme:'"
        raise EvidenceError(
            f"{file}:{line}:{column}: the top level is {found}; {_article(kind)} {kind} must be a mapping of keys "
            f"such as {example}"
        )
    memo: dict[int, int] = {}
    if _expanded_size(node, memo) > MAX_NODES:
        # Checked on the shared node graph first, so an alias bomb is refused before anything is expanded.
        culprit = _largest_part(node, memo)
        line, column = culprit.start_mark.line + 1, culprit.start_mark.column + 1
        if len(memo) > MAX_NODES:  # that many distinct values: simply too big, no alias needed
            raise EvidenceError(f"{file}:{line}:{column}: too many values (over {MAX_NODES:,}); {kind}s are far "
                                "smaller")
        raise EvidenceError(f"{file}:{line}:{column}: too many values: this expands to over {MAX_NODES:,} values "
                            "through aliases (*name); write the values out instead of repeating aliases of aliases")
    builder = _Builder(file, yaml.constructor.SafeConstructor())
    try:
        data = builder.build(node, ())
    except RecursionError:
        raise EvidenceError(f"{file}: nesting is too deep to read") from None
    if builder.problems:
        raise EvidenceError(f"{file}: {len(builder.problems)} error(s)", builder.problems)
    return data, SourceMap(file, builder.values, builder.keys)


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of text[index], counting line breaks the way YAML does."""
    breaks = list(_BREAK.finditer(text, 0, index))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, index - start + 1


def _article(kind: str) -> str:
    return "an" if kind[0] in "aeiou" else "a"


def _tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many values the node graph holds with every alias expanded; nodes shared by aliases count each time."""
    known = memo.get(id(node))
    if known is not None:
        return known
    memo[id(node)] = MAX_NODES + 1  # a node that contains itself expands without bound
    size = 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            size += _expanded_size(key, memo) + _expanded_size(value, memo)
            if size > MAX_NODES:
                break
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            size += _expanded_size(item, memo)
            if size > MAX_NODES:
                break
    memo[id(node)] = size
    return size


def _largest_part(node: yaml.Node, memo: dict[int, int]) -> yaml.Node:
    """The innermost value that alone expands past MAX_NODES: where an alias bomb is built."""
    seen: set[int] = set()
    while id(node) not in seen:
        seen.add(id(node))
        children = [v for pair in node.value for v in pair] if isinstance(node, yaml.MappingNode) else (
            node.value if isinstance(node, yaml.SequenceNode) else [])
        big = [child for child in children if memo.get(id(child), 0) > MAX_NODES and id(child) not in seen]
        if not big:
            return node
        node = big[0]
    return node


_TOKEN_WORDS = {
    "'<scalar>'": "a value",
    "'?'": "a new key",
    "'-'": "a list item '-'",
    "'<stream end>'": "the end of the file",
    "'<block mapping start>'": "an indented block",
    "'<block sequence start>'": "an indented list",
    "<block end>": "the end of the indented block (check the indentation)",
}


def _plain_words(message: str) -> str:
    """PyYAML's token names ('<scalar>', '?') in words a YAML author recognises."""
    for token, words in _TOKEN_WORDS.items():
        message = message.replace(token, words)
    return message


def _runaway_quote(text: str, mark) -> yaml.Token | None:
    """A quoted value that spans lines and ends where the syntax error is: most likely an unclosed quote."""
    last = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.line > mark.line:
                break
            if isinstance(token, yaml.ScalarToken) and not token.plain and token.end_mark.line > token.start_mark.line:
                last = token
    except yaml.YAMLError:
        pass
    if last is not None and last.end_mark.line == mark.line:
        return last
    return None

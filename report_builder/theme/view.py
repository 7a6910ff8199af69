"""What wording templates see: a read-only view of the report's data, never the objects themselves."""
from __future__ import annotations

import dataclasses
import datetime
import decimal
import fractions
from collections.abc import Iterator, Mapping, Set
from functools import cached_property
from pathlib import PurePath
from typing import Any

#: Values that are data already: immutable, and their methods neither mutate nor reach files or code.
SCALARS = (str, int, float, complex, bool, bytes, type(None), datetime.date, datetime.time, datetime.timedelta,
           decimal.Decimal, fractions.Fraction)


class Record:
    """One object's data, read-only: its fields and properties by name (an allow-list), nothing else.

    A pydantic model's methods (parse_raw, parse_file, model_copy, ...), a dataclass's methods and
    any mutable container inside are out of reach: each value read through a Record is a view too.
    """

    __slots__ = ("_source", "_names", "_seen")

    def __init__(self, source: Any, names: frozenset[str]):
        object.__setattr__(self, "_source", source)
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_seen", {})

    def __getattr__(self, name: str) -> Any:
        if name not in self._names:
            raise AttributeError(f"{type(self._source).__name__} has no field {name!r}")
        seen = self._seen
        if name not in seen:
            seen[name] = view(getattr(self._source, name))
        return seen[name]

    def __getitem__(self, name: str) -> Any:
        try:
            return self.__getattr__(name)
        except AttributeError:
            raise KeyError(name) from None

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("wording cannot change the report")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("wording cannot change the report")

    def __str__(self) -> str:
        return str(self._source)

    def __repr__(self) -> str:
        return repr(self._source)

    def __eq__(self, other: object) -> bool:
        return self._source == (other._source if isinstance(other, Record) else other)

    def __hash__(self) -> int:
        return hash(self._source)

    def __bool__(self) -> bool:
        return bool(self._source)


class FrozenMap(Mapping):
    """A mapping seen through a view: lookups only, each value a view itself."""

    __slots__ = ("_source",)

    def __init__(self, source: Mapping):
        object.__setattr__(self, "_source", source)

    def __getitem__(self, key: Any) -> Any:
        return view(self._source[key])

    def __iter__(self) -> Iterator[Any]:
        return (view(key) for key in self._source)

    def __len__(self) -> int:
        return len(self._source)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("wording cannot change the report")

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def __hash__(self) -> int:
        return hash(frozenset(self.items()))


#: The only attributes of a FrozenMap a template may read.
MAPPING_METHODS = frozenset({"keys", "items", "values", "get"})


def view(value: Any) -> Any:
    """`value` as wording may see it: scalars as they are, containers as tuples, frozensets and
    FrozenMaps, objects as Records of their fields and properties, a path as its text."""
    if isinstance(value, (Record, FrozenMap)) or isinstance(value, SCALARS):
        return value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return FrozenMap(value)
    if isinstance(value, (list, tuple)):
        return tuple(view(item) for item in value)
    if isinstance(value, Set):
        return frozenset(view(item) for item in value)
    if isinstance(value, type) or callable(value) or type(value).__module__ in ("builtins", "types", "io", "os"):
        raise TypeError(f"wording can only be given data, not {type(value).__name__}")
    return Record(value, data_names(type(value)))


def unwrap(value: Any) -> Any:
    """The object behind a view: for the report's own filters (trusted code), never for templates."""
    if isinstance(value, Record):
        return object.__getattribute__(value, "_source")
    if isinstance(value, FrozenMap):
        return object.__getattribute__(value, "_source")
    if isinstance(value, tuple):
        return tuple(unwrap(item) for item in value)
    return value


_names: dict[type, frozenset[str]] = {}


def data_names(kind: type) -> frozenset[str]:
    """The fields and properties of a class: pydantic fields, dataclass fields, slots, and public
    properties defined by the class itself (not by pydantic's BaseModel or by object)."""
    if kind not in _names:
        names: set[str] = set()
        fields = getattr(kind, "model_fields", None)
        if isinstance(fields, Mapping):
            names.update(fields)
        if dataclasses.is_dataclass(kind):
            names.update(f.name for f in dataclasses.fields(kind))
        for klass in kind.__mro__:
            if klass.__module__.startswith(("pydantic", "builtins")):
                continue
            for name, member in vars(klass).items():
                if isinstance(member, (property, cached_property)):
                    names.add(name)
            slots = vars(klass).get("__slots__", ())
            names.update((slots,) if isinstance(slots, str) else slots)
            names.update(getattr(klass, "__annotations__", {}))
        _names[kind] = frozenset(n for n in names if not n.startswith(("_", "model_")) and not _is_method(kind, n))
    return _names[kind]


def _is_method(kind: type, name: str) -> bool:
    member = getattr(kind, name, None)
    return callable(member) and not isinstance(member, type) and not isinstance(
        next((vars(k)[name] for k in kind.__mro__ if name in vars(k)), None), (property, cached_property))

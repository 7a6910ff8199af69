"""Dates known to the year, the month or the day, printed at exactly that precision."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from report_builder.inputs.numbers import _invalid

_PATTERN = re.compile(r"^(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2}))?)?$")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


class ReportedDate:
    """A date as the source gives it: `2021`, `2021-10` or `2021-10-01`; never a made-up day."""

    __slots__ = ("year", "month", "day")

    def __init__(self, year: int, month: int | None = None, day: int | None = None):
        self.year, self.month, self.day = year, month, day

    @property
    def precision(self) -> str:
        """"year", "month" or "day"."""
        return "day" if self.day else "month" if self.month else "year"

    @property
    def start(self) -> dt.date:
        """The first day the date can mean: for ordering and for placing it on a time axis."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def end(self) -> dt.date:
        """The last day the date can mean."""
        if self.day:
            return self.start
        if self.month:
            following = dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(self.year, 12, 31)

    def isoformat(self) -> str:
        """As written in the file: "2021", "2021-10" or "2021-10-01"."""
        return "-".join([f"{self.year:04d}"] + [f"{v:02d}" for v in (self.month, self.day) if v])

    def long(self) -> str:
        """"1 October 2021", "October 2021" or "2021": running text."""
        parts = ([str(self.day)] if self.day else []) + ([MONTHS[self.month - 1]] if self.month else [])
        return " ".join(parts + [str(self.year)])

    def short(self) -> str:
        """"1 Oct 2021", "Oct 2021" or "2021": charts and tables."""
        parts = ([str(self.day)] if self.day else []) + ([MONTHS[self.month - 1][:3]] if self.month else [])
        return " ".join(parts + [str(self.year)])

    def _key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReportedDate) and self._key() == other._key()

    def __lt__(self, other: "ReportedDate") -> bool:
        return self.start < other.start

    def __hash__(self) -> int:
        return hash(self._key())

    def __reduce__(self):
        return (ReportedDate, (self.year, self.month, self.day))

    def __repr__(self) -> str:
        return f"ReportedDate({self.isoformat()!r})"

    def __str__(self) -> str:
        return self.isoformat()

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any):
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            cls._validate, serialization=core_schema.plain_serializer_function_ser_schema(lambda d: d.isoformat())
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: Any, handler: Any) -> dict[str, Any]:
        """In the JSON Schema a reported date is a year (number) or text YYYY, YYYY-MM or YYYY-MM-DD."""
        from pydantic_core import core_schema

        return handler(core_schema.union_schema([
            core_schema.int_schema(ge=1800, le=2100),
            core_schema.str_schema(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$"),
        ]))

    @classmethod
    def _validate(cls, value: Any) -> "ReportedDate":
        if isinstance(value, ReportedDate):
            return value
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else None
        match = _PATTERN.match(text) if text is not None else None
        if not match:
            raise _invalid("reported_date", "expected a date written YYYY, YYYY-MM or YYYY-MM-DD, got {got}",
                           {"got": repr(value)})
        year, month = int(match["year"]), int(match["month"]) if match["month"] else None
        if not 1800 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
            raise _invalid("reported_date", "not a valid date: {got}", {"got": text})
        return cls(year, month, None)

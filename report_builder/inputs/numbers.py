"""Reported numbers that remember how they were written, so "6.0" is never printed as "6"."""
from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic_core import core_schema


class ReportedNumber(float):
    """A float that keeps its source text; its precision is the number of decimals written."""

    text: str

    def __new__(cls, value: float, text: str | None = None) -> "ReportedNumber":
        obj = super().__new__(cls, value)
        obj.text = text if text is not None else _plain(value)
        return obj

    def __reduce__(self):  # keep the text across process boundaries (parallel builds)
        return (ReportedNumber, (float(self), self.text))

    def __repr__(self) -> str:
        return f"ReportedNumber({self.text})"

    def __str__(self) -> str:
        return self.text

    @property
    def decimals(self) -> int:
        """Decimal places as written: 80.7 -> 1, 23 -> 0, 0.0208 -> 4."""
        try:
            exponent = Decimal(self.text).as_tuple().exponent
        except InvalidOperation:
            return 0
        return max(0, -int(exponent))

    @property
    def last_digit_unit(self) -> float:
        """One unit in the last reported digit: the tolerance published figures get."""
        return 10.0 ** (-self.decimals)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            cls._validate, serialization=core_schema.plain_serializer_function_ser_schema(float)
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: Any) -> dict[str, Any]:
        """In the JSON Schema (editors' autocomplete) a reported number is a number."""
        from pydantic_core import core_schema

        return handler(core_schema.float_schema())

    @classmethod
    def _validate(cls, value: Any) -> "ReportedNumber":
        if isinstance(value, ReportedNumber):
            number = value
        elif isinstance(value, bool):
            raise _invalid("number_type", "expected a number, got {got}", {"got": str(value).lower()})
        elif isinstance(value, int):
            number = cls(value, str(value))
        elif isinstance(value, float):
            number = cls(value, _plain(value))
        elif isinstance(value, str):
            hint = " (write the number without the % sign)" if value.strip().endswith("%") else ""
            raise _invalid("number_type", "expected a number, got text {got}" + hint, {"got": repr(value)})
        else:
            raise _invalid("number_type", "expected a number, got {got}", {"got": type(value).__name__})
        if not math.isfinite(number):
            raise _invalid("number_finite", "expected a finite number, got {got}", {"got": number.text})
        return number


def _plain(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


_P_PATTERN = re.compile(r"^\s*(?P<op><=|>=|<|>|=|≤|≥)?\s*(?P<num>(\d+(\.\d*)?|\.\d+)([eE]-?\d+)?)\s*$")


class PValue:
    """A reported p-value such as ``<0.001`` or ``0.04``: an optional relation and a number."""

    __slots__ = ("relation", "value")

    def __init__(self, relation: str, value: ReportedNumber):
        self.relation = relation  #: "=", "<", "<=", ">" or ">="
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PValue) and (self.relation, self.value.text) == (other.relation, other.value.text)

    def __hash__(self) -> int:
        return hash((self.relation, self.value.text))

    def __reduce__(self):
        return (PValue, (self.relation, self.value))

    def __repr__(self) -> str:
        return f"PValue({self.text!r})"

    @property
    def text(self) -> str:
        """As printed: "P<0.001" style without the P."""
        rel = {"=": "=", "<=": "≤", ">=": "≥"}.get(self.relation, self.relation)
        return f"{rel}{self.value.text}"

    def below(self, threshold: float) -> bool | None:
        """Whether p is below threshold; None when the reported bound cannot tell."""
        if self.relation in ("=",):
            return float(self.value) < threshold
        if self.relation in ("<", "<="):
            return True if float(self.value) <= threshold else None
        return False if float(self.value) >= threshold else None

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            cls._validate, serialization=core_schema.plain_serializer_function_ser_schema(lambda p: p.text)
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: Any) -> dict[str, Any]:
        """In the JSON Schema a P value is a number, or text with a relation such as "<0.001"."""
        from pydantic_core import core_schema

        return handler(core_schema.union_schema(
            [core_schema.float_schema(), core_schema.str_schema(pattern=r"^\s*(<=|>=|<|>|=)?\s*[0-9.eE-]+\s*$")]
        ))

    @classmethod
    def _validate(cls, value: Any) -> "PValue":
        if isinstance(value, PValue):
            return value
        if isinstance(value, str):
            match = _P_PATTERN.match(value)
            if not match:
                raise _invalid(
                    "p_value", "expected a p-value such as 0.04 or '<0.001', got {got}", {"got": repr(value)}
                )
            relation = {"≤": "<=", "≥": ">="}.get(match["op"] or "=", match["op"] or "=")
            number = ReportedNumber(float(match["num"]), match["num"])
        else:
            number = ReportedNumber._validate(value)
            relation = "="
        if not 0.0 <= float(number) <= 1.0:
            raise _invalid("p_range", "a p-value must lie between 0 and 1, got {got}", {"got": number.text})
        return cls(relation, number)


def _invalid(kind: str, message: str, context: dict[str, Any]) -> Exception:
    """The error pydantic reports for a value its validator rejects; pydantic_core is imported only here and
    by the schema hooks, so reading YAML (the up-to-date check reads template.yaml) does not load it."""
    from pydantic_core import PydanticCustomError

    return PydanticCustomError(kind, message, context)

"""Types shared by scenario files and policy events: bounded numbers, the sectors,
a legal aid centre, and plausible ranges of uncertain values."""

from __future__ import annotations

import datetime as dt
import re
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, model_validator

SECTORS = ("cotton", "vegetables_melons", "construction", "livestock", "bazaar_trade")

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Count = Annotated[int, Field(ge=0)]
# Physical bounds. A scenario cannot hold more people (or jobs, or permits) than
# the over 9 million foreigners who entered all of Kazakhstan in 2009
# (docs/sources.md 8); nor a duration, or a run, longer than a century.
PEOPLE_MOST = 9_000_000
DAYS_MOST = 36_525
YEARS_MOST = 100.0
EMPLOYERS_MOST = 100_000  # per sector, one agent each (the baseline has 40-160)
People = Annotated[int, Field(ge=0, le=PEOPLE_MOST)]
PeopleRate = Annotated[float, Field(ge=0.0, le=PEOPLE_MOST)]  # people a day, or at once
Days = Annotated[int, Field(ge=1, le=DAYS_MOST)]
DaysOrNone = Annotated[int, Field(ge=0, le=DAYS_MOST)]  # 0 allowed: "no wait"
PositiveDays = Annotated[float, Field(gt=0.0, le=DAYS_MOST)]
NonNegativeDays = Annotated[float, Field(ge=0.0, le=DAYS_MOST)]
PositiveYears = Annotated[float, Field(gt=0.0, le=YEARS_MOST)]
NonNegativeYears = Annotated[float, Field(ge=0.0, le=YEARS_MOST)]
Monthly = Annotated[list[Annotated[float, Field(ge=0.0)]], Field(min_length=12, max_length=12)]
Range = tuple[float, float]  # [low, high] of a plausible value
# No number in a scenario comes near this: people, dollars, days and rates all sit
# far below it. Larger is a typo, and would overflow the arrays that hold people.
LARGEST = 1e9
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")  # a name is a name, never a path


class Strict(BaseModel):
    """A table of a scenario or experiment file, read strictly: unknown keys,
    true/false for a number, a number for a date, infinity, NaN and numbers
    beyond LARGEST are refused with the key's name."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _kinds(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                if name in data:
                    problem = kind_problem(field.annotation, data[name])
                    if problem:
                        raise ValueError(f"{name}: {problem}")
        return data


def kind_problem(annotation: Any, value: Any) -> str | None:
    """What is wrong with a value's kind for this annotation, if anything."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):  # an optional lever (X | None): checked as X
        members = [m for m in get_args(annotation) if m is not type(None)]
        if value is None or len(members) != 1:
            return None
        return kind_problem(members[0], value)
    if isinstance(value, bool):
        return None if annotation in (bool, Any) else f"expected {_kind_name(annotation)}, got {str(value).lower()}"
    if annotation is dt.date and isinstance(value, (int, float)):
        return f"expected a date such as 2008-01-01, got the number {value!r}"
    if annotation in (int, float) and isinstance(value, (int, float)) and abs(value) > LARGEST:  # and infinity
        return f"expected a number no larger than {LARGEST:,.0f}, got {value!r}"
    if get_origin(annotation) in (list, tuple) and isinstance(value, (list, tuple)):
        inner = get_args(annotation)
        for i, item in enumerate(value):
            kind = inner[0] if get_origin(annotation) is list or inner[-1:] == (Ellipsis,) else inner[min(i, len(inner) - 1)]
            problem = kind_problem(kind, item)
            if problem:
                return f"item {i + 1}: {problem}"
    return None


KIND_NAMES = {int: "a whole number", float: "a number", dt.date: "a date such as 2008-01-01", str: "text"}


def _kind_name(annotation: Any) -> str:
    return KIND_NAMES.get(annotation, "a value")


class Centre(Strict):
    district: str
    capacity_per_day: PeopleRate  # appeals a day (people)


def check_range(where: str, value: object, bounds: Range) -> None:
    """A range is [low, high], low < high, stated for a number."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: a range needs a number, and this is {type(value).__name__}")  # noqa: TRY004 - pydantic reports ValueError
    if not low < high:
        raise ValueError(f"{where}: range [{low:g}, {high:g}]: low must be below high")


def check_in_range(where: str, value: float, bounds: Range) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise ValueError(f"{where}: value {value:g} lies outside its stated range [{low:g}, {high:g}]")

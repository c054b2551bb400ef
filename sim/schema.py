"""Types shared by scenario files and policy events: bounded numbers, the sectors,
a legal aid centre, and plausible ranges of uncertain values."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

SECTORS = ("cotton", "vegetables_melons", "construction", "livestock", "bazaar_trade")

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Count = Annotated[int, Field(ge=0)]
Monthly = Annotated[list[Annotated[float, Field(ge=0.0)]], Field(min_length=12, max_length=12)]
Range = tuple[float, float]  # [low, high] of a plausible value


class Centre(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    district: str
    capacity_per_day: NonNegative  # appeals a day (people)


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

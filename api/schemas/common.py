"""What the schemas share: constrained strings, dates in the calendar, instants, `Strict`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)

from api.instants import in_calendar, parse_instant_or_date
from rotation.teamfile import CONTROL, EMAIL, MAX_DAY_WEIGHT, MAX_EXTRA_HOLIDAYS, SLUG


def _no_duplicates(days: list[date]) -> list[date]:
    seen: set[date] = set()
    for day in days:
        if day in seen:
            raise ValueError(f"{day} is listed twice")
        seen.add(day)
    return sorted(days)


def _printable(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


Slug = Annotated[str, StringConstraints(pattern=SLUG.pattern, max_length=64)]
Email = Annotated[
    str, StringConstraints(pattern=EMAIL.pattern, max_length=320), AfterValidator(_printable)
]
Text = Annotated[str, AfterValidator(_printable)]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
    AfterValidator(_printable),
]
Chat = Annotated[str, StringConstraints(max_length=100), AfterValidator(_printable)]
Zone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_printable)]
Calendar = Annotated[str, StringConstraints(max_length=64), AfterValidator(_printable)]
CalendarDate = Annotated[date, AfterValidator(in_calendar)]
Weight = Annotated[float, Field(gt=0, le=1)]
DayWeight = Annotated[float, Field(gt=0, le=MAX_DAY_WEIGHT, allow_inf_nan=False)]
ExtraHolidays = Annotated[
    list[CalendarDate],
    Field(max_length=MAX_EXTRA_HOLIDAYS, examples=[["2027-12-24", "2027-12-31"]]),
    AfterValidator(_no_duplicates),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: A query value: an instant with its offset, or a date read in the team's zone.
InstantOrDate = Annotated[
    datetime | date,
    PlainValidator(parse_instant_or_date, json_schema_input_type=str),
    WithJsonSchema({"type": "string", "examples": ["2027-03-01T10:00:00Z", "2027-03-01"]}),
]

#: Why a change was made, for the audit log.
Reason = Field(default="", max_length=500, description="Why; recorded in the audit log.")

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

from api.instants import (
    DATE_PATTERN,
    INSTANT_PATTERN,
    parse_api_date,
    parse_api_instant,
    parse_api_instant_or_date,
)
from rotation.periods import zone_names
from rotation.teamdays import holiday_calendar_codes
from rotation.teamfile import CONTROL, EMAIL, MAX_DAY_WEIGHT, MAX_EXTRA_HOLIDAYS, SLUG

# The forms the API parses, stated in the schema so that a client (or a fuzzer) knows them.
DATE_SCHEMA = {"type": "string", "format": "date", "pattern": f"^{DATE_PATTERN}$"}
INSTANT_SCHEMA = {"type": "string", "format": "date-time", "pattern": f"^{INSTANT_PATTERN}$"}


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
#: An IANA time zone; the schema lists the names this server knows.
Zone = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_printable),
    WithJsonSchema({"type": "string", "enum": zone_names(), "examples": ["Europe/Berlin"]}),
]
#: A member's own zone: a name as for `Zone`, or empty for none (the team's zone).
MemberZone = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_printable),
    WithJsonSchema({"type": "string", "enum": ["", *zone_names()], "examples": ["Asia/Kolkata"]}),
]
#: A holiday calendar: the schema lists the codes the `holidays` package knows.
Calendar = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_printable),
    WithJsonSchema({"type": "string", "enum": holiday_calendar_codes(), "examples": ["DE-BE"]}),
]
#: A date in the calendar, as RFC 3339 writes it (never a number or an instant).
CalendarDate = Annotated[
    date, PlainValidator(parse_api_date, json_schema_input_type=str), WithJsonSchema(DATE_SCHEMA)
]
Weight = Annotated[float, Field(gt=0, le=1)]
DayWeight = Annotated[float, Field(gt=0, le=MAX_DAY_WEIGHT, allow_inf_nan=False)]
ExtraHolidays = Annotated[
    list[CalendarDate],
    Field(
        max_length=MAX_EXTRA_HOLIDAYS,
        examples=[["2027-12-24", "2027-12-31"]],
        json_schema_extra={"uniqueItems": True},
    ),
    AfterValidator(_no_duplicates),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: An instant with its offset (never a bare number, never a naive time), in the calendar.
Instant = Annotated[
    datetime,
    PlainValidator(parse_api_instant, json_schema_input_type=str),
    WithJsonSchema({**INSTANT_SCHEMA, "examples": ["2027-03-01T10:00:00Z"]}),
]

#: A query value: an instant with its offset, or a date read in the team's zone.
InstantOrDate = Annotated[
    datetime | date,
    PlainValidator(parse_api_instant_or_date, json_schema_input_type=str),
    WithJsonSchema(
        {"anyOf": [INSTANT_SCHEMA, DATE_SCHEMA], "examples": ["2027-03-01T10:00:00Z", "2027-03-01"]}
    ),
]

#: Why a change was made, for the audit log.
Reason = Field(default="", max_length=500, description="Why; recorded in the audit log.")

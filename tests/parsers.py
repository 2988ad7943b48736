"""Calendar feeds read back by three independent parsers: ical.js (Thunderbird's, on Node.js),
python-recurring-ical-events (over `icalendar`) and vobject (over dateutil).

Each gives the same plain shape, every instant in UTC, so a test compares what a client shows,
not the text of the feed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
import vobject

JS = Path(__file__).parent / "js"


@dataclass(frozen=True)
class Parsed:
    uid: str
    summary: str
    status: str
    start: datetime
    end: datetime
    sequence: int
    description: str = ""
    transp: str = ""


def _utc(value: datetime | date) -> datetime:
    assert isinstance(value, datetime), f"expected a date-time, got the date {value}"
    assert value.tzinfo is not None, f"floating time {value}: feeds write UTC or TZID"
    return value.astimezone(UTC)


def node_available() -> None:
    """Skip, loudly, where Node.js is not installed at all; fail where it is but the pinned
    ical.js is not (`npm ci --prefix tests/js` installs it)."""
    if shutil.which("node") is None:
        pytest.skip("NODE.JS IS NOT INSTALLED: the ical.js (Thunderbird) checks did not run")
    if not (JS / "node_modules" / "ical.js").is_dir():
        pytest.fail("ical.js is missing: run `npm ci --prefix tests/js` (as .ci/run does)")


def with_icaljs(data: bytes) -> list[Parsed]:
    node_available()
    result = subprocess.run(
        ["node", str(JS / "parse.mjs")], input=data, capture_output=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()
    body = json.loads(result.stdout)
    assert body["header"]["refresh"] == "PT1H"
    return [
        Parsed(
            uid=e["uid"],
            summary=e["summary"],
            status=e["status"],
            start=datetime.fromtimestamp(e["start"], UTC),
            end=datetime.fromtimestamp(e["end"], UTC),
            sequence=e["sequence"],
            description=e["description"] or "",
            transp=e["transp"],
        )
        for e in body["events"]
    ]


def with_recurring_ical_events(data: bytes) -> list[Parsed]:
    calendar = icalendar.Calendar.from_ical(data)
    # Far enough either way to hold any feed's window.
    events = recurring_ical_events.of(calendar).between(
        datetime(1971, 1, 1, tzinfo=UTC), datetime(2199, 1, 1, tzinfo=UTC)
    )
    return [
        Parsed(
            uid=str(e["UID"]),
            summary=str(e["SUMMARY"]),
            status=str(e["STATUS"]),
            start=_utc(e["DTSTART"].dt),
            end=_utc(e["DTEND"].dt),
            sequence=int(e["SEQUENCE"]),
            description=str(e.get("DESCRIPTION", "")),
            transp=str(e["TRANSP"]),
        )
        for e in events
    ]


def with_vobject(data: bytes) -> list[Parsed]:
    calendar = vobject.readOne(data.decode())
    return [
        Parsed(
            uid=e.uid.value,
            summary=e.summary.value,
            status=e.status.value,
            start=_utc(e.dtstart.value),
            end=_utc(e.dtend.value),
            sequence=int(e.sequence.value),
            description=e.description.value if hasattr(e, "description") else "",
            transp=e.transp.value,
        )
        for e in getattr(calendar, "vevent_list", [])
    ]


PARSERS = {
    "ical.js": with_icaljs,
    "recurring-ical-events": with_recurring_ical_events,
    "vobject": with_vobject,
}


def parse_everywhere(data: bytes) -> list[Parsed]:
    """The events as all three parsers read them, after checking that they agree exactly."""
    readings = {name: sorted(parse(data), key=_order) for name, parse in PARSERS.items()}
    first = readings["recurring-ical-events"]
    for name, events in readings.items():
        assert events == first, f"{name} reads the feed differently"
    return first


def _order(event: Parsed) -> tuple[datetime, str]:
    return event.start, event.uid


def clip(events: list[Parsed], since: datetime, until: datetime) -> list[tuple[object, ...]]:
    """Confirmed events as (start, end) clipped to `[since, until)`, for comparing with the
    schedule API, which clips its entries to the window asked for."""
    return sorted(
        (max(e.start, since), min(e.end, until), e.summary)
        for e in events
        if e.status == "CONFIRMED" and e.start < until and since < e.end
    )

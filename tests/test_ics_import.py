"""Time off from an iCalendar file: the pure reader, and the import endpoint on both databases."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from api.principals import TokenRole
from rotation import InvalidCalendar, TimeOff
from rotation.ics_import import time_off_from_ics
from tests.conftest import NOW, TokenFactory

BERLIN = ZoneInfo("Europe/Berlin")
SINCE = datetime(2027, 1, 1, tzinfo=UTC)
UNTIL = datetime(2028, 1, 1, tzinfo=UTC)

VTIMEZONE = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""


def ics(*events: str, timezone: str = "") -> bytes:
    body = "".join(
        f"BEGIN:VEVENT\nUID:e{i}\nDTSTAMP:20270101T000000Z\n{e}\nEND:VEVENT\n"
        for i, e in enumerate(events)
    )
    text = f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{timezone}{body}END:VCALENDAR\n"
    return text.replace("\n", "\r\n").encode()


def read(data: bytes) -> list[tuple[datetime, datetime]]:
    return [(t.start, t.end) for t in time_off_from_ics(data, "alice", BERLIN, SINCE, UNTIL)]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_an_outlook_out_of_office_event_in_its_own_time_zone() -> None:
    data = ics(
        "SUMMARY:Vacation\nDTSTART;TZID=W. Europe Standard Time:20270301T090000\n"
        "DTEND;TZID=W. Europe Standard Time:20270305T180000\nX-MICROSOFT-CDO-BUSYSTATUS:OOF",
        timezone=VTIMEZONE,
    )
    (entry,) = time_off_from_ics(data, "alice", BERLIN, SINCE, UNTIL)
    assert entry == TimeOff(
        "alice", utc("2027-03-01T08:00"), utc("2027-03-05T17:00"), "Imported: Vacation"
    )


@pytest.mark.parametrize(
    ("marks", "counts"),
    [
        ("X-MICROSOFT-CDO-BUSYSTATUS:OOF", True),
        ("X-MICROSOFT-CDO-BUSYSTATUS:BUSY", True),
        ("X-MICROSOFT-CDO-BUSYSTATUS:FREE", False),
        ("X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE", False),
        ("TRANSP:TRANSPARENT\nX-MICROSOFT-CDO-BUSYSTATUS:OOF", True),  # Outlook's word wins
        ("TRANSP:OPAQUE", True),
        ("TRANSP:TRANSPARENT", False),
        ("SUMMARY:no TRANSP at all", True),  # OPAQUE is the default
        ("STATUS:CANCELLED", False),
        ("STATUS:CANCELLED\nX-MICROSOFT-CDO-BUSYSTATUS:OOF", False),
    ],
)
def test_busy_and_out_of_office_events_count_free_and_cancelled_ones_do_not(
    marks: str, counts: bool
) -> None:
    data = ics(f"DTSTART:20270301T090000Z\nDTEND:20270301T100000Z\n{marks}")
    assert read(data) == ([(utc("2027-03-01T09:00"), utc("2027-03-01T10:00"))] if counts else [])


def test_all_day_events_are_whole_days_in_the_team_zone() -> None:
    data = ics(
        "DTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270303",  # two days
        "DTSTART;VALUE=DATE:20270601",  # no end: one day
    )
    assert read(data) == [
        (utc("2027-02-28T23:00"), utc("2027-03-02T23:00")),  # Berlin winter: UTC+1
        (utc("2027-05-31T22:00"), utc("2027-06-01T22:00")),  # summer: UTC+2
    ]


def test_a_floating_time_is_a_wall_time_in_the_team_zone_even_in_a_gap() -> None:
    # 02:30 does not exist in Berlin on 2027-03-28: it moves to the first instant after the gap.
    data = ics("DTSTART:20270328T023000\nDTEND:20270328T050000")
    assert read(data) == [(utc("2027-03-28T01:00"), utc("2027-03-28T03:00"))]


def test_recurring_events_are_expanded_within_the_window_only() -> None:
    data = ics(
        "SUMMARY:Parental leave day\nDTSTART;VALUE=DATE:20261204\n"
        "RRULE:FREQ=WEEKLY;BYDAY=FR\nEXDATE;VALUE=DATE:20270108"
    )
    found = read(data)
    # Friday 2027-01-01 in Berlin overlaps the window's start, and is kept whole.
    assert found[:2] == [
        (utc("2026-12-31T23:00"), utc("2027-01-01T23:00")),
        (utc("2027-01-14T23:00"), utc("2027-01-15T23:00")),  # 01-08 is excluded
    ]
    assert all(start.astimezone(BERLIN).weekday() == 4 for start, _ in found)
    assert len(found) == 52  # the 53 Fridays of 2027, less the one excluded
    assert found[-1][0] < UNTIL


def test_overlapping_and_touching_entries_are_merged_with_their_reasons() -> None:
    data = ics(
        "SUMMARY:Trip\nDTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270303",
        "SUMMARY:Conference\nDTSTART;VALUE=DATE:20270303\nDTEND;VALUE=DATE:20270305",
        "SUMMARY:Trip\nDTSTART:20270302T100000Z\nDTEND:20270302T120000Z",
        "SUMMARY:Later\nDTSTART;VALUE=DATE:20270310",
    )
    entries = time_off_from_ics(data, "alice", BERLIN, SINCE, UNTIL)
    assert [(e.start, e.end, e.reason) for e in entries] == [
        (utc("2027-02-28T23:00"), utc("2027-03-04T23:00"), "Imported: Trip; Imported: Conference"),
        (utc("2027-03-09T23:00"), utc("2027-03-10T23:00"), "Imported: Later"),
    ]


def test_private_events_keep_their_summary_private_and_empty_events_are_skipped() -> None:
    data = ics(
        "SUMMARY:Clinic\nCLASS:PRIVATE\nDTSTART:20270301T090000Z\nDTEND:20270301T100000Z",
        "SUMMARY:A reminder\nDTSTART:20270302T090000Z\nDTEND:20270302T090000Z",
    )
    (entry,) = time_off_from_ics(data, "alice", BERLIN, SINCE, UNTIL)
    assert entry.reason == "Imported from a calendar"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"hello", "not an iCalendar file"),
        (b"", "not an iCalendar file"),
        (b"BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20270301T090000Z\r\nEND:VEVENT\r\n", "VCALENDAR"),
        (ics("DTSTART:2027XX01T090000Z"), "DTSTART"),
        (ics("SUMMARY:no start"), "DTSTART"),
        (ics("DTSTART:20270301T090000Z\nRRULE:FREQ=FOO"), "FREQ=FOO"),
        (ics("DTSTART;TZID=Mars/Olympus:20270301T090000"), "Mars/Olympus"),
        (ics("DTSTART:20270301T090000Z\nDURATION:PT1H\nRRULE:FREQ=SECONDLY"), "more than 5000"),
    ],
)
def test_a_calendar_that_cannot_be_read_names_the_problem(data: bytes, says: str) -> None:
    with pytest.raises(InvalidCalendar, match=says.replace("/", ".")):
        read(data)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 24 * 60), st.integers(1, 72), st.booleans()),
        max_size=12,
    )
)
def test_the_time_off_is_the_union_of_the_busy_events(
    events: list[tuple[int, int, bool]],
) -> None:
    """Property: whatever busy and free events a file holds, the entries cover exactly the
    hours some busy event covers, ordered and with gaps between them."""
    base = datetime(2027, 4, 1, tzinfo=UTC)
    lines = []
    busy_hours: set[datetime] = set()
    for start, hours, busy in events:
        first = base + timedelta(hours=start)
        lines.append(
            f"DTSTART:{first:%Y%m%dT%H%M%SZ}\nDURATION:PT{hours}H\n"
            f"TRANSP:{'OPAQUE' if busy else 'TRANSPARENT'}"
        )
        if busy:
            busy_hours.update(first + timedelta(hours=h) for h in range(hours))
    entries = read(ics(*lines))
    covered = {
        start + timedelta(hours=h)
        for start, end in entries
        for h in range(int((end - start).total_seconds() // 3600))
    }
    assert covered == busy_hours
    assert all(a[1] < b[0] for a, b in itertools.pairwise(entries))


# The endpoint

PATH = "/v1/teams/payments/members/alice/time-off/import"
CALENDAR = {"Content-Type": "text/calendar"}


def test_an_import_creates_time_off_repairs_the_plan_and_is_audited(
    client: TestClient, samples: None, token_for: TokenFactory, admin: dict[str, str]
) -> None:
    lead = token_for(TokenRole.LEAD, ["payments"])
    params = {"since": "2027-03-01", "until": "2027-05-01"}
    schedule = client.get("/v1/teams/payments/schedule", params=params, headers=admin).json()
    turn = next(e for e in schedule["entries"] if e["member"] == "alice")
    start = datetime.fromisoformat(turn["start"].replace("Z", "+00:00"))
    data = ics(
        f"SUMMARY:Hiking\nDTSTART:{start + timedelta(days=1):%Y%m%dT%H%M%SZ}\n"
        f"DTEND:{start + timedelta(days=3):%Y%m%dT%H%M%SZ}"
    )
    response = client.post(PATH, content=data, headers={**lead, **CALENDAR})
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(e["member"], e["reason"]) for e in body["time_off"]] == [("alice", "Imported: Hiking")]
    assert body["skipped"] == 0
    assert {
        "team": "payments",
        "role": "developer",
        "period_start": turn["period_start"],
        "start": turn["start"],
        "end": turn["end"],
        "before": "alice",
        "after": body["changed"][0]["after"],
    } in body["changed"]
    after = client.get("/v1/teams/payments/schedule", params=params, headers=admin).json()
    holder = next(
        e
        for e in after["entries"]
        if e["period_start"] == turn["period_start"] and e["role"] == "developer"
    )
    assert holder["member"] not in ("alice", None)
    entry = client.get("/v1/audit", params={"team": "payments"}, headers=admin).json()["entries"][0]
    assert entry["action"] == "time_off.import"
    assert entry["after"]["time_off"][0]["reason"] == "Imported: Hiking"
    # The same file again adds nothing.
    again = client.post(PATH, content=data, headers={**lead, **CALENDAR}).json()
    assert (again["time_off"], again["skipped"], again["changed"]) == ([], 1, [])


def test_a_bad_upload_is_refused_clearly(
    client: TestClient, samples: None, token_for: TokenFactory, admin: dict[str, str]
) -> None:
    bad = client.post(PATH, content=b"BEGIN:VCALENDAR\r\nnonsense", headers={**admin, **CALENDAR})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["detail"].startswith("calendar: not an iCalendar file")
    wrong_type = client.post(PATH, content=ics(), headers={**admin, "Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    huge = b"X" * (1024 * 1024 + 1)
    assert client.post(PATH, content=huge, headers={**admin, **CALENDAR}).status_code == 413
    other_lead = token_for(TokenRole.LEAD, ["storefront"])
    viewer = token_for(TokenRole.VIEWER)
    for headers in (other_lead, viewer):
        assert client.post(PATH, content=ics(), headers={**headers, **CALENDAR}).status_code == 403
    assert client.post(PATH, content=ics(), headers=CALENDAR).status_code == 401
    unknown = "/v1/teams/payments/members/grace/time-off/import"
    assert client.post(unknown, content=ics(), headers={**admin, **CALENDAR}).status_code == 404
    assert client.post(PATH, content=ics(), headers={**admin, **CALENDAR}).status_code == 201


def test_the_import_reads_from_now_on(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    past = NOW - timedelta(days=60)
    data = ics(f"DTSTART:{past:%Y%m%dT%H%M%SZ}\nDTEND:{past + timedelta(days=2):%Y%m%dT%H%M%SZ}")
    assert client.post(PATH, content=data, headers={**admin, **CALENDAR}).json()["time_off"] == []

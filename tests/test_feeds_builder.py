"""The pure feed builder, with schedule entries made by hand: overrides, swaps, split stretches
and uncovered slots, written out and read back by three independent parsers."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from api.feeds.copies import feed_tag
from api.feeds.events import FeedKind, FeedScope, TeamEntries, event_uid, feed_events
from api.feeds.render import Feed, PublishedEvent, render
from api.feeds.vtimezone import transitions
from api.repositories import Person
from rotation import Policy, Role, ScheduleEntry, Source, Team, period
from tests.parsers import parse_everywhere

BERLIN = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 1, 4), 0)
TEAM = Team("payments", "Payments", BERLIN)
PUBLIC = "https://rota.example.com"
PEOPLE = {
    p.id: p
    for p in (
        Person("alice", "Alice Schmidt", "alice@example.com", "@alice"),
        Person("bruno", "Bruno Keller", "bruno@example.com"),
        Person("omar", "Omar Haddad", "omar@example.com", "@omar"),
        Person("petra", "Petra Lang", "petra@example.com"),
    )
}
# Period 11 starts on Monday 2027-03-22 and ends on 2027-03-29, across the spring change.
P = period(BERLIN, 11)
NEXT = period(BERLIN, 12)
DAY = timedelta(days=1)
TEAM_FEED = FeedScope(FeedKind.TEAM, team="payments")


def entries() -> list[ScheduleEntry]:
    """Alice's turn split by an override (Bruno for two days), Omar by a swap, and the next
    period's developer slot uncovered."""
    return [
        ScheduleEntry(Role.DEVELOPER, "alice", P.start, P.start + 2 * DAY, P),
        ScheduleEntry(Role.OPERATOR, "omar", P.start, P.end, P, Source.SWAP),
        ScheduleEntry(
            Role.DEVELOPER, "bruno", P.start + 2 * DAY, P.start + 4 * DAY, P, Source.OVERRIDE
        ),
        ScheduleEntry(Role.DEVELOPER, "alice", P.start + 4 * DAY, P.end, P),
        ScheduleEntry(Role.DEVELOPER, None, NEXT.start, NEXT.end, NEXT),
        ScheduleEntry(Role.OPERATOR, "petra", NEXT.start, NEXT.end, NEXT),
    ]


def build(scope: FeedScope, team: Team = TEAM, items: list[ScheduleEntry] | None = None) -> Feed:
    found = feed_events(
        scope,
        [TeamEntries(team, entries() if items is None else items)],
        PEOPLE,
        PUBLIC,
        P.start,
        NEXT.end,
    )
    at = datetime(2027, 3, 1, tzinfo=UTC)
    return Feed("Payments", [PublishedEvent(e, 0, at) for e in found], at)


def test_one_event_per_stretch_with_role_and_person_in_the_summary() -> None:
    events = parse_everywhere(render(build(TEAM_FEED)))
    assert [(e.summary, e.start, e.end) for e in events] == [
        ("Developer on support: Alice Schmidt", P.start, P.start + 2 * DAY),
        ("Operator on support: Omar Haddad", P.start, P.end),
        ("Developer on support: Bruno Keller", P.start + 2 * DAY, P.start + 4 * DAY),
        ("Developer on support: Alice Schmidt", P.start + 4 * DAY, P.end),
        ("UNCOVERED: developer", NEXT.start, NEXT.end),
        ("Operator on support: Petra Lang", NEXT.start, NEXT.end),
    ]
    assert {e.transp for e in events} == {"TRANSPARENT"}
    assert {e.status for e in events} == {"CONFIRMED"}


def test_the_description_names_partners_with_their_contact_and_links_the_team() -> None:
    by_summary = {e.summary: e for e in parse_everywhere(render(build(TEAM_FEED)))}
    bruno = by_summary["Developer on support: Bruno Keller"].description
    assert "Paired with: Omar Haddad <omar@example.com>, chat @omar (operator)" in bruno
    assert "override" in bruno
    assert "https://rota.example.com/?team=payments" in bruno
    omar = by_summary["Operator on support: Omar Haddad"].description
    # Omar's week had three developer stretches: each partner is named, in order.
    assert omar.count("Paired with:") == 3
    assert omar.index("Alice Schmidt") < omar.index("Bruno Keller")
    assert "swap" in omar
    petra = by_summary["Operator on support: Petra Lang"].description
    assert "Paired with: nobody, the developer slot is UNCOVERED" in petra


def test_a_member_feed_shows_only_their_turns_and_who_they_are_paired_with() -> None:
    omar = parse_everywhere(render(build(FeedScope(FeedKind.MEMBER, member="omar"))))
    assert [e.summary for e in omar] == [
        "On support (operator), paired with Alice Schmidt, then Bruno Keller, then Alice Schmidt"
    ]
    bruno = parse_everywhere(render(build(FeedScope(FeedKind.MEMBER, member="bruno"))))
    assert [(e.summary, e.start) for e in bruno] == [
        ("On support (developer), paired with Omar Haddad", P.start + 2 * DAY)
    ]
    assert "omar@example.com" in bruno[0].description
    petra = parse_everywhere(render(build(FeedScope(FeedKind.MEMBER, member="petra"))))
    assert [e.summary for e in petra] == ["On support (operator), developer UNCOVERED"]


def test_the_all_teams_feed_names_the_team() -> None:
    events = parse_everywhere(render(build(FeedScope(FeedKind.ALL))))
    assert events[0].summary == "Payments: Developer on support: Alice Schmidt"
    assert len(events) == 6


def test_uids_are_stable_per_team_slot_and_period_and_distinct_per_stretch() -> None:
    first = build(TEAM_FEED)
    uids = [item.event.uid for item in first.events]
    assert len(set(uids)) == len(uids)
    assert uids[0] == "team-payments-developer-20270322T080000Z@rota"
    # Bruno's override starts two days (172800 s) into the period.
    assert "team-payments-developer-20270322T080000Z-172800s@rota" in uids
    # Another holder of the same stretch (a regeneration, a swap) keeps the UID.
    changed = [replace(e, member="bruno") if e.start == P.start else e for e in entries()]
    second = build(TEAM_FEED, items=changed)
    assert [item.event.uid for item in second.events] == uids
    assert second.events[0].event.content_hash != first.events[0].event.content_hash
    # Each feed has UIDs of its own.
    member = event_uid(FeedScope(FeedKind.MEMBER, member="alice"), "payments", entries()[0])
    assert member == "member-alice-payments-developer-20270322T080000Z@rota"


def test_events_overlapping_the_window_are_whole_stretches() -> None:
    middle = P.start + 3 * DAY
    schedule = [TeamEntries(TEAM, entries())]
    found = feed_events(TEAM_FEED, schedule, PEOPLE, PUBLIC, middle, NEXT.start)
    assert [(e.start, e.end) for e in found] == [
        (P.start, P.end),
        (P.start + 2 * DAY, P.start + 4 * DAY),
        (P.start + 4 * DAY, P.end),
    ]


def test_a_cancelled_event_is_read_as_cancelled_everywhere() -> None:
    feed = build(TEAM_FEED)
    withdrawn = PublishedEvent(feed.events[0].event, 3, feed.events[0].last_modified, True)
    events = parse_everywhere(render(Feed("Payments", [withdrawn], feed.empty_since)))
    assert [(e.status, e.sequence) for e in events] == [("CANCELLED", 3)]


def test_the_feed_tag_follows_everything_the_bytes_depend_on() -> None:
    scope = FeedScope(FeedKind.TEAM, team="payments")
    window = (P.start, P.end)
    day = P.start.date()
    tag = feed_tag(scope, {"payments": 3}, window, day, "https://x")
    assert tag == feed_tag(scope, {"payments": 3}, window, day, "https://x")
    assert tag.startswith('"')
    assert tag.endswith('"')
    others = [
        feed_tag(scope, {"payments": 4}, window, day, "https://x"),
        feed_tag(FeedScope(FeedKind.ALL), {"payments": 3}, window, day, "https://x"),
        feed_tag(scope, {"payments": 3}, (P.start, P.end + DAY), day, "https://x"),
        feed_tag(scope, {"payments": 3}, window, day + DAY, "https://x"),
        feed_tag(scope, {"payments": 3}, window, day, "https://y"),
    ]
    assert tag not in others
    assert len(set(others)) == len(others)


def test_local_times_use_tzid_and_an_rrule_vtimezone() -> None:
    data = render(build(TEAM_FEED, team=replace(TEAM, feed_local_times=True))).decode()
    assert "DTSTART;TZID=Europe/Berlin:20270322T090000" in data
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in data
    assert "RDATE" not in data
    events = parse_everywhere(data.encode())
    assert [(e.start, e.end) for e in events][:2] == [
        (P.start, P.start + 2 * DAY),
        (P.start, P.end),
    ]


def test_a_fall_back_handoff_in_the_repeated_hour_reads_alike_in_every_parser() -> None:
    # A daily handoff at 02:30 in Berlin: on 2027-10-31 that wall time happens twice, and the
    # handoff takes the first (00:30 UTC). ical.js would read a TZID time as the second.
    policy = Policy("Europe/Berlin", 1, time(2, 30), date(2027, 10, 1))
    team = Team("night", "Night", policy, feed_local_times=True)
    periods = [period(policy, i) for i in range(27, 33)]
    assert datetime(2027, 10, 31, 0, 30, tzinfo=UTC) in {p.start for p in periods}
    items = [ScheduleEntry(Role.DEVELOPER, "alice", p.start, p.end, p) for p in periods]
    found = feed_events(
        FeedScope(FeedKind.TEAM, team="night"),
        [TeamEntries(team, items)],
        PEOPLE,
        PUBLIC,
        periods[0].start,
        periods[-1].end,
    )
    at = datetime(2027, 3, 1, tzinfo=UTC)
    data = render(Feed("Night", [PublishedEvent(e, 0, at) for e in found], at))
    events = parse_everywhere(data)
    assert [(e.start, e.end) for e in events] == [(p.start, p.end) for p in periods]
    # The two periods with an end in the repeated hour are written in UTC, the others locally.
    assert b"DTSTART:20271030T003000Z\r\nDTEND:20271031T003000Z" in data
    assert b"DTSTART:20271031T003000Z\r\nDTEND:20271101T013000Z" in data
    assert b"DTSTART;TZID=Europe/Berlin:20271101T023000" in data


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
        "Australia/Lord_Howe",  # changes by 30 minutes
        "America/Santiago",  # changes at midnight
        "Africa/Casablanca",  # leaves DST for Ramadan, no yearly rule
        "Asia/Tokyo",  # no DST at all
    ],
)
def test_every_hour_around_every_transition_reads_alike_in_local_times(zone: str) -> None:
    """Brute force: an event starting at every half hour around each DST change of two years,
    written in local time, is read back at the same instant by all three parsers."""
    tz = ZoneInfo(zone)
    start, end = datetime(2027, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC)
    instants = {start + timedelta(days=40)}
    for change in transitions(tz, start, end):
        instants.update(change.at + timedelta(minutes=30 * k) for k in range(-6, 7))
    policy = Policy(zone, 7, time(9, 0), date(2027, 1, 4), 0)
    team = Team("zone", "Zone", policy, feed_local_times=True)
    at = datetime(2027, 1, 1, tzinfo=UTC)
    published = []
    for instant in sorted(instants):
        stretch = period(policy, 0)
        entry = ScheduleEntry(
            Role.DEVELOPER, "alice", instant, instant + timedelta(hours=1), stretch
        )
        found = feed_events(
            FeedScope(FeedKind.TEAM, team="zone"),
            [TeamEntries(team, [entry])],
            PEOPLE,
            PUBLIC,
            instant,
            instant + timedelta(hours=1),
        )
        published += [PublishedEvent(event, 0, at) for event in found]
    events = parse_everywhere(render(Feed("Zone", published, at)))
    assert sorted(e.start for e in events) == sorted(instants)


GOLDEN = Path(__file__).parent / "golden" / "team_feed_override_swap_uncovered.json"


def test_the_team_feed_matches_its_golden_file_after_parsing() -> None:
    """What a subscriber sees of the hand-made week, kept under tests/golden/ and compared after
    parsing (the order of properties is free). Regenerate with ROTA_UPDATE_GOLDEN=1."""
    events = parse_everywhere(render(build(TEAM_FEED)))
    seen = [
        {
            "uid": e.uid,
            "summary": e.summary,
            "description": e.description,
            "status": e.status,
            "start": e.start.isoformat(),
            "end": e.end.isoformat(),
            "sequence": e.sequence,
        }
        for e in events
    ]
    if os.environ.get("ROTA_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(seen, indent=2, ensure_ascii=False) + "\n")
    assert seen == json.loads(GOLDEN.read_text())

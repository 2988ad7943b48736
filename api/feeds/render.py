"""Writing a feed as iCalendar (RFC 5545) with the `icalendar` library. Pure.

Times are UTC (`...Z`) unless an event carries a zone (the team asked for local times). Then its
instants are written with `TZID` and a `VTIMEZONE` of yearly `RRULE`s (`api.feeds.vtimezone`),
except for an event with an instant whose wall time is ambiguous (the repeated hour at fall
back): parsers disagree on which occurrence such a local time means (ical.js takes the later one,
RFC 5545 the first), so that event is written in UTC, which every parser reads alike. Both its
instants are: given a UTC end and a local start, python-recurring-ical-events adds the duration
to the local start as wall time, an hour off across the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from icalendar import Calendar, Event, vDuration

from api.feeds.events import FeedEvent
from api.feeds.vtimezone import vtimezone

__all__ = ["Feed", "PublishedEvent", "render"]

PRODID = "-//Rota//Rota calendar feeds//EN"
REFRESH = timedelta(hours=1)
#: Bump when the bytes written for the same events change, so that ETags change with them
#: (`api.feeds.copies.feed_tag`).
FORMAT = "1"


@dataclass(frozen=True)
class PublishedEvent:
    """An event as published: its content, SEQUENCE, LAST-MODIFIED, and whether it was
    withdrawn (`STATUS:CANCELLED`)."""

    event: FeedEvent
    sequence: int
    last_modified: datetime
    cancelled: bool = False


@dataclass(frozen=True)
class Feed:
    """A whole feed: its name and its events, ordered."""

    name: str
    events: Sequence[PublishedEvent]
    #: LAST-MODIFIED of a feed with no event at all (for the HTTP `Last-Modified`).
    empty_since: datetime

    @property
    def last_modified(self) -> datetime:
        return max((e.last_modified for e in self.events), default=self.empty_since)


def render(feed: Feed) -> bytes:
    """The feed as an iCalendar file."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", feed.name)
    calendar.add("x-wr-calname", feed.name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for zone in _zones(feed.events):
        calendar.add_component(zone)
    for item in feed.events:
        calendar.add_component(_vevent(item))
    data: bytes = calendar.to_ical()
    return data


def _zones(events: Sequence[PublishedEvent]) -> list[icalendar.Timezone]:
    spans: dict[str, tuple[datetime, datetime]] = {}
    for item in events:
        zone = item.event.zone
        if zone is None:
            continue
        low, high = spans.get(zone, (item.event.start, item.event.end))
        spans[zone] = (min(low, item.event.start), max(high, item.event.end))
    # Whole years, and at least two, so that each yearly change is an RRULE and a feed whose
    # window moves by a day keeps the same VTIMEZONE.
    return [
        vtimezone(ZoneInfo(name), _new_year(low.year), _new_year(high.year + 2))
        for name, (low, high) in sorted(spans.items())
    ]


def _new_year(year: int) -> datetime:
    return datetime(min(year, 9999), 1, 1, tzinfo=UTC)


def _vevent(item: PublishedEvent) -> Event:
    event = item.event
    vevent = Event()
    vevent.add("uid", event.uid)
    # No METHOD: DTSTAMP is then when the event last changed (RFC 5545 3.8.7.2), so an unchanged
    # feed renders to the same bytes and keeps its ETag.
    vevent.add("dtstamp", item.last_modified.astimezone(UTC))
    vevent.add("last-modified", item.last_modified.astimezone(UTC))
    vevent.add("sequence", item.sequence)
    zone = ZoneInfo(event.zone) if event.zone else None
    if zone is None or _ambiguous(event.start, zone) or _ambiguous(event.end, zone):
        vevent.add("dtstart", event.start.astimezone(UTC))
        vevent.add("dtend", event.end.astimezone(UTC))
    else:
        vevent.add("dtstart", event.start.astimezone(zone))
        vevent.add("dtend", event.end.astimezone(zone))
    vevent.add("summary", event.summary)
    if event.description:
        vevent.add("description", event.description)
    if event.url:
        vevent.add("url", event.url)
    vevent.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    # A turn of support is not a meeting: it must not show the whole day (or week) busy.
    vevent.add("transp", "TRANSPARENT")
    return vevent


def _ambiguous(at: datetime, zone: ZoneInfo) -> bool:
    """Whether the wall time of `at` in `zone` happens twice (the repeated hour at fall back)."""
    local = at.astimezone(zone)
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()

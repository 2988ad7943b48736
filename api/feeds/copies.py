"""Feeds served from what was published: a validator from the team revisions, rendered copies.

A feed's bytes depend on its scope, its window, the day it is read on (cancelled events stay
30 days, the default window moves daily) and the published state of its teams, which each
team's revision names (every write raises its version, `api.concurrency.lock_team`).
`feed_tag` hashes exactly those, so a client's `If-None-Match` is answered from a handful of
indexed reads without building the feed; a copy rendered once for a tag, plain and gzipped,
serves every other client of this process until a revision moves or the day turns.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from threading import Lock

import icalendar
from sqlmodel import Session

from api import repositories
from api.feeds.events import FeedKind, FeedScope
from api.feeds.render import FORMAT, Feed, render

__all__ = ["Copies", "Copy", "feed_tag", "scope_revisions"]


def scope_revisions(
    session: Session, scope: FeedScope, since: datetime, until: datetime
) -> dict[str, str]:
    """The revisions of the teams feed `scope` shows over `[since, until)`."""
    if scope.kind is FeedKind.TEAM:
        assert scope.team is not None
        return repositories.team_revisions(session, [scope.team])
    if scope.kind is FeedKind.MEMBER:
        assert scope.member is not None
        teams = repositories.teams_with_turns(session, scope.member, since, until)
        return repositories.team_revisions(session, teams) if teams else {}
    return repositories.team_revisions(session)


def feed_tag(
    scope: FeedScope,
    revisions: dict[str, str],
    window: tuple[datetime, datetime],
    day: date,
    *extra: object,
) -> str:
    """The strong ETag of the feed `scope` over `window` read on `day` with its teams at
    `revisions`; `extra` is anything else its bytes depend on (the public URL, its owner)."""
    parts = [
        FORMAT,
        icalendar.__version__,
        scope.key,
        sorted(revisions.items()),
        window[0].isoformat(),
        window[1].isoformat(),
        day.isoformat(),
        [str(e) for e in extra],
    ]
    digest = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    return f'"{digest[:40]}"'


@dataclass(frozen=True)
class Copy:
    """A feed rendered once: its bytes, gzipped, and its Last-Modified."""

    body: bytes
    gzipped: bytes
    last_modified: datetime

    @classmethod
    def of(cls, feed: Feed) -> Copy:
        body = render(feed)
        # mtime=0: the same bytes for the same feed in every process.
        return cls(body, gzip.compress(body, compresslevel=6, mtime=0), feed.last_modified)


class Copies:
    """The copies of the last few feeds rendered in this process, by tag (LRU)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[str, Copy] = OrderedDict()
        self._lock = Lock()

    def get(self, tag: str) -> Copy | None:
        with self._lock:
            found = self._entries.get(tag)
            if found is not None:
                self._entries.move_to_end(tag)
            return found

    def put(self, tag: str, copy: Copy) -> None:
        with self._lock:
            self._entries[tag] = copy
            self._entries.move_to_end(tag)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

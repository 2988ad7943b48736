"""The feeds' repository: feed tokens, and the memory of what each feed published.

Memory of published events: one row per UID (the primary key), keeping the content hash,
SEQUENCE, LAST-MODIFIED and when the event was withdrawn. A render compares what the feed shows
now with that memory and writes only the differences, each as one guarded statement, so any
number of renders may run at once (several workers, several replicas) on SQLite or PostgreSQL:
- a new UID is inserted with `ON CONFLICT DO NOTHING`: the first render wins, no error;
- a changed event is updated `WHERE content_hash <> new OR cancelled_at IS NOT NULL`: two
  renders of the same change bump SEQUENCE once, as the second finds nothing left to change;
- a withdrawn event is updated `WHERE cancelled_at IS NULL`: cancelled once.
An unchanged feed costs one read and no write.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from api.feeds.events import FeedEvent, FeedKind, FeedScope
from api.feeds.render import PublishedEvent
from api.principals import hash_token
from api.repositories.statements import first_row
from api.repositories.teams import revision_of
from api.tables import FeedEventRow, FeedTokenRow, TeamRow

__all__ = [
    "CANCELLED_FOR",
    "KEPT_FOR",
    "FeedToken",
    "create_token",
    "find_token",
    "get_token",
    "list_tokens",
    "publish",
    "revoke_token",
]

#: How long a withdrawn event stays in the feed as STATUS:CANCELLED.
CANCELLED_FOR = timedelta(days=30)
#: How long the memory keeps an event after it ended: the default window looks 30 days back
#: (`api.feeds.service.DEFAULT_BEHIND`), and what was withdrawn then shows for `CANCELLED_FOR`.
KEPT_FOR = timedelta(days=60)
FEED_TOKEN_PREFIX = "rotafeed_"
_CHUNK = 200


# Tokens


@dataclass(frozen=True)
class FeedToken:
    id: int
    scope: FeedScope
    created_by: str
    created_at: datetime
    revoked_at: datetime | None = None


def _token(row: FeedTokenRow) -> FeedToken:
    assert row.id is not None
    scope = FeedScope(FeedKind(row.scope), row.team_id, row.person_id)
    return FeedToken(row.id, scope, row.created_by, row.created_at, row.revoked_at)


def create_token(
    session: Session, scope: FeedScope, created_by: str, now: datetime
) -> tuple[FeedToken, str]:
    """Store a new feed token; return it and its secret (the only time the secret is seen).
    The caller commits."""
    secret = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = FeedTokenRow(
        scope=scope.kind.value,
        team_id=scope.team,
        person_id=scope.member,
        token_hash=hash_token(secret),
        created_by=created_by[:200],
        created_at=now,
    )
    session.add(row)
    session.flush()
    return _token(row), secret


def find_token(session: Session, secret: str) -> FeedToken | None:
    """The live token whose secret this is, or None (unknown or revoked)."""
    row = session.exec(
        select(FeedTokenRow).where(
            FeedTokenRow.token_hash == hash_token(secret), col(FeedTokenRow.revoked_at).is_(None)
        )
    ).first()
    return None if row is None else _token(row)


@dataclass(frozen=True)
class TeamFeedRead:
    """A live team feed token with what its feed's validators need of the team: its revision
    and its time zone."""

    token: FeedToken
    revision: str
    timezone: str


def team_feed_read(session: Session, secret: str) -> TeamFeedRead | None:
    """The live team feed token whose secret this is, with its team's revision and zone, in
    one statement: what a conditional GET of a team feed needs to answer 304. None when the
    secret names no live token of a team feed."""
    found = first_row(session, _TEAM_FEED, {"hash": hash_token(secret)})
    if found is None:
        return None
    scope = FeedScope(FeedKind.TEAM, found.team_id, found.person_id)
    token = FeedToken(found.id, scope, found.created_by, found.created_at, found.revoked_at)
    return TeamFeedRead(token, revision_of(found.version, found.incarnation), found.timezone)


_TEAM_FEED = (
    sa_select(
        col(FeedTokenRow.id),
        col(FeedTokenRow.team_id),
        col(FeedTokenRow.person_id),
        col(FeedTokenRow.created_by),
        col(FeedTokenRow.created_at),
        col(FeedTokenRow.revoked_at),
        col(TeamRow.version),
        col(TeamRow.incarnation),
        col(TeamRow.timezone),
    )
    .join(TeamRow, col(TeamRow.id) == col(FeedTokenRow.team_id))
    .where(
        col(FeedTokenRow.token_hash) == bindparam("hash"),
        col(FeedTokenRow.revoked_at).is_(None),
        col(FeedTokenRow.scope) == FeedKind.TEAM.value,
    )
)


def list_tokens(session: Session) -> list[FeedToken]:
    """Every live token, oldest first."""
    rows = session.exec(
        select(FeedTokenRow)
        .where(col(FeedTokenRow.revoked_at).is_(None))
        .order_by(col(FeedTokenRow.id))
    )
    return [_token(row) for row in rows]


def get_token(session: Session, token_id: int) -> FeedToken | None:
    """The live token `token_id`, or None."""
    row = session.get(FeedTokenRow, token_id)
    return None if row is None or row.revoked_at is not None else _token(row)


def revoke_token(session: Session, token_id: int, now: datetime) -> None:
    """Revoke a live token; the caller commits."""
    session.exec(
        update(FeedTokenRow)
        .where(col(FeedTokenRow.id) == token_id, col(FeedTokenRow.revoked_at).is_(None))
        .values(revoked_at=now)
    )


# Published events


def publish(
    session: Session,
    scope: FeedScope,
    events: Sequence[FeedEvent],
    since: datetime,
    until: datetime,
    now: datetime,
    as_of: datetime | None = None,
) -> list[PublishedEvent]:
    """Remember what feed `scope` shows in `[since, until)` now, and return it as published:
    `events` with their SEQUENCE and LAST-MODIFIED, and the events withdrawn from the window in
    the `CANCELLED_FOR` before `as_of` (default `now`), as cancelled. Commits when something
    changed, and then forgets the events that ended `KEPT_FOR` ago.

    An event that left the window without moving (time passed, or another window was asked
    for) is not withdrawn: only what overlaps `[since, until)` is compared.
    """
    as_of = as_of or now
    # A UID names its stretch's start, so the row of a current event starts where it does.
    low = min([since, *(event.start for event in events)])
    known = _rows(session, scope.key, low, until)
    current = {event.uid: event for event in events}
    new = [event for event in events if event.uid not in known]
    changed = [
        event
        for event in events
        if event.uid in known
        and (
            known[event.uid].content_hash != event.content_hash
            or known[event.uid].cancelled_at is not None
        )
    ]
    gone = [
        row.uid
        for row in known.values()
        if row.uid not in current
        and row.cancelled_at is None
        and row.start < until
        and since < row.end
    ]
    if new or changed or gone:
        # Rows are locked in UID order by every render, so two renders never wait on each other
        # in a cycle (PostgreSQL would end one with a deadlock error).
        inserted = _insert_new(session, scope, sorted(new, key=lambda e: e.uid), now)
        # A new UID another render inserted first may hold an older content: update it too.
        raced = [event for event in new if event.uid not in inserted]
        for event in sorted([*raced, *changed], key=lambda e: e.uid):
            _update_changed(session, event, now)
        for uid in sorted(gone):
            session.exec(
                update(FeedEventRow)
                .where(col(FeedEventRow.uid) == uid, col(FeedEventRow.cancelled_at).is_(None))
                .values(
                    cancelled_at=now,
                    sequence=col(FeedEventRow.sequence) + 1,
                    last_modified=now,
                )
            )
        session.exec(
            delete(FeedEventRow).where(
                col(FeedEventRow.feed) == scope.key, col(FeedEventRow.end) < now - KEPT_FOR
            )
        )
        session.commit()
        known = _rows(session, scope.key, low, until)
    published = [_published(event, known.get(event.uid), now) for event in events]
    for row in known.values():
        if (
            row.uid not in current
            and row.cancelled_at is not None
            and row.cancelled_at > as_of - CANCELLED_FOR
            and row.start < until
            and since < row.end
        ):
            withdrawn = FeedEvent(row.uid, row.team_id, row.start, row.end, row.summary, "", "")
            published.append(PublishedEvent(withdrawn, row.sequence, row.last_modified, True))
    return sorted(published, key=lambda item: (item.event.start, item.event.uid))


@dataclass(frozen=True)
class _Known:
    """What the memory holds about one UID."""

    uid: str
    team_id: str
    start: datetime
    end: datetime
    summary: str
    content_hash: str
    sequence: int
    last_modified: datetime
    cancelled_at: datetime | None


_KNOWN_COLUMNS = tuple(_Known.__dataclass_fields__)


def _rows(session: Session, feed: str, low: datetime, until: datetime) -> dict[str, _Known]:
    # Plain columns, not ORM objects: a feed reads hundreds of these on every request.
    query = sa_select(*(col(getattr(FeedEventRow, name)) for name in _KNOWN_COLUMNS)).where(
        col(FeedEventRow.feed) == feed,
        col(FeedEventRow.start) < until,
        col(FeedEventRow.end) > low,
    )
    return {row[0]: _Known(*row) for row in session.connection().execute(query)}


def _published(event: FeedEvent, row: _Known | None, now: datetime) -> PublishedEvent:
    if row is None:  # its team was deleted while the feed was being built
        return PublishedEvent(event, 0, now)
    return PublishedEvent(event, row.sequence, row.last_modified)


def _insert_new(
    session: Session, scope: FeedScope, events: Sequence[FeedEvent], now: datetime
) -> set[str]:
    """Insert the rows of `events` in a few statements; return the UIDs inserted (not those
    another render inserted first)."""
    if not events:
        return set()
    values = [
        {
            "uid": event.uid,
            "feed": scope.key,
            "team_id": event.team,
            "start": event.start,
            "end": event.end,
            "summary": event.summary[:500],
            "content_hash": event.content_hash,
            "sequence": 0,
            "last_modified": now,
            "cancelled_at": None,
        }
        for event in events
    ]
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted: set[str] = set()
    # In chunks: SQLite caps the variables of one statement.
    for first in range(0, len(values), _CHUNK):
        statement = insert(FeedEventRow).values(values[first : first + _CHUNK])
        statement = statement.on_conflict_do_nothing(index_elements=["uid"])
        inserted.update(session.exec(statement.returning(col(FeedEventRow.uid))).scalars())
    return inserted


def _update_changed(session: Session, event: FeedEvent, now: datetime) -> None:
    session.exec(
        update(FeedEventRow)
        .where(
            and_(
                col(FeedEventRow.uid) == event.uid,
                or_(
                    col(FeedEventRow.content_hash) != event.content_hash,
                    col(FeedEventRow.cancelled_at).is_not(None),
                ),
            )
        )
        .values(
            content_hash=event.content_hash,
            start=event.start,
            end=event.end,
            summary=event.summary[:500],
            sequence=col(FeedEventRow.sequence) + 1,
            last_modified=now,
            cancelled_at=None,
        )
    )

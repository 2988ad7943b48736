"""Who is on support, answered from the published plan and kept per team revision.

Every write to a team raises its `version` in the same transaction (`api.concurrency.lock_team`),
so a team's revision (`repositories.team_revisions`: its version, and a random incarnation a team
created again does not share) names one published state, the same in every process and replica.
An answer worked out for it stays right as long as the revision does and the instant asked stays
within the stretch where nothing moves by itself: between the period's handoffs and the edges of
the overrides in it (`Standing.since`, `Standing.until`).

So a read costs one indexed statement, the revisions (`repositories.team_revisions`); only teams
whose version moved or whose stretch ended are read again, all of them in a fixed number of
batched statements whatever their number. A write on one process is seen by the next read on any
other: that read finds the new revision.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import TypeAdapter
from sqlmodel import Session

from api import repositories
from api.people import Person
from api.schemas import HolderPublic, OnSupportPublic, PeriodPublic
from rotation import (
    BeyondPlan,
    OnSupport,
    Override,
    Period,
    Role,
    Team,
    UnknownTeam,
    on_support,
    period_at,
)
from rotation.periods import handoff

_INSTANT = TypeAdapter(datetime)


def instant_json(at: datetime) -> bytes:
    """`at` as the answers write it (`OnSupportPublic.at`)."""
    return _INSTANT.dump_json(at)


@dataclass(frozen=True)
class Standing:
    """One team's answer over a stretch of time where it does not change, but for the instant
    asked about. `since` None: from the beginning of time; `until` None: for ever."""

    team: str
    revision: str
    contacts: bool
    since: datetime | None
    until: datetime | None
    answer: OnSupportPublic
    # The answer's JSON before and after the value of `at`.
    head: bytes = field(repr=False)
    tail: bytes = field(repr=False)

    @classmethod
    def of(
        cls,
        answer: OnSupportPublic,
        revision: str,
        contacts: bool,
        since: datetime | None,
        until: datetime | None,
    ) -> Standing:
        rest = answer.model_dump_json(exclude={"team", "at"}).encode()
        head = b'{"team":' + json.dumps(answer.team).encode() + b',"at":'
        return cls(answer.team, revision, contacts, since, until, answer, head, b"," + rest[1:])

    def holds(self, revision: str, contacts: bool, at: datetime) -> bool:
        return (
            self.revision == revision
            and self.contacts == contacts
            and (self.since is None or self.since <= at)
            and (self.until is None or at < self.until)
        )

    def at(self, at: datetime) -> OnSupportPublic:
        return self.answer.model_copy(update={"at": at})

    def json(self, at: bytes) -> bytes:
        """The answer's JSON at the instant `at` (`instant_json`)."""
        return self.head + at + self.tail


@dataclass(frozen=True)
class Roster:
    """Every team's standing over the stretch where none of them changes (the overlap of
    theirs), with what the all-teams answer makes of them: its ETag, and its JSON in pieces
    that the instant asked about joins. Kept while the revisions are the same, so a warm read
    of a thousand teams is their revisions and one join."""

    revisions: dict[str, str]
    contacts: bool
    since: datetime | None
    until: datetime | None
    tag: str
    pieces: tuple[bytes, ...] = field(repr=False)

    @classmethod
    def of(cls, revisions: dict[str, str], contacts: bool, standings: list[Standing]) -> Roster:
        digest = hashlib.sha256()
        for standing in standings:
            digest.update(standing.head + standing.tail)
        # The answer is b'{"at":' AT b',"teams":[' HEAD AT TAIL b',' HEAD AT TAIL ... b']}':
        # the pieces between the instants, joined by the instant's JSON at each read.
        pieces = [b'{"at":', b',"teams":[']
        for index, standing in enumerate(standings):
            pieces[-1] += (b"," if index else b"") + standing.head
            pieces.append(standing.tail)
        pieces[-1] += b"]}"
        sinces = [s.since for s in standings if s.since is not None]
        untils = [s.until for s in standings if s.until is not None]
        return cls(
            revisions,
            contacts,
            max(sinces, default=None),
            min(untils, default=None),
            f'"{digest.hexdigest()[:32]}"',
            tuple(pieces),
        )

    def holds(self, revisions: dict[str, str], contacts: bool, at: datetime) -> bool:
        return (
            self.contacts == contacts
            and (self.since is None or self.since <= at)
            and (self.until is None or at < self.until)
            and self.revisions == revisions
        )

    def json(self, at: bytes) -> bytes:
        """The all-teams answer's JSON at the instant `at` (`instant_json`)."""
        return at.join(self.pieces)


@dataclass
class PublishedCache:
    """What one process read of the published plans, by team (see the module's docstring).
    Entries are replaced, never changed in place, so threads share it without a lock."""

    teams: dict[str, tuple[str, Team]] = field(default_factory=dict)
    standings: dict[tuple[str, bool], Standing] = field(default_factory=dict)
    rosters: dict[bool, Roster] = field(default_factory=dict)  # by contacts

    def forget_others(self, team_ids: set[str]) -> None:
        """Drop what belongs to teams no longer there."""
        for team_id in [t for t in self.teams if t not in team_ids]:
            self.teams.pop(team_id, None)
        for key in [k for k in self.standings if k[0] not in team_ids]:
            self.standings.pop(key, None)


@dataclass(frozen=True)
class Answer:
    """A team's standing at an instant, or why the plan does not say."""

    standing: Standing | None = None
    beyond: BeyondPlan | None = None


def team_answer(
    session: Session,
    cache: PublishedCache,
    team_id: str,
    at: datetime,
    *,
    contacts: bool,
    revision: str | None = None,
) -> Standing:
    """Who is on support in `team_id` at `at`; `UnknownTeam`, or `BeyondPlan` after its plan.
    `revision` is the team's, when the caller read it already (with the token)."""
    revisions = (
        {team_id: revision}
        if revision is not None
        else repositories.team_revisions(session, [team_id])
    )
    if team_id not in revisions:
        raise UnknownTeam(team_id)
    answer = answers(session, cache, revisions, at, contacts=contacts)[team_id]
    if answer.beyond is not None:
        raise answer.beyond
    assert answer.standing is not None
    return answer.standing


def all_answers(
    session: Session, cache: PublishedCache, at: datetime, *, contacts: bool
) -> dict[str, Answer]:
    """Every team's answer at `at`, in team order."""
    revisions = repositories.team_revisions(session)
    cache.forget_others(set(revisions))
    return answers(session, cache, revisions, at, contacts=contacts)


def every_team(
    session: Session, cache: PublishedCache, at: datetime, *, contacts: bool
) -> Roster | dict[str, Answer]:
    """Every team's answer at `at`: their `Roster` when each has a standing (kept while it
    holds), else each team's `Answer` (some team's plan ends before `at`)."""
    revisions = repositories.team_revisions(session)
    kept = cache.rosters.get(contacts)
    if kept is not None and kept.holds(revisions, contacts, at):
        return kept
    cache.forget_others(set(revisions))
    found = answers(session, cache, revisions, at, contacts=contacts)
    standings = [answer.standing for answer in found.values() if answer.standing is not None]
    if len(standings) < len(found):
        return found
    roster = Roster.of(revisions, contacts, standings)
    cache.rosters[contacts] = roster
    return roster


def answers(
    session: Session,
    cache: PublishedCache,
    revisions: dict[str, str],
    at: datetime,
    *,
    contacts: bool,
) -> dict[str, Answer]:
    """The answers of the teams in `revisions` (team id: version, as read before anything else)
    at `at`: from `cache` where they still hold, the others read in one batch."""
    found: dict[str, Answer] = {}
    stale: dict[str, str] = {}
    for team_id, revision in revisions.items():
        kept = cache.standings.get((team_id, contacts))
        if kept is not None and kept.holds(revision, contacts, at):
            found[team_id] = Answer(kept)
        else:
            stale[team_id] = revision
    if stale:
        found.update(_read(session, cache, stale, at, contacts))
    return {team_id: found[team_id] for team_id in revisions}


def _read(
    session: Session, cache: PublishedCache, stale: dict[str, str], at: datetime, contacts: bool
) -> dict[str, Answer]:
    # The revision read first labels what is read after it: if a write lands in between, the
    # answer is newer than its label and the next read just reads it again, never the reverse.
    unknown = [t for t, v in stale.items() if cache.teams.get(t, (None,))[0] != v]
    if unknown:
        cache.teams.update(repositories.teams_by_id(session, unknown))
    teams = {t: cache.teams[t][1] for t in stale if t in cache.teams}  # a team deleted meanwhile
    found: dict[str, Answer] = {}
    periods: dict[str, Period] = {}
    for team_id, team in teams.items():
        current = period_at(team.policy, at)
        if current is None:
            # Before the first period: nobody until the first handoff.
            first = handoff(team.policy, 0)
            answer = _public(team_id, OnSupport(at, None, next_handoff=first), {}, contacts)
            found[team_id] = _keep(cache, answer, stale[team_id], contacts, None, first)
        else:
            periods[team_id] = current
    if not periods:
        return found
    ends = repositories.plan_ends(session, list(periods))
    for team_id in list(periods):
        end = ends.get(team_id)
        if end is None or at >= end:
            found[team_id] = Answer(beyond=BeyondPlan("at", at, end))
            del periods[team_id]
    if not periods:
        return found
    plans = repositories.assignments_at(session, list(periods), at)
    cuts = repositories.overrides_of_teams(
        session,
        list(periods),
        min(p.start for p in periods.values()),
        max(p.end for p in periods.values()),
    )
    standing = {}
    for team_id, current in periods.items():
        mine = [o for o in cuts[team_id] if o.start < current.end and o.end > current.start]
        result = on_support(teams[team_id].policy, plans[team_id], at, ends[team_id], mine)
        standing[team_id] = (result, mine)
    holders = repositories.people(
        session,
        (e.member for result, _ in standing.values() for e in result.holders.values()),
    )
    for team_id, (result, mine) in standing.items():
        answer = _public(team_id, result, holders, contacts)
        since, until = _stretch(periods[team_id], mine, at)
        found[team_id] = _keep(cache, answer, stale[team_id], contacts, since, until)
    return found


def _stretch(current: Period, cuts: list[Override], at: datetime) -> tuple[datetime, datetime]:
    """The stretch around `at` within `current` that no override starts or ends in."""
    edges = [e for o in cuts for e in (o.start, o.end) if current.start < e < current.end]
    since = max([current.start, *(e for e in edges if e <= at)])
    until = min([current.end, *(e for e in edges if e > at)])
    return since, until


def _keep(
    cache: PublishedCache,
    answer: OnSupportPublic,
    revision: str,
    contacts: bool,
    since: datetime | None,
    until: datetime | None,
) -> Answer:
    standing = Standing.of(answer, revision, contacts, since, until)
    cache.standings[answer.team, contacts] = standing
    return Answer(standing)


def _public(
    team_id: str, result: OnSupport, people: dict[str, Person], contacts: bool
) -> OnSupportPublic:
    def holder(role: Role) -> HolderPublic | None:
        entry = result.holders.get(role)
        if entry is None or entry.member is None:
            return None
        person = people[entry.member]
        return HolderPublic(
            id=person.id,
            name=person.name,
            email=person.email if contacts else None,
            chat=person.chat if contacts else None,
            source=entry.source,
        )

    period = result.period
    return OnSupportPublic(
        team=team_id,
        at=result.at,
        period=PeriodPublic(start=period.start, end=period.end) if period else None,
        developer=holder(Role.DEVELOPER),
        operator=holder(Role.OPERATOR),
        uncovered=result.uncovered,
        next_handoff=result.next_handoff,
    )

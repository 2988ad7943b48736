"""The fairness report of a resolved schedule over a window `[since, until)` (SPEC section 3).

Pure: no clock, no database, no framework. Every figure can be recomputed by a reader from the
schedule entries (clipped to the window, as `rotation.resolve.resolve` returns them) and the team
file alone, by these definitions:

Calendar
    Days are read in the team's zone (`team.policy.zone`). Holidays are the team's calendar plus
    its `extra_holidays` (`rotation.load.team_holidays`) for every local year from that of `since`
    to that of `until`. The load of an entry is `rotation.load.load(entry.start, entry.end, zone,
    holidays, team.weights)`: each local day's weight times its covered fraction.

Per member and role (`MemberReport`)
    Reported for every member who holds the role and for anyone with an entry in the role
    (`holds_role` is False for the latter; an id missing from the team counts with weight 1.0 and
    capacity 0).

    * `periods`: distinct periods (by index) with an entry of theirs in the role.
    * `hours`: total real duration of their entries, in hours (a spring-forward week is 167).
      `weekday_hours`, `weekend_hours` (local Saturdays and Sundays that are not holidays) and
      `holiday_hours` split it by the kind of local day, as the day weights do.
    * `load`: the sum of their entries' loads.
    * `capacity`: `weight` times the fraction of `[since, until)` during which they are employed
      (`rotation.availability.employment`: `joined`/`left` inclusive local days) and not on time
      off (the union of their time-off intervals, so overlaps count once).
    * `share`: the role's `total_load` (sum of the loads of the role's entries that have a member)
      times `capacity` over the role's `total_capacity` (sum of the capacities of every member
      reported in the role); 0 when that sum is 0.
    * `deviation` = `load - share`; `deviation_per_weight` = `deviation / weight`.
    * `back_to_back`: pairs of their periods in the role adjacent in time (one period's end is the
      next one's start).
    * `partners`: distinct members of the other slot they were paired with in this role (see
      pairs below).

Per role (`RoleReport`), over the members with `capacity > 0` or `load > 0`
    * `spread`: max minus min of `deviation_per_weight`; `max_abs_deviation_per_weight`. Both 0
      when no member counts.
    * `lower_bound`: the solver's lower bound on the best achievable max |deviation per weight|,
      as given by the caller (None when absent).
    * `jain`: Jain's index `(sum x)^2 / (n * sum x^2)` of `x_i = load_i / capacity_i` over those
      with `capacity > 0`; 1.0 when n = 0 or every x is 0.
    * `balance`: the mean over unordered pairs of those with `capacity > 0` of
      `min(h_i, h_j) / max(h_i, h_j)`, `h_i = hours_i / capacity_i`; a pair of two zeros counts
      1.0; 1.0 with fewer than two members.
    * `back_to_back`: the sum of the members' `back_to_back`.
    * `covered`: the merged intervals in which an entry of the role has a member.
    * `uncovered`: the merged intervals in which an entry of the role has no member, each with why
      (below); neighbours merge only when their reasons are equal.
    * `coverage`: covered seconds over covered plus uncovered seconds (1.0 when both are 0).

Why a slot is uncovered (for the entry's whole period)
    "nobody holds the operator role" when no member holds it; otherwise, for each member holding
    it, by id: "alice: time off", "bob: not employed (joined 2027-02-01)", "chen: not employed
    (left 2026-12-31)", "dana: holds the developer slot" (she has an entry in the other slot
    overlapping that period), or "erin: available" when nothing kept her out; one member's
    reasons are joined by ", ", the members by "; ".

Per team (`FairnessReport`)
    * Pairs: in each period, a developer and an operator (two different members) whose entries in
      that period overlap for a positive time form a pair, counted once per period.
      `pair_counts` lists `(developer, operator, count)` sorted by ids; `distinct_pairs` is its
      length; `most_repeated_pair` has the highest count, ties going to the lowest
      `(developer, operator)`, None without pairs.
    * `back_to_back`: the sum over roles; `coverage`: covered seconds over covered plus uncovered
      seconds summed over all roles (1.0 when both are 0).

Floats are reported at full precision; rounding is for whoever displays them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rotation import fairness_measures as measures
from rotation.availability import Availability, available_fraction, employment
from rotation.carried import Carried
from rotation.departed import departed
from rotation.errors import InvalidInterval, InvalidMember
from rotation.fairness_measures import Interval, UncoveredInterval
from rotation.load import load, team_holidays
from rotation.model import (
    SLOTS,
    Member,
    Role,
    ScheduleEntry,
    Team,
    TimeOff,
    require_aware,
)

_ZERO = timedelta(0)
_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class PairCount:
    """How many periods `developer` and `operator` were on support together."""

    developer: str
    operator: str
    count: int


@dataclass(frozen=True)
class MemberReport:
    """One member's figures in one role; see the module docstring for each definition."""

    member: str
    holds_role: bool
    weight: float
    periods: int
    hours: float
    weekday_hours: float
    weekend_hours: float
    holiday_hours: float
    load: float
    capacity: float
    share: float
    deviation: float
    deviation_per_weight: float
    back_to_back: int
    partners: int
    #: Interruptions handled during their turns in this role, their weight (hours of work),
    #: and the load the planner counts for them (`interrupt_weight` times the weight).
    interrupts: int = 0
    carried: float = 0.0
    carried_load: float = 0.0


@dataclass(frozen=True)
class RoleReport:
    """One role's figures; `members` are sorted by id."""

    role: Role
    members: list[MemberReport]
    total_load: float
    total_capacity: float
    spread: float
    max_abs_deviation_per_weight: float
    lower_bound: float | None
    jain: float
    balance: float
    back_to_back: int
    covered: list[Interval]
    uncovered: list[UncoveredInterval]
    coverage: float


@dataclass(frozen=True)
class FairnessReport:
    """The fairness report of one team over `[since, until)`; `roles` are in `SLOTS` order."""

    team: str
    since: datetime
    until: datetime
    roles: list[RoleReport]
    coverage: float
    back_to_back: int
    distinct_pairs: int
    most_repeated_pair: PairCount | None
    pair_counts: list[PairCount]


def fairness_report(
    team: Team,
    members: Sequence[Member],
    time_off: Sequence[TimeOff],
    entries: Sequence[ScheduleEntry],
    since: datetime,
    until: datetime,
    bounds: Mapping[Role, float] | None = None,
    carried: Mapping[tuple[str, Role], Carried] | None = None,
    interrupt_weight: float = 0.0,
) -> FairnessReport:
    """Return the fairness report of `entries` (the schedule resolved over `[since, until)`).

    `carried` (`rotation.carried.carried_by`) shows each member's carried load next to the
    planned one; the planned figures do not include it.

    Raises `InvalidInterval` for an empty window and `InvalidMember` for a weight that is not
    positive (deviation per weight would be undefined).
    """
    since = require_aware("since", since)
    until = require_aware("until", until)
    if until <= since:
        raise InvalidInterval("since/until", since, until)
    for member in members:
        # The team file refuses these; a zero weight would make deviation per weight undefined.
        if not member.weight > 0:
            raise InvalidMember(member.id, "weight", f"{member.weight}: expected more than 0")

    zone = team.policy.zone
    # Who left the team keeps their past turns, with the share of someone employed until then.
    gone = departed(members, ((e.member, e.role, e.end) for e in entries if e.member), zone)
    first_year = since.astimezone(zone).year
    years = tuple(range(first_year, until.astimezone(zone).year + 1))
    pair_counts = measures.pair_counts(entries)
    context = _Context(
        team=team,
        zone=zone,
        holidays=team_holidays(team, years),
        members=members,
        by_id={member.id: member for member in members},
        capacities={
            member.id: member.role_weight * available_fraction(member, time_off, zone, since, until)
            for member in [*members, *gone]
        },
        availability=Availability(members, time_off, zone),
        entries=entries,
        pair_counts=pair_counts,
        carried=carried or {},
        interrupt_weight=interrupt_weight,
    )
    roles = [
        _role_report(context, role, None if bounds is None else bounds.get(role)) for role in SLOTS
    ]

    covered = sum((measures.seconds(r.covered) for r in roles), 0.0)
    uncovered = sum((measures.seconds(r.uncovered) for r in roles), 0.0)
    counts = [PairCount(d, o, n) for (d, o), n in sorted(pair_counts.items())]
    return FairnessReport(
        team=team.id,
        since=since,
        until=until,
        roles=roles,
        coverage=measures.ratio(covered, uncovered),
        back_to_back=sum(r.back_to_back for r in roles),
        distinct_pairs=len(counts),
        most_repeated_pair=min(
            counts, key=lambda p: (-p.count, p.developer, p.operator), default=None
        ),
        pair_counts=counts,
    )


@dataclass(frozen=True)
class _Context:
    """What every role's figures are computed from."""

    team: Team
    zone: ZoneInfo
    holidays: frozenset[date]
    members: Sequence[Member]
    by_id: Mapping[str, Member]
    capacities: Mapping[str, float]
    availability: Availability
    entries: Sequence[ScheduleEntry]
    pair_counts: Mapping[tuple[str, str], int]
    carried: Mapping[tuple[str, Role], Carried]
    interrupt_weight: float


def _role_report(context: _Context, role: Role, lower_bound: float | None) -> RoleReport:
    zone, holidays, weights = context.zone, context.holidays, context.team.weights
    capacities, pair_counts = context.capacities, context.pair_counts
    role_entries = [entry for entry in context.entries if entry.role == role]
    # (member, entry, load) of every staffed entry, in schedule order.
    staffed = [
        (e.member, e, load(e.start, e.end, zone, holidays, weights))
        for e in role_entries
        if e.member is not None
    ]
    total_load = sum((entry_load for _, _, entry_load in staffed), 0.0)

    holders = {member.id for member in context.members if role in member.roles}
    ids = sorted(
        holders | {mid for mid, _, _ in staffed} | {mid for mid, r in context.carried if r == role}
    )
    total_capacity = sum((capacities.get(mid, 0.0) for mid in ids), 0.0)

    mine: dict[str, list[tuple[ScheduleEntry, float]]] = defaultdict(list)
    for mid, entry, entry_load in staffed:
        mine[mid].append((entry, entry_load))

    reports: list[MemberReport] = []
    for mid in ids:
        own = mine.get(mid, [])
        member = context.by_id.get(mid)
        # A member gone from the team still shows their load, at full weight, with the share
        # of someone employed until their last turn (`rotation.departed`).
        weight = member.role_weight if member is not None else 1.0
        capacity = capacities.get(mid, 0.0)
        member_load = sum((entry_load for _, entry_load in own), 0.0)
        share = total_load * capacity / total_capacity if total_capacity > 0 else 0.0
        deviation = member_load - share
        kinds = [measures.split_by_day_kind(e.start, e.end, zone, holidays) for e, _ in own]
        took = context.carried.get((mid, role), Carried(0, 0.0))
        reports.append(
            MemberReport(
                member=mid,
                holds_role=mid in holders,
                weight=weight,
                periods=len({e.period.index for e, _ in own}),
                hours=sum((e.end - e.start for e, _ in own), _ZERO) / _HOUR,
                weekday_hours=sum((k[0] for k in kinds), _ZERO) / _HOUR,
                weekend_hours=sum((k[1] for k in kinds), _ZERO) / _HOUR,
                holiday_hours=sum((k[2] for k in kinds), _ZERO) / _HOUR,
                load=member_load,
                capacity=capacity,
                share=share,
                deviation=deviation,
                deviation_per_weight=deviation / weight,
                back_to_back=measures.back_to_back(e.period for e, _ in own),
                partners=_partners(mid, role, pair_counts),
                interrupts=took.count,
                carried=took.weight,
                carried_load=context.interrupt_weight * took.weight,
            )
        )

    counted = [r for r in reports if r.capacity > 0 or r.load > 0]
    per_weight = [r.deviation_per_weight for r in counted]
    with_capacity = [r for r in counted if r.capacity > 0]
    covered = measures.merge_covered(e for _, e, _ in staffed)
    uncovered = measures.merge_uncovered(
        UncoveredInterval(e.start, e.end, _why_uncovered(e, context))
        for e in role_entries
        if e.member is None
    )
    return RoleReport(
        role=role,
        members=reports,
        total_load=total_load,
        total_capacity=total_capacity,
        spread=max(per_weight) - min(per_weight) if per_weight else 0.0,
        max_abs_deviation_per_weight=max((abs(x) for x in per_weight), default=0.0),
        lower_bound=lower_bound,
        jain=measures.jain([r.load / r.capacity for r in with_capacity]),
        balance=measures.balance([r.hours / r.capacity for r in with_capacity]),
        back_to_back=sum(r.back_to_back for r in reports),
        covered=covered,
        uncovered=uncovered,
        coverage=measures.ratio(measures.seconds(covered), measures.seconds(uncovered)),
    )


def _partners(member: str, role: Role, pair_counts: Mapping[tuple[str, str], int]) -> int:
    if role == Role.DEVELOPER:
        return len({o for d, o in pair_counts if d == member})
    return len({d for d, o in pair_counts if o == member})


def _why_uncovered(gap: ScheduleEntry, context: _Context) -> str:
    """Say why nobody holds `gap.role` in `gap.period`, member by member."""
    holders = sorted((m for m in context.members if gap.role in m.roles), key=lambda m: m.id)
    if not holders:
        return f"nobody holds the {gap.role.value} role"
    current = gap.period
    reasons: list[str] = []
    for member in holders:
        why: list[str] = []
        first, last = employment(member, context.zone)
        if first is not None and first > current.start:
            why.append(f"not employed (joined {member.joined})")
        if last is not None and last < current.end:
            why.append(f"not employed (left {member.left})")
        if context.availability.on_time_off(member.id, current.start, current.end):
            why.append("time off")
        for other in SLOTS:
            if other != gap.role and any(
                e.role == other
                and e.member == member.id
                and e.start < current.end
                and current.start < e.end
                for e in context.entries
            ):
                why.append(f"holds the {other.value} slot")
        reasons.append(f"{member.id}: {', '.join(why) or 'available'}")
    return "; ".join(reasons)

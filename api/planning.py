"""Keeps each team's published plan up to date.

`refresh_plan` is called after anything that can change the plan (a team file load, a team or
member edit, time off, `POST .../schedule/generate`), so the plan always reaches `HORIZON` past
the later of now and the team's first handoff. It never changes a period that has started, and it
refills every future assignment that now breaks a hard constraint (counted as forced) or is
uncovered.

What else may move depends on the mode:
- a **repair** keeps every other published assignment and plans only the refilled slots and the
  new periods at the end;
- a **regeneration** (after a change to who is on the team or how load is weighed, or when a lead
  asks) also re-plans the published assignments after the frozen window, with the stability goal
  of `rotation.solver`: as few of them change as the fairness goals allow. Swapped
  assignments stay, unless their holder became unavailable.

A regeneration asked when no planning input (`rotation.solver.planning_fingerprint`: the team's
rules, who serves in which role with which weight and employment, time off and overrides, the
load carried from interruptions)
changed since the plan was last regenerated is a repair: the same inputs keep the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from api import metrics, repositories
from api.repositories import audit
from api.repositories import interrupts as carried_load
from api.tables import AuditRow
from rotation import (
    Assignment,
    Budget,
    Period,
    Policy,
    PolicyLocked,
    Role,
    Solve,
    Source,
    Team,
    TimeOff,
    handoff,
    period,
    period_index_at,
    solver,
)
from rotation.availability import Availability
from rotation.model import other_slot
from rotation.solver import planning_fingerprint

HORIZON = timedelta(days=365)
MAX_HORIZON = timedelta(days=5 * 366)


@dataclass(frozen=True)
class Change:
    """One slot of one period whose holder changed."""

    role: Role
    period_start: datetime
    period_end: datetime
    before: str | None
    after: str | None

    def before_json(self) -> dict[str, str | None]:
        return {
            "role": self.role.value,
            "period_start": self.period_start.isoformat(),
            "member": self.before,
        }

    def after_json(self) -> dict[str, str | None]:
        return {
            "role": self.role.value,
            "period_start": self.period_start.isoformat(),
            "member": self.after,
        }


@dataclass
class PlanUpdate:
    """What a refresh did.

    `changed` lists already-published slots whose holder changed; `forced` counts the published
    assignments that had to go because their holder became unavailable; `added` counts slots
    planned for the first time; `solve` tells how the scheduler found the plan.
    """

    changed: list[Change] = field(default_factory=list)
    forced: int = 0
    added: int = 0
    solve: Solve | None = None


def unavailability(session: Session, team_id: str, member_ids: list[str]) -> list[TimeOff]:
    """What keeps these members of the team out of a slot: their time off, and for each of the
    team's overrides, the other slot while its member covers one (nobody holds both at once)."""
    busy = [
        TimeOff(o.member, o.start, o.end, f"override {o.id}", role=other_slot(o.role))
        for o in repositories.overrides(session, team_id)
        if o.member in member_ids
    ]
    return [*repositories.time_off_of(session, member_ids), *busy]


def horizon(team: Team, now: datetime) -> datetime:
    """The instant the plan must reach: a year past the later of now and the first handoff."""
    return max(now, handoff(team.policy, 0)) + HORIZON


def refresh_plan(
    session: Session,
    team_id: str,
    now: datetime,
    until: datetime | None = None,
    *,
    regenerate: bool = False,
    budget: Budget | None = None,
) -> PlanUpdate:
    """Bring the team's published plan up to date and reaching `until` (default: the horizon):
    a repair, or a regeneration when `regenerate` is set (see the module's docstring).

    The caller commits; nothing is written if it raises.
    """
    team = repositories.get_team(session, team_id)
    members = repositories.list_members(session, team_id)
    time_off = unavailability(session, team_id, [m.id for m in members])
    carried = carried_load.planner_load(session, team_id)
    regenerate = regenerate and _inputs_changed(
        session, team_id, planning_fingerprint(team, members, time_off, carried)
    )
    availability = Availability(members, time_off, team.policy.zone)
    rows = {
        (r.period_index, Role(r.role)): r for r in repositories.assignment_rows(session, team_id)
    }
    # Reach the horizon, what was asked, and whatever was already planned further out: periods
    # published beyond the horizon must follow the change too.
    last_index = max(_last_index(team, until or now, now), max((i for i, _ in rows), default=0))

    current = period_index_at(team.policy, now)
    started_until = -1 if current is None else current
    frozen_until = started_until + team.frozen_periods

    update = PlanUpdate()
    kept: list[Assignment] = []
    published: list[Assignment] = []
    for (index, _role), row in sorted(rows.items()):
        existing = repositories.assignment_from_row(row)
        if index <= started_until:
            kept.append(existing)
        elif existing.member is None:
            # An uncovered slot protects nobody's plans: it is offered to the planner again.
            continue
        elif not _still_valid(existing, kept, availability):
            update.forced += 1
        elif regenerate and index > frozen_until and existing.source is not Source.SWAP:
            # A swap two members agreed on is theirs: regeneration keeps it like a frozen slot.
            published.append(existing)
        else:
            kept.append(existing)

    fixed = {(a.period.index, a.role) for a in kept}
    first_free = next(
        (i for i in range(last_index + 1) if any((i, r) not in fixed for r in Role)), None
    )
    if first_free is None:
        return update
    periods = _periods(team.policy, first_free, last_index)
    result = solver.plan(
        team,
        members,
        periods,
        time_off,
        history=kept,
        published=published,
        overrides=repositories.overrides(session, team_id),
        budget=budget,
        carried=carried,
    )
    update.solve = result.solve
    metrics.solver_ran(result.solve)

    for assignment in result.assignments:
        key = (assignment.period.index, assignment.role)
        existing_row = rows.get(key)
        if existing_row is None:
            update.added += 1
            repositories.add_assignment(session, team_id, assignment, now)
        elif existing_row.person_id != assignment.member:
            update.changed.append(
                Change(
                    assignment.role,
                    existing_row.period_start,
                    existing_row.period_end,
                    existing_row.person_id,
                    assignment.member,
                )
            )
            repositories.hand_over(session, existing_row, assignment.member, Source.ROTATION, now)
    return update


def _inputs_changed(session: Session, team_id: str, fingerprint: str) -> bool:
    """Whether the planning inputs differ from those of the last regeneration; if so, they are
    recorded as the new ones (the regeneration about to run plans from them)."""
    return repositories.record_plan_inputs(session, team_id, fingerprint)


def check_grid_change(session: Session, before: Team, after: Team, now: datetime) -> None:
    """Allow a new period grid (zone, period, handoff, start) only before the rotation starts.

    Past turns would no longer line up with a new grid, so once a period has begun the change is
    `PolicyLocked`. Before that, the old plan is dropped for `refresh_plan` to rebuild.
    """
    if before.policy == after.policy:
        return
    started = repositories.first_started(session, before.id, now)
    if started is not None:
        raise PolicyLocked(before.id, started)
    repositories.delete_assignments(session, before.id)


def first_plan_periods(team: Team, now: datetime) -> list[Period]:
    """The periods `refresh_plan` plans for a team with no plan yet."""
    return _periods(team.policy, 0, _last_index(team, now, now))


def _periods(policy: Policy, first: int, last: int) -> list[Period]:
    # A period with no length (a whole local day skipped, as in Samoa in 2011) holds nobody.
    return [p for i in range(first, last + 1) if (p := period(policy, i)).start < p.end]


def _last_index(team: Team, until: datetime, now: datetime) -> int:
    reach = max(until, horizon(team, now))
    return period_index_at(team.policy, reach - timedelta(microseconds=1)) or 0


def needs_extension(session: Session, team_id: str, now: datetime) -> bool:
    """Whether the team's plan falls short of the horizon: two cheap reads, no planning."""
    team = repositories.get_team(session, team_id)
    return falls_short(team, repositories.plan_end(session, team_id), now)


def falls_short(team: Team, plan_end: datetime | None, now: datetime) -> bool:
    """Whether a plan ending at `plan_end` falls short of the team's horizon."""
    return plan_end is None or plan_end < horizon(team, now)


def extend_plan(session: Session, team_id: str, now: datetime, budget: Budget | None = None) -> int:
    """Plan the periods between the end of the published plan and the horizon; change nothing
    already published. Return how many slots were added (0, after one query, when the plan
    already reaches the horizon). The caller commits."""
    if not needs_extension(session, team_id, now):
        return 0
    team = repositories.get_team(session, team_id)
    history = repositories.assignments(session, team_id)
    first = max((a.period.index for a in history), default=-1) + 1
    last = _last_index(team, now, now)
    periods = _periods(team.policy, first, last)
    if not periods:
        return 0
    members = repositories.list_members(session, team_id)
    time_off = unavailability(session, team_id, [m.id for m in members])
    result = solver.plan(
        team,
        members,
        periods,
        time_off,
        history=history,
        overrides=repositories.overrides(session, team_id),
        budget=budget,
        carried=carried_load.planner_load(session, team_id),
    )
    metrics.solver_ran(result.solve)
    planned = result.assignments
    for assignment in planned:
        repositories.add_assignment(session, team_id, assignment, now)
    return len(planned)


def _still_valid(
    assignment: Assignment, kept: list[Assignment], availability: Availability
) -> bool:
    assert assignment.member is not None
    double_booked = any(
        a.period.index == assignment.period.index and a.member == assignment.member for a in kept
    )
    return not double_booked and availability.can_hold(
        assignment.member, assignment.role, assignment.period
    )


def record_plan_update(
    session: Session,
    *,
    at: datetime,
    actor: str,
    team_id: str,
    update: PlanUpdate,
    regenerate: bool,
    reason: str = "",
) -> AuditRow:
    """Record a regeneration (or repair) asked for by a lead: each changed slot's holder before
    and after, and how the plan was found."""
    solve = update.solve
    return audit.record(
        session,
        at=at,
        actor=actor,
        action="schedule.regenerate" if regenerate else "schedule.repair",
        team_id=team_id,
        before={"changes": [change.before_json() for change in update.changed]},
        after={
            "changes": [change.after_json() for change in update.changed],
            "added": update.added,
            "forced": update.forced,
            "solve": None
            if solve is None
            else {
                "method": solve.method,
                "optimal": solve.optimal,
                "balance_optimal": solve.balance_optimal,
                "gap": round(solve.gap, 4),
            },
        },
        reason=reason,
    )

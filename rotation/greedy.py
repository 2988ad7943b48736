"""The greedy scheduler: a fast, deterministic plan that seeds the exact engine.

`rotation.solver` hands this plan to CP-SAT as its first solution and returns it as it is when
the solver finds nothing better within its budget. It walks the periods in order and, for each
slot, picks among the eligible members by, in order:

1. no back-to-back turn: someone who did not hold this role in the previous period;
2. the largest deficit: every period, each eligible member accrues their share of its load
   (`weight / sum of the eligible members' weights`, times the period's load of weekday, weekend
   and holiday hours, see `rotation.load`) and pays the load when assigned. Measured per unit of
   weight, this balances load by capacity, spreads weekends and holidays instead of pinning them
   on whoever the turn order lands them on, gives a joiner or someone back from time off no debt
   to catch up, and makes a half-timer serve half as much;
3. the longest rest since their last turn of the role;
4. the member id, so the same input always gives the same plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rotation.availability import Availability
from rotation.load import load, team_holidays, years_of
from rotation.model import SLOTS, Assignment, Member, Period, Role, Team, TimeOff


@dataclass
class _RoleLedger:
    """Running turn accounting for one role."""

    deficit: dict[str, float] = field(default_factory=dict)
    last_turn: dict[str, int] = field(default_factory=dict)
    previous_holder: str | None = None
    previous_index: int | None = None

    def accrue(self, candidates: Sequence[str], weights: dict[str, float], load: float) -> None:
        total = sum(weights[mid] for mid in candidates)
        for mid in candidates:
            self.deficit[mid] = self.deficit.get(mid, 0.0) + load * weights[mid] / total

    def record(self, period: Period, member_id: str | None, load: float) -> None:
        if member_id is not None:
            self.deficit[member_id] = self.deficit.get(member_id, 0.0) - load
            self.last_turn[member_id] = period.index
        self.previous_holder = member_id
        self.previous_index = period.index


def greedy(
    team: Team,
    members: Iterable[Member],
    periods: Sequence[Period],
    time_off: Iterable[TimeOff] = (),
    history: Sequence[Assignment] = (),
) -> list[Assignment]:
    """Return one assignment per slot of each of `periods`, in period then slot order.

    `history` holds the assignments already published before `periods` (or fixed inside them, as
    in the frozen window): they are kept as they are and count towards the balance. A slot with
    nobody eligible is an uncovered assignment (`member` None), never an error.
    """
    members = list(members)
    zone = team.policy.zone
    availability = Availability(members, time_off, zone)
    holidays = team_holidays(team, years_of([*periods, *(a.period for a in history)], zone))
    loads: dict[int, float] = {}

    def load_of(current: Period) -> float:
        if current.index not in loads:
            loads[current.index] = load(current.start, current.end, zone, holidays, team.weights)
        return loads[current.index]

    weights = {member.id: member.role_weight for member in members}
    ledgers = {role: _RoleLedger() for role in SLOTS}
    fixed = {(a.period.index, a.role): a for a in history}

    for assignment in sorted(history, key=lambda a: a.period.index):
        if assignment.period.index >= (periods[0].index if periods else 0):
            continue
        _account(ledgers[assignment.role], assignment, availability, weights, load_of)

    result: list[Assignment] = []
    for period in periods:
        taken: set[str] = {
            a.member for role in SLOTS if (a := fixed.get((period.index, role))) and a.member
        }
        chosen: dict[Role, Assignment] = {}
        # Fill the slot with the fewest candidates first, so a member who holds both roles is
        # not spent on the easy slot while the hard one goes uncovered.
        order = sorted(SLOTS, key=lambda r: len(availability.candidates(r, period)))
        for role in order:
            ledger = ledgers[role]
            if (period.index, role) in fixed:
                chosen[role] = fixed[(period.index, role)]
                continue
            candidates = [m for m in availability.candidates(role, period) if m not in taken]
            member_id = _pick(ledger, candidates, weights, period) if candidates else None
            if member_id is not None:
                taken.add(member_id)
            chosen[role] = Assignment(role, period, member_id)
        for role in SLOTS:
            _account(ledgers[role], chosen[role], availability, weights, load_of)
            result.append(chosen[role])
    return result


def _account(
    ledger: _RoleLedger,
    assignment: Assignment,
    availability: Availability,
    weights: dict[str, float],
    load_of: Callable[[Period], float],
) -> None:
    eligible = availability.candidates(assignment.role, assignment.period)
    if assignment.member is not None and assignment.member not in eligible:
        eligible.append(assignment.member)  # published history counts even if it broke a rule
    weight = load_of(assignment.period)
    if eligible:
        ledger.accrue(eligible, {mid: weights.get(mid, 1.0) for mid in eligible}, weight)
    ledger.record(assignment.period, assignment.member, weight)


def _pick(
    ledger: _RoleLedger, candidates: Sequence[str], weights: dict[str, float], period: Period
) -> str:
    consecutive = ledger.previous_index == period.index - 1

    def rank(member_id: str) -> tuple[bool, float, int, str]:
        back_to_back = consecutive and ledger.previous_holder == member_id
        deficit = ledger.deficit.get(member_id, 0.0) / weights[member_id]
        rest = ledger.last_turn.get(member_id, -1)
        return (back_to_back, -deficit, rest, member_id)

    return min(candidates, key=rank)

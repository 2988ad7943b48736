"""The problem of one solve: free slots, who may take them, loads, shares and history, and how a
plan measures on the goals (`Problem.summary`). Loads are counted in hundredths."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence

from rotation.availability import Availability, available_fraction
from rotation.departed import departed
from rotation.load import load, team_holidays, years_of
from rotation.model import SLOTS, Assignment, Member, Override, Period, Role, Team, TimeOff
from rotation.periods import fairness_start
from rotation.solver.budget import Stage
from rotation.solver.outcome import Solve

#: Loads are integers of this many parts per unit of load inside the solver.
SCALE = 100
#: Weights are integers of this many parts per unit of weight inside the solver.
WEIGHT_SCALE = 100

Slot = tuple[int, Role]
Choice = tuple[str, int, Role]


class Problem:
    """The data of one solve: free slots, who may take them, loads, shares and history."""

    def __init__(
        self,
        team: Team,
        members: list[Member],
        periods: Sequence[Period],
        time_off: list[TimeOff],
        history: Sequence[Assignment],
        published: Sequence[Assignment],
        overrides: Sequence[Override] = (),
        carried: Mapping[tuple[str, Role], float] | None = None,
    ) -> None:
        self.team = team
        self.members = members
        self.time_off = time_off
        self.periods = sorted(periods, key=lambda p: p.index)
        zone = team.policy.zone
        self.weight = {m.id: m.role_weight for m in members}
        self.fixed: dict[Slot, Assignment] = {(a.period.index, a.role): a for a in history}
        self.published = {(a.period.index, a.role): a.member for a in published}
        all_periods = {p.index: p for p in self.periods}
        for assignment in history:
            all_periods.setdefault(assignment.period.index, assignment.period)
        self.period_of = all_periods

        since = fairness_start(team)
        until = max((p.end for p in all_periods.values()), default=since)
        holidays = team_holidays(team, years_of(all_periods.values(), zone))
        # A period's load inside the fairness window, in hundredths.
        self.load: dict[int, int] = {
            index: round(SCALE * load(max(p.start, since), p.end, zone, holidays, team.weights))
            if p.end > since
            else 0
            for index, p in all_periods.items()
        }

        availability = Availability(members, time_off, zone)
        self.free: list[Slot] = []
        self.eligible: dict[Slot, list[str]] = {}
        for current in self.periods:
            taken = {
                a.member for r in SLOTS if (a := self.fixed.get((current.index, r))) and a.member
            }
            for role in SLOTS:
                slot = (current.index, role)
                if slot in self.fixed:
                    continue
                self.free.append(slot)
                self.eligible[slot] = [
                    m for m in availability.candidates(role, current) if m not in taken
                ]
        self.choices: list[Choice] = [
            (member, index, role)
            for (index, role) in self.free
            for member in self.eligible[index, role]
        ]
        # Who left the team keeps their past turns and the share of their time with it.
        gone = departed(
            members,
            ((a.member, a.role, a.period.end) for a in history if a.member is not None),
            zone,
        )
        self.capacity = {
            role: {
                m.id: m.role_weight * available_fraction(m, time_off, zone, since, until)
                for m in [*members, *gone]
                if role in m.roles
            }
            for role in SLOTS
        }
        # Load already held, in the window, by each member in each role; whoever covered part
        # of a fixed turn by an override has served that part (as the fairness report counts).
        self.held: dict[Role, dict[str, int]] = {role: defaultdict(int) for role in SLOTS}
        for (index, role), assignment in self.fixed.items():
            if assignment.member is not None:
                self.held[role][assignment.member] += self.load[index]
        for override in overrides:
            for (index, role), assignment in self.fixed.items():
                current = self.period_of[index]
                start = max(override.start, current.start, since)
                end = min(override.end, current.end)
                if role is not override.role or end <= start or assignment.member is None:
                    continue
                served = min(
                    self.held[role][assignment.member],
                    round(SCALE * load(start, end, zone, holidays, team.weights)),
                )
                self.held[role][assignment.member] -= served
                self.held[role][override.member] += served
        # Load carried beyond the plan (interruptions, weighted by the team): it counts as held,
        # so the role's total, every share, and that member's deviation grow with it.
        self.extra: dict[Role, dict[str, int]] = {role: {} for role in SLOTS}
        for (member, role), amount in (carried or {}).items():
            if member in self.weight and role in self.held:
                self.extra[role][member] = round(SCALE * amount)
                self.held[role][member] += self.extra[role][member]

    def adjustable(self, role: Role) -> list[str]:
        """Members with at least one free slot of `role` they may take, by id."""
        return sorted({m for (index, r) in self.free if r == role for m in self.eligible[index, r]})

    def shares(self, role: Role, covered: set[Slot]) -> dict[str, int]:
        """Each member's fair share of the role's load, in hundredths, given the covered slots."""
        total = sum(load for load in self.held[role].values())
        total += sum(self.load[index] for (index, r) in covered if r == role)
        capacities = self.capacity[role]
        whole = sum(capacities.values())
        return {m: round(total * c / whole) if whole > 0 else 0 for m, c in capacities.items()}

    def spacing(self, role: Role, member: str) -> int:
        """A member's fair spacing between turns: the role's capacity over theirs, at least 2."""
        capacities = self.capacity[role]
        mine = capacities.get(member, 0.0)
        if mine <= 0:
            return 2
        return max(2, math.floor(sum(capacities.values()) / mine + 1e-9))

    def assignments(self, solution: Mapping[Slot, str | None]) -> list[Assignment]:
        result = []
        for current in self.periods:
            for role in SLOTS:
                slot = (current.index, role)
                if slot in self.fixed:
                    result.append(self.fixed[slot])
                else:
                    result.append(Assignment(role, current, solution.get(slot)))
        return result

    def summary(
        self,
        method: str,
        assignments: Sequence[Assignment],
        bounds: Mapping[Role, int],
        stages: tuple[Stage, ...],
        started: float,
    ) -> Solve:
        """Measure `assignments` on the goals, in the solver's own units."""
        holder = {(a.period.index, a.role): a.member for a in assignments}
        for slot, assignment in self.fixed.items():
            holder.setdefault(slot, assignment.member)
        uncovered = sum(1 for slot in self.free if holder.get(slot) is None)
        back_to_back = 0
        for (index, role), member in holder.items():
            if member is not None and holder.get((index + 1, role)) == member:
                back_to_back += 1
        covered = {slot for slot in self.free if holder.get(slot) is not None}
        deviation: dict[Role, float] = {}
        for role in SLOTS:
            loads = self.role_loads(role, holder)
            shares = self.shares(role, covered)
            worst = 0.0
            for member in self.adjustable(role):
                gap = abs(loads.get(member, 0) - shares.get(member, 0))
                worst = max(worst, gap / self.weight[member])
            deviation[role] = worst / SCALE
        lower = {role: bound / SCALE for role, bound in bounds.items()}
        balance_optimal = bool(bounds) and all(
            round(deviation[role] * SCALE) <= bounds.get(role, 0) for role in SLOTS
        )
        return Solve(
            method=method,
            optimal=bool(stages) and all(stage.optimal for stage in stages),
            balance_optimal=balance_optimal or method == "fixed",
            max_deviation=deviation,
            # With nothing left to choose the plan is its own bound; otherwise only proven ones.
            lower_bound=dict(deviation) if method == "fixed" else lower,
            back_to_back=back_to_back,
            uncovered=uncovered,
            seconds=time.monotonic() - started,
            stages=stages,
        )

    def role_loads(self, role: Role, holder: Mapping[Slot, str | None]) -> dict[str, int]:
        loads: dict[str, int] = defaultdict(int, self.extra[role])
        for (index, r), member in holder.items():
            if r == role and member is not None:
                loads[member] += self.load[index]
        return loads


def scaled_weight(weight: float) -> int:
    """A member's weight in the solver's units, at least 1."""
    return max(1, round(weight * WEIGHT_SCALE))


def big(problem: Problem) -> int:
    """A bound on any deviation per weight, in the solver's units."""
    total = sum(problem.load.values()) + 1
    least = min((scaled_weight(w) for w in problem.weight.values()), default=WEIGHT_SCALE)
    return total * WEIGHT_SCALE // least + 1

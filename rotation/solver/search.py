"""The one CP-SAT model every goal is solved on: a variable per member and free slot they may
take, at most one holder per slot and one slot per person and period, and the incumbent plan
(`values`) each goal starts from and improves."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from ortools.sat.python import cp_model

from rotation.model import SLOTS, Assignment, Role
from rotation.solver.budget import Budget, Stage
from rotation.solver.problem import Choice, Problem, Slot
from rotation.solver.spending import Spending


class Search:
    """The model, its variables by slot and by member, the incumbent and what the goals proved.

    The goals (`rotation.solver.rest`, `.balance`, ...) add their constraints to `model` one
    after the other; each achieved value becomes a constraint for the next.
    """

    def __init__(self, problem: Problem, budget: Budget, seed: Sequence[Assignment]) -> None:
        self.problem = problem
        self.budget = budget
        self.spending = Spending(budget, len(problem.choices))
        self.bounds: dict[Role, int] = {}
        # Set by the goals as they run (coverage, the bound and balance).
        self.covered: set[Slot] = set()
        self.shares: dict[Role, dict[str, int]] = {}
        self.targets: dict[Role, cp_model.IntVar] = {}
        self.worst: dict[Role, cp_model.IntVar] = {}
        #: The best balance reached per role, before stability may give some of it up.
        self.best_worst: dict[Role, int] = {}
        #: How much balance a regeneration may give up per role (`stability.tolerance`).
        self.slack: dict[Role, int] = {}
        self.model = cp_model.CpModel()
        self.x: dict[Choice, cp_model.IntVar] = {
            choice: self.model.new_bool_var(f"x_{choice[0]}_{choice[1]}_{choice[2].value}")
            for choice in problem.choices
        }
        self.by_slot: dict[Slot, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        self.by_member: dict[tuple[str, Role], dict[int, cp_model.IntVar]] = defaultdict(dict)
        for (member, index, role), var in self.x.items():
            self.by_slot[index, role].append((member, var))
            self.by_member[member, role][index] = var
        for current in problem.periods:
            by_person: dict[str, list[cp_model.IntVar]] = defaultdict(list)
            for role in SLOTS:
                for member, var in self.by_slot.get((current.index, role), ()):
                    by_person[member].append(var)
            for variables in by_person.values():
                if len(variables) > 1:
                    self.model.add_at_most_one(variables)
        for slot in problem.free:
            if self.by_slot.get(slot):
                self.model.add_at_most_one(var for _, var in self.by_slot[slot])
        self.values: dict[Choice, int] = {
            (a.member, a.period.index, a.role): 1
            for a in seed
            if a.member is not None and (a.member, a.period.index, a.role) in self.x
        }

    @property
    def stages(self) -> list[Stage]:
        return self.spending.stages

    @property
    def exhausted(self) -> bool:
        return self.spending.exhausted

    def run(
        self, name: str, model: cp_model.CpModel, label: str | None = None
    ) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
        """Run CP-SAT on `model` within goal `name`'s share of the budget (see `Spending`)."""
        return self.spending.run(name, model, label)

    def solve(
        self, name: str, hint: Mapping[Choice, int] | None = None
    ) -> cp_model.CpSolver | None:
        """Solve the model, hinted with `hint` (default: the incumbent), within the goal's share
        of the budget. The solution found becomes the incumbent; None when there is none."""
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        hinted = self.values if hint is None else hint
        for choice, var in self.x.items():
            self.model.add_hint(var, hinted.get(choice, 0))
        solver, status = self.run(name, self.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        self.values = {choice: int(solver.boolean_value(var)) for choice, var in self.x.items()}
        return solver

    def holder(self) -> dict[Slot, str | None]:
        """The incumbent as who holds each free slot."""
        holder: dict[Slot, str | None] = dict.fromkeys(self.problem.free)
        for (member, index, role), value in self.values.items():
            if value:
                holder[index, role] = member
        return holder

    def holds_fixed(self, member: str, role: Role, index: int) -> bool:
        fixed = self.problem.fixed.get((index, role))
        return fixed is not None and fixed.member == member

    def turn(self, member: str, role: Role, index: int) -> cp_model.IntVar | int:
        """The member's turn of `role` in period `index`: a variable when free and open to
        them, 1 or 0 otherwise."""
        turns = self.by_member.get((member, role), {})
        if index in turns:
            return turns[index]
        return int(self.holds_fixed(member, role, index))

    def deviation(self, member: str, role: Role) -> cp_model.LinearExprT:
        """The member's load minus share in `role`, in hundredths."""
        problem = self.problem
        turns = self.by_member.get((member, role), {})
        free = sum(problem.load[index] * var for index, var in turns.items())
        return free + problem.held[role].get(member, 0) - self.shares[role].get(member, 0)

    def open_slots(self, member: str, role: Role, rested: bool) -> list[int]:
        """Covered free periods of `role` the member may take; when no back-to-back turn is
        allowed, not those next to one of their fixed turns of the role."""
        result = []
        for index in sorted(self.by_member.get((member, role), {})):
            if (index, role) not in self.covered:
                continue
            if rested and any(
                (fixed := self.problem.fixed.get((near, role))) and fixed.member == member
                for near in (index - 1, index + 1)
            ):
                continue
            result.append(index)
        return result

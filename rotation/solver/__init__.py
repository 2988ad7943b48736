"""The solver: who holds each slot of each period (SPEC section 3).

`plan` is the one entry point. It solves the goals of SPEC section 3 exactly, one after the other,
with OR-Tools CP-SAT: each goal is optimised only among the plans that are best on the goals
before it (its achieved value becomes a constraint for the next). The goals, in order:

1. **rest**: cover every slot someone can take, then the fewest back-to-back turns in a role;
2. **balance**: the smallest largest |deviation per weight| in each role, then the smallest
   spread. Loads and shares follow `rotation.load` over the fairness window, history included;
   members whose turns are all fixed cannot change and are left out of the maximum;
3. **gaps**: the largest G such that every member's turns of a role are at least G periods apart,
   or at least their fair spacing (the role's capacity over theirs) when that is smaller;
4. **pairing**: the fewest meetings of the most repeated developer-operator pair, then the most
   distinct pairs;
5. **stability**: the fewest changes against the published plan. When a published plan is
   regenerated, this goal comes right after balance instead, before gaps and pairing: moving
   people's turns for a slightly wider gap or one more distinct pair is the reshuffle users hate.

Each goal lives in its own module (`rest`, `bound`, `balance`, `spread`, `gaps`, `pairing`,
`stability`), all on one model (`search`) of one problem (`problem`) within one `budget`.
The greedy of `rotation.greedy` seeds the solver and stands in when it finds nothing within the
budget. Goal 1 is proven by walking the periods (`fewest`) when a period has few ways to be
filled, which also gives each role the back-to-back turns it cannot avoid. A lower bound on
goal 2 comes from an aggregated relaxation (per member, how many free periods of each load they
take, as many back-to-back turns as the role may have), then, for a role of up to a dozen
members, from its whole model; both are settled in short slices (`slices`). Reaching the bound
proves the balance optimal. Loads are counted in hundredths inside the solver.
"""

from typing import TYPE_CHECKING

from rotation.solver.budget import Budget, Stage
from rotation.solver.inputs import (
    planning_fingerprint,
    planning_inputs,
    planning_member,
    planning_team,
)
from rotation.solver.outcome import Plan, Solve

#: What needs CP-SAT, imported on first use: OR-Tools brings pandas and numpy, a third of a
#: second of every process's start-up, and a server that only answers never plans.
_PLANNER = frozenset({"balance_bounds", "forget_solved", "plan"})

if TYPE_CHECKING:
    from rotation.solver.planner import balance_bounds, forget_solved, plan
else:

    def __getattr__(name: str) -> object:
        if name in _PLANNER:
            from rotation.solver import planner

            return getattr(planner, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Budget",
    "Plan",
    "Solve",
    "Stage",
    "balance_bounds",
    "forget_solved",
    "plan",
    "planning_fingerprint",
    "planning_inputs",
    "planning_member",
    "planning_team",
]

"""Stability scenarios of `bench/fairness.py`: how much a regeneration moves a published plan.

Each scenario plans the instance's 52 weeks, then regenerates weeks 26+ after a change, with
weeks 0-25 as history and the old weeks 26+ as published:

* `leaver`: a full-time developer leaves at the start of week 30;
* `joiner`: a new developer joins at the start of week 30;
* `leaver+joiner`: both at once;
* `long leave`: a full-time developer is away weeks 30-41.

`forced` counts the published slots the change makes impossible (the leaver's or the absent
member's from week 30); for a joiner, the turns they take; for a leaver with a joiner, both.
`balance cost` is the engine's `stability_cost` (how much of the largest |deviation per weight|
it kept, in load units per unit of weight, developer/operator). The round robins are
recomputed from scratch with the change (`fixed-rr` drops a leaver or an absent member from
week 30 and appends a joiner).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from rotation.model import SLOTS, Assignment, Member, Period, Role, TimeOff
from rotation.periods import local_day_start
from rotation.solver import plan

REPLAN, CHANGE, LEAVE_WEEKS = 26, 30, 12
SCENARIOS = ("leaver", "joiner", "leaver+joiner", "long leave")
JOINER = "newbie"


@dataclass
class Outcome:
    scenario: str
    method: str
    changed: int
    forced: int
    cost: str


def changed_members(instance: object, scenario: str) -> tuple[list[Member], list[TimeOff], str]:
    """Members and time off after the scenario's change, and the member it is about."""
    members: list[Member] = list(instance.members)  # type: ignore[attr-defined]
    time_off: list[TimeOff] = list(instance.time_off)  # type: ignore[attr-defined]
    start = instance.team.policy.start  # type: ignore[attr-defined]
    zone = instance.team.policy.zone  # type: ignore[attr-defined]
    leaver: str = instance.leaver  # type: ignore[attr-defined]
    change = start + timedelta(weeks=CHANGE)
    if "leaver" in scenario:
        members = [replace(m, left=change) if m.id == leaver else m for m in members]
    if "joiner" in scenario:
        members.append(
            Member(JOINER, JOINER, "n@example.com", frozenset({Role.DEVELOPER}), joined=change)
        )
    if scenario == "long leave":
        end = change + timedelta(weeks=LEAVE_WEEKS)
        time_off.append(
            TimeOff(leaver, local_day_start(change, zone), local_day_start(end, zone), "leave")
        )
    subject = JOINER if scenario == "joiner" else leaver
    return members, time_off, subject


def forced_of(
    scenario: str, before: Sequence[Assignment], after: Sequence[Assignment], subject: str
) -> int:
    """What the change itself moves: the turns a joiner takes, and the published turns a
    leaver or an absent member can no longer serve (both, for a leaver with a joiner)."""
    forced = 0
    if "joiner" in scenario:
        forced += sum(1 for a in after if a.member == JOINER and a.period.index >= REPLAN)
    if scenario != "joiner":
        last = CHANGE + (LEAVE_WEEKS if scenario == "long leave" else 60)
        forced += sum(1 for a in before if a.member == subject and CHANGE <= a.period.index < last)
    return forced


def changed_of(before: Sequence[Assignment], after: Sequence[Assignment]) -> int:
    old = {(a.period.index, a.role): a.member for a in before if a.period.index >= REPLAN}
    new = {(a.period.index, a.role): a.member for a in after}
    return sum(1 for key, member in old.items() if new.get(key) != member)


def engine_outcomes(instance: object, planned: Sequence[Assignment]) -> list[Outcome]:
    team = instance.team  # type: ignore[attr-defined]
    periods: list[Period] = instance.periods  # type: ignore[attr-defined]
    budget = instance.budget  # type: ignore[attr-defined]
    history = [a for a in planned if a.period.index < REPLAN]
    published = [a for a in planned if a.period.index >= REPLAN]
    result = []
    for scenario in SCENARIOS:
        members, time_off, subject = changed_members(instance, scenario)
        again = plan(
            team, members, periods[REPLAN:], time_off, history, published=published, budget=budget
        )
        after = history + again.assignments
        cost = again.solve.stability_cost
        result.append(
            Outcome(
                scenario,
                "cp-sat",
                changed_of(planned, after),
                forced_of(scenario, planned, after, subject),
                "/".join(f"{cost.get(role, 0.0):.2f}" for role in SLOTS),
            )
        )
    return result


def baseline_outcomes(
    instance: object,
    method: str,
    build: Callable[[list[Member], list[TimeOff]], list[Assignment]],
) -> list[Outcome]:
    planned = build(list(instance.members), list(instance.time_off))  # type: ignore[attr-defined]
    result = []
    for scenario in SCENARIOS:
        members, time_off, subject = changed_members(instance, scenario)
        after = build(members, time_off)
        result.append(
            Outcome(
                scenario,
                method,
                changed_of(planned, after),
                forced_of(scenario, planned, after, subject),
                "-",
            )
        )
    return result

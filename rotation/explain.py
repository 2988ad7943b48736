"""Why the holder of a slot holds it, and why each other member of the role does not.

Pure: no clock, no database. Every fact is recomputed from what is stored (the plan's
assignments, overrides, time off, members and the team's day weights), never read from the
solver, so anyone can check it. The definitions:

The turn
    The schedule entry of `role` at `at` (`rotation.resolve`: overrides and swaps applied). When
    an override holds the slot then, the turn is that override's stretch; otherwise it is the
    whole period (the unit the rotation plans in), and its entries are the period's stretches of
    the role that no override took. `source` says by what the holder holds it.

Standings (`Standing`)
    A member's figures in the fairness report (`rotation.fairness`) of `role` over three windows
    that all start where the fairness window starts (`rotation.periods.fairness_start`):
    `before` ends where the turn's period starts, `through` where it ends, `plan` at the end of
    the plan. A window that is empty has every figure 0.

Why another member does not hold it (`Candidate.reasons`, in this order)
    * `overridden`: the rotation gave them this turn and an override replaced them;
    * `not_joined` / `left`: their employment (`joined`/`left` inclusive local days) does not
      cover the turn;
    * `time_off`: their time off (of any slot, or of this one) overlaps the turn;
    * `other_slot`: they hold the other slot at some time during the turn;
    * `rest`: they hold this role in the period just before or just after (SPEC goal 1);
    and, for those the first four leave free (the eligible), what handing them the turn would do
    (`Effect`: the turn's entries get them instead of the holder, the plan window's report is
    computed again), first reason that applies:
    * `balance`: the role's largest |deviation per weight| would grow (by `Effect.change`),
      moving further from the solver's lower bound when one is given;
    * `spread`: the largest stays, the spread (max minus min deviation per weight) would grow;
    * `less_under_share`: neither grows, but going in (`before`) their deviation per weight was
      higher than the holder's: the holder was further under their share;
    * `later_goals`: none of these; the later goals (gaps, pairing, stability) decided;
    * `available`: the slot is uncovered and nothing above keeps them out.

Intervals are half-open `[start, end)`; instants are aware and in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from rotation.errors import BeyondPlan, NoTurnAt
from rotation.explain_facts import Reports, Turn, TurnFacts, hard_reasons, rest_reasons
from rotation.fairness import RoleReport
from rotation.model import (
    Assignment,
    Member,
    Override,
    Period,
    Role,
    Source,
    Team,
    TimeOff,
    require_aware,
)
from rotation.periods import period_at
from rotation.resolve import resolve

#: Differences smaller than this are rounding, not a change.
EPSILON = 1e-6


class Reason(StrEnum):
    OVERRIDDEN = "overridden"
    NOT_JOINED = "not_joined"
    LEFT = "left"
    TIME_OFF = "time_off"
    OTHER_SLOT = "other_slot"
    REST = "rest"
    BALANCE = "balance"
    SPREAD = "spread"
    LESS_UNDER_SHARE = "less_under_share"
    LATER_GOALS = "later_goals"
    AVAILABLE = "available"


@dataclass(frozen=True)
class Standing:
    """A member's load, fair share and deviation in the role over one window (see the module)."""

    load: float
    share: float
    deviation: float
    deviation_per_weight: float


ZERO_STANDING = Standing(0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Standings:
    before: Standing
    through: Standing
    plan: Standing


@dataclass(frozen=True)
class Effect:
    """The plan window's balance if `member` held the turn instead."""

    member: str
    max_abs_deviation_per_weight: float
    change: float
    spread: float
    spread_change: float
    deviation_per_weight: float
    holder_deviation_per_weight: float | None


@dataclass(frozen=True)
class Candidate:
    """Another member of the role: why they do not hold the turn, their standings, and (when
    eligible) what holding it would do. `details` says each reason in words."""

    member: str
    reasons: list[Reason]
    details: list[str]
    standings: Standings
    effect: Effect | None


@dataclass(frozen=True)
class Explanation:
    """Why `holder` holds `role` at `at` (None: uncovered), and why nobody else does."""

    team: str
    role: Role
    at: datetime
    period: Period
    turn_start: datetime
    turn_end: datetime
    turn_load: float
    holder: str | None
    source: Source
    planned: str | None
    holder_standings: Standings | None
    max_abs_deviation_per_weight: float
    spread: float
    bound: float | None
    others: list[Candidate]


def explain(
    team: Team,
    members: Sequence[Member],
    time_off: Sequence[TimeOff],
    assignments: Sequence[Assignment],
    overrides: Sequence[Override],
    at: datetime,
    role: Role,
    bound: float | None = None,
) -> Explanation:
    """Explain who holds `role` at `at` in the plan `assignments` (the whole stored plan) with
    `overrides` applied. `bound` is the solver's lower bound on the role's largest |deviation
    per weight| (`rotation.solver.balance_bounds`), when known.

    Raises `NoTurnAt` before the team's first period and `BeyondPlan` at or after the end of
    the plan.
    """
    at = require_aware("at", at)
    current = period_at(team.policy, at)
    if current is None:
        raise NoTurnAt("at", at, "it is before the team's first period")
    plan_end = max((a.period.end for a in assignments), default=None)
    if plan_end is None or at >= plan_end:
        raise BeyondPlan("at", at, plan_end)
    own = [a for a in assignments if a.period.index == current.index]
    entry = next(
        e
        for e in resolve(own, current.start, current.end, overrides)
        if e.role == role and e.start <= at < e.end
    )
    planned = next((a.member for a in own if a.role == role), None)
    turn = Turn(role, current, entry)
    holder = entry.member

    reports = Reports(team, members, time_off, assignments, overrides, role)
    before = reports.until(current.start)
    through = reports.until(current.end)
    whole = reports.until(plan_end)
    plan_entries = reports.entries(plan_end)
    turn_load = sum((reports.load_of(e) for e in plan_entries if turn.holds(e)), 0.0)
    facts = TurnFacts.of(team, members, time_off, assignments, overrides, turn)

    def standings(member: str) -> Standings:
        return Standings(
            standing(before, member), standing(through, member), standing(whole, member)
        )

    holder_standings = standings(holder) if holder is not None else None
    current_max = whole.max_abs_deviation_per_weight if whole else 0.0
    current_spread = whole.spread if whole else 0.0

    others: list[Candidate] = []
    for member in sorted((m for m in members if role in m.roles), key=lambda m: m.id):
        if member.id == holder:
            continue
        reasons: list[tuple[str, str]] = []
        if turn.by_override and planned == member.id:
            reasons.append(
                (Reason.OVERRIDDEN, "the rotation gave them this turn; an override replaces them")
            )
        hard = hard_reasons(facts, member)
        reasons.extend(hard)
        mine = standings(member.id)
        effect = None
        if not hard:
            reasons.extend(rest_reasons(facts, member))
            moved = [replace(e, member=member.id) if turn.holds(e) else e for e in plan_entries]
            effect = effect_of(
                reports.report(moved, plan_end), member.id, holder, current_max, current_spread
            )
            reasons.append(verdict(effect, mine, holder_standings, bound))
        others.append(
            Candidate(
                member=member.id,
                reasons=[Reason(kind) for kind, _ in reasons],
                details=[text for _, text in reasons],
                standings=mine,
                effect=effect,
            )
        )
    return Explanation(
        team=team.id,
        role=role,
        at=at,
        period=current,
        turn_start=turn.start,
        turn_end=turn.end,
        turn_load=turn_load,
        holder=holder,
        source=entry.source,
        planned=planned,
        holder_standings=holder_standings,
        max_abs_deviation_per_weight=current_max,
        spread=current_spread,
        bound=bound,
        others=others,
    )


def standing(report: RoleReport | None, member: str) -> Standing:
    """`member`'s standing in `report`; all 0 for an empty window."""
    found = next((r for r in report.members if r.member == member), None) if report else None
    if found is None:
        return ZERO_STANDING
    return Standing(found.load, found.share, found.deviation, found.deviation_per_weight)


def effect_of(
    after: RoleReport | None,
    member: str,
    holder: str | None,
    current_max: float,
    current_spread: float,
) -> Effect:
    most = after.max_abs_deviation_per_weight if after else 0.0
    spread = after.spread if after else 0.0
    return Effect(
        member=member,
        max_abs_deviation_per_weight=most,
        change=most - current_max,
        spread=spread,
        spread_change=spread - current_spread,
        deviation_per_weight=standing(after, member).deviation_per_weight,
        holder_deviation_per_weight=None
        if holder is None
        else standing(after, holder).deviation_per_weight,
    )


def verdict(
    effect: Effect, mine: Standings, holder: Standings | None, bound: float | None
) -> tuple[str, str]:
    """The balance reason of an eligible member (see the module's docstring)."""
    if holder is None:
        return Reason.AVAILABLE, "could hold it: nothing in the plan's inputs keeps them out"
    if effect.change > EPSILON:
        was = effect.max_abs_deviation_per_weight - effect.change
        moved = f"from {was:.2f} to {effect.max_abs_deviation_per_weight:.2f}"
        if bound is None:
            return Reason.BALANCE, (
                f"would push the largest |deviation per weight| {moved} (+{effect.change:.2f})"
            )
        return Reason.BALANCE, (
            f"would push the largest |deviation per weight| {moved}: {effect.change:.2f} "
            f"further from the bound {bound:.2f}"
        )
    if effect.spread_change > EPSILON:
        return Reason.SPREAD, f"would widen the spread by {effect.spread_change:.2f}"
    ours, theirs = mine.before.deviation_per_weight, holder.before.deviation_per_weight
    if ours > theirs + EPSILON:
        return Reason.LESS_UNDER_SHARE, (
            f"was less under their share going in ({ours:+.2f} per weight against the "
            f"holder's {theirs:+.2f})"
        )
    return (
        Reason.LATER_GOALS,
        "no worse on balance: the later goals (gaps, pairing, stability) chose",
    )

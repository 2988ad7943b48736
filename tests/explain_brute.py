"""An explanation recomputed by brute force, hour by hour, for `tests/test_explain.py`.

Written apart from `rotation.explain` and sharing none of its code: who holds a slot is read off
the assignments and overrides hour by hour, a day's weight is spread evenly over the hours of
that local day (23, 24 or 25), capacities count employed hours off time off. Every boundary the
generated teams use (handoffs, local midnights, time off, overrides) falls on a whole UTC hour,
so hourly sums are exact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from rotation.model import Assignment, Member, Override, Role, Source, Team, TimeOff

HOUR = timedelta(hours=1)
EPS = 1e-6


@dataclass
class Fact:
    load: float
    share: float
    deviation: float
    per_weight: float


class Brute:
    def __init__(
        self,
        team: Team,
        members: Sequence[Member],
        time_off: Sequence[TimeOff],
        assignments: Sequence[Assignment],
        overrides: Sequence[Override],
    ) -> None:
        self.team, self.members, self.time_off = team, list(members), list(time_off)
        self.assignments, self.overrides = list(assignments), list(overrides)
        self.zone = team.policy.zone
        first = min(a.period.start for a in assignments)
        self.plan_end = max(a.period.end for a in assignments)
        margin = timedelta(days=3)
        hours = []
        h = first - margin
        while h < self.plan_end + margin:
            hours.append(h)
            h += HOUR
        self.hours_of_day = Counter(self.day(h) for h in hours)
        if team.fairness_since is not None:
            self.since = next(h for h in hours if self.day(h) == team.fairness_since)
        else:
            self.since = first

    def day(self, h: datetime) -> date:
        return h.astimezone(self.zone).date()

    def hour_weight(self, h: datetime) -> float:
        d = self.day(h)
        w = self.team.weights
        if d in self.team.extra_holidays:
            kind = w.holiday
        elif d.weekday() >= 5:
            kind = w.weekend
        else:
            kind = w.weekday
        return kind / self.hours_of_day[d]

    def period_of(self, h: datetime) -> Assignment | None:
        return next((a for a in self.assignments if a.period.start <= h < a.period.end), None)

    def holder(self, role: Role, h: datetime) -> tuple[str | None, Source] | None:
        """Who holds `role` in hour `h`, and by what; None outside the plan."""
        planned = next(
            (a for a in self.assignments if a.role == role and a.period.start <= h < a.period.end),
            None,
        )
        if planned is None:
            return None
        for o in sorted(self.overrides, key=lambda o: (o.start, o.end)):
            if o.role == role and o.start <= h < o.end:
                return o.member, Source.OVERRIDE
        return planned.member, planned.source

    def window(self, end: datetime) -> list[datetime]:
        found, h = [], self.since
        while h < end:
            found.append(h)
            h += HOUR
        return found

    def role_weight(self, m: Member) -> float:
        return m.weight / len(m.roles)

    def usable(self, m: Member, h: datetime) -> bool:
        d = self.day(h)
        if m.joined is not None and d < m.joined:
            return False
        if m.left is not None and d > m.left:
            return False
        return not any(
            t.member == m.id and t.role is None and t.start <= h < t.end for t in self.time_off
        )

    def facts(
        self, role: Role, end: datetime, moved: tuple[set[datetime], str] | None = None
    ) -> tuple[dict[str, Fact], float, float]:
        """Per member facts over [since, end), the largest |per weight| and the spread."""
        hours = self.window(end)
        if not hours:
            return {}, 0.0, 0.0
        loads: dict[str, float] = {}
        total = 0.0
        for h in hours:
            who = self.holder(role, h)
            member = who[0] if who else None
            if moved is not None and h in moved[0]:
                member = moved[1]
            if member is None:
                continue
            loads[member] = loads.get(member, 0.0) + self.hour_weight(h)
            total += self.hour_weight(h)
        by_id = {m.id: m for m in self.members}
        ids = sorted({m.id for m in self.members if role in m.roles} | set(loads))
        caps = {
            mid: self.role_weight(by_id[mid])
            * sum(self.usable(by_id[mid], h) for h in hours)
            / len(hours)
            for mid in ids
        }
        whole = sum(caps.values())
        result = {}
        for mid in ids:
            share = total * caps[mid] / whole if whole > 0 else 0.0
            dev = loads.get(mid, 0.0) - share
            result[mid] = Fact(loads.get(mid, 0.0), share, dev, dev / self.role_weight(by_id[mid]))
        counted = [result[mid].per_weight for mid in ids if caps[mid] > 0 or loads.get(mid, 0) > 0]
        most = max((abs(x) for x in counted), default=0.0)
        spread = max(counted) - min(counted) if counted else 0.0
        return result, most, spread

    def explain(self, at: datetime, role: Role) -> dict[str, object]:
        planned = next(
            a for a in self.assignments if a.role == role and a.period.start <= at < a.period.end
        )
        period = planned.period
        hour = at.replace(minute=0, second=0, microsecond=0)
        holder, source = self.holder(role, hour) or (None, Source.ROTATION)
        in_period = []
        h = period.start
        while h < period.end:
            in_period.append(h)
            h += HOUR
        if source is Source.OVERRIDE:
            # The contiguous run of hours around `at` that overrides give to the same member.
            run = {hour}
            for step in (HOUR, -HOUR):
                h = hour + step
                while period.start <= h < period.end and self.holder(role, h) == (
                    holder,
                    Source.OVERRIDE,
                ):
                    run.add(h)
                    h += step
            turn_hours = run
            start, end = min(run), max(run) + HOUR
        else:
            turn_hours = {h for h in in_period if self.holder(role, h)[1] is not Source.OVERRIDE}  # type: ignore[index]
            start, end = period.start, period.end
        load = sum(self.hour_weight(h) for h in turn_hours if h >= self.since)

        before = self.facts(role, period.start)
        through = self.facts(role, period.end)
        whole = self.facts(role, self.plan_end)

        def standing(mid: str) -> tuple[Fact | None, Fact | None, Fact | None]:
            return before[0].get(mid), through[0].get(mid), whole[0].get(mid)

        other = Role.OPERATOR if role is Role.DEVELOPER else Role.DEVELOPER
        turn_span = []
        h = start
        while h < end:
            turn_span.append(h)
            h += HOUR
        others = []
        for m in sorted((m for m in self.members if role in m.roles), key=lambda m: m.id):
            if m.id == holder:
                continue
            reasons: list[str] = []
            if source is Source.OVERRIDE and planned.member == m.id:
                reasons.append("overridden")
            if m.joined is not None and self.day(start) < m.joined:
                reasons.append("not_joined")
            if m.left is not None and self.day(end - HOUR) > m.left:
                reasons.append("left")
            if any(
                t.member == m.id and t.role in (None, role) and t.start < end and start < t.end
                for t in self.time_off
            ):
                reasons.append("time_off")
            if any((self.holder(other, h) or (None,))[0] == m.id for h in turn_span):
                reasons.append("other_slot")
            hard = any(r in reasons for r in ("not_joined", "left", "time_off", "other_slot"))
            effect = None
            if not hard:
                for before_turn in (True, False):
                    near = next(
                        (
                            a
                            for a in self.assignments
                            if a.role == role
                            and (
                                a.period.end == period.start
                                if before_turn
                                else a.period.start == period.end
                            )
                        ),
                        None,
                    )
                    if near is None:
                        continue
                    h = near.period.start
                    held = False
                    while h < near.period.end:
                        if (self.holder(role, h) or (None,))[0] == m.id:
                            held = True
                        h += HOUR
                    if held:
                        reasons.append("rest")
                facts, most, spread = self.facts(role, self.plan_end, (turn_hours, m.id))
                effect = {
                    "max": most,
                    "change": most - whole[1],
                    "spread": spread,
                    "spread_change": spread - whole[2],
                    "mine": facts[m.id].per_weight if m.id in facts else 0.0,
                    "holder": None
                    if holder is None
                    else (facts[holder].per_weight if holder in facts else 0.0),
                }
                mine_before = before[0].get(m.id)
                holder_before = before[0].get(holder) if holder is not None else None
                if holder is None:
                    reasons.append("available")
                elif effect["change"] > EPS:  # type: ignore[operator]
                    reasons.append("balance")
                elif effect["spread_change"] > EPS:  # type: ignore[operator]
                    reasons.append("spread")
                elif (mine_before.per_weight if mine_before else 0.0) > (
                    holder_before.per_weight if holder_before else 0.0
                ) + EPS:
                    reasons.append("less_under_share")
                else:
                    reasons.append("later_goals")
            others.append(
                {"member": m.id, "reasons": reasons, "standing": standing(m.id), "effect": effect}
            )
        return {
            "period": period,
            "holder": holder,
            "source": source,
            "planned": planned.member,
            "start": start,
            "end": end,
            "load": load,
            "holder_standing": standing(holder) if holder is not None else None,
            "max": whole[1],
            "spread": whole[2],
            "others": others,
        }

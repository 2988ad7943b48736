"""Fixed, seeded teams for the stability tests: weekly periods in Berlin from 2027-01-04 with
the DE-BE holidays, a week or two of time off per member and one half-timer per role."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time, timedelta

from rotation.model import Member, Period, Policy, Role, Team, TimeOff
from rotation.periods import local_day_start, period
from rotation.solver import Budget, Plan, plan

START = date(2027, 1, 4)
WEEKS = 52


@dataclass(frozen=True)
class Instance:
    team: Team
    members: list[Member]
    time_off: list[TimeOff]

    def periods(self, first: int = 0, last: int = WEEKS) -> list[Period]:
        """Periods `[first, last)`."""
        return [period(self.team.policy, index) for index in range(first, last)]

    def plan(self, budget: Budget, weeks: int = WEEKS) -> Plan:
        return plan(self.team, self.members, self.periods(0, weeks), self.time_off, budget=budget)


def make_team(developers: int, operators: int, seed: int) -> Instance:
    """`developers` + `operators` single-role members; the first of each role full-time."""
    rng = random.Random(f"{developers}+{operators}:{seed}")
    policy = Policy("Europe/Berlin", 7, time(9, 0), START, handoff_weekday=0)
    team = Team(f"team-{developers}-{operators}", "Team", policy, holidays="DE-BE")
    members: list[Member] = []
    time_off: list[TimeOff] = []
    for role, count, prefix in ((Role.DEVELOPER, developers, "d"), (Role.OPERATOR, operators, "o")):
        for i in range(count):
            mid = f"{prefix}{i:02d}"
            members.append(
                Member(
                    mid,
                    mid.upper(),
                    f"{mid}@example.com",
                    frozenset({role}),
                    weight=0.5 if i == count - 1 and count > 3 else 1.0,
                )
            )
            for _ in range(rng.randint(1, 2)):
                first = START + timedelta(days=rng.randint(0, WEEKS * 7 - 7))
                time_off.append(
                    TimeOff(
                        mid,
                        local_day_start(first, policy.zone),
                        local_day_start(first + timedelta(days=7), policy.zone),
                        "vacation",
                    )
                )
    return Instance(team, members, time_off)

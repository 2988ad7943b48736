"""Plans that stay put: extending appends, the same inputs give the same plan whatever the
worker count or process, and changes that touch nobody's availability change no assignment.
Regeneration keeps the published plan within the team's stability tolerance: a leaver changes at
most twice their forced slots, a joiner at most twice the turns they take."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.loader import load_team_files
from api.settings import Settings
from rotation.fairness import fairness_report
from rotation.model import Assignment, Member, Override, Role
from rotation.resolve import resolve
from rotation.solver import Budget, forget_solved, plan
from rotation.solver.parallel import PlanRequest, presolve
from rotation.solver.problem import Problem
from tests.adjusting import schedule
from tests.conftest import NOW, SAMPLES, TEST_SOLVER
from tests.stability_teams import Instance, make_team

FAR = "2028-10-01"


def slots(assignments: list[Assignment]) -> dict[tuple[int, Role], str | None]:
    return {(a.period.index, a.role): a.member for a in assignments}


def whole_plan(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    return schedule(client, headers, since="2026-11-01", until=FAR)


# -- through the API --------------------------------------------------------------------------


def test_extending_appends_periods_and_changes_no_planned_one(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    before = whole_plan(client, admin)
    end = max(e["end"] for e in before)
    answers = [
        client.post(
            "/v1/teams/payments/schedule/generate", json={"until": until}, headers=admin
        ).json()
        for until in ("2028-03-01", "2028-06-01", "2028-06-01")
    ]
    assert [a["changed"] for a in answers] == [0, 0, 0]
    assert answers[0]["added"] > 0
    assert answers[1]["added"] > 0
    assert answers[2]["added"] == 0  # a repeated extend has nothing to add
    after = whole_plan(client, admin)
    assert [e for e in after if e["end"] <= end] == before
    assert max(e["end"] for e in after) > end
    log = client.get("/v1/audit", params={"team": "payments"}, headers=admin).json()
    assert log["entries"][0]["action"] == "schedule.repair"


def test_a_no_op_regeneration_changes_nothing(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    before = whole_plan(client, admin)
    for _ in range(2):
        answer = client.post("/v1/teams/payments/schedule/generate", json={}, headers=admin)
        assert answer.status_code == 200, answer.text
        assert answer.json()["changed"] == 0
        assert answer.json()["balance_cost"] == {}  # nothing was re-planned
    assert whole_plan(client, admin) == before


def test_a_regeneration_after_a_change_reports_changed_forced_and_the_balance_cost(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    time_off = {"member": "alice", "start": "2027-05-03", "end": "2027-05-16", "reason": "trip"}
    assert client.post("/v1/teams/payments/time-off", json=time_off, headers=admin).is_success
    answer = client.post("/v1/teams/payments/schedule/generate", json={}, headers=admin).json()
    assert answer["solve"] is not None
    assert set(answer["balance_cost"]) == {"developer", "operator"}
    assert all(cost >= 0 for cost in answer["balance_cost"].values())
    assert answer["forced"] == 0  # the repair already refilled alice's turns
    again = client.post("/v1/teams/payments/schedule/generate", json={}, headers=admin).json()
    assert again["changed"] == 0
    assert again["solve"] is None


def test_a_rename_or_new_contact_details_change_no_assignment(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    before = whole_plan(client, admin)
    etag = client.get("/v1/teams/payments/members/alice", headers=admin).headers["etag"]
    renamed = client.patch(
        "/v1/teams/payments/members/alice",
        json={"name": "Alice Renamed", "email": "alice.renamed@example.com", "chat": "@ali"},
        headers={**admin, "If-Match": etag},
    )
    assert renamed.status_code == 200, renamed.text
    etag = client.get("/v1/teams/payments", headers=admin).headers["etag"]
    team = client.patch(
        "/v1/teams/payments",
        json={"name": "Payments and billing", "notify": {"lead_times": ["48h"]}},
        headers={**admin, "If-Match": etag},
    )
    assert team.status_code == 200, team.text
    assert whole_plan(client, admin) == before
    actions = [
        e["action"]
        for e in client.get("/v1/audit", params={"team": "payments"}, headers=admin).json()[
            "entries"
        ]
    ]
    assert "schedule.regenerate" not in actions


def test_loading_an_unchanged_file_changes_nothing(
    client: TestClient, samples: None, session: Session, admin: dict[str, str]
) -> None:
    before = whole_plan(client, admin)
    loaded = load_team_files(session, SAMPLES, NOW, Settings(**TEST_SOLVER).budget)
    assert [load.update.changed for load in loaded] == [[] for _ in loaded]
    assert all(load.update.added == 0 for load in loaded)
    assert whole_plan(client, admin) == before


def test_a_file_that_renames_a_member_changes_no_assignment(
    client: TestClient, samples: None, session: Session, admin: dict[str, str], tmp_path: Path
) -> None:
    before = whole_plan(client, admin)
    source = next(path for path in SAMPLES if Path(path).name == "payments.toml")
    text = Path(source).read_text(encoding="utf-8")
    renamed = tmp_path / "payments.toml"
    edited = text.replace("Alice Schmidt", "Alice Renamed").replace("@alice", "@ali")
    renamed.write_text(edited, encoding="utf-8")
    assert "Alice Renamed" in renamed.read_text(encoding="utf-8")
    [loaded] = load_team_files(session, [renamed], NOW, Settings(**TEST_SOLVER).budget)
    assert loaded.update.changed == []
    assert whole_plan(client, admin) == before


# -- in the core ------------------------------------------------------------------------------


def test_the_same_plan_with_one_worker_or_two() -> None:
    instance = make_team(5, 3, seed=1)
    results = []
    for workers in (1, 2):
        forget_solved()
        results.append(instance.plan(Budget(seconds=1.0, workers=workers)).assignments)
    assert results[0] == results[1]


PLAN_IN_A_PROCESS = """
import json, sys
from rotation.solver import Budget
from tests.stability_teams import make_team
instance = make_team(5, 3, seed=1)
result = instance.plan(Budget(seconds=1.0, workers=int(sys.argv[1])))
print(json.dumps([a.member for a in result.assignments]))
"""


def test_the_same_plan_in_another_process_with_another_hash_seed() -> None:
    """Variable order must not follow string hashing, which differs from process to process
    (as between the processes of a parallel load)."""
    answers = []
    for seed, workers in (("1", "1"), ("2", "2")):
        env = {**os.environ, "PYTHONHASHSEED": seed, "ROTA_SOLVER_WORKERS": workers}
        done = subprocess.run(
            [sys.executable, "-c", PLAN_IN_A_PROCESS, workers],
            capture_output=True,
            text=True,
            env=env,
            cwd=Path(__file__).parent.parent,
            check=True,
        )
        answers.append(json.loads(done.stdout))
    forget_solved()
    here = make_team(5, 3, seed=1).plan(Budget(seconds=1.0, workers=1))
    assert answers[0] == answers[1] == [a.member for a in here.assignments]


def test_renamed_members_get_the_same_plan() -> None:
    instance = make_team(5, 3, seed=2)
    budget = Budget(seconds=1.0, workers=1)
    forget_solved()
    first = instance.plan(budget).assignments
    forget_solved()
    renamed = [
        replace(m, name=m.name.upper(), email=f"new-{m.email}", chat="@x") for m in instance.members
    ]
    again = replace(instance, members=list(reversed(renamed))).plan(budget).assignments
    assert first == again


def test_extending_in_the_core_keeps_every_planned_assignment() -> None:
    instance = make_team(5, 3, seed=3)
    budget = Budget(seconds=1.0, workers=1)
    first = instance.plan(budget, weeks=30).assignments
    longer = plan(
        instance.team,
        instance.members,
        instance.periods(30, 52),
        instance.time_off,
        history=first,
        budget=budget,
    )
    assert {a.period.index for a in longer.assignments} == set(range(30, 52))


# -- regeneration -----------------------------------------------------------------------------

REGENERATE_FROM = 20  # weeks [0, 20) are history, the rest was published


def regenerate(instance: Instance, members: list[Member]) -> tuple[int, dict[Role, float]]:
    """Plan the instance, then regenerate weeks 20+ with `members`; the changed slots of
    weeks 20+ and the balance stability cost."""
    budget = Budget(seconds=2.0, workers=1)
    first = instance.plan(budget).assignments
    history = [a for a in first if a.period.index < REGENERATE_FROM]
    published = [a for a in first if a.period.index >= REGENERATE_FROM]
    again = plan(
        instance.team,
        members,
        instance.periods(REGENERATE_FROM, 52),
        instance.time_off,
        history,
        published=published,
        budget=budget,
    )
    before, after = slots(published), slots(again.assignments)
    changed = sum(1 for key, member in before.items() if after[key] != member)
    return changed, dict(again.solve.stability_cost)


@pytest.mark.parametrize(("developers", "operators", "seed"), [(5, 3, 1), (8, 4, 2), (6, 4, 3)])
def test_a_leaver_changes_at_most_twice_their_forced_slots(
    developers: int, operators: int, seed: int
) -> None:
    instance = make_team(developers, operators, seed)
    leaver = instance.members[0]
    last_day = instance.team.policy.start + timedelta(weeks=30)
    members = [replace(m, left=last_day) if m is leaver else m for m in instance.members]
    first = instance.plan(Budget(seconds=2.0, workers=1)).assignments
    forced = sum(1 for a in first if a.member == leaver.id and a.period.index >= 30)
    assert forced > 0
    changed, cost = regenerate(instance, members)
    assert forced <= changed <= 2 * forced
    assert all(value >= 0 for value in cost.values())


# 11+6 and 12+6: a joiner who takes two turns, where a regeneration that gave up balance within
# the tolerance once lost to the greedy seed and answered 55 changes.
@pytest.mark.parametrize(
    ("developers", "operators", "seed", "week"),
    [(5, 3, 1, 26), (8, 4, 2, 26), (11, 6, 2, 30), (12, 6, 3, 30)],
)
def test_a_joiner_changes_at_most_twice_the_turns_they_take(
    developers: int, operators: int, seed: int, week: int
) -> None:
    instance = make_team(developers, operators, seed)
    start = instance.team.policy.start
    joiner = Member(
        "newbie",
        "Newbie",
        "newbie@example.com",
        frozenset({Role.DEVELOPER}),
        joined=start + timedelta(weeks=week),
    )
    members = [*instance.members, joiner]
    budget = Budget(seconds=2.0, workers=1)
    first = instance.plan(budget).assignments
    again = plan(
        instance.team,
        members,
        instance.periods(REGENERATE_FROM, 52),
        instance.time_off,
        [a for a in first if a.period.index < REGENERATE_FROM],
        published=[a for a in first if a.period.index >= REGENERATE_FROM],
        budget=budget,
    )
    taken = sum(1 for a in again.assignments if a.member == "newbie")
    assert taken > 0
    before = slots([a for a in first if a.period.index >= REGENERATE_FROM])
    changed = sum(1 for key, member in before.items() if slots(again.assignments)[key] != member)
    assert taken <= changed <= 2 * taken


@pytest.mark.parametrize(("developers", "operators", "seed"), [(8, 4, 2), (6, 4, 3)])
def test_no_change_costs_no_balance_and_moves_nothing(
    developers: int, operators: int, seed: int
) -> None:
    instance = make_team(developers, operators, seed)
    changed, cost = regenerate(instance, instance.members)
    assert changed == 0
    assert cost == {Role.DEVELOPER: 0.0, Role.OPERATOR: 0.0}


def test_a_zero_tolerance_keeps_the_best_balance() -> None:
    instance = make_team(8, 4, seed=2)
    strict = replace(instance, team=replace(instance.team, stability_tolerance=0.0))
    leaver = strict.members[0]
    members = [replace(m, left=date(2027, 8, 1)) if m is leaver else m for m in strict.members]
    _, cost = regenerate(strict, members)
    assert cost == {Role.DEVELOPER: 0.0, Role.OPERATOR: 0.0}


def presolved(teams: list[Instance], budget: Budget) -> None:
    """Forget every plan, then solve `teams` in two parallel processes."""
    requests = [
        PlanRequest(t.team, tuple(t.members), tuple(t.periods()), tuple(t.time_off), budget)
        for t in teams
    ]
    forget_solved()
    assert presolve(requests, workers=2) == 2


def test_plans_solved_in_parallel_processes_are_the_plans_solved_here() -> None:
    teams = [make_team(3, 3, seed) for seed in (1, 2)]
    budget = Budget(seconds=0.5, workers=2)
    presolved(teams, budget)
    remembered = [t.plan(budget).assignments for t in teams]
    forget_solved()
    assert remembered == [t.plan(budget).assignments for t in teams]


def test_a_plan_solved_in_a_parallel_process_is_not_solved_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    teams = [make_team(3, 2, seed) for seed in (3, 4)]
    budget = Budget(seconds=0.5, workers=2)
    presolved(teams, budget)

    def solve_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("a presolved plan was solved again")

    monkeypatch.setattr("rotation.solver.planner._plan", solve_again)
    for t in teams:
        assert t.plan(budget).solve.method == "cp-sat"


# -- the history: overrides and members who left ---------------------------------------------


def test_an_override_counts_as_load_of_whoever_covered() -> None:
    instance = make_team(3, 2, seed=5)
    budget = Budget(seconds=0.5, workers=1)
    first = instance.plan(budget, weeks=10).assignments
    history = [a for a in first if a.period.index < 10]
    covered = next(a for a in history if a.role is Role.DEVELOPER and a.period.index == 4)
    other = next(
        m.id for m in instance.members if Role.DEVELOPER in m.roles and m.id != covered.member
    )
    cover = Override(Role.DEVELOPER, other, covered.period.start, covered.period.end)
    problem = Problem(
        instance.team, instance.members, instance.periods(10, 20), [], history, (), [cover]
    )
    plain = Problem(instance.team, instance.members, instance.periods(10, 20), [], history, ())
    moved = plain.load[4]
    assert moved > 0
    assert problem.held[Role.DEVELOPER][other] == plain.held[Role.DEVELOPER][other] + moved
    assert covered.member is not None
    assert problem.held[Role.DEVELOPER][covered.member] == (
        plain.held[Role.DEVELOPER][covered.member] - moved
    )


def test_a_member_who_left_keeps_a_share_of_their_time_not_the_whole_load_as_deviation() -> None:
    instance = make_team(3, 2, seed=6)
    budget = Budget(seconds=0.5, workers=1)
    assignments = instance.plan(budget, weeks=20).assignments
    gone = "d00"
    members = [m for m in instance.members if m.id != gone]
    since, until = assignments[0].period.start, assignments[-1].period.end
    entries = resolve(assignments, since, until)
    report = fairness_report(instance.team, members, instance.time_off, entries, since, until)
    developers = next(r for r in report.roles if r.role is Role.DEVELOPER)
    row = next(m for m in developers.members if m.member == gone)
    assert not row.holds_role
    assert row.load > 0
    assert row.share > 0
    assert abs(row.deviation) < row.load / 2
    # The planner counts them the same way: their capacity is the time until their last turn.
    problem = Problem(instance.team, members, instance.periods(20, 30), [], assignments, ())
    assert problem.capacity[Role.DEVELOPER][gone] > 0

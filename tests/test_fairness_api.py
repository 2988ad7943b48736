"""`GET /v1/teams/{team}/fairness` and `rota fairness`: every figure equals what a reader
recomputes from `GET .../schedule` over the same window, with the team file's members and
time off."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.cli import main
from api.clock import FixedClock
from api.settings import Settings
from rotation import parse_team_file
from rotation.availability import employment
from rotation.load import load, team_holidays
from tests.conftest import NOW, SAMPLES


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _schedule(client: TestClient, team: str, since: str, until: str, headers: dict[str, str]):
    """The schedule of `[since, until)`, read in windows the schedule endpoint accepts."""
    entries = []
    start, end = _instant(since), _instant(until)
    while start < end:
        stop = min(end, start + timedelta(days=700))
        answer = client.get(
            f"/v1/teams/{team}/schedule",
            params={"since": start.isoformat(), "until": stop.isoformat()},
            headers=headers,
        )
        assert answer.status_code == 200, answer.text
        entries += answer.json()["entries"]
        start = stop
    return entries


def _capacity(member, time_off, zone, since: datetime, until: datetime) -> float:
    first, last = employment(member, zone)
    start = max(since, first) if first else since
    end = min(until, last) if last else until
    if end <= start:
        return 0.0
    away: list[tuple[datetime, datetime]] = sorted(
        (max(t.start, start), min(t.end, end))
        for t in time_off
        if t.member == member.id and t.start < end and start < t.end
    )
    merged: list[list[datetime]] = []
    for lo, hi in away:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    off = sum((hi - lo).total_seconds() for lo, hi in merged)
    return (
        member.role_weight * ((end - start).total_seconds() - off) / (until - since).total_seconds()
    )


@pytest.mark.parametrize("sample", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_the_report_equals_a_recomputation_from_the_schedule(
    client: TestClient, samples: None, viewer: dict[str, str], sample
) -> None:
    file = parse_team_file(sample.read_text(), str(sample))
    team = file.team
    zone = team.policy.zone
    answer = client.get(f"/v1/teams/{team.id}/fairness", headers=viewer)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    since, until = _instant(report["since"]), _instant(report["until"])
    entries = _schedule(client, team.id, report["since"], report["until"], viewer)
    years = tuple(range(since.astimezone(zone).year, until.astimezone(zone).year + 1))
    holidays = team_holidays(team, years)

    pairs: Counter[tuple[str, str]] = Counter()
    by_period: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        by_period[entry["period_start"]][entry["role"]].append(entry)
    for slots in by_period.values():
        met = {
            (d["member"], o["member"])
            for d in slots["developer"]
            for o in slots["operator"]
            if d["member"]
            and o["member"]
            and d["member"] != o["member"]
            and _instant(d["start"]) < _instant(o["end"])
            and _instant(o["start"]) < _instant(d["end"])
        }
        pairs.update(met)
    assert report["distinct_pairs"] == len(pairs)
    if pairs:
        assert report["most_repeated_pair"]["count"] == max(pairs.values())

    for role in report["roles"]:
        mine = [e for e in entries if e["role"] == role["role"]]
        loads: Counter[str] = Counter()
        hours: Counter[str] = Counter()
        periods: dict[str, set[str]] = defaultdict(set)
        for entry in mine:
            if entry["member"] is None:
                continue
            start, end = _instant(entry["start"]), _instant(entry["end"])
            loads[entry["member"]] += load(start, end, zone, holidays, team.weights)
            hours[entry["member"]] += (end - start).total_seconds() / 3600
            periods[entry["member"]].add(entry["period_start"])
        total = sum(loads.values())
        holders = [m for m in file.members if role["role"] in m.roles]
        capacity = {m.id: _capacity(m, file.time_off, zone, since, until) for m in holders}
        whole = sum(capacity.values())
        reported = {m["member"]: m for m in role["members"]}
        for member in holders:
            row = reported[member.id]
            share = total * capacity[member.id] / whole
            assert row["periods"] == len(periods[member.id])
            assert row["hours"] == pytest.approx(hours[member.id])
            assert row["load"] == pytest.approx(loads[member.id])
            assert row["share"] == pytest.approx(share)
            assert row["deviation_per_weight"] == pytest.approx(
                (loads[member.id] - share) / member.role_weight
            )
        worst = max(abs(row["deviation_per_weight"]) for row in role["members"])
        assert role["max_abs_deviation_per_weight"] == pytest.approx(worst)
        assert role["lower_bound"] is None or role["lower_bound"] <= worst + 0.01
        holder_of = {(e["period_start"], e["member"]) for e in mine if e["member"]}
        starts = sorted({e["period_start"] for e in mine}, key=_instant)
        back_to_back = sum(
            1
            for before, after in pairwise(starts)
            for member in {m for s, m in holder_of if s == before}
            if (after, member) in holder_of
        )
        assert role["back_to_back"] == back_to_back


def test_the_report_of_another_window_has_no_bound_and_bad_windows_are_refused(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    answer = client.get(
        "/v1/teams/payments/fairness",
        params={"since": "2027-01-04", "until": "2027-04-05"},
        headers=viewer,
    )
    assert answer.status_code == 200, answer.text
    assert all(role["lower_bound"] is None for role in answer.json()["roles"])
    backwards = client.get(
        "/v1/teams/payments/fairness",
        params={"since": "2027-04-05", "until": "2027-01-04"},
        headers=viewer,
    )
    assert backwards.status_code == 422
    assert client.get("/v1/teams/nobody/fairness", headers=viewer).status_code == 404
    assert client.get("/v1/teams/payments/fairness").status_code == 401


def test_a_regeneration_answers_how_it_was_found_and_is_audited(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    # Time off is refilled by a repair; a regeneration then plans from the new inputs.
    time_off = {"member": "alice", "start": "2027-05-03", "end": "2027-05-16", "reason": "trip"}
    assert client.post("/v1/teams/payments/time-off", json=time_off, headers=admin).is_success
    answer = client.post(
        "/v1/teams/payments/schedule/generate",
        json={"reason": "quarterly check"},
        headers=admin,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["solve"]["method"] in {"cp-sat", "greedy"}
    assert body["solve"]["back_to_back"] == 0
    log = client.get("/v1/audit", params={"team": "payments"}, headers=admin).json()["entries"]
    entry = log[0]
    assert entry["action"] == "schedule.regenerate"
    assert entry["reason"] == "quarterly check"
    assert len(entry["after"]["changes"]) == body["changed"]
    assert entry["after"]["forced"] == body["forced"]
    assert entry["after"]["solve"]["method"] == body["solve"]["method"]


def test_the_cli_report_matches_the_api(
    client: TestClient, samples: None, viewer: dict[str, str], settings: Settings
) -> None:
    shown = CliRunner().invoke(
        main,
        ["fairness", "payments", "--json"],
        obj={"settings": settings, "clock": FixedClock(NOW)},
    )
    assert shown.exit_code == 0, shown.output
    api = client.get("/v1/teams/payments/fairness", headers=viewer).json()
    cli = json.loads(shown.output)
    assert [r["max_abs_deviation_per_weight"] for r in cli["roles"]] == pytest.approx(
        [r["max_abs_deviation_per_weight"] for r in api["roles"]]
    )
    regenerated = CliRunner().invoke(
        main,
        ["schedule", "payments", "--regenerate", "--reason", "from the CLI"],
        obj={"settings": settings, "clock": FixedClock(NOW)},
    )
    assert regenerated.exit_code == 0, regenerated.output
    log = client.get("/v1/audit", params={"team": "payments"}, headers=viewer).json()["entries"]
    assert (log[0]["action"], log[0]["actor"], log[0]["reason"]) == (
        "schedule.regenerate",
        "cli",
        "from the CLI",
    )

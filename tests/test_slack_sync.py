"""User groups that follow the rotation and handoff posts, against a stand-in for Slack's Web
API on 127.0.0.1: at the right instant across DST, after an override, once across loops,
retried on 429 and 5xx, failures visible in the API."""

from __future__ import annotations

import itertools
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api import repositories, views
from api.app import create_app
from api.clock import FixedClock
from api.database import open_database
from api.loader import load_team_files
from api.principals import TokenRole
from api.repositories import slack as store
from api.repositories.reminders import Status
from api.settings import Settings
from api.slack.delivery import SlackDelivered, deliver_slack
from api.slack.loop import plan_slack
from api.slack.planner import window_start
from api.tables.slack import SlackJobRow
from rotation import Role
from rotation.slack import group_members, holders_at
from rotation.slack_settings import SlackSettings
from tests.conftest import TEST_SOLVER, bearer
from tests.slack_parts import BOT_TOKEN, ENV, SLACK_ID, StandIn, slack_stand_in, write_teams

LOADED_AT = datetime(2027, 3, 1, 10, tzinfo=UTC)
SPRING = datetime(2027, 3, 29, 7, tzinfo=UTC)  # Monday 09:00 CEST, the day after spring forward
AUTUMN = datetime(2027, 11, 1, 8, tzinfo=UTC)  # Monday 09:00 CET, the day after fall back
MIDWEEK = datetime(2027, 3, 3, 10, tzinfo=UTC)
GROUPS = {"developer": "S0DEV0001", "operator": "S0OPS0001", "both": "S0ALL0001"}


@pytest.fixture
def engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(database_url)
    with Session(engine) as session:
        load_team_files(session, write_teams(tmp_path), LOADED_AT, Settings(**TEST_SOLVER).budget)
    yield engine
    engine.dispose()


def run(engine: Engine, at: datetime, slack: StandIn, worker: str = "w1") -> SlackDelivered:
    clock = FixedClock(at)
    plan_slack(engine, clock)
    return deliver_slack(engine, clock, slack.url, worker, ENV)


def wanted(engine: Engine, at: datetime) -> dict[str, set[str]]:
    """Each group's Slack users at `at`, from the resolved schedule."""
    with Session(engine) as session:
        team = repositories.get_team(session, "pay")
        entries = views.resolved_entries(session, team, window_start(team, at), at + timedelta(1))
    members = group_members(GROUPS, holders_at(entries, at))
    return {group: {SLACK_ID[m] for m in ids} for group, ids in members.items()}


def updates(slack: StandIn) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for call in slack.of("usergroups.users.update"):
        found[call.body["usergroup"]] = set(call.body["users"].split(","))
    return found


def jobs(engine: Engine, **where: object) -> list[SlackJobRow]:
    with Session(engine) as session:
        query = select(SlackJobRow)
        for name, value in where.items():
            query = query.where(getattr(SlackJobRow, name) == value)
        return list(session.exec(query))


@pytest.mark.parametrize("handoff", [SPRING, AUTUMN], ids=["spring-forward", "fall-back"])
def test_groups_follow_the_handoff_at_its_local_instant_across_dst(
    engine: Engine, handoff: datetime
) -> None:
    with slack_stand_in() as slack:
        early = handoff - timedelta(minutes=5)
        run(engine, early, slack)
        before = wanted(engine, early)
        assert updates(slack) == before
        slack.calls.clear()
        run(engine, handoff - timedelta(seconds=1), slack)
        assert slack.of("usergroups.users.update") == []
        run(engine, handoff, slack)
        after = wanted(engine, handoff)
        changed = {group: users for group, users in after.items() if before[group] != users}
        assert changed  # the developer and the operator both hand over
        assert updates(slack) == changed
        sent = jobs(engine, kind="usergroup", status=Status.SENT.value)
        assert {row.at for row in sent if row.target in changed and row.at > early} == {handoff}
        # Bruno and Omar were looked up once each by email; Alice and Petra never.
        lookups = Counter(c.body["email"] for c in slack.of("users.lookupByEmail"))
        assert set(lookups) <= {"bruno@example.com", "omar@example.com"}
        assert all(count == 1 for count in lookups.values())


def test_an_override_moves_the_group_when_it_starts_and_back_when_it_ends(
    database_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(LOADED_AT)
    with slack_stand_in() as slack:
        settings = Settings(database_url=database_url, slack_api_url=slack.url, **TEST_SOLVER)
        with TestClient(create_app(settings, clock)) as client:
            engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
            with Session(engine) as session:
                load_team_files(session, write_teams(tmp_path), LOADED_AT, settings.budget)
                lead = bearer(session, TokenRole.LEAD, ["pay"])
            clock.set(MIDWEEK)
            run(engine, MIDWEEK, slack)
            holder = wanted(engine, MIDWEEK)["S0DEV0001"]
            cover = "bruno" if holder == {SLACK_ID["alice"]} else "alice"
            start, end = MIDWEEK + timedelta(hours=1), MIDWEEK + timedelta(hours=3)
            answer = client.post(
                "/v1/teams/pay/overrides",
                headers=lead,
                json={
                    "role": "developer",
                    "member": cover,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "reason": "dentist",
                },
            )
            assert answer.status_code == 201, answer.text
            slack.calls.clear()
            run(engine, MIDWEEK + timedelta(minutes=1), slack)
            assert slack.of("usergroups.users.update") == []
            pending = client.get("/v1/teams/pay/slack/jobs?status=pending", headers=lead).json()
            assert {"target": "S0DEV0001", "at": start, "members": [cover]} in [
                {
                    "target": j["target"],
                    "at": datetime.fromisoformat(j["at"]),
                    "members": j["members"],
                }
                for j in pending["jobs"]
            ]
            run(engine, start, slack)
            assert updates(slack)["S0DEV0001"] == {SLACK_ID[cover]}
            assert SLACK_ID[cover] in updates(slack)["S0ALL0001"]
            slack.calls.clear()
            run(engine, end, slack)
            assert updates(slack)["S0DEV0001"] == holder


def single_group(engine: Engine) -> None:
    with Session(engine) as session:
        only = SlackSettings(
            "env:TEST_SLACK_SIGNING", "env:TEST_SLACK_BOT", None, {"developer": "S0DEV0001"}
        )
        store.save_settings(session, "pay", only, MIDWEEK)
        store.save_settings(session, "web", SlackSettings(), MIDWEEK)
        session.commit()


def tried(engine: Engine) -> list[SlackJobRow]:
    """The pending jobs that have been attempted (the later changes wait untried)."""
    return [j for j in jobs(engine, status=Status.PENDING.value) if j.attempts]


def test_a_rate_limit_waits_for_retry_after_and_a_5xx_backs_off(engine: Engine) -> None:
    single_group(engine)
    with slack_stand_in() as slack:
        slack.script["usergroups.users.update"] = [
            (429, {"Retry-After": "120"}, {"ok": False, "error": "ratelimited"}),
            (503, {}, {"ok": False, "error": "service_unavailable"}),
        ]
        outcome = run(engine, MIDWEEK, slack)
        assert outcome.retried == 1
        [job] = tried(engine)
        assert job.next_attempt_at == MIDWEEK + timedelta(seconds=120)
        assert job.last_error == "usergroups.users.update: HTTP 429"
        run(engine, MIDWEEK + timedelta(seconds=119), slack)
        assert len(slack.of("usergroups.users.update")) == 1
        run(engine, MIDWEEK + timedelta(seconds=120), slack)
        [job] = tried(engine)
        assert job.next_attempt_at == MIDWEEK + timedelta(seconds=180)  # 120 s, then 60 s
        outcome = run(engine, MIDWEEK + timedelta(seconds=180), slack)
        assert outcome.sent == 1
        assert len(slack.of("usergroups.users.update")) == 3
        assert updates(slack)["S0DEV0001"] == wanted(engine, MIDWEEK)["S0DEV0001"]


def test_a_slack_error_fails_the_job_visibly_and_the_token_stays_secret(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FixedClock(MIDWEEK)
    caplog.set_level(logging.DEBUG)
    with slack_stand_in() as slack:
        settings = Settings(database_url=database_url, slack_api_url=slack.url, **TEST_SOLVER)
        with TestClient(create_app(settings, clock)) as client:
            engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
            with Session(engine) as session:
                load_team_files(session, write_teams(tmp_path), LOADED_AT, settings.budget)
                viewer = bearer(session, TokenRole.VIEWER)
            single_group(engine)
            slack.script["usergroups.users.update"] = [
                (200, {}, {"ok": False, "error": "no_such_subteam"})
            ]
            outcome = run(engine, MIDWEEK, slack)
            assert (outcome.failed, outcome.retried) == (1, 0)
            answer = client.get("/v1/teams/pay/slack/jobs?status=failed", headers=viewer)
            [failed] = answer.json()["jobs"]
            assert failed["target"] == "S0DEV0001"
            assert failed["last_error"] == "usergroups.users.update: no_such_subteam"
            shown = client.get("/v1/teams/pay/slack", headers=viewer)
            assert shown.json()["bot_token"] == "env:TEST_SLACK_BOT"
            assert BOT_TOKEN not in answer.text + shown.text
    assert BOT_TOKEN not in caplog.text
    assert "no_such_subteam" in caplog.text


def test_the_handoff_is_announced_once_with_the_outgoing_note(
    database_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(SPRING - timedelta(hours=1))
    with slack_stand_in() as slack:
        settings = Settings(database_url=database_url, slack_api_url=slack.url, **TEST_SOLVER)
        with TestClient(create_app(settings, clock)) as client:
            engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
            with Session(engine) as session:
                load_team_files(session, write_teams(tmp_path), LOADED_AT, settings.budget)
                admin = bearer(session, TokenRole.ADMIN)
                team = repositories.get_team(session, "pay")
                entries = views.resolved_entries(
                    session, team, SPRING - timedelta(days=1), SPRING + timedelta(days=1)
                )
            before = holders_at(entries, SPRING - timedelta(seconds=1))
            after = holders_at(entries, SPRING)
            outgoing = before[Role.DEVELOPER]
            assert outgoing is not None
            assert outgoing != after[Role.DEVELOPER]
            note = client.put(
                f"/v1/teams/pay/members/{outgoing}/handoff-note",
                headers=admin,
                json={"note": "Ticket 4711 <urgent> waits on the vendor"},
            )
            assert note.status_code == 200, note.text
            run(engine, SPRING - timedelta(minutes=1), slack)
            assert slack.of("chat.postMessage") == []
            run(engine, SPRING, slack, worker="w1")
            run(engine, SPRING + timedelta(minutes=1), slack, worker="w2")
            [post] = slack.of("chat.postMessage")
            assert post.body["channel"] == "C0PAYMENTS"
            assert "Ticket 4711 <urgent> waits on the vendor" in post.body["text"]
            assert "Handoff in Payments, Mon 29 Mar 09:00 CEST" in post.body["text"]
            assert any("Ticket 4711 &lt;urgent&gt;" in str(b) for b in post.body["blocks"])
            # The web team's channel is #web-support: it got its own handoff (Tuesday) only.
            assert all(c.body["channel"] == "C0PAYMENTS" for c in slack.of("chat.postMessage"))


def test_a_handoff_post_that_fell_due_while_down_is_missed_not_sent_late(engine: Engine) -> None:
    with slack_stand_in() as slack:
        run(engine, SPRING - timedelta(minutes=5), slack)
        run(engine, SPRING + timedelta(hours=2), slack)
        assert slack.of("chat.postMessage") == []
        [missed] = jobs(engine, kind="handoff", at=SPRING)
        assert missed.status == Status.MISSED.value


def test_two_loops_at_once_make_each_call_once(engine: Engine) -> None:
    with slack_stand_in() as slack:
        clock = FixedClock(SPRING)
        plan_slack(engine, clock)
        assert plan_slack(engine, clock)[0][0].queued == 0  # planning again adds nothing
        start = threading.Barrier(2)
        outcomes: list[SlackDelivered] = []

        def loop(name: str) -> None:
            start.wait()
            outcomes.append(deliver_slack(engine, clock, slack.url, name, ENV))

        threads = [threading.Thread(target=loop, args=(f"w{n}",)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        calls = Counter(c.body["usergroup"] for c in slack.of("usergroups.users.update"))
        assert calls == Counter(GROUPS.values())
        assert len(slack.of("chat.postMessage")) == 1
        assert sum(o.sent for o in outcomes) == len(GROUPS) + 1


def test_the_worker_command_runs_the_slack_pass_too(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from api.cli import main

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    single_group(engine)
    with slack_stand_in() as slack:
        settings = Settings(database_url=database_url, slack_api_url=slack.url, **TEST_SOLVER)
        result = CliRunner().invoke(
            main, ["worker", "--once"], obj={"settings": settings, "clock": FixedClock(MIDWEEK)}
        )
        assert result.exit_code == 0, result.output
        assert "slack: sent 1," in result.output
        assert updates(slack) == {"S0DEV0001": wanted(engine, MIDWEEK)["S0DEV0001"]}


def test_a_group_is_written_only_when_its_members_change(database_url: str, tmp_path: Path) -> None:
    clock = FixedClock(MIDWEEK)
    with slack_stand_in() as slack:
        settings = Settings(database_url=database_url, slack_api_url=slack.url, **TEST_SOLVER)
        with TestClient(create_app(settings, clock)) as client:
            engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
            with Session(engine) as session:
                load_team_files(session, write_teams(tmp_path), LOADED_AT, settings.budget)
                lead = bearer(session, TokenRole.LEAD, ["pay"])
            single_group(engine)
            # Alice covers three whole weeks, across the spring-forward handoff.
            start, end = datetime(2027, 3, 8, 8, tzinfo=UTC), SPRING
            answer = client.post(
                "/v1/teams/pay/overrides",
                headers=lead,
                json={
                    "role": "developer",
                    "member": "alice",
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "reason": "Bruno's project",
                },
            )
            assert answer.status_code == 201, answer.text
            passes = [MIDWEEK + timedelta(hours=11 * n) for n in range(70)]
            seen = []
            for at in passes:
                run(engine, at, slack)
                seen.append(wanted(engine, at)["S0DEV0001"])
            changes = sum(1 for a, b in itertools.pairwise(seen) if a != b)
            assert len(slack.of("usergroups.users.update")) == 1 + changes
            assert updates(slack)["S0DEV0001"] == seen[-1]


def test_time_off_that_moves_the_next_turn_moves_the_group_job_with_it(
    database_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(MIDWEEK)
    handoff = datetime(2027, 3, 8, 8, tzinfo=UTC)
    with slack_stand_in() as slack:
        settings = Settings(database_url=database_url, slack_api_url=slack.url, **TEST_SOLVER)
        with TestClient(create_app(settings, clock)) as client:
            engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
            with Session(engine) as session:
                load_team_files(session, write_teams(tmp_path), LOADED_AT, settings.budget)
                lead = bearer(session, TokenRole.LEAD, ["pay"])
            single_group(engine)
            run(engine, MIDWEEK, slack)
            [planned] = jobs(engine, target="S0DEV0001", at=handoff)
            away = planned.members[0]
            answer = client.post(
                "/v1/teams/pay/time-off",
                headers=lead,
                json={"member": away, "start": "2027-03-09", "end": "2027-03-10"},
            )
            assert answer.status_code == 201, answer.text
            run(engine, MIDWEEK + timedelta(minutes=1), slack)
            by_status = {row.status: row for row in jobs(engine, target="S0DEV0001", at=handoff)}
            assert by_status[Status.CANCELLED.value].members == [away]
            refill = wanted(engine, handoff)["S0DEV0001"]
            assert refill != {SLACK_ID[away]}
            # The refill may be this week's holder staying on: then the group has nothing to do.
            stays = refill == wanted(engine, MIDWEEK)["S0DEV0001"]
            assert (Status.PENDING.value in by_status) is not stays
            slack.calls.clear()
            run(engine, handoff, slack)
            assert updates(slack) == ({} if stays or not refill else {"S0DEV0001": refill})


def slack_jobs_counted(outcome: str) -> float:
    return (
        REGISTRY.get_sample_value(
            "rota_slack_jobs_total", {"kind": "usergroup", "outcome": outcome}
        )
        or 0.0
    )


def test_retries_and_deliveries_are_counted_in_the_metrics(engine: Engine) -> None:
    single_group(engine)
    retried, sent = slack_jobs_counted("retried"), slack_jobs_counted("sent")
    with slack_stand_in() as slack:
        slack.script["usergroups.users.update"] = [
            (503, {}, {"ok": False, "error": "service_unavailable"})
        ]
        run(engine, MIDWEEK, slack)
        assert slack_jobs_counted("retried") == retried + 1
        run(engine, MIDWEEK + timedelta(minutes=5), slack)
        assert slack_jobs_counted("sent") == sent + 1


def test_a_swap_of_the_next_turn_moves_the_group_job_with_it(
    database_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(MIDWEEK)
    handoff = datetime(2027, 3, 8, 8, tzinfo=UTC)
    with slack_stand_in() as slack:
        settings = Settings(database_url=database_url, slack_api_url=slack.url, **TEST_SOLVER)
        with TestClient(create_app(settings, clock)) as client:
            engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
            with Session(engine) as session:
                load_team_files(session, write_teams(tmp_path), LOADED_AT, settings.budget)
                lead = bearer(session, TokenRole.LEAD, ["pay"])
            single_group(engine)
            run(engine, MIDWEEK, slack)
            schedule = client.get(
                "/v1/teams/pay/schedule",
                params={"since": handoff.isoformat(), "until": "2027-05-03T08:00:00Z"},
                headers=lead,
            ).json()["entries"]
            developers = [e for e in schedule if e["role"] == "developer"]
            mine = developers[0]
            theirs = next(e for e in developers if e["member"] not in (None, mine["member"]))
            asked = client.post(
                "/v1/teams/pay/swaps",
                headers=lead,
                json={
                    "role": "developer",
                    "from_member": mine["member"],
                    "from_period_start": mine["period_start"],
                    "to_member": theirs["member"],
                    "to_period_start": theirs["period_start"],
                },
            )
            assert asked.status_code == 201, asked.text
            accepted = client.post(f"/v1/teams/pay/swaps/{asked.json()['id']}/accept", headers=lead)
            assert accepted.status_code == 200, accepted.text
            run(engine, MIDWEEK + timedelta(minutes=1), slack)
            swapped_in = {SLACK_ID[theirs["member"]]}
            assert wanted(engine, handoff)["S0DEV0001"] == swapped_in
            # This week's holder may be the one swapped in: then the group has nothing to do.
            stays = wanted(engine, MIDWEEK)["S0DEV0001"] == swapped_in
            slack.calls.clear()
            run(engine, handoff, slack)
            assert updates(slack).get("S0DEV0001") == (None if stays else swapped_in)

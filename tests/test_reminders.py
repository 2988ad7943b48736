"""The reminder loop end to end, on SQLite and PostgreSQL, with a real SMTP server and a real
HTTP receiver; time moves by the injected clock only."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api import repositories, views
from api.app import create_app
from api.clock import FixedClock
from api.concurrency import lock_team
from api.database import open_database
from api.loader import load_team_files
from api.principals import TokenRole
from api.reminders.channels import Channels, Delivery
from api.reminders.delivery import deliver_due
from api.reminders.loop import plan_all, run_pass
from api.repositories.member_notify import save_member_notify
from api.repositories.reminders import MAX_ATTEMPTS, Status, backoff
from api.repositories.tokens import create_token
from api.settings import Settings
from api.tables import AssignmentRow, ReminderRow
from rotation import Channel, Role
from rotation.model import MemberNotify
from rotation.reminders import Change, Kind
from tests.conftest import NOW, TEST_SOLVER
from tests.reminder_parts import (
    TEAM,
    body,
    free_port,
    http_receiver,
    signature_ok,
    smtp_server,
    smtp_server_on,
    write_team,
)

# Daily handoffs at 09:00 Berlin, 08:00 UTC in winter. NOW is Thursday 2026-11-26 12:00 UTC.
NEXT = datetime(2026, 11, 27, 8, tzinfo=UTC)
DAY = timedelta(days=1)


def settings_for(url: str, smtp_port: int | None = None) -> Settings:
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": smtp_port} if smtp_port else {}
    return Settings(database_url=url, **TEST_SOLVER, **smtp)  # type: ignore[arg-type]


@pytest.fixture
def team_engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(database_url)
    with Session(engine) as session:
        load_team_files(session, [write_team(tmp_path)], NOW, settings_for(database_url).budget)
    yield engine
    engine.dispose()


def holder(engine: Engine, role: Role, at: datetime) -> str:
    with Session(engine) as session:
        team = repositories.get_team(session, "core")
        (entry,) = [
            e for e in views.resolved_entries(session, team, at, at + DAY) if e.role is role
        ]
        assert entry.member is not None
        return entry.member


def rows(engine: Engine, **where: object) -> list[ReminderRow]:
    with Session(engine) as session:
        query = select(ReminderRow)
        for name, value in where.items():
            query = query.where(getattr(ReminderRow, name) == value)
        return list(session.exec(query.order_by(ReminderRow.id)))


def give(engine: Engine, role: Role, at: datetime, member: str) -> None:
    """Change who holds a slot behind the service's back: as any write path (an override, a
    swap, a time off refill, a regeneration) would: under the team's write lock."""
    with Session(engine) as session:
        lock_team(session, "core")
        row = session.exec(
            select(AssignmentRow).where(
                AssignmentRow.team_id == "core",
                AssignmentRow.role == role.value,
                AssignmentRow.period_start == at,
            )
        ).one()
        row.person_id = member
        session.add(row)
        session.commit()


def addressees(messages: list[Message]) -> list[str]:
    return sorted(str(m["To"]).split("<")[1].split("@")[0] for m in messages)


def test_turn_start_and_handoff_mails_arrive_once_and_on_time(
    database_url: str, team_engine: Engine
) -> None:
    clock = FixedClock(NOW)
    with smtp_server() as (mailbox, port):
        settings = settings_for(database_url, port)
        channels = Channels(settings)

        def run() -> None:
            run_pass(team_engine, clock, settings, channels, "w1")

        run()
        # Tomorrow's holders: the 24 h moment has passed, so that reminder goes now.
        dev = holder(team_engine, Role.DEVELOPER, NEXT)
        op = holder(team_engine, Role.OPERATOR, NEXT)
        assert addressees(mailbox.messages) == sorted([dev, op])
        assert all("starts in 20 hours" in str(m["Subject"]) for m in mailbox.messages)
        run()
        assert len(mailbox.messages) == 2  # nothing twice

        clock.set(NEXT - timedelta(hours=1))
        run()
        assert addressees(mailbox.messages[2:]) == sorted([dev, op])
        assert all("in 60 minutes" in str(m["Subject"]) for m in mailbox.messages[2:])

        clock.set(NEXT)
        run()
        run()
        latest = mailbox.messages[4:]
        handoffs = [m for m in latest if "handoff" in str(m["Subject"])]
        # Outgoing and incoming of both slots: all four people.
        assert addressees(handoffs) == ["alice", "bruno", "omar", "petra"]
        tomorrow = [m for m in latest if "starts in 24 hours" in str(m["Subject"])]
        assert addressees(tomorrow) == sorted(
            [
                holder(team_engine, Role.DEVELOPER, NEXT + DAY),
                holder(team_engine, Role.OPERATOR, NEXT + DAY),
            ]
        )
        assert len(latest) == 6
        assert len(mailbox.ids()) == len(set(mailbox.ids()))
        sent = rows(team_engine, status=Status.SENT.value, channel="email")
        assert len(sent) == len(mailbox.messages) == 10
        # Bruno lives in New York: his times are written in his zone; Alice reads Berlin's.
        for message in mailbox.to("bruno@example.com"):
            assert "EST" in body(message)
        for message in mailbox.to("alice@example.com"):
            assert "CET" in body(message)


WEBHOOK_TEAM = TEAM.replace(
    'channels = ["email"]',
    'channels = ["webhook", "slack"]\nwebhook_url = "env:CORE_HOOK"\n'
    'webhook_secret = "env:CORE_HOOK_SECRET"\nslack_webhook = "env:CORE_SLACK"',
)


def test_webhooks_are_signed_and_slack_messages_readable(database_url: str, tmp_path: Path) -> None:
    engine = open_database(database_url)
    with Session(engine) as session:
        load_team_files(session, [write_team(tmp_path, WEBHOOK_TEAM)], NOW)
    with http_receiver() as receiver:
        environ = {
            "CORE_HOOK": receiver.url("/hook"),
            "CORE_HOOK_SECRET": "s3cret",
            "CORE_SLACK": receiver.url("/slack"),
        }
        settings = settings_for(database_url)
        run_pass(engine, FixedClock(NOW), settings, Channels(settings, environ), "w1")
    engine.dispose()
    hooks = [r for r in receiver.requests if r.path == "/hook"]
    slack = [r for r in receiver.requests if r.path == "/slack"]
    assert len(hooks) == len(slack) == 2
    for request in hooks:
        assert signature_ok("s3cret", request)
        assert not signature_ok("not-the-secret", request)
        body = request.json()
        assert body["kind"] == "turn_starts"
        assert body["lead_seconds"] == 24 * 3600
        assert body["team"] == "core"
        assert request.headers["X-Rota-Delivery"]
        assert "s3cret" not in request.body.decode()
    texts = sorted(r.json()["text"] for r in slack)
    assert any("Bruno Keller" in t or "Alice Schmidt" in t for t in texts)
    for text in texts:
        assert text.startswith("*[Core] Your ")
        assert "Fri 27 Nov 2026" in text
    # A tampered body no longer matches its signature.
    hooks[0].body = hooks[0].body.replace(b"core", b"evil")
    assert not signature_ok("s3cret", hooks[0])


def test_a_turn_that_moves_is_announced_once_whatever_moved_it(
    database_url: str, team_engine: Engine
) -> None:
    clock = FixedClock(NOW)
    settings = settings_for(database_url)
    told: list[Delivery] = []
    channels = Channels(settings, log_sink=told.append)
    plan_all(team_engine, clock, timedelta(days=14))
    # The first look only records what everyone has: no flood on first start.
    assert rows(team_engine, kind=Kind.TURN_MOVED.value) == []

    day = NEXT + 3 * DAY
    before = holder(team_engine, Role.DEVELOPER, day)
    after = "bruno" if before == "alice" else "alice"
    give(team_engine, Role.DEVELOPER, day, after)
    with smtp_server() as (mailbox, port):
        settings = settings_for(database_url, port)
        channels = Channels(settings, log_sink=told.append)
        run_pass(team_engine, clock, settings, channels, "w1")
        run_pass(team_engine, clock, settings, channels, "w1")
    moved = rows(team_engine, kind=Kind.TURN_MOVED.value)
    assert [(r.recipient, r.change, r.at, r.status) for r in moved] == [
        (after, Change.ADDED.value, day, Status.SENT.value),
        (before, Change.REMOVED.value, day, Status.SENT.value),
    ]
    # Sent by concurrent senders: in no particular order.
    subjects = defaultdict(set)
    for m in mailbox.messages:
        subjects[str(m["To"]).split("<")[1].split("@")[0]].add(str(m["Subject"]))
    assert "[Core] A developer turn was added to your schedule" in subjects[after]
    assert subjects[before] == {"[Core] A developer turn was removed from your schedule"}
    # The old holder's reminders of that turn are cancelled. With two developers the new
    # holder now serves three days in a row: no new start, so no reminder of one.
    starts = rows(team_engine, kind=Kind.TURN_STARTS.value, at=day, role="developer")
    assert {(r.recipient, r.status) for r in starts} == {(before, Status.CANCELLED.value)}


def test_a_time_off_refill_from_a_team_file_moves_turns(
    database_url: str, team_engine: Engine, tmp_path: Path
) -> None:
    clock = FixedClock(NOW)
    plan_all(team_engine, clock, timedelta(days=14))
    day = NEXT + 4 * DAY
    before = holder(team_engine, Role.OPERATOR, day)
    off = TEAM + f'\n[[time_off]]\nmember = "{before}"\nstart = 2026-12-01\nend = 2026-12-01\n'
    with Session(team_engine) as session:
        load_team_files(
            session, [write_team(tmp_path, off)], NOW, settings_for(database_url).budget
        )
    assert holder(team_engine, Role.OPERATOR, day) != before
    plan_all(team_engine, clock, timedelta(days=14))
    moved = rows(team_engine, kind=Kind.TURN_MOVED.value, recipient=before)
    assert [(r.change, r.at) for r in moved] == [(Change.REMOVED.value, day)]


def test_a_reminder_for_a_turn_that_changed_hands_is_never_sent(
    database_url: str, team_engine: Engine
) -> None:
    clock = FixedClock(NOW)
    plan_all(team_engine, clock, timedelta(days=14))
    day = NEXT + DAY
    before = holder(team_engine, Role.DEVELOPER, day)
    after = "bruno" if before == "alice" else "alice"
    give(team_engine, Role.DEVELOPER, day, after)
    # Its 24 h reminder falls due before any planning pass saw the change.
    clock.set(day - DAY)
    with smtp_server() as (mailbox, port):
        deliver_due(team_engine, clock, Channels(settings_for(database_url, port)), "w1")
    subjects = [str(m["Subject"]) for m in mailbox.to(f"{before}@example.com")]
    assert subjects  # the handoff at NEXT is theirs: they hand over
    assert not [s for s in subjects if "turn starts" in s]
    (stale,) = rows(
        team_engine, kind=Kind.TURN_STARTS.value, at=day, recipient=before, lead_seconds=86400
    )
    assert stale.status == Status.CANCELLED.value


def test_after_downtime_what_is_still_useful_is_sent_once_and_the_rest_missed(
    database_url: str, team_engine: Engine
) -> None:
    clock = FixedClock(NOW)
    plan_all(team_engine, clock, timedelta(days=14))
    # Down from NOW until 30 minutes before the second handoff.
    clock.set(NEXT + DAY - timedelta(minutes=30))
    with smtp_server() as (mailbox, port):
        settings = settings_for(database_url, port)
        run_pass(team_engine, clock, settings, Channels(settings), "w1")
    subjects = [str(m["Subject"]) for m in mailbox.messages]
    # Tomorrow's two turns: one reminder each (the 1 h one, due 30 minutes ago), no burst.
    assert sorted(subjects) == [
        "[Core] Your developer turn starts in 30 minutes",
        "[Core] Your operator turn starts in 30 minutes",
    ]
    missed = rows(team_engine, status=Status.MISSED.value)
    kinds = sorted((r.kind, r.lead_seconds, r.at) for r in missed)
    assert kinds == sorted(
        [(Kind.HANDOFF.value, None, NEXT)] * 4  # the handoff an hour after: past its grace
        + [(Kind.TURN_STARTS.value, 86400, NEXT)] * 2  # today's turns started while down
        + [(Kind.TURN_STARTS.value, 3600, NEXT)] * 2
        + [(Kind.TURN_STARTS.value, 86400, NEXT + DAY)] * 2  # superseded by the 1 h one
    )


def test_failed_sends_retry_with_backoff_then_show_as_failed_and_a_lead_resends(
    database_url: str, team_engine: Engine
) -> None:
    clock = FixedClock(NOW)
    port = free_port()  # nobody listens there yet
    settings = settings_for(database_url, port)
    channels = Channels(settings)
    run_pass(team_engine, clock, settings, channels, "w1")
    (first, second) = rows(team_engine, status=Status.PENDING.value, attempts=1)
    assert first.next_attempt_at == NOW + backoff(1) == NOW + timedelta(seconds=30)
    assert "email to" in first.last_error
    for attempt in range(2, MAX_ATTEMPTS + 1):
        clock.set(clock.now() + backoff(attempt - 1) - timedelta(seconds=1))
        assert deliver_due(team_engine, clock, channels, "w1").retried == 0  # not yet
        clock.set(clock.now() + timedelta(seconds=1))
        deliver_due(team_engine, clock, channels, "w1")
    failed = rows(team_engine, status=Status.FAILED.value)
    assert {r.id for r in failed} == {first.id, second.id}
    assert all(r.attempts == MAX_ATTEMPTS for r in failed)

    with TestClient(create_app(settings, clock)) as client:
        with Session(team_engine) as session:
            _, lead = create_token(session, "lead", TokenRole.LEAD, ["core"], NOW)
            _, viewer = create_token(session, "viewer", TokenRole.VIEWER, [], NOW)
            session.commit()
        listed = client.get(
            "/v1/reminders",
            params={"team": "core", "status": "failed"},
            headers={"Authorization": f"Bearer {viewer}"},
        )
        assert listed.status_code == 200
        assert {r["id"] for r in listed.json()["reminders"]} == {first.id, second.id}
        assert listed.json()["reminders"][0]["last_error"]
        url = f"/v1/reminders/{first.id}/resend"
        assert client.post(url, headers={"Authorization": f"Bearer {viewer}"}).status_code == 403
        resent = client.post(url, headers={"Authorization": f"Bearer {lead}"})
        assert resent.status_code == 200, resent.text
        assert resent.json()["status"] == "pending"
        again = client.post(url, headers={"Authorization": f"Bearer {lead}"})
        assert again.status_code == 409
        assert again.headers["content-type"] == "application/problem+json"
        missing = client.post(
            "/v1/reminders/999999/resend", headers={"Authorization": f"Bearer {lead}"}
        )
        assert missing.status_code == 404
        bad = client.get(
            "/v1/reminders",
            params={"status": "lost"},
            headers={"Authorization": f"Bearer {viewer}"},
        )
        assert bad.status_code == 422
    with smtp_server_on(port) as mailbox:
        deliver_due(team_engine, clock, channels, "w1")
    assert len(mailbox.messages) == 1
    assert rows(team_engine, id=first.id)[0].status == Status.SENT.value
    assert rows(team_engine, id=second.id)[0].status == Status.FAILED.value


def test_uncovered_slots_alert_the_leads_once(database_url: str, tmp_path: Path) -> None:
    # Both operators are off on 2026-12-01 (Berlin): nobody can take the operator slot of the
    # two periods that day touches. One stretch, one alert.
    text = TEAM + "".join(
        f'\n[[time_off]]\nmember = "{who}"\nstart = 2026-12-01\nend = 2026-12-01\n'
        for who in ("omar", "petra")
    )
    text = text.replace('leads = ["omar"]', 'leads = ["alice"]')
    engine = open_database(database_url)
    with Session(engine) as session:
        load_team_files(
            session, [write_team(tmp_path, text)], NOW, settings_for(database_url).budget
        )
    clock = FixedClock(NOW)
    with smtp_server() as (mailbox, port):
        settings = settings_for(database_url, port)
        run_pass(engine, clock, settings, Channels(settings), "w1")
        clock.set(NOW + timedelta(hours=2))
        run_pass(engine, clock, settings, Channels(settings), "w1")
    alerts = [m for m in mailbox.messages if "UNCOVERED" in str(m["Subject"])]
    assert len(alerts) == 1
    assert str(alerts[0]["To"]) == "Alice Schmidt <alice@example.com>"
    assert "Mon 30 Nov 2026, 09:00 CET" in str(alerts[0]["Subject"])
    assert "to Wed 2 Dec 2026, 09:00 CET" in body(alerts[0])
    engine.dispose()


def test_the_worker_command_runs_one_pass(database_url: str, team_engine: Engine) -> None:
    from click.testing import CliRunner

    from api.cli import main

    with smtp_server() as (mailbox, port):
        result = CliRunner().invoke(
            main,
            ["worker", "--once"],
            obj={"settings": settings_for(database_url, port), "clock": FixedClock(NOW)},
        )
    assert result.exit_code == 0, result.output
    assert "sent 2," in result.output  # tomorrow's two holders
    assert len(mailbox.messages) == 2
    listed = CliRunner().invoke(
        main,
        ["reminders", "--team", "core", "--status", "sent", "--json"],
        obj={"settings": settings_for(database_url), "clock": FixedClock(NOW)},
    )
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.output)) == 2


@pytest.mark.parametrize("enabled", [True, False])
def test_serve_runs_the_reminder_loop_when_enabled(database_url: str, enabled: bool) -> None:
    settings = Settings(
        database_url=database_url,
        reminders_enabled=enabled,
        reminder_interval=3600,
        **TEST_SOLVER,  # type: ignore[arg-type]
    )
    with TestClient(create_app(settings, FixedClock(NOW))) as client:
        scheduler = client.app.state.scheduler  # type: ignore[attr-defined]
        jobs = [scheduler.get_job(f"reminders-{part}") for part in ("planning", "delivery")]
        assert all((job is not None) is enabled for job in jobs)
        assert all(job.trigger.interval == timedelta(hours=1) for job in jobs if job)


def test_own_lead_times_and_channels_and_the_handoff_note_reach_the_right_people(
    database_url: str, team_engine: Engine
) -> None:
    dev_today = holder(team_engine, Role.DEVELOPER, NEXT - DAY)
    dev_next = holder(team_engine, Role.DEVELOPER, NEXT)
    with Session(team_engine) as session:
        # The outgoing developer leaves a note; the incoming one wants 3 h and the log only.
        save_member_notify(
            session,
            "core",
            dev_today,
            MemberNotify(handoff_note="Deploy freeze until Monday."),
            NOW,
        )
        save_member_notify(
            session,
            "core",
            dev_next,
            MemberNotify(channels=(Channel.LOG,), lead_times=(timedelta(hours=3),)),
            NOW,
        )
        session.commit()
    clock = FixedClock(NOW)
    logged: list[Delivery] = []
    with smtp_server() as (mailbox, port):
        settings = settings_for(database_url, port)
        channels = Channels(settings, log_sink=logged.append)
        run_pass(team_engine, clock, settings, channels, "w1")
        starts = rows(team_engine, kind=Kind.TURN_STARTS.value, recipient=dev_next)
        assert {(r.channel, r.lead_seconds) for r in starts} == {("log", 3 * 3600)}
        clock.set(NEXT - timedelta(hours=3))
        run_pass(team_engine, clock, settings, channels, "w1")
        clock.set(NEXT)
        run_pass(team_engine, clock, settings, channels, "w1")
    (handed,) = [
        m for m in mailbox.to(f"{dev_today}@example.com") if "handoff" in str(m["Subject"])
    ]
    assert "Handoff note: Deploy freeze until Monday." in body(handed)
    (taken,) = [d for d in logged if d.message.subject.startswith("[Core] developer handoff")]
    assert taken.recipient is not None
    assert taken.recipient.id == dev_next
    assert "You take over" in taken.message.text
    assert "Handoff note: Deploy freeze until Monday." in taken.message.text
    assert [d.message.subject for d in logged if "turn starts" in d.message.subject] == [
        "[Core] Your developer turn starts in 3 hours"
    ]


def test_a_name_with_a_comma_and_an_accent_reaches_the_right_address(database_url: str) -> None:
    from email.utils import getaddresses

    from rotation.messages import Contact, Message

    with smtp_server() as (mailbox, port):
        channels = Channels(settings_for(database_url, port))
        recipient = Contact("zoe", "Zoë Müller, PhD", "zoe@example.com")
        channels.send(
            Delivery("key", Channel.EMAIL, recipient, Message("Grüße", "Text: ü"), payload={})
        )
    (mail,) = mailbox.messages
    assert getaddresses([str(mail["To"])])[0][1] == "zoe@example.com"
    assert body(mail).strip() == "Text: ü"


def test_a_failing_webhook_is_retried_and_its_secret_address_never_shown(
    database_url: str, tmp_path: Path
) -> None:
    engine = open_database(database_url)
    with Session(engine) as session:
        load_team_files(session, [write_team(tmp_path, WEBHOOK_TEAM)], NOW)
    with http_receiver() as receiver:
        receiver.status = 500
        secret_url = receiver.url("/hook-token-abc123")
        environ = {"CORE_HOOK": secret_url, "CORE_HOOK_SECRET": "k", "CORE_SLACK": secret_url}
        settings = settings_for(database_url)
        run_pass(engine, FixedClock(NOW), settings, Channels(settings, environ), "w1")
    retrying = rows(engine, status=Status.PENDING.value, attempts=1)
    assert {r.channel for r in retrying} == {"webhook", "slack"}
    for row in retrying:
        assert row.last_error.endswith("HTTP 500")
        assert "abc123" not in row.last_error
        assert row.next_attempt_at == NOW + backoff(1)
    missing = Channels(settings, environ={})
    clock = FixedClock(NOW + backoff(1))
    run_pass(engine, clock, settings, missing, "w1")
    assert {r.last_error for r in rows(engine, attempts=2)} == {
        "slack_webhook: environment variable CORE_SLACK is not set",
        "webhook_url: environment variable CORE_HOOK is not set",
    }
    engine.dispose()

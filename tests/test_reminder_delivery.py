"""Exactly once: two loops against one PostgreSQL database, and a loop killed mid-send."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api import repositories
from api.clock import FixedClock
from api.database import make_engine, open_database
from api.reminders import loop
from api.reminders.channels import Channels, Delivery
from api.reminders.delivery import deliver_due
from api.reminders.loop import plan_all, run_pass
from api.repositories.reminders import LEASE, Status
from api.settings import Settings
from api.tables import ReminderRow
from rotation import Channel, NotifyPolicy
from tests.conftest import NOW, TEST_SOLVER, _empty_postgres
from tests.reminder_parts import http_receiver, seed_teams

HANDOFF = datetime(2026, 11, 27, 8, tzinfo=UTC)  # 09:00 in Berlin
HORIZON = timedelta(days=14)


class Killed(BaseException):
    """The process dies: nothing after this line of the loop runs."""


def statuses(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        found: dict[str, int] = {}
        for row in session.exec(select(ReminderRow)):
            found[row.status] = found.get(row.status, 0) + 1
        return found


def due_keys(engine: Engine, at: datetime) -> set[str]:
    with Session(engine) as session:
        query = select(ReminderRow).where(
            ReminderRow.status == Status.PENDING.value,
            ReminderRow.next_attempt_at <= at,
            ReminderRow.expires_at > at,
        )
        return {row.key for row in session.exec(query)}


@pytest.fixture
def seeded(database_url: str) -> Iterator[Engine]:
    engine = open_database(database_url)
    with Session(engine) as session:
        seed_teams(session, 3, 60, NOW)
    plan_all(engine, FixedClock(HANDOFF - timedelta(hours=2)), HORIZON)
    yield engine
    engine.dispose()


def test_two_loops_on_one_postgresql_database_send_each_reminder_once(
    postgres_database: str,
) -> None:
    _empty_postgres(postgres_database)
    engine = open_database(postgres_database)
    with Session(engine) as session:
        seed_teams(session, 40, 60, NOW)
    plan_all(engine, FixedClock(HANDOFF - timedelta(hours=2)), HORIZON)
    # At the handoff: four handoff reminders and two "tomorrow" ones per team fall due.
    expected = due_keys(engine, HANDOFF)
    assert len(expected) == 40 * 6
    engine.dispose()

    settings = Settings(database_url=postgres_database, **TEST_SOLVER)  # type: ignore[arg-type]
    delivered: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def loop(worker: str) -> None:
        own = make_engine(postgres_database)  # a process of its own: its own pool
        channels = Channels(settings, log_sink=lambda d: delivered.append((d.key, worker)))
        try:
            start.wait()
            run_pass(own, FixedClock(HANDOFF), settings, channels, worker)
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=loop, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    keys = [key for key, _ in delivered]
    assert len(keys) == len(set(keys))  # nothing twice
    assert set(keys) == expected  # nothing lost
    check = make_engine(postgres_database)
    with Session(check) as session:
        sent = session.exec(select(ReminderRow).where(ReminderRow.status == "sent")).all()
        assert {row.key for row in sent} == expected
        # Each row names the loop that sent it, and it is the one that delivered it.
        by_key = dict(delivered)
        assert all(row.claimed_by is None for row in sent)
        assert {by_key[row.key] for row in sent} <= {"one", "two"}
    check.dispose()


def test_a_loop_killed_mid_send_loses_nothing_and_repeats_nothing_delivered(
    database_url: str, seeded: Engine
) -> None:
    clock = FixedClock(HANDOFF)
    expected = due_keys(seeded, HANDOFF)
    assert len(expected) == 3 * 6
    settings = Settings(database_url=database_url, **TEST_SOLVER)  # type: ignore[arg-type]
    delivered: list[str] = []

    def dies_on_the_third(delivery: Delivery) -> None:
        if len(delivered) == 2:
            raise Killed  # killed while sending the third, before it went out
        delivered.append(delivery.key)

    with pytest.raises(Killed):
        deliver_due(seeded, clock, Channels(settings, log_sink=dies_on_the_third), "first")
    assert statuses(seeded)["sent"] == 2
    # The one it died on and the rest of its claims stay claimed until the lease ends.
    assert statuses(seeded)["sending"] == len(expected) - 2

    # Restarted at once: the dead loop's claims are still leased, nothing goes out twice.
    restarted = Channels(settings, log_sink=lambda d: delivered.append(d.key))
    deliver_due(seeded, clock, restarted, "second")
    assert len(delivered) == 2
    # Once the dead loop's lease has run out, its reminders are taken over and sent.
    clock.set(HANDOFF + LEASE + timedelta(seconds=1))
    deliver_due(seeded, clock, restarted, "second")
    assert len(delivered) == len(set(delivered))
    assert set(delivered) == expected
    assert "sending" not in statuses(seeded)


def test_a_loop_killed_between_delivering_and_recording_repeats_one_delivery_with_its_id(
    database_url: str, seeded: Engine
) -> None:
    """The one window no database can close: the receiver took the message, the process died
    before recording it. The repeat carries the same delivery id, so the receiver drops it."""
    with Session(seeded) as session:  # as if the team had used its webhook all along
        for row in session.exec(select(ReminderRow)):
            row.channel = "webhook"
            session.add(row)
        session.commit()
    expected = due_keys(seeded, HANDOFF)
    settings = Settings(database_url=database_url, **TEST_SOLVER)  # type: ignore[arg-type]
    clock = FixedClock(HANDOFF)

    class DiesAfterTheFirstPost(Channels):
        died = False

        def post(self, url: str, body: bytes, headers: dict[str, str], d: Delivery) -> None:
            super().post(url, body, headers, d)
            if not self.died:
                DiesAfterTheFirstPost.died = True
                raise Killed

    with http_receiver() as receiver:
        environ = {"HOOK": receiver.url("/hook"), "HOOK_SECRET": "k"}
        notify = NotifyPolicy(
            (Channel.WEBHOOK,), webhook_url="env:HOOK", webhook_secret="env:HOOK_SECRET"
        )
        with Session(seeded) as session:
            for team in repositories.list_teams(session):
                repositories.save_team(session, replace(team, notify=notify), NOW)
            session.commit()
        with pytest.raises(Killed):
            deliver_due(seeded, clock, DiesAfterTheFirstPost(settings, environ), "first")
        clock.set(HANDOFF + LEASE + timedelta(seconds=1))
        deliver_due(seeded, clock, Channels(settings, environ), "second")
    ids = [request.headers["X-Rota-Delivery"] for request in receiver.requests]
    assert len(ids) == len(expected) + 1  # the one repeat on the wire ...
    assert len(set(ids)) == len(expected)  # ... with the id of the one it repeats
    assert statuses(seeded)["sent"] == len(expected)
    assert "sending" not in statuses(seeded)


def test_claims_a_slow_loop_cannot_honour_in_time_are_given_back(
    database_url: str, seeded: Engine
) -> None:
    clock = FixedClock(HANDOFF)
    expected = due_keys(seeded, HANDOFF)
    settings = Settings(database_url=database_url, **TEST_SOLVER)  # type: ignore[arg-type]
    delivered: list[str] = []

    def slow(delivery: Delivery) -> None:  # each send takes a minute
        delivered.append(delivery.key)
        clock.set(clock.now() + timedelta(minutes=1))

    deliver_due(seeded, clock, Channels(settings, log_sink=slow), "slow")
    # Claimed at HANDOFF with a two-minute lease and a 30 s send timeout: two sends fit.
    assert len(delivered) == 2
    with Session(seeded) as session:
        back = session.exec(select(ReminderRow).where(ReminderRow.key.in_(expected))).all()  # type: ignore[attr-defined]
        assert sorted(r.status for r in back).count("pending") == len(expected) - 2
        assert all(r.attempts == 0 and r.claimed_by is None for r in back if r.status == "pending")
    deliver_due(seeded, clock, Channels(settings, log_sink=lambda d: delivered.append(d.key)), "b")
    assert sorted(delivered) == sorted(expected)


def test_senders_deliver_at_once_and_never_more_of_them_than_asked(
    database_url: str, seeded: Engine
) -> None:
    expected = due_keys(seeded, HANDOFF)
    settings = Settings(database_url=database_url, **TEST_SOLVER)  # type: ignore[arg-type]
    together = threading.Barrier(4, timeout=10)  # a serial loop would break it
    lock = threading.Lock()
    sending, peak, delivered = 0, 0, []

    def slow(delivery: Delivery) -> None:
        nonlocal sending, peak
        with lock:
            sending += 1
            peak = max(peak, sending)
            first = len(delivered) < 4
            delivered.append(delivery.key)
        if first:
            together.wait()
        time.sleep(0.02)
        with lock:
            sending -= 1

    outcome = deliver_due(
        seeded, FixedClock(HANDOFF), Channels(settings, log_sink=slow), "w", senders=4
    )
    assert peak == 4
    assert sorted(delivered) == sorted(expected)
    assert outcome.sent == len(expected) == len(outcome.delays)
    assert statuses(seeded).get("sending", 0) == 0


def test_delivery_runs_while_a_planning_pass_is_still_under_way(
    database_url: str, seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = due_keys(seeded, HANDOFF)
    planning, release = threading.Event(), threading.Event()

    def stuck_planning(*args: object, **kwargs: object) -> tuple[list[object], int]:
        planning.set()
        release.wait(30)
        return [], 0

    monkeypatch.setattr(loop, "plan_all", stuck_planning)
    settings = Settings(database_url=database_url, reminder_interval=1, **TEST_SOLVER)  # type: ignore[arg-type]
    scheduler = BackgroundScheduler(timezone="UTC")
    control = loop.schedule_reminders(scheduler, seeded, FixedClock(HANDOFF), settings)
    scheduler.start()
    try:
        assert planning.wait(10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and statuses(seeded).get("sent", 0) < len(expected):
            time.sleep(0.1)
        assert statuses(seeded).get("sent", 0) == len(expected)
        assert not release.is_set()  # all sent while the planning pass was held up
    finally:
        release.set()
        control.stop()
        scheduler.shutdown(wait=True)

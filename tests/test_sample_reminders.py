"""The samples run clean: without a mail server, reminders asked for by email go to the log
(no stream of failed sends); with one, they go by email."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.reminders.channels import Channels
from api.reminders.loop import run_pass
from api.reminders.planner import usable_channels
from api.settings import Settings
from api.tables import ReminderRow
from rotation import Channel
from tests.conftest import NOW, TEST_SOLVER


def channels_planned(session: Session) -> set[str]:
    return {row.channel for row in session.exec(select(ReminderRow))}


def test_without_smtp_the_samples_remind_through_the_log(
    client: TestClient, session: Session, samples: None, database_url: str
) -> None:
    settings = Settings(database_url=database_url, **TEST_SOLVER)  # type: ignore[arg-type]
    assert settings.smtp_host is None
    engine = client.app.state.engine  # type: ignore[attr-defined]
    logged = []
    channels = Channels(settings, log_sink=logged.append)
    clock = client.app.state.clock  # type: ignore[attr-defined]
    for hours in range(0, 24 * 8, 12):  # a week of passes: every sample team has a turn
        clock.set(NOW + timedelta(hours=hours))
        report = run_pass(engine, clock, settings, channels, "test")
        assert report.delivered.failed == 0
        assert report.delivered.retried == 0
    assert channels_planned(session) == {"log"}
    assert logged  # the reminders went out, to the log


def test_with_smtp_the_samples_plan_email(
    client: TestClient, session: Session, samples: None, database_url: str
) -> None:
    from api.reminders.loop import plan_all

    engine = client.app.state.engine  # type: ignore[attr-defined]
    plan_all(engine, client.app.state.clock, timedelta(days=14), email=True)  # type: ignore[attr-defined]
    assert "email" in channels_planned(session)


def test_usable_channels_swap_email_for_the_log_once() -> None:
    both = (Channel.EMAIL, Channel.LOG)
    assert usable_channels(both, email=True) == both
    assert usable_channels(both, email=False) == (Channel.LOG,)
    assert usable_channels((Channel.SLACK, Channel.EMAIL), email=False) == (
        Channel.SLACK,
        Channel.LOG,
    )

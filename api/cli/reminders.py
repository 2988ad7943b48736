"""Reminder commands: `rota worker` (the reminder loop alone) and `rota reminders` (the queue)."""

from __future__ import annotations

import signal

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from rich.table import Table
from sqlmodel import Session

from api import repositories
from api.app import extend_plans, schedule_plan_extension
from api.cli.base import (
    clock_of,
    console,
    database_url,
    emit_json,
    main,
    open_session,
    settings_of,
)
from api.database import open_database
from api.logging_setup import configure_logging
from api.metrics import serve_metrics
from api.reminders.channels import Channels
from api.reminders.loop import run_pass, schedule_reminders, worker_name
from api.repositories import reminders as store
from api.repositories.reminders import Status
from api.schemas.reminders import ReminderPublic
from api.slack.loop import run_slack_pass
from rotation.notify import format_duration


@main.command()
@click.option("--once", is_flag=True, help="Run one pass and exit (for cron or a check).")
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Serve Prometheus metrics (reminders sent, failed, delays) on this port.",
)
@click.pass_context
def worker(ctx: click.Context, once: bool, metrics_port: int | None) -> None:
    """Run the reminder loop alone: a pass every ROTA_REMINDER_INTERVAL seconds.

    Any number of workers (and `rota serve` processes) may run on one database: each reminder
    is sent once. SIGTERM (or Ctrl-C) lets the pass under way finish the message it is sending,
    gives the rest of its claims back and exits.
    """
    settings = settings_of(ctx)
    clock = clock_of(ctx)
    configure_logging(settings)
    engine = open_database(database_url(ctx), settings.reminder_senders)
    try:
        extend_plans(engine, clock, settings.budget)
        if once:
            name = worker_name()
            report = run_pass(engine, clock, settings, Channels(settings), name)
            done = report.delivered
            click.echo(
                f"planned {sum(p.queued for p in report.planned)} reminders for "
                f"{len(report.planned)} teams; sent {done.sent}, retrying {done.retried}, "
                f"failed {done.failed}, missed {done.missed}, cancelled {done.cancelled}"
            )
            slack = run_slack_pass(engine, clock, settings, name).delivered
            click.echo(
                f"slack: sent {slack.sent}, retrying {slack.retried}, failed {slack.failed}, "
                f"missed {slack.missed}, cancelled {slack.cancelled}"
            )
            return
        if metrics_port is not None:
            serve_metrics(metrics_port, engine, clock)
        scheduler = BlockingScheduler(timezone="UTC")
        control = schedule_reminders(scheduler, engine, clock, settings)
        # The worker may be all that runs for a while: keep the plans reaching their horizon.
        schedule_plan_extension(scheduler, engine, clock, settings.budget)
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        click.echo(f"reminder worker: a pass every {settings.reminder_interval} s; Ctrl-C stops")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            control.stop()
            scheduler.shutdown(wait=True)
    finally:
        engine.dispose()


def _exit_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


@main.command()
@click.option("--team", help="Only this team's reminders.")
@click.option("--status", type=click.Choice([s.value for s in Status]), help="Only these.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def reminders(
    ctx: click.Context, team: str | None, status: str | None, limit: int, as_json: bool
) -> None:
    """The reminder queue, newest first."""
    with open_session(ctx) as session:
        found = _list(session, team, status, limit)
        teams = {t.id: t for t in repositories.list_teams(session)}
    if as_json:
        emit_json([ReminderPublic.of(r).model_dump(mode="json") for r in found])
        return
    table = Table("id", "team", "kind", "role", "to", "channel", "at (team time)", "status")
    for r in found:
        zone = teams[r.team].policy.zone if r.team in teams else None
        at = r.at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z") if zone else r.at.isoformat()
        lead = f" -{format_duration(r.lead)}" if r.lead else ""
        table.add_row(
            str(r.id),
            r.team,
            f"{r.kind.value}{lead}",
            r.role.value,
            r.recipient or "(team)",
            r.channel.value,
            at,
            r.status.value + (f": {r.last_error}" if r.last_error else ""),
        )
    console().print(table)


def _list(
    session: Session, team: str | None, status: str | None, limit: int
) -> list[store.Reminder]:
    if team is not None:
        repositories.get_team_row(session, team)
    return store.list_reminders(session, team, Status(status) if status else None, limit, None)

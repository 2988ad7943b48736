"""The everyday commands: serve, load, who, schedule, fairness, db."""

from __future__ import annotations

import logging
import os
import secrets
from typing import Any

import click
from pydantic import TypeAdapter
from rich.table import Table

from api import planning, repositories, views
from api.cli.base import (
    clock_of,
    console,
    emit_json,
    local_time,
    main,
    open_session,
    settings_of,
    when,
)
from api.concurrency import lock_team
from api.loader import load_team_files
from api.planning import PlanUpdate, refresh_plan
from api.repositories import audit
from api.schemas import AllOnSupportPublic, OnSupportPublic
from api.settings import listening_url, settings_environment
from rotation.fairness import FairnessReport

log = logging.getLogger("rota")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes on the one port; each answers with ROTA_THREADS threads.",
)
@click.pass_context
def serve(ctx: click.Context, files: tuple[str, ...], host: str, port: int, workers: int) -> None:
    """Load team FILES (if any), then serve the API, feeds and page, and run the reminder loop
    (unless ROTA_REMINDERS_ENABLED is false). With --workers N, N processes share the port
    (and the database: every answer stays coherent across them)."""
    import uvicorn

    from api.app import create_app
    from api.logging_setup import configure_logging

    settings = settings_of(ctx).served_at(host, port)
    configure_logging(settings)
    if files:
        with open_session(ctx, create=True) as session:
            for loaded in load_team_files(
                session, files, clock_of(ctx).now(), settings_of(ctx).budget
            ):
                click.echo(f"loaded {loaded.team_id} from {loaded.path}")
    log.info(
        "serving on %s; links in feeds and messages start with %s%s",
        listening_url(host, port),
        settings.public_url,
        "" if "public_url" in settings_of(ctx).model_fields_set else " (ROTA_PUBLIC_URL unset)",
    )
    # log_config=None: uvicorn's loggers go through the handler configured above.
    # date_header=False: the app writes Date from its own clock (`api.http_headers`).
    options: dict[str, Any] = {"host": host, "port": port, "log_config": None, "date_header": False}
    if workers == 1:
        uvicorn.run(create_app(settings, clock_of(ctx)), **options)
        return
    if settings.session_secret is None and settings.development:
        # One page session secret for all the workers: a cookie one signs, the others read.
        settings = settings.model_copy(update={"session_secret": secrets.token_urlsafe(32)})
    # Each worker process builds its app from the environment: hand it these settings there.
    os.environ.update(settings_environment(settings))
    uvicorn.run("api.launch:worker_app", factory=True, workers=workers, **options)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def load(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Validate and load team FILES; nothing is written unless every file is valid."""
    with open_session(ctx, create=True) as session:
        loaded = load_team_files(session, files, clock_of(ctx).now(), settings_of(ctx).budget)
    rows = [
        {
            "team": item.team_id,
            "file": item.path,
            "created": item.created,
            "members": item.members,
            "time_off": item.time_off,
            "slots_added": item.update.added,
            "slots_changed": len(item.update.changed),
        }
        for item in loaded
    ]
    if as_json:
        emit_json(rows)
        return
    table = Table("team", "file", "", "members", "time off", "slots added", "slots changed")
    for row in rows:
        table.add_row(
            str(row["team"]),
            str(row["file"]),
            "created" if row["created"] else "updated",
            str(row["members"]),
            str(row["time_off"]),
            str(row["slots_added"]),
            str(row["slots_changed"]),
        )
    console().print(table)


@main.command()
@click.argument("team", required=False)
@click.option("--at", "at", help="An instant with offset (2027-03-01T10:00:00Z) or a date.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def who(ctx: click.Context, team: str | None, at: str | None, as_json: bool) -> None:
    """Who is on support now (or --at an instant), for TEAM or every team."""
    clock = clock_of(ctx)
    with open_session(ctx) as session:
        teams = [repositories.get_team(session, team)] if team else repositories.list_teams(session)
        answers = [
            (t, views.on_support_view(session, t, when(at, t, clock, "--at"))) for t in teams
        ]
    if as_json:
        if team:
            emit_json(answers[0][1])
        else:
            moment = answers[0][1].at if answers else clock.now()
            emit_json(AllOnSupportPublic(at=moment, teams=[a for _, a in answers]))
        return
    table = Table("team", "developer", "operator", "until (team time)", "note")
    for found, answer in answers:
        table.add_row(
            found.id, *_holders(answer), local_time(answer.next_handoff, found), _note(answer)
        )
    console().print(table)


def _holders(answer: OnSupportPublic) -> tuple[str, str]:
    def name(holder: Any, role: str) -> str:
        if holder is None:
            return "-" if answer.period is None else f"UNCOVERED ({role})"
        suffix = f" [{holder.source}]" if holder.source != "rotation" else ""
        return f"{holder.name} <{holder.email}>{suffix}"

    return name(answer.developer, "developer"), name(answer.operator, "operator")


def _note(answer: OnSupportPublic) -> str:
    return "not started yet" if answer.period is None else ""


@main.command()
@click.argument("team")
@click.option("--since", help="Instant with offset or date (default now).")
@click.option("--until", help="Instant with offset or date (default four weeks on).")
@click.option(
    "--regenerate",
    is_flag=True,
    help="First re-plan after the frozen window, changing as little as fairness allows.",
)
@click.option("--reason", default="", help="Why, for the audit log (with --regenerate).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def schedule(
    ctx: click.Context,
    team: str,
    since: str | None,
    until: str | None,
    regenerate: bool,
    reason: str,
    as_json: bool,
) -> None:
    """The resolved schedule of TEAM, one line per stretch."""
    clock = clock_of(ctx)
    with open_session(ctx) as session:
        found = repositories.get_team(session, team)
        if regenerate:
            lock_team(session, team)  # like `POST .../schedule/generate`
            update = refresh_plan(
                session, team, clock.now(), regenerate=True, budget=settings_of(ctx).budget
            )
            planning.record_plan_update(
                session,
                at=clock.now(),
                actor=audit.CLI,
                team_id=team,
                update=update,
                regenerate=True,
                reason=reason,
            )
            session.commit()
            if not as_json:
                click.echo(_regenerated(update), err=True)
        start = when(since, found, clock, "--since")
        end = when(until, found, clock, "--until") if until else None
        answer = views.schedule_view(session, found, start, end)
        names = repositories.people(session, (e.member for e in answer.entries))
    if as_json:
        emit_json(answer)
        return
    table = Table("from (team time)", "to", "role", "member", "source")
    for entry in answer.entries:
        person = names.get(entry.member) if entry.member else None
        table.add_row(
            local_time(entry.start, found),
            local_time(entry.end, found),
            entry.role.value,
            person.name if person else "UNCOVERED",
            entry.source.value,
        )
    console().print(table)


def _regenerated(update: PlanUpdate) -> str:
    changed = len(update.changed)
    line = f"regenerated: {changed} changed, {update.forced} forced, {update.added} added"
    solve = update.solve
    if solve is not None:
        proof = "proven optimal" if solve.balance_optimal else f"gap {solve.gap:.2f}"
        line += f"; balance {proof} ({solve.method}, {solve.seconds:.1f} s)"
    return line


@main.command()
@click.argument("team")
@click.option("--since", help="Instant with offset or date (default: the fairness window).")
@click.option("--until", help="Instant with offset or date (default: the end of the plan).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def fairness(
    ctx: click.Context, team: str, since: str | None, until: str | None, as_json: bool
) -> None:
    """The fairness report of TEAM: load, share and deviation per member and role."""
    clock = clock_of(ctx)
    settings = settings_of(ctx)
    with open_session(ctx) as session:
        found = repositories.get_team(session, team)
        start = when(since, found, clock, "--since") if since else None
        end = when(until, found, clock, "--until") if until else None
        report = views.fairness_view(session, found, start, end, clock.now(), settings.budget)
    if as_json:
        click.echo(TypeAdapter(FairnessReport).dump_json(report, indent=2).decode())
        return
    out = console()
    out.print(
        f"{found.name}: {local_time(report.since, found)} to {local_time(report.until, found)}"
    )
    for role in report.roles:
        table = Table(
            "member",
            "periods",
            "hours",
            "weekend h",
            "holiday h",
            "load",
            "share",
            "dev/weight",
            "carried h (n)",
            title=f"{role.role.value}s",
        )
        for member in role.members:
            table.add_row(
                member.member,
                str(member.periods),
                f"{member.hours:.0f}",
                f"{member.weekend_hours:.0f}",
                f"{member.holiday_hours:.0f}",
                f"{member.load:.2f}",
                f"{member.share:.2f}",
                f"{member.deviation_per_weight:+.2f}",
                f"{member.carried:.1f} ({member.interrupts})",
            )
        out.print(table)
        bound = "n/a" if role.lower_bound is None else f"{role.lower_bound:.2f}"
        out.print(
            f"max |dev/weight| {role.max_abs_deviation_per_weight:.2f} (lower bound {bound}), "
            f"spread {role.spread:.2f}, Jain {role.jain:.3f}, balance {role.balance:.3f}, "
            f"back-to-back {role.back_to_back}, coverage {role.coverage:.1%}"
        )
        for gap in role.uncovered:
            out.print(
                f"  UNCOVERED {local_time(gap.start, found)} to "
                f"{local_time(gap.end, found)}: {gap.reason}"
            )
    pair = report.most_repeated_pair
    if pair is not None:
        out.print(
            f"pairs: {report.distinct_pairs} distinct; most repeated {pair.developer} with "
            f"{pair.operator}, {pair.count} times"
        )


@main.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or upgrade the schema of ROTA_DATABASE_URL."""
    with open_session(ctx, create=True):
        pass
    click.echo("database is up to date")

"""The lead's commands for time off and overrides, and what the swap commands share with them.

They call the same code as the API (`api.adjustments`), act with an admin's rights (whoever runs
them can open the database) and are recorded in the audit log as `cli`.
"""

from __future__ import annotations

import click
from rich.table import Table

from api import repositories
from api.adjustments.overrides import add_override, delete_override
from api.adjustments.time_off import add_time_off, delete_time_off
from api.cli.base import (
    clock_of,
    console,
    emit_json,
    local_time,
    main,
    moment,
    open_session,
    settings_of,
)
from api.principals import Principal, TokenRole
from api.repositories import audit
from api.schemas.adjustments import (
    ChangePublic,
    OverrideCreate,
    OverridePublic,
    TimeOffCreate,
    TimeOffPublic,
)
from rotation import Role, Team

CLI_ACTOR = Principal(audit.CLI, TokenRole.ADMIN)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
reason_option = click.option("--reason", default="", help="Why, for the audit log.")


def print_changes(team: Team, changed: list[ChangePublic]) -> None:
    if not changed:
        click.echo("nobody was moved")
        return
    table = Table("team", "role", "from (team time)", "to", "before", "after")
    for change in changed:
        table.add_row(
            change.team,
            change.role.value,
            local_time(change.start, team),
            local_time(change.end, team),
            change.before or "UNCOVERED",
            change.after or "UNCOVERED",
        )
    console().print(table)


# Time off


@main.group("timeoff")
def timeoff() -> None:
    """Time off: a member cannot be on support; what it hits is refilled fairly."""


@timeoff.command("add")
@click.argument("team")
@click.argument("member")
@click.option("--start", required=True, help="Instant with offset, or a date (whole day).")
@click.option("--end", required=True, help="Instant with offset (exclusive), or the last date.")
@reason_option
@json_option
@click.pass_context
def timeoff_add(
    ctx: click.Context, team: str, member: str, start: str, end: str, reason: str, as_json: bool
) -> None:
    """Give MEMBER of TEAM time off; print who was moved."""
    body = TimeOffCreate(
        member=member,
        start=moment(start, "--start"),
        end=moment(end, "--end"),
        reason=reason,
    )
    with open_session(ctx) as session:
        answer = add_time_off(
            session, team, body, CLI_ACTOR, clock_of(ctx).now(), settings_of(ctx).budget
        )
        session.commit()
        found = repositories.get_team(session, team)
    if as_json:
        emit_json(answer)
        return
    click.echo(
        f"time off {answer.id} for {answer.member}: {local_time(answer.start, found)} to "
        f"{local_time(answer.end, found)}"
    )
    print_changes(found, answer.changed)
    for duty in answer.still_on_duty:
        click.echo(
            f"still on duty (period already started; add an override): {duty.role.value} "
            f"{local_time(duty.start, found)} to {local_time(duty.end, found)}"
        )


@timeoff.command("list")
@click.argument("team")
@click.option("--member", default=None, help="Only this member's.")
@json_option
@click.pass_context
def timeoff_list(ctx: click.Context, team: str, member: str | None, as_json: bool) -> None:
    """The time off of TEAM's members."""
    with open_session(ctx) as session:
        found = repositories.get_team(session, team)
        rows = [
            TimeOffPublic.of(r) for r in repositories.time_off_rows(session, team, member=member)
        ]
    if as_json:
        emit_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("id", "member", "from (team time)", "to", "reason", "source")
    for row in rows:
        table.add_row(
            str(row.id),
            row.member,
            local_time(row.start, found),
            local_time(row.end, found),
            row.reason,
            row.source,
        )
    console().print(table)


@timeoff.command("remove")
@click.argument("team")
@click.argument("time_off_id", type=int)
@json_option
@click.pass_context
def timeoff_remove(ctx: click.Context, team: str, time_off_id: int, as_json: bool) -> None:
    """Remove time off TIME_OFF_ID of TEAM; slots it left uncovered are filled again."""
    with open_session(ctx) as session:
        answer = delete_time_off(
            session,
            team,
            time_off_id,
            CLI_ACTOR,
            clock_of(ctx).now(),
            None,
            settings_of(ctx).budget,
        )
        session.commit()
        found = repositories.get_team(session, team)
    if as_json:
        emit_json(answer)
        return
    click.echo(f"removed time off {answer.id} of {answer.member}")
    print_changes(found, answer.changed)


# Overrides


@main.group("override")
def override() -> None:
    """Overrides: a member holds a slot instead of the rotation's choice for a while."""


@override.command("add")
@click.argument("team")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.argument("member")
@click.option("--start", default=None, help="Instant with offset or date (default now).")
@click.option("--end", required=True, help="Instant with offset (exclusive), or the last date.")
@click.option("--force", is_flag=True, help="Allow an override in the past (a correction).")
@reason_option
@json_option
@click.pass_context
def override_add(
    ctx: click.Context,
    team: str,
    role: str,
    member: str,
    start: str | None,
    end: str,
    force: bool,
    reason: str,
    as_json: bool,
) -> None:
    """Put MEMBER in TEAM's ROLE slot from --start to --end."""
    body = OverrideCreate(
        role=Role(role),
        member=member,
        start=moment(start, "--start"),
        end=moment(end, "--end"),
        reason=reason,
        force=force,
    )
    with open_session(ctx) as session:
        answer = add_override(session, team, body, CLI_ACTOR, clock_of(ctx).now())
        session.commit()
        found = repositories.get_team(session, team)
    if as_json:
        emit_json(answer)
        return
    click.echo(f"override {answer.id}: {answer.member} holds the {answer.role.value} slot")
    print_changes(found, answer.changed)


@override.command("list")
@click.argument("team")
@json_option
@click.pass_context
def override_list(ctx: click.Context, team: str, as_json: bool) -> None:
    """TEAM's overrides."""
    with open_session(ctx) as session:
        found = repositories.get_team(session, team)
        rows = [OverridePublic.of(r) for r in repositories.override_rows(session, team)]
    if as_json:
        emit_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("id", "role", "member", "from (team time)", "to", "reason", "by")
    for row in rows:
        table.add_row(
            str(row.id),
            row.role.value,
            row.member,
            local_time(row.start, found),
            local_time(row.end, found),
            row.reason,
            row.created_by,
        )
    console().print(table)


@override.command("remove")
@click.argument("team")
@click.argument("override_id", type=int)
@click.option("--force", is_flag=True, help="Remove it even if it is over or under way.")
@reason_option
@json_option
@click.pass_context
def override_remove(
    ctx: click.Context, team: str, override_id: int, force: bool, reason: str, as_json: bool
) -> None:
    """Cancel override OVERRIDE_ID of TEAM (one under way ends now)."""
    with open_session(ctx) as session:
        answer = delete_override(
            session, team, override_id, CLI_ACTOR, clock_of(ctx).now(), force=force, reason=reason
        )
        session.commit()
        found = repositories.get_team(session, team)
    if as_json:
        emit_json(answer)
        return
    click.echo(f"override {answer.id} cancelled")
    print_changes(found, answer.changed)

"""`rota token`: create, list and revoke API tokens (recorded in the audit log)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import click
from rich.table import Table

from api import tokens
from api.cli.base import clock_of, console, emit_json, main, moment, open_session
from api.principals import TokenRole
from api.repositories import audit
from api.repositories.tokens import list_tokens
from api.schemas.tokens import TokenCreate, TokenPublic


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in TokenRole]))
@click.option("--team", "teams", multiple=True, help="A team a lead token leads (repeatable).")
@click.option("--member", default=None, help="The person a member token acts as.")
@click.option("--name", default=None, help="Who or what uses it; shown in the audit log.")
@click.option(
    "--expires", default=None, help="When it stops working: an instant or a date (UTC midnight)."
)
@click.pass_context
def token_create(
    ctx: click.Context,
    role: str,
    teams: tuple[str, ...],
    member: str | None,
    name: str | None,
    expires: str | None,
) -> None:
    """Create an API token and print it alone on the last line (it is shown only once).

    A member token (--role member --member alice) reads and acts for alice alone: her time off,
    her swaps, her handoff note and reminder settings, her own feed token."""
    kind = TokenRole(role)
    if kind is TokenRole.LEAD and not teams:
        raise click.BadParameter("a lead token needs at least one --team", param_hint="--team")
    if (kind is TokenRole.MEMBER) != (member is not None):
        raise click.BadParameter(
            "a member token needs --member, and only a member token takes it",
            param_hint="--member",
        )
    default_name = f"{member}-token" if member else f"{role}-token"
    wanted = TokenCreate(
        name=name or default_name,
        role=kind,
        teams=list(teams),
        member=member,
        expires_at=_expiry(expires),
    )
    with open_session(ctx) as session:
        row, secret = tokens.issue_token(session, wanted, audit.CLI, clock_of(ctx).now())
    scope = f" for {', '.join(row.teams)}" if row.teams else ""
    scope += f" acting as {row.member}" if row.member else ""
    until = f", expires {row.expires_at.isoformat()}" if row.expires_at else ""
    click.echo(f"created {row.role} token {row.name!r} (id {row.id}){scope}{until}; store it now:")
    click.echo(secret)


@token.command("list")
@click.option("--revoked", is_flag=True, help="Include revoked tokens.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def token_list(ctx: click.Context, revoked: bool, as_json: bool) -> None:
    """Every token, oldest first, without secrets."""
    now = clock_of(ctx).now()
    with open_session(ctx) as session:
        rows = [TokenPublic.of(r, now) for r in list_tokens(session, include_revoked=revoked)]
    if as_json:
        emit_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("id", "name", "role", "teams or member", "status", "created", "expires")
    for row in rows:
        table.add_row(
            str(row.id),
            row.name,
            row.role.value,
            ", ".join(row.teams) or (row.member or ""),
            row.status,
            _utc(row.created_at),
            _utc(row.expires_at) if row.expires_at else "never",
        )
    console().print(table)


@token.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
@click.pass_context
def token_revoke(ctx: click.Context, token_id: int) -> None:
    """Revoke a token by id (see `rota token list`): it is refused from now on."""
    with open_session(ctx) as session:
        row = tokens.revoke_token(session, token_id, audit.CLI, clock_of(ctx).now())
    click.echo(f"revoked {row.role} token {row.name!r} (id {row.id})")


def _expiry(value: str | None) -> datetime | None:
    parsed = moment(value, "--expires")
    if parsed is None or isinstance(parsed, datetime):
        return parsed
    return datetime.combine(parsed, time(0), UTC)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")

"""The lead's swap commands and the audit log; like `api.cli.adjust`, they act as `cli`."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from api import repositories, views
from api.adjustments.swaps import accept_swap, approve_swap, ask_swap, decline_swap
from api.cli.adjust import CLI_ACTOR, json_option, print_changes, reason_option
from api.cli.base import clock_of, console, emit_json, local_time, main, moment, open_session
from api.repositories import audit
from api.schemas.adjustments import SwapCreate, SwapPublic
from rotation import Role

# Swaps


@main.group("swap")
def swap() -> None:
    """Swaps: two members of one role exchange two future turns."""


@swap.command("ask")
@click.argument("team")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.argument("from_member")
@click.argument("from_period")
@click.argument("to_member")
@click.argument("to_period")
@reason_option
@json_option
@click.pass_context
def swap_ask(
    ctx: click.Context,
    team: str,
    role: str,
    from_member: str,
    from_period: str,
    to_member: str,
    to_period: str,
    reason: str,
    as_json: bool,
) -> None:
    """FROM_MEMBER offers their turn in FROM_PERIOD for TO_MEMBER's in TO_PERIOD (each an
    instant or a date inside the period)."""
    body = SwapCreate(
        role=Role(role),
        from_member=from_member,
        from_period_start=moment(from_period, "FROM_PERIOD"),
        to_member=to_member,
        to_period_start=moment(to_period, "TO_PERIOD"),
        reason=reason,
    )
    with open_session(ctx) as session:
        answer = ask_swap(session, team, body, CLI_ACTOR, clock_of(ctx).now())
        session.commit()
    _print_swap(answer, as_json)


def _decide(
    ctx: click.Context, decide: Any, team: str, swap_id: int, reason: str, as_json: bool
) -> None:
    with open_session(ctx) as session:
        answer = decide(session, team, swap_id, CLI_ACTOR, clock_of(ctx).now(), reason=reason)
        session.commit()
        found = repositories.get_team(session, team)
    _print_swap(answer, as_json)
    if not as_json:
        print_changes(found, answer.changed)


@swap.command("accept")
@click.argument("team")
@click.argument("swap_id", type=int)
@reason_option
@json_option
@click.pass_context
def swap_accept(ctx: click.Context, team: str, swap_id: int, reason: str, as_json: bool) -> None:
    """Accept swap SWAP_ID of TEAM for its second member (applied unless a lead must approve)."""
    _decide(ctx, accept_swap, team, swap_id, reason, as_json)


@swap.command("decline")
@click.argument("team")
@click.argument("swap_id", type=int)
@reason_option
@json_option
@click.pass_context
def swap_decline(ctx: click.Context, team: str, swap_id: int, reason: str, as_json: bool) -> None:
    """Decline (or withdraw) open swap SWAP_ID of TEAM."""
    _decide(ctx, decline_swap, team, swap_id, reason, as_json)


@swap.command("approve")
@click.argument("team")
@click.argument("swap_id", type=int)
@reason_option
@json_option
@click.pass_context
def swap_approve(ctx: click.Context, team: str, swap_id: int, reason: str, as_json: bool) -> None:
    """Approve accepted swap SWAP_ID of TEAM, as a lead; it is applied."""
    _decide(ctx, approve_swap, team, swap_id, reason, as_json)


@swap.command("list")
@click.argument("team")
@click.option("--status", default=None, help="pending, accepted, applied, declined or expired.")
@json_option
@click.pass_context
def swap_list(ctx: click.Context, team: str, status: str | None, as_json: bool) -> None:
    """TEAM's swaps."""
    with open_session(ctx) as session:
        found = repositories.get_team(session, team)
        now = clock_of(ctx).now()
        swaps = [SwapPublic.of(r, now) for r in repositories.swap_rows(session, team)]
    swaps = [s for s in swaps if status is None or s.status == status]
    if as_json:
        emit_json([s.model_dump(mode="json") for s in swaps])
        return
    table = Table("id", "role", "from", "turn (team time)", "to", "turn", "status")
    for item in swaps:
        table.add_row(
            str(item.id),
            item.role.value,
            item.from_member,
            local_time(item.from_period_start, found),
            item.to_member,
            local_time(item.to_period_start, found),
            item.status,
        )
    console().print(table)


def _print_swap(answer: SwapPublic, as_json: bool) -> None:
    if as_json:
        emit_json(answer)
    else:
        click.echo(
            f"swap {answer.id} ({answer.role.value}): {answer.from_member} <-> "
            f"{answer.to_member}: {answer.status}"
        )


# Audit


@main.command("audit")
@click.argument("team", required=False)
@click.option(
    "--limit",
    default=audit.DEFAULT_LIMIT,
    show_default=True,
    type=click.IntRange(1, audit.MAX_LIMIT),
)
@click.option("--before", default=None, type=click.IntRange(1), help="Entries older than this id.")
@json_option
@click.pass_context
def audit_log(
    ctx: click.Context, team: str | None, limit: int, before: int | None, as_json: bool
) -> None:
    """The audit log of TEAM (or every team), newest first."""
    with open_session(ctx) as session:
        page = views.audit_page(session, team, limit, before)
    if as_json:
        emit_json(page)
        return
    table = Table("id", "at (UTC)", "actor", "action", "team", "reason")
    for entry in page.entries:
        table.add_row(
            str(entry.id),
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor,
            entry.action,
            entry.team or "-",
            entry.reason,
        )
    console().print(table)
    if page.next is not None:
        click.echo(f"older entries: --before {page.next}")

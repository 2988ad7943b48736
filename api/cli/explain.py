"""`rota why`: why the holder of a slot holds it, and why each other member does not."""

from __future__ import annotations

import click
from rich.table import Table

from api import repositories
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
from api.explanations import explain_view
from api.schemas.explain import ExplanationPublic
from rotation import Role, Team


@main.command()
@click.argument("team")
@click.option("--at", "at", help="An instant with offset (2027-03-01T10:00:00Z) or a date.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    help="The slot to explain (default: both).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def why(ctx: click.Context, team: str, at: str | None, role: str | None, as_json: bool) -> None:
    """Why TEAM's developer (or operator) holds their turn now (or --at), and why each other
    member of the role does not."""
    clock = clock_of(ctx)
    roles = [Role(role)] if role else list(Role)
    with open_session(ctx) as session:
        found = repositories.get_team(session, team)
        moment = when(at, found, clock, "--at")
        answers = [
            explain_view(
                session, found, moment, r, clock.now(), settings_of(ctx).budget, contacts=True
            )
            for r in roles
        ]
    if as_json:
        emit_json(answers[0] if role else [a.model_dump(mode="json") for a in answers])
        return
    for answer in answers:
        show(answer, found)


def show(answer: ExplanationPublic, team: Team) -> None:
    out = console()
    out.print(f"[bold]{answer.role.value}[/bold]: {answer.summary}")
    bound = "n/a" if answer.balance.lower_bound is None else f"{answer.balance.lower_bound:.2f}"
    out.print(
        f"turn {local_time(answer.turn.start, team)} to {local_time(answer.turn.end, team)}, "
        f"load {answer.turn.load:.2f}; max |dev/weight| "
        f"{answer.balance.max_abs_deviation_per_weight:.2f} (lower bound {bound}), "
        f"spread {answer.balance.spread:.2f}"
    )
    table = Table(
        "member",
        "before: load/share",
        "plan: dev/weight",
        "if they held it: max |dev/weight|",
        "why not",
        title=f"other {answer.role.value}s",
    )
    if answer.holder is not None and answer.holder_standings is not None:
        mine = answer.holder_standings
        table.add_row(
            f"{answer.holder.name} (holder)",
            f"{mine.before.load:.2f}/{mine.before.share:.2f}",
            f"{mine.plan.deviation_per_weight:+.2f}",
            "-",
            f"holds it ({answer.source.value})",
        )
    for other in answer.others:
        effect = other.effect
        table.add_row(
            other.member.name,
            f"{other.standings.before.load:.2f}/{other.standings.before.share:.2f}",
            f"{other.standings.plan.deviation_per_weight:+.2f}",
            "-"
            if effect is None
            else f"{effect.max_abs_deviation_per_weight:.2f} ({effect.change:+.2f})",
            "; ".join(other.details),
        )
    out.print(table)

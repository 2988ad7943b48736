"""Calendar feeds from the command line: feed tokens, and a team's feed written to a file."""

from __future__ import annotations

from pathlib import Path

import click
from pydantic import ValidationError
from rich.table import Table

from api import repositories
from api.cli.base import clock_of, console, emit_json, main, moment, open_session, settings_of
from api.feeds import service
from api.feeds.events import FeedKind, FeedScope
from api.feeds.render import render
from api.feeds.tokens import feed_urls
from api.repositories import audit
from api.repositories import feeds as store
from api.schemas.feeds import FeedTokenCreate, FeedTokenCreated, FeedTokenPublic


@main.group("feed-token")
def feed_token() -> None:
    """Calendar feed tokens: each reads one feed (a team's, a member's, or every team's)."""


@feed_token.command("create")
@click.option("--scope", required=True, type=click.Choice([k.value for k in FeedKind]))
@click.option("--team", default=None, help="The team of a team feed.")
@click.option("--member", default=None, help="The member of a member feed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def feed_token_create(
    ctx: click.Context, scope: str, team: str | None, member: str | None, as_json: bool
) -> None:
    """Create a feed token and print the feed's address alone on the last line (the token in
    it is shown only once)."""
    try:
        request = FeedTokenCreate(scope=FeedKind(scope), team=team, member=member)
    except ValidationError as exc:
        problem = exc.errors()[0]
        raise click.BadParameter(problem["msg"], param_hint=f"--{problem['loc'][0]}") from None
    settings = settings_of(ctx)
    with open_session(ctx) as session:
        wanted, _ = service.resolve_scope(session, request.to_scope(), request.team)
        token, secret = service.issue_token(session, wanted, audit.CLI, clock_of(ctx).now())
        session.commit()
    url, webcal_url = feed_urls(settings.public_url, wanted, secret)
    if as_json:
        emit_json(
            FeedTokenCreated(
                id=token.id,
                token=secret,
                url=url,
                webcal_url=webcal_url,
                scope=wanted.kind,
                team=wanted.team,
                member=wanted.member,
            )
        )
        return
    click.echo(f"created {_describe(wanted)} feed token (id {token.id}); subscribe with:")
    click.echo(webcal_url)
    click.echo(url)


def _describe(scope: FeedScope) -> str:
    if scope.kind is FeedKind.TEAM:
        return f"team {scope.team!r}"
    if scope.kind is FeedKind.MEMBER:
        return f"member {scope.member!r}"
    return "all-teams"


@feed_token.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def feed_token_list(ctx: click.Context, as_json: bool) -> None:
    """The live feed tokens, without their secrets."""
    with open_session(ctx) as session:
        tokens = [FeedTokenPublic.of(token) for token in store.list_tokens(session)]
    if as_json:
        emit_json([token.model_dump(mode="json") for token in tokens])
        return
    table = Table("id", "feed", "created by", "created")
    for token in tokens:
        table.add_row(str(token.id), token.feed, token.created_by, token.created_at.isoformat())
    console().print(table)


@feed_token.command("revoke")
@click.argument("token_id", type=int)
@click.pass_context
def feed_token_revoke(ctx: click.Context, token_id: int) -> None:
    """Revoke feed token TOKEN_ID: its feed answers 404 from now on."""
    with open_session(ctx) as session:
        token = store.get_token(session, token_id)
        if token is None:
            raise click.BadParameter(f"no live feed token {token_id}", param_hint="TOKEN_ID")
        service.withdraw_token(session, token, audit.CLI, clock_of(ctx).now())
        session.commit()
    click.echo(f"revoked feed token {token_id}")


@main.command()
@click.argument("team")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--since", help="Instant with offset or date (default: 30 days ago).")
@click.option("--until", help="Instant with offset or date (default: 180 days ahead).")
@click.pass_context
def export(
    ctx: click.Context, team: str, output: Path, since: str | None, until: str | None
) -> None:
    """Write TEAM's calendar feed to a file: the same events, UIDs and SEQUENCEs as the feed
    served at /v1/teams/TEAM/calendar.ics."""
    start_value, end_value = moment(since, "--since"), moment(until, "--until")
    now = clock_of(ctx).now()
    with open_session(ctx) as session:
        found = repositories.get_team(session, team)
        start, end = service.feed_window(start_value, end_value, found.policy.zone, now)
        scope = FeedScope(FeedKind.TEAM, team=team)
        feed = service.build_feed(session, scope, start, end, now, settings_of(ctx).public_url, now)
    output.write_bytes(render(feed))
    click.echo(f"wrote {len(feed.events)} events of {team} to {output}")

"""`POST /v1/slack/commands`: Slack's slash command `/rota`, signed by the Slack app.

Each team names its app's signing secret (`env:NAME`). A request is answered only when its
signature matches one of them; the teams sharing that secret are the ones it may ask about.
A bad or stale signature gets the same bare 401 whatever was wrong, naming no team.
"""

from __future__ import annotations

import os
import urllib.parse
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from api import repositories
from api.problems import problem
from api.repositories import slack as store
from api.routes.deps import ClockDep, SessionDep
from api.slack import answers, signing
from rotation import Team
from rotation.slack import Command, Verb, parse_command
from rotation.slack_messages import Message, help_message, refusal
from rotation.slack_settings import SlackSettings

router = APIRouter(tags=["slack"])

#: Slack's command payloads are a few hundred bytes; anything far larger is not one.
MAX_BODY = 16_384


async def raw_body(request: Request) -> bytes:
    """The body as sent: the signature covers these exact bytes."""
    return await request.body()


def _signed_for(
    session: Session, request: Request, body: bytes, now: datetime
) -> dict[str, SlackSettings]:
    """The teams whose signing secret signed this request, with their settings."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp")
    signed = request.headers.get("X-Slack-Signature")
    teams = {}
    for team_id, settings in store.all_settings(session).items():
        if settings.signing_secret is None:
            continue
        secret = os.environ.get(settings.signing_secret.removeprefix("env:"))
        if secret and signing.verify(secret, timestamp, signed, body, now):
            teams[team_id] = settings
    return teams


@router.post(
    "/v1/slack/commands",
    summary="Slack's slash command /rota (signed by the team's Slack app)",
    responses={401: {"description": "The request is not signed by a known Slack app."}},
)
def slack_command(
    request: Request,
    body: Annotated[bytes, Depends(raw_body)],
    session: SessionDep,
    clock: ClockDep,
) -> JSONResponse:
    """Answer `/rota who|next|me|help [team] [public]` as Block Kit with a text fallback."""
    now = clock.now()
    if body == b"ssl_check=1" or body.startswith(b"ssl_check=1&"):
        # Slack checks the certificate with an unsigned request: it asks nothing, gets nothing.
        return JSONResponse({})
    signed = _signed_for(session, request, body, now) if len(body) <= MAX_BODY else {}
    if not signed:
        return problem(401, "the request is not signed by a known Slack app")
    form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
    command = parse_command(form.get("text", ""))
    teams = {team_id: repositories.get_team(session, team_id) for team_id in signed}
    return JSONResponse(answer(session, command, teams, signed, form, now))


def answer(
    session: Session,
    command: Command,
    teams: dict[str, Team],
    settings: dict[str, SlackSettings],
    form: dict[str, str],
    now: datetime,
) -> Message:
    """The reply to `command` from the Slack user and channel in `form`."""
    names = sorted(teams)
    if command.verb is Verb.HELP:
        return help_message(command.not_understood, names)
    if command.verb is Verb.ME:
        member = _asker(session, names, form)
        if member is None:
            return refusal(
                "Rota does not know your Slack account yet: ask a lead to set your chat "
                "handle to your Slack member ID (in Slack: your profile, More, Copy member ID)."
            )
        return answers.my_turns(session, list(teams.values()), member, now, command.public)
    team = _team(teams, settings, command, form)
    if team is None:
        which = f"No team {command.team!r} here." if command.team else "Which team?"
        return refusal(f"{which} Try /rota {command.verb.value} <team>: {', '.join(names)}")
    if command.verb is Verb.NEXT:
        return answers.next_up(session, team, now, command.public)
    return answers.who(session, team, now, command.public)


def _team(
    teams: dict[str, Team],
    settings: dict[str, SlackSettings],
    command: Command,
    form: dict[str, str],
) -> Team | None:
    """The team named in the text (by id or name), else the one linked to the channel, else
    the only one this app answers for."""
    if command.team is not None:
        asked = command.team.casefold()
        return next(
            (t for t in teams.values() if asked in (t.id.casefold(), t.name.casefold())), None
        )
    channel_id, channel_name = form.get("channel_id", ""), form.get("channel_name", "")
    linked = [
        teams[team_id]
        for team_id, mine in settings.items()
        if mine.links_channel(channel_id, channel_name)
    ]
    if len(linked) == 1:
        return linked[0]
    return next(iter(teams.values())) if len(teams) == 1 else None


def _asker(session: Session, team_ids: list[str], form: dict[str, str]) -> str | None:
    """The member who sent the command: their chat handle is their Slack member id (or, as
    a fallback, their Slack user name), or Rota found them by email while syncing a group."""
    user_id, user_name = form.get("user_id", ""), form.get("user_name", "")
    if not user_id:
        return None
    found: set[str] = set()
    by_name: set[str] = set()
    for team_id in team_ids:
        for member in repositories.list_members(session, team_id):
            chat = (member.chat or "").removeprefix("@")
            if chat == user_id:
                found.add(member.id)
            elif user_name and chat == user_name:
                by_name.add(member.id)
    found |= set(store.people_with_slack_user(session, team_ids, user_id))
    candidates = found or by_name
    return next(iter(candidates)) if len(candidates) == 1 else None

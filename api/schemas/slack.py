"""API schemas of Slack: a team's settings and its queue of Web API calls.

The signing secret and the bot token are references (`env:NAME`): the API shows the
reference, never the value behind it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.repositories.reminders import Status
from api.repositories.slack import Job, JobKind
from rotation.notify import ENV_REFERENCE
from rotation.slack_settings import SlackSettings

Reference = Annotated[
    str,
    StringConstraints(pattern=ENV_REFERENCE.pattern, max_length=200),
    Field(description="A secret by reference: env:NAME.", examples=["env:PAYMENTS_SLACK_BOT"]),
]


class SlackSettingsUpdate(BaseModel):
    """The whole of a team's Slack settings (PUT replaces them; all null: no Slack)."""

    model_config = ConfigDict(extra="forbid")

    signing_secret: Reference | None = None
    bot_token: Reference | None = None
    channel: Annotated[
        str | None,
        Field(
            max_length=81,
            description="Linked channel (id or #name): handoffs are posted there, and /rota "
            "in it answers for this team.",
            examples=["C0123ABCD"],
        ),
    ] = None
    usergroups: Annotated[
        dict[str, Annotated[str, StringConstraints(max_length=21)]],
        Field(
            max_length=3,
            description="Role (developer, operator or both) to the Slack user group id that "
            "follows it.",
            examples=[{"developer": "S0614TZR7", "both": "S0615G0KT"}],
        ),
    ] = {}

    def to_settings(self) -> SlackSettings:
        return SlackSettings(self.signing_secret, self.bot_token, self.channel, self.usergroups)


class SlackSettingsPublic(BaseModel):
    team: str
    signing_secret: str | None
    bot_token: str | None
    channel: str | None
    usergroups: dict[str, str]

    @classmethod
    def of(cls, team: str, settings: SlackSettings) -> SlackSettingsPublic:
        return cls(
            team=team,
            signing_secret=settings.signing_secret,
            bot_token=settings.bot_token,
            channel=settings.channel,
            usergroups=dict(sorted(settings.usergroups.items())),
        )


class SlackJobPublic(BaseModel):
    id: int
    kind: JobKind
    target: str = Field(description="The user group or channel written to.")
    members: list[str] = Field(description="A user group job: the member ids it sets.")
    at: datetime = Field(description="The change (or handoff) this job is for.")
    status: Status
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str

    @classmethod
    def of(cls, job: Job) -> SlackJobPublic:
        return cls(
            id=job.id,
            kind=job.kind,
            target=job.target,
            members=list(job.members),
            at=job.at,
            status=job.status,
            attempts=job.attempts,
            next_attempt_at=job.next_attempt_at,
            sent_at=job.sent_at,
            last_error=job.last_error,
        )


class SlackJobPagePublic(BaseModel):
    jobs: list[SlackJobPublic]
    next: int | None = Field(description="Pass as `before` for the next page; null at the end.")

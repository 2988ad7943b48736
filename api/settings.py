"""Service settings, read from the environment (prefix `ROTA_`) through a cached dependency."""

from __future__ import annotations

import json
import socket
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rotation import Budget


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROTA_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///rota.db",
        description="SQLAlchemy URL; postgresql://... for teams that run several replicas.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL for links in feeds and messages. Unset, `rota serve` uses the "
        "address it serves (its --host and --port).",
    )
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "rota@localhost"
    reminder_interval: int = Field(default=30, ge=1, description="Seconds between reminder passes.")
    reminder_senders: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Reminders one loop sends at once (SMTP, Slack, webhooks each wait on the "
        "network); each sender holds a database connection while it sends.",
    )
    reminders_enabled: bool = Field(
        default=True, description="Run the reminder loop inside `rota serve`."
    )
    reminder_horizon_days: int = Field(
        default=14,
        ge=7,
        le=90,
        description="How far ahead reminders are planned and moved turns detected, in days; at "
        "least the longest lead time (7 days).",
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/",
        description="Base URL of Slack's Web API (tests point it at a stand-in).",
    )
    anonymous_read: bool = Field(
        default=False, description="Allow reading who is on support without a token."
    )
    solver_seconds: float = Field(
        default=4.0, gt=0, le=600, description="Time budget of one plan's exact solve, seconds."
    )
    solver_workers: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Solver threads; 1 makes plans reproducible run to run, at some speed.",
    )

    threads: int = Field(
        default=16,
        ge=1,
        le=256,
        description="Threads of each server process that answer requests; its database pool "
        "holds a connection for each, one for each reminder sender and 4 for the background "
        "jobs.",
    )

    log_format: Literal["text", "json"] = Field(
        default="text", description="`json`: one JSON object per log line, with a request id."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="The least severe log records written."
    )

    session_secret: str | None = Field(
        default=None,
        min_length=32,
        description="Signs the web page's session cookie. Required unless `public_url` is on "
        "this machine (development), where a random one per process is used.",
    )

    @property
    def development(self) -> bool:
        """Served to this machine only (`public_url` on a loopback host): a development setup."""
        return urlsplit(self.public_url).hostname in ("127.0.0.1", "localhost", "::1")

    @property
    def budget(self) -> Budget:
        return Budget(seconds=self.solver_seconds, workers=self.solver_workers)

    def served_at(self, host: str, port: int) -> Settings:
        """These settings for a server listening on `host`:`port`: unless ROTA_PUBLIC_URL is set,
        links in feeds and messages point at that server."""
        if "public_url" in self.model_fields_set:
            return self
        return self.model_copy(update={"public_url": listening_url(host, port)})


def listening_url(host: str, port: int) -> str:
    """The http URL of a server bound to `host`:`port`. A wildcard address (0.0.0.0, ::) is no
    address to link to: the machine's name stands in for it."""
    if host in ("", "0.0.0.0", "::"):
        host = socket.getfqdn()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def settings_environment(settings: Settings) -> dict[str, str]:
    """`settings` as the ROTA_ environment variables that give them back (for processes started
    from this one)."""
    values = settings.model_dump(mode="json", exclude_none=True)
    return {
        f"ROTA_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
        for name, value in values.items()
    }


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""The `rota` group and what its commands share: settings, the clock, a session, output.

Every command opens the database named by ROTA_DATABASE_URL and upgrades its schema first. Only
the commands meant to create one (`load`, `serve`, `db upgrade`) create a missing SQLite file; the
others refuse, saying where they looked, rather than answer from an empty database.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, TypeVar

import click
from pydantic import BaseModel, ValidationError
from rich.console import Console
from sqlmodel import Session

from api import instants
from api.app import extend_plans
from api.clock import Clock, SystemClock
from api.database import missing_sqlite_file, open_database
from api.instants import parse_instant_or_date
from api.settings import Settings
from rotation import RotationError, Team

F = TypeVar("F", bound=Callable[..., Any])


def clock_of(ctx: click.Context) -> Clock:
    clock: Clock = ctx.find_root().obj.get("clock") or SystemClock()
    return clock


def settings_of(ctx: click.Context) -> Settings:
    settings: Settings = ctx.find_root().obj["settings"]
    return settings


def database_url(ctx: click.Context, create: bool = False) -> str:
    """ROTA_DATABASE_URL, once it is known to name a database or `create` allows making one."""
    settings = settings_of(ctx)
    url = settings.database_url
    missing = None if create else missing_sqlite_file(url)
    if missing is not None:
        told = "is" if "database_url" in settings.model_fields_set else "is unset; the default is"
        relative = (
            ""
            if url.startswith("sqlite:////")
            else (f", a path relative to the working directory {missing.parent}")
        )
        raise click.ClickException(
            f"no database at {missing} (ROTA_DATABASE_URL {told} {url}{relative}).\n"
            "Point ROTA_DATABASE_URL at your database (sqlite:////absolute/path/rota.db or "
            "postgresql://user@host/rota), or create one here with `rota load FILE...`, "
            "`rota serve FILE...` or `rota db upgrade`."
        )
    return url


@contextmanager
def open_session(ctx: click.Context, create: bool = False) -> Iterator[Session]:
    """A session on the upgraded database; a missing SQLite file is an error unless `create`."""
    engine = open_database(database_url(ctx, create))
    # A read months after the last load still has a plan.
    extend_plans(engine, clock_of(ctx), settings_of(ctx).budget)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def emit_json(value: BaseModel | list[Any] | dict[str, Any]) -> None:
    if isinstance(value, BaseModel):
        click.echo(value.model_dump_json(indent=2))
    else:
        click.echo(json.dumps(value, indent=2, default=str))


def local_time(moment: datetime | None, team: Team) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(team.policy.zone).strftime("%a %Y-%m-%d %H:%M %Z")


def moment(value: str | None, option: str) -> datetime | date | None:
    """An option's instant or date as given (None when absent), a usage error naming it
    otherwise."""
    if value is None:
        return None
    try:
        return parse_instant_or_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def when(value: str | None, team: Team, clock: Clock, option: str) -> datetime:
    """An option's instant, a date read in the team's zone; now when absent."""
    parsed = moment(value, option)
    if parsed is None:
        return clock.now()
    return instants.instant(option.lstrip("-"), parsed, team)


def console() -> Console:
    # Piped output is read by people copying a name or an email: never truncate it to 80 columns.
    return Console(width=None if sys.stdout.isatty() else 240)


class RotaGroup(click.Group):
    """Turns the core's errors, and input the API's schemas refuse, into clear lines on stderr
    and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RotationError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except ValidationError as exc:
            for problem in exc.errors():
                field = ".".join(str(part) for part in problem["loc"]) or "input"
                click.echo(f"error: {field}: {problem['msg']}", err=True)
            sys.exit(1)


@click.group(cls=RotaGroup)
@click.version_option(package_name="rota")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Rota: fair developer-on-support rotations.

    Settings come from the environment (ROTA_DATABASE_URL and the others in docs/operations.md).
    """
    # Read once per invocation; tests and embedders may pass their own in `obj`.
    ctx.ensure_object(dict)
    ctx.obj.setdefault("settings", Settings())

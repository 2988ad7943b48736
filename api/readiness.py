"""Readiness: whether this process should get traffic. Three checks, each named when it fails:
the database answers, its schema is at the newest migration, and the reminder loop (when this
process runs one) has shown life within two intervals.

Liveness (`/healthz`) only asks whether the process answers; a load balancer routes by this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from api.database import alembic_config
from api.reminders.control import LoopControl

__all__ = ["Check", "readiness"]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@lru_cache(maxsize=1)
def migrations() -> tuple[frozenset[str], frozenset[str]]:
    """The newest revisions this code knows and all it knows (fixed for the process's life)."""
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(script.get_heads()), frozenset(r.revision for r in script.walk_revisions())


def readiness(engine: Engine, loop: LoopControl | None, now: datetime) -> list[Check]:
    """Each check's outcome; the schema is not asked about when the database does not answer."""
    checks: list[Check] = []
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            checks.append(Check("database", True, "reachable"))
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        checks.append(Check("database", False, f"unreachable: {type(exc).__name__}"))
        current = None
    if current is not None:
        checks.append(_migration_check(current))
    if loop is None:
        checks.append(Check("reminder_loop", True, "not run by this process"))
    elif loop.alive(now):
        checks.append(Check("reminder_loop", True, f"last pass {loop.last_beat.isoformat()}"))
    else:
        checks.append(
            Check(
                "reminder_loop",
                False,
                f"no pass since {loop.last_beat.isoformat()}, more than two intervals "
                f"({int(loop.interval.total_seconds())} s each) ago",
            )
        )
    return checks


def _migration_check(current: frozenset[str]) -> Check:
    heads, known = migrations()
    ours = ", ".join(sorted(heads))
    found = ", ".join(sorted(current)) or "none"
    if current == heads:
        return Check("migrations", True, f"at head {ours}")
    if not current <= known:
        # A newer Rota upgraded the schema: this process is the one to replace.
        return Check("migrations", False, f"schema at {found} is newer than this Rota ({ours})")
    return Check("migrations", False, f"schema at {found}, code at {ours}: run `rota db upgrade`")

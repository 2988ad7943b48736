"""Loads team files into the database: all of them or none.

Every file is read and validated before anything is written, then all of them are written in one
transaction. Loading a file again updates its team: members missing from the file leave the team
(their past turns stay), the file's time off is replaced, and the plan is refreshed. Each file
loaded leaves a `team.load` entry in the audit log: the team, its members and its file's time off
before and after, and the published slots that changed hands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from api import planning, repositories
from api.adjustments.overrides import fit_to_members
from api.concurrency import lock_teams
from api.members import membership_changes
from api.planning import PlanUpdate, check_grid_change, refresh_plan
from api.presolve import presolve_new_teams
from api.reminders.planner import record_baseline
from api.repositories import audit
from api.repositories.member_notify import load_file_notify
from api.repositories.slack import save_settings
from api.schemas import MemberPublic, TeamPublic
from api.schemas.adjustments import TimeOffPublic
from rotation import Budget, Member, TeamFile, TeamFileError, parse_team_file
from rotation.solver import planning_inputs
from rotation.teamfile import Problem, TeamFilesError


@dataclass(frozen=True)
class Loaded:
    team_id: str
    path: str
    members: int
    time_off: int
    created: bool
    update: PlanUpdate


def read_team_files(paths: Iterable[str | Path]) -> list[TeamFile]:
    """Read and validate every file; raise `TeamFilesError` listing every problem of every file."""
    files: list[TeamFile] = []
    errors: list[TeamFileError] = []
    for path in paths:
        name = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(TeamFileError(name, [Problem(None, f"cannot read the file: {exc}")]))
            continue
        try:
            files.append(parse_team_file(text, name))
        except TeamFileError as exc:
            errors.append(exc)
    errors.extend(_disagreements(files))
    if errors:
        raise TeamFilesError(errors)
    return files


def _disagreements(files: list[TeamFile]) -> list[TeamFileError]:
    """Two files for one team, or one person described two ways, cannot both be right."""
    errors: list[TeamFileError] = []
    teams: dict[str, str] = {}
    people: dict[str, tuple[str, Member]] = {}
    for file in files:
        if file.team.id in teams:
            reason = f"team {file.team.id!r} is also defined in {teams[file.team.id]}"
            errors.append(TeamFileError(file.path, [Problem(None, reason)]))
        teams.setdefault(file.team.id, file.path)
        for member in file.members:
            if member.id in people:
                other_path, other = people[member.id]
                if (other.name, other.email, other.chat, other.timezone) != (
                    member.name,
                    member.email,
                    member.chat,
                    member.timezone,
                ):
                    reason = (
                        f"member {member.id!r} has other contact details in {other_path}; "
                        "one person has one name, email, chat and timezone"
                    )
                    errors.append(TeamFileError(file.path, [Problem(None, reason)]))
            people.setdefault(member.id, (file.path, member))
    return errors


def load_team_files(
    session: Session, paths: Iterable[str | Path], now: datetime, budget: Budget | None = None
) -> list[Loaded]:
    """Validate and load `paths` in one transaction; on any error nothing is written."""
    files = read_team_files(paths)
    # New teams are planned in parallel processes first; the load below finds their plans.
    presolve_new_teams(session, files, now, budget)
    try:
        touched = _teams_touched(session, files)
        # Every team the load may change, locked at once in one order: an API edit of one of
        # them waits for the load, and two loads of the same files in another order never
        # deadlock.
        lock_teams(session, touched)
        loaded = [_load(session, file, now, budget) for file in files]
        _repair_other_teams(session, touched - {file.team.id for file in files}, now, budget)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return loaded


def _load(session: Session, file: TeamFile, now: datetime, budget: Budget | None) -> Loaded:
    team = file.team
    previous = repositories.find_team(session, team.id)
    recorded_before = _recorded(session, team.id) if previous is not None else None
    members_before = repositories.list_members(session, team.id) if previous is not None else []
    before = planning_inputs(previous, members_before) if previous is not None else None
    if previous is not None:
        check_grid_change(session, previous, team, now)
    repositories.save_team(session, team, now, source=file.path)
    session.flush()
    wanted = {member.id for member in file.members}
    for member in repositories.list_members(session, team.id):
        if member.id not in wanted:
            repositories.remove_member(session, team.id, member.id)
    for member in file.members:
        repositories.save_member(session, team.id, member)
    session.flush()
    repositories.replace_file_time_off(session, team.id, file.time_off, now)
    load_file_notify(session, team.id, wanted, file.member_notify, now)
    if file.slack is not None:  # no [slack] table: the settings made over the API stay
        save_settings(session, team.id, file.slack, now)
    session.flush()
    fit_to_members(session, team.id, now, audit.TEAM_FILE)
    # A new member, weight or calendar changes everyone's fair share: re-plan, keeping as much
    # of the published plan as fairness allows. An unchanged file only repairs and extends, and
    # so does one that changes no planning input (names, contacts, reminder settings).
    regenerate = before != planning_inputs(team, file.members)
    update = refresh_plan(session, team.id, now, regenerate=regenerate, budget=budget)
    if previous is None:
        record_baseline(session, team, now)  # what its members know: the plan they are shown
    session.flush()
    audit.record(
        session,
        at=now,
        actor=audit.TEAM_FILE,
        action="team.load",
        team_id=team.id,
        reason=membership_changes(members_before, file.members) if previous is not None else "",
        before=recorded_before,
        after={
            "file": file.path,
            **_recorded(session, team.id),
            "changes": [change.after_json() for change in update.changed],
        },
    )
    return Loaded(
        team.id, file.path, len(file.members), len(file.time_off), previous is None, update
    )


def _teams_touched(session: Session, files: list[TeamFile]) -> set[str]:
    """The existing teams a load may change: the files' own, and every other team of their
    members, whose plans follow the time off the files declare."""
    teams = {file.team.id for file in files if repositories.team_exists(session, file.team.id)}
    for file in files:
        for member in file.members:
            teams.update(repositories.teams_of(session, member.id))
    return teams


def _repair_other_teams(
    session: Session, team_ids: set[str], now: datetime, budget: Budget | None
) -> None:
    """Time off applies in every team of a person: repair the other teams of the files'
    members (nothing moves there but what the time off hits), and log what moved."""
    for team_id in sorted(team_ids):
        update = refresh_plan(session, team_id, now, budget=budget)
        if update.changed:
            planning.record_plan_update(
                session,
                at=now,
                actor=audit.TEAM_FILE,
                team_id=team_id,
                update=update,
                regenerate=False,
                reason="time off declared in another team's file",
            )


def _recorded(session: Session, team_id: str) -> dict[str, Any]:
    """What a load may change, as the API shows it: the team, its members and the time off
    its file declares (for the audit log's before and after)."""
    return {
        "team": TeamPublic.of(repositories.get_team(session, team_id)).model_dump(mode="json"),
        "members": [
            MemberPublic.of(m).model_dump(mode="json")
            for m in repositories.list_members(session, team_id)
        ],
        # Without ids: a load replaces the file's rows, so their ids say nothing.
        "time_off": [
            TimeOffPublic.of(row).model_dump(mode="json", exclude={"id"})
            for row in repositories.time_off_rows(session, team_id)
            if row.source == "file" and row.team_id == team_id
        ],
    }

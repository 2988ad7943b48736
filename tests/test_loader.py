"""Loading team files into the database: all files or none, and reloads that update in place.

Every test runs on SQLite and on PostgreSQL (the `session` fixture hangs off `database_url`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, select

from api.loader import Loaded, load_team_files
from api.tables import AssignmentRow, MemberRow, PersonRow, TeamRow, TimeOffRow
from rotation import PolicyLocked, parse_team_file
from rotation.model import Policy
from rotation.periods import handoff, period_index_at
from rotation.teamfile import TeamFilesError

# The same instant and files as conftest's NOW and SAMPLES (the `samples` fixture loads them).
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SAMPLES = sorted(Path(__file__).parent.parent.joinpath("samples").glob("*.toml"))


def sample(stem: str) -> Path:
    return next(path for path in SAMPLES if path.stem == stem)


PAYMENTS = sample("payments")
EMPTY = {"TeamRow": 0, "PersonRow": 0, "MemberRow": 0, "TimeOffRow": 0, "AssignmentRow": 0}
YEAR = timedelta(days=365)

# Payments hands off on Mondays at 09:00 Berlin. At NOW (Thursday 2026-11-26) period 46
# (from 2026-11-23) is running; with frozen_periods = 2, periods 47 and 48 are frozen.
CURRENT, FROZEN = 46, (47, 48)
# The time off the test below adds: 2026-11-27 to 2026-12-20 inclusive, in Berlin.
TIME_OFF_START = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)
TIME_OFF_END = datetime(2026, 12, 20, 23, 0, tzinfo=UTC)

Slot = tuple[int, str]
Snapshot = dict[Slot, tuple[datetime, datetime, str | None]]


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once"
    return text.replace(old, new)


def team_text(
    team_id: str,
    *,
    timezone: str = "Europe/Berlin",
    period: str = "1w",
    handoff: str = "monday 09:00",
    start: str = "2027-03-01",
    members: str | None = None,
) -> str:
    """A small valid team file: three developers and three operators."""
    if members is None:
        members = "".join(
            f'\n[[member]]\nid = "{team_id}-{role[0]}{n}"\nname = "{role} {n}"\n'
            f'email = "{team_id}-{role[0]}{n}@example.com"\nroles = ["{role}"]\n'
            for role in ("developer", "operator")
            for n in (1, 2, 3)
        )
    return (
        f'[team]\nid = "{team_id}"\nname = "Team {team_id}"\ntimezone = "{timezone}"\n'
        f'period = "{period}"\nhandoff = "{handoff}"\nstart = {start}\n{members}'
    )


def rows(session: Session, table: type[SQLModel], **where: Any) -> list[Any]:
    query = select(table)
    for column, value in where.items():
        query = query.where(getattr(table, column) == value)
    return list(session.exec(query))


def count_everything(session: Session) -> dict[str, int]:
    tables = (TeamRow, PersonRow, MemberRow, TimeOffRow, AssignmentRow)
    return {table.__name__: len(rows(session, table)) for table in tables}


def snapshot(session: Session, team_id: str) -> Snapshot:
    return {
        (r.period_index, r.role): (r.period_start, r.period_end, r.person_id)
        for r in rows(session, AssignmentRow, team_id=team_id)
    }


def policy_of(path: Path) -> Policy:
    return parse_team_file(path.read_text(encoding="utf-8"), str(path)).team.policy


def assert_plan_tiles_the_grid(plan: Snapshot, policy: Policy) -> None:
    """One developer and one operator slot per period, periods on the policy's grid, no gap,
    nobody in both slots of one period, and the plan reaching a year past now or the start."""
    by_index: dict[int, dict[str, tuple[datetime, datetime, str | None]]] = defaultdict(dict)
    for (index, role), value in plan.items():
        by_index[index][role] = value
    indices = sorted(by_index)
    assert indices == list(range(len(indices)))
    for index in indices:
        slots = by_index[index]
        assert sorted(slots) == ["developer", "operator"], index
        (dev_start, dev_end, developer) = slots["developer"]
        (op_start, op_end, operator) = slots["operator"]
        assert (dev_start, dev_end) == (op_start, op_end)
        assert (dev_start, dev_end) == (handoff(policy, index), handoff(policy, index + 1))
        assert developer is None or developer != operator
    last_end = by_index[indices[-1]]["developer"][1]
    assert last_end >= max(NOW, handoff(policy, 0)) + YEAR


def load(session: Session, *paths: Path) -> list[Loaded]:
    return load_team_files(session, paths, NOW)


# Loading the samples


def test_loading_the_samples_creates_teams_members_and_a_year_of_plan(session: Session) -> None:
    loaded = load_team_files(session, SAMPLES, NOW)

    assert [item.team_id for item in loaded] == [p.stem for p in SAMPLES]
    assert all(item.created for item in loaded)
    assert {t.id: t.source for t in rows(session, TeamRow)} == {p.stem: str(p) for p in SAMPLES}
    for path in SAMPLES:
        parsed = parse_team_file(path.read_text(encoding="utf-8"), str(path))
        team_id = parsed.team.id
        members = rows(session, MemberRow, team_id=team_id)
        assert sorted(m.person_id for m in members) == sorted(m.id for m in parsed.members)
        file_time_off = rows(session, TimeOffRow, team_id=team_id)
        assert len(file_time_off) == len(parsed.time_off)
        assert {(t.person_id, t.start, t.end) for t in file_time_off} == {
            (t.member, t.start, t.end) for t in parsed.time_off
        }
        plan = snapshot(session, team_id)
        assert_plan_tiles_the_grid(plan, parsed.team.policy)
        for entry in parsed.time_off:
            for start, end, holder in plan.values():
                assert not (holder == entry.member and start < entry.end and entry.start < end)
    people = {p.id: p for p in rows(session, PersonRow)}
    assert (people["alice"].name, people["alice"].email) == ("Alice Schmidt", "alice@example.com")
    assert people["emre"].timezone == "Europe/Istanbul"
    bruno = rows(session, MemberRow, team_id="payments", person_id="bruno")[0]
    assert bruno.weight == 0.5


def test_loading_the_same_files_twice_is_an_update(session: Session, samples: None) -> None:
    counts, plans = count_everything(session), {p.stem: snapshot(session, p.stem) for p in SAMPLES}

    loaded = load_team_files(session, SAMPLES, NOW)

    assert not any(item.created for item in loaded)
    for item in loaded:
        assert item.update.changed == []
        assert (item.update.forced, item.update.added) == (0, 0)
    assert count_everything(session) == counts
    assert {p.stem: snapshot(session, p.stem) for p in SAMPLES} == plans


# All or nothing


def test_a_good_file_with_a_bad_one_writes_nothing(session: Session, tmp_path: Path) -> None:
    text = edit(team_text("broken"), 'timezone = "Europe/Berlin"', 'timezone = "Europe/Berlyn"')
    text = edit(text, 'id = "broken-d1"', 'id = "broken-d1"\nshoe_size = 42')
    bad = write(tmp_path, "broken.toml", text)
    missing = tmp_path / "missing.toml"

    with pytest.raises(TeamFilesError) as info:
        load(session, *SAMPLES, bad, missing)

    assert [error.path for error in info.value.errors] == [str(bad), str(missing)]
    lines = text.splitlines()
    zone_line = lines.index('timezone = "Europe/Berlyn"') + 1
    key_line = lines.index("shoe_size = 42") + 1
    assert sorted(p.line for p in info.value.errors[0].problems) == [zone_line, key_line]
    message = str(info.value)
    assert f"{bad}:{zone_line}: " in message
    assert f"{bad}:{key_line}: " in message
    assert str(missing) in message
    assert count_everything(session) == EMPTY


def test_a_failure_while_writing_rolls_back_the_files_before_it(
    session: Session, samples: None, tmp_path: Path
) -> None:
    before = count_everything(session), snapshot(session, "payments")
    renamed = write(
        tmp_path, "payments.toml", edit(PAYMENTS.read_text(), '"Alice Schmidt"', '"Alice S."')
    )
    new_team = write(tmp_path, "future.toml", team_text("future"))
    locked = write(
        tmp_path,
        "storefront.toml",
        edit(sample("storefront").read_text(), 'handoff = "08:00"', 'handoff = "09:00"'),
    )

    with pytest.raises(PolicyLocked):
        load(session, renamed, new_team, locked)

    assert session.get(TeamRow, "future") is None
    assert session.get(PersonRow, "alice").name == "Alice Schmidt"  # type: ignore[union-attr]
    assert (count_everything(session), snapshot(session, "payments")) == before


# Reloading an edited file


def without_member(text: str, member_id: str) -> str:
    """`text` without the [[member]] table of `member_id` and without their [[time_off]]."""
    chunks = re.split(r"(?m)^(?=\[)", text)
    return "".join(
        chunk
        for chunk in chunks
        if not (
            (chunk.startswith("[[member]]") and f'id = "{member_id}"' in chunk)
            or (chunk.startswith("[[time_off]]") and f'member = "{member_id}"' in chunk)
        )
    )


def pick_leaver(plan: Snapshot, *, in_frozen_window: bool) -> str:
    """A member with past turns and turns after the frozen window, holding a frozen slot or not.

    Chosen from the plan rather than named, so the test does not depend on the scheduler's picks.
    """
    turns: dict[str, set[int]] = defaultdict(set)
    for (index, _role), (_, _, holder) in plan.items():
        if holder is not None:
            turns[holder].add(index)
    for member, indices in sorted(turns.items()):
        if (
            min(indices) <= CURRENT
            and max(indices) > FROZEN[-1]
            and CURRENT not in indices
            and bool(indices & set(FROZEN)) == in_frozen_window
        ):
            return member
    pytest.fail(f"no member fits (in_frozen_window={in_frozen_window})")


@pytest.mark.parametrize(
    "in_frozen_window",
    [
        pytest.param(False, id="turns-after-the-frozen-window"),
        pytest.param(True, id="a-turn-inside-the-frozen-window"),
    ],
)
def test_a_member_removed_from_the_file_leaves_the_team(
    session: Session, tmp_path: Path, in_frozen_window: bool
) -> None:
    path = write(tmp_path, "payments.toml", PAYMENTS.read_text())
    load(session, path)
    before = snapshot(session, "payments")
    leaver = pick_leaver(before, in_frozen_window=in_frozen_window)
    held = {slot for slot, (_, _, holder) in before.items() if holder == leaver}

    write(tmp_path, "payments.toml", without_member(path.read_text(), leaver))
    (loaded,) = load(session, path)

    assert loaded.members == 7
    assert rows(session, MemberRow, team_id="payments", person_id=leaver) == []
    assert session.get(PersonRow, leaver) is not None  # the person stays as history
    after = snapshot(session, "payments")
    assert set(after) == set(before)
    for slot, (start, _end, holder) in after.items():
        if start <= NOW:
            assert holder == before[slot][2], f"started period {slot} changed"
        else:
            assert holder != leaver
            if slot in held:
                assert holder is not None, f"{slot} was not refilled"
            elif slot[0] in FROZEN:
                assert holder == before[slot][2], f"frozen slot {slot} moved"
    frozen_held = [slot for slot in held if slot[0] in FROZEN]
    assert bool(frozen_held) == in_frozen_window
    # Every future turn of the leaver had to go, inside the frozen window or after it.
    assert loaded.update.forced == len([slot for slot in held if slot[0] > CURRENT])
    assert all(change.period_start > NOW for change in loaded.update.changed)
    assert len(loaded.update.changed) >= len([s for s in held if s[0] > CURRENT])


def test_time_off_from_the_file_is_replaced_not_duplicated(
    session: Session, tmp_path: Path
) -> None:
    path = write(tmp_path, "payments.toml", PAYMENTS.read_text())
    load(session, path)
    load(session, path)
    assert len(rows(session, TimeOffRow, team_id="payments")) == 3

    old, new = "start = 2027-02-01\nend = 2027-02-12", "start = 2027-03-01\nend = 2027-03-05"
    text = edit(path.read_text(), old, new)
    write(tmp_path, "payments.toml", text)
    load(session, path)

    entries = rows(session, TimeOffRow, team_id="payments")
    assert len(entries) == 3
    omar = [t for t in entries if t.person_id == "omar"]
    assert len(omar) == 1
    assert omar[0].start == datetime(2027, 2, 28, 23, 0, tzinfo=UTC)
    assert omar[0].end == datetime(2027, 3, 5, 23, 0, tzinfo=UTC)
    assert all(t.source == "file" for t in entries)


def test_new_time_off_moves_the_member_off_future_turns_only(
    session: Session, tmp_path: Path
) -> None:
    path = write(tmp_path, "payments.toml", PAYMENTS.read_text())
    load(session, path)
    before = snapshot(session, "payments")
    running = before[(CURRENT, "developer")][2]  # on support now
    frozen = before[(FROZEN[0], "developer")][2]  # on support next, inside the frozen window
    assert running is not None
    assert frozen not in (None, running)

    # From Friday inside the running period to Sunday 2026-12-20: overlaps periods 46 to 49.
    extra = "".join(
        f'\n[[time_off]]\nmember = "{who}"\nstart = 2026-11-27\nend = 2026-12-20\n'
        for who in (running, frozen)
    )
    write(tmp_path, "payments.toml", path.read_text() + extra)
    (loaded,) = load(session, path)

    after = snapshot(session, "payments")
    away = {running, frozen}
    for slot, (start, _end, holder) in after.items():
        if start <= NOW:
            assert holder == before[slot][2], f"started period {slot} changed"
    assert after[(CURRENT, "developer")][2] == running  # the running turn is not touched
    for index in (*FROZEN, FROZEN[-1] + 1):
        for role in ("developer", "operator"):
            assert after[(index, role)][2] not in away, (index, role)
            assert after[(index, role)][2] is not None, (index, role)
    frozen_held = [s for s in before if s[0] in FROZEN and before[s][2] in away]
    forced = [
        s
        for s, (start, end, holder) in before.items()
        if holder in away and start > NOW and start < TIME_OFF_END and end > TIME_OFF_START
    ]
    assert len(frozen_held) >= 1
    assert loaded.update.forced == len(forced)
    for slot in before:
        if slot[0] in FROZEN and slot not in frozen_held:
            assert after[slot] == before[slot], f"frozen slot {slot} moved"
    assert all(change.period_start > NOW for change in loaded.update.changed)
    # Time off is a hard constraint everywhere in the future.
    for entry in rows(session, TimeOffRow, team_id="payments"):
        for start, end, holder in after.values():
            if start > NOW and holder == entry.person_id:
                assert not (start < entry.end and entry.start < end), (holder, start)


# The period grid


LOCKED_CHANGES = [
    pytest.param('timezone = "Europe/Berlin"', 'timezone = "Europe/Paris"', id="timezone"),
    pytest.param('period = "1w"', 'period = "2w"', id="period"),
    pytest.param('handoff = "monday 09:00"', 'handoff = "tuesday 09:00"', id="handoff"),
    pytest.param("start = 2026-01-05", "start = 2026-01-12", id="start"),
]


@pytest.mark.parametrize(("old", "new"), LOCKED_CHANGES)
def test_the_grid_of_a_started_team_is_locked(
    session: Session, tmp_path: Path, old: str, new: str
) -> None:
    path = write(tmp_path, "payments.toml", PAYMENTS.read_text())
    load(session, path)
    team_before = rows(session, TeamRow, id="payments")[0].model_dump()
    before = count_everything(session), snapshot(session, "payments")

    text = edit(path.read_text(), old, new)
    text = edit(text, '"Alice Schmidt"', '"Alice S."')  # an allowed change in the same file
    write(tmp_path, "payments.toml", text)
    with pytest.raises(PolicyLocked) as info:
        load(session, path)

    assert "payments" in str(info.value)
    assert rows(session, TeamRow, id="payments")[0].model_dump() == team_before
    assert session.get(PersonRow, "alice").name == "Alice Schmidt"  # type: ignore[union-attr]
    assert (count_everything(session), snapshot(session, "payments")) == before


def test_other_settings_of_a_started_team_may_change(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, "payments.toml", PAYMENTS.read_text())
    load(session, path)
    text = edit(path.read_text(), 'name = "Payments"', 'name = "Payments & Billing"')
    text = edit(text, 'holidays = "DE-BE"', 'holidays = "DE-BY"')
    text = edit(text, "frozen_periods = 2", "frozen_periods = 3")
    write(tmp_path, "payments.toml", text)

    load(session, path)

    team = rows(session, TeamRow, id="payments")[0]
    assert (team.name, team.holidays, team.frozen_periods) == ("Payments & Billing", "DE-BY", 3)


def test_the_grid_of_a_team_not_yet_started_may_change(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, "future.toml", team_text("future", start="2027-03-01"))
    load(session, path)
    old_policy = policy_of(path)
    assert handoff(old_policy, 0) > NOW
    assert_plan_tiles_the_grid(snapshot(session, "future"), old_policy)

    text = team_text(
        "future",
        timezone="America/New_York",
        period="2w",
        handoff="tuesday 10:00",
        start="2027-04-01",
    )
    write(tmp_path, "future.toml", text)
    (loaded,) = load(session, path)

    new_policy = parse_team_file(text, str(path)).team.policy
    assert new_policy == Policy("America/New_York", 14, time(10, 0), date(2027, 4, 1), 1)
    team = rows(session, TeamRow, id="future")[0]
    assert (team.timezone, team.period, team.handoff, team.start) == (
        "America/New_York",
        "2w",
        "tuesday 10:00",
        date(2027, 4, 1),
    )
    plan = snapshot(session, "future")
    assert_plan_tiles_the_grid(plan, new_policy)  # no row is left on the old grid
    assert min(start for start, _, _ in plan.values()) == handoff(new_policy, 0)
    assert handoff(new_policy, 0) == datetime(2027, 4, 6, 14, 0, tzinfo=UTC)
    assert not loaded.created
    assert period_index_at(new_policy, NOW) is None


# Files that disagree with each other


def test_two_files_for_one_team_are_refused_together(session: Session, tmp_path: Path) -> None:
    first = write(tmp_path, "a.toml", team_text("shared"))
    second = write(tmp_path, "b.toml", team_text("shared", period="2w", handoff="friday 12:00"))

    with pytest.raises(TeamFilesError) as info:
        load(session, first, second)

    assert str(first) in str(info.value)
    assert str(second) in str(info.value)
    assert "shared" in str(info.value)
    assert count_everything(session) == EMPTY


def test_one_member_with_two_emails_is_refused(session: Session, tmp_path: Path) -> None:
    sam = '\n[[member]]\nid = "sam"\nname = "Sam"\nemail = "{}"\nroles = ["developer"]\n'
    first = write(tmp_path, "one.toml", team_text("one") + sam.format("sam@example.com"))
    second = write(tmp_path, "two.toml", team_text("two") + sam.format("sam@elsewhere.example"))

    with pytest.raises(TeamFilesError) as info:
        load(session, first, second)

    assert "sam" in str(info.value)
    assert str(first) in str(info.value)
    assert str(second) in str(info.value)
    assert count_everything(session) == EMPTY


def test_one_person_in_two_teams_is_one_person(session: Session, tmp_path: Path) -> None:
    sam = '\n[[member]]\nid = "sam"\nname = "Sam"\nemail = "sam@example.com"\nroles = ["{}"]\n'
    first = write(tmp_path, "one.toml", team_text("one") + sam.format("developer"))
    second = write(tmp_path, "two.toml", team_text("two") + sam.format("operator"))

    load(session, first, second)

    assert len(rows(session, PersonRow, id="sam")) == 1
    memberships = {m.team_id: m.roles for m in rows(session, MemberRow, person_id="sam")}
    assert memberships == {"one": "developer", "two": "operator"}


def test_the_samples_start_before_now() -> None:
    # The reload tests above rely on payments having started and on its current period index.
    policy = policy_of(PAYMENTS)
    assert period_index_at(policy, NOW) == CURRENT
    assert timedelta(0) < NOW - handoff(policy, CURRENT) < timedelta(days=7)

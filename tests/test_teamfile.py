"""The team file parser: what a good file declares, and every refusal with its line and reason.

Pure tests: no database. Each refusal is checked for the line a person should look at and for a
reason that names what is wrong.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rotation.model import Channel, Member, NotifyPolicy, Policy, Role
from rotation.teamfile import (
    MEMBER_KEYS,
    Problem,
    TeamFile,
    TeamFileError,
    parse_team_file,
)

SAMPLES = sorted(Path(__file__).parent.parent.joinpath("samples").glob("*.toml"))
PATH = "core.toml"
BERLIN = ZoneInfo("Europe/Berlin")

BASE = """\
# A small valid team: every test below edits one thing in it.
[team]
id = "core"
name = "Core"
timezone = "Europe/Berlin"
period = "1w"
handoff = "monday 09:00"
start = 2027-01-04
holidays = "DE"
frozen_periods = 2

[[member]]
id = "alice"
name = "Alice"
email = "alice@example.com"
roles = ["developer"]

[[member]]
id = "omar"
name = "Omar"
email = "omar@example.com"
roles = ["operator"]
weight = 0.5

[notify]
channels = ["log"]

[[time_off]]
member = "alice"
start = 2027-02-01
end = 2027-02-05
"""


def line_of(text: str, needle: str, nth: int = 0) -> int:
    """The 1-based number of the `nth` line of `text` containing `needle`."""
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(numbers) > nth, f"{needle!r} is not in the text {nth + 1} times"
    return numbers[nth]


def edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once"
    return text.replace(old, new)


def after(anchor: str, new_line: str, text: str = BASE) -> str:
    """`text` with `new_line` inserted after the line holding `anchor`."""
    return edit(anchor, f"{anchor}\n{new_line}", text)


def refused(text: str) -> list[Problem]:
    with pytest.raises(TeamFileError) as info:
        parse_team_file(text, PATH)
    assert info.value.path == PATH
    return info.value.problems


def only_problem(text: str) -> Problem:
    problems = refused(text)
    assert len(problems) == 1, problems
    return problems[0]


def berlin(year: int, month: int, day: int) -> datetime:
    """Midnight of a Berlin day, as an aware instant."""
    return datetime(year, month, day, tzinfo=BERLIN)


# Good files


def test_the_base_file_parses() -> None:
    parsed = parse_team_file(BASE, PATH)
    assert parsed.path == PATH
    assert [m.id for m in parsed.members] == ["alice", "omar"]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_every_sample_parses(sample: Path) -> None:
    parsed = parse_team_file(sample.read_text(encoding="utf-8"), str(sample))
    assert isinstance(parsed, TeamFile)
    assert parsed.team.id == sample.stem
    assert parsed.members


def test_the_payments_sample_comes_out_as_written() -> None:
    sample = next(p for p in SAMPLES if p.stem == "payments")
    parsed = parse_team_file(sample.read_text(encoding="utf-8"), str(sample))

    team = parsed.team
    assert (team.id, team.name, team.holidays, team.frozen_periods) == (
        "payments",
        "Payments",
        "DE-BE",
        2,
    )
    assert team.policy == Policy("Europe/Berlin", 7, time(9, 0), date(2026, 1, 5), 0)
    assert team.notify == NotifyPolicy(
        (Channel.EMAIL, Channel.LOG), (timedelta(hours=24), timedelta(hours=1))
    )

    developer, operator = frozenset({Role.DEVELOPER}), frozenset({Role.OPERATOR})
    assert parsed.members == (
        Member("alice", "Alice Schmidt", "alice@example.com", developer, chat="@alice"),
        Member("bruno", "Bruno Keller", "bruno@example.com", developer, weight=0.5),
        Member("chen", "Chen Wei", "chen@example.com", developer, joined=date(2026, 6, 1)),
        Member(
            "dana",
            "Dana Novak",
            "dana@example.com",
            developer | operator,
            left=date(2027, 3, 31),
        ),
        Member("emre", "Emre Yilmaz", "emre@example.com", developer, timezone="Europe/Istanbul"),
        Member("omar", "Omar Haddad", "omar@example.com", operator),
        Member("petra", "Petra Lang", "petra@example.com", operator, weight=0.8),
        Member("quinn", "Quinn Murphy", "quinn@example.com", operator),
    )
    assert all(isinstance(m.weight, float) for m in parsed.members)

    alice, omar, chen = parsed.time_off
    # A date range covers whole local days: [start 00:00, end + 1 day 00:00) in Berlin.
    assert (alice.member, alice.reason) == ("alice", "Winter holiday")
    assert alice.start == berlin(2026, 12, 21) == datetime(2026, 12, 20, 23, 0, tzinfo=UTC)
    assert alice.end == berlin(2027, 1, 2) == datetime(2027, 1, 1, 23, 0, tzinfo=UTC)
    assert (omar.member, omar.reason) == ("omar", "")
    assert omar.start == berlin(2027, 2, 1)
    assert omar.end == berlin(2027, 2, 13)
    # Instants with an offset are kept as given, offset included.
    plus_two = timezone(timedelta(hours=2))
    assert (chen.member, chen.reason) == ("chen", "Dentist")
    assert chen.start == datetime(2027, 4, 12, 13, 0, tzinfo=plus_two)
    assert chen.end == datetime(2027, 4, 12, 18, 0, tzinfo=plus_two)
    assert chen.start.utcoffset() == chen.end.utcoffset() == timedelta(hours=2)


def test_date_time_off_follows_the_team_zone_across_dst() -> None:
    # Berlin springs forward on 2027-03-28: two local days that last 24 + 23 hours.
    text = edit("start = 2027-02-01\nend = 2027-02-05", "start = 2027-03-27\nend = 2027-03-28")
    (entry,) = parse_team_file(text, PATH).time_off
    assert entry.start == datetime(2027, 3, 26, 23, 0, tzinfo=UTC)
    assert entry.end == datetime(2027, 3, 28, 22, 0, tzinfo=UTC)
    assert entry.end - entry.start == timedelta(hours=47)


def test_a_one_day_time_off_lasts_that_day() -> None:
    text = edit("end = 2027-02-05", "end = 2027-02-01")
    (entry,) = parse_team_file(text, PATH).time_off
    assert (entry.start, entry.end) == (berlin(2027, 2, 1), berlin(2027, 2, 2))


def test_time_off_back_to_back_does_not_overlap() -> None:
    text = BASE + '\n[[time_off]]\nmember = "alice"\nstart = 2027-02-06\nend = 2027-02-07\n'
    first, second = parse_team_file(text, PATH).time_off
    assert first.end == second.start


def test_a_secret_by_reference_is_accepted() -> None:
    text = edit(
        'channels = ["log"]',
        'channels = ["slack", "log"]\nslack_webhook = "env:CORE_SLACK_WEBHOOK"',
    )
    notify = parse_team_file(text, PATH).team.notify
    assert notify.channels == (Channel.SLACK, Channel.LOG)
    assert notify.slack_webhook == "env:CORE_SLACK_WEBHOOK"


# Refusals: one problem each, on the right line, with a reason naming it


UNKNOWN_KEYS = [
    pytest.param(after('name = "Core"', 'colour = "blue"'), "colour", id="team"),
    pytest.param(after('id = "omar"', 'nickname = "o"'), "nickname", id="member"),
    pytest.param(after('member = "alice"', 'note = "x"'), "note", id="time_off"),
    pytest.param(after('channels = ["log"]', 'email_to = "x@y.z"'), "email_to", id="notify"),
    pytest.param('colour = "blue"\n' + BASE, "colour", id="top-level-key"),
]


@pytest.mark.parametrize(("text", "key"), UNKNOWN_KEYS)
def test_an_unknown_key_is_refused_on_its_line(text: str, key: str) -> None:
    problem = only_problem(text)
    assert problem.line == line_of(text, f"{key} =")
    assert "unknown" in problem.reason
    assert repr(key) in problem.reason


def test_an_unknown_top_level_table_is_refused_on_its_line() -> None:
    # A misspelt table such as [notifications] for [notify] must point at its header.
    text = BASE + "\n[notifications]\nchannels = []\n"
    problem = only_problem(text)
    assert "notifications" in problem.reason
    assert problem.line == line_of(text, "[notifications]")


def test_an_unknown_quoted_key_is_refused_on_its_own_line() -> None:
    # TOML allows quoted keys; the reported line must still be the key's, not the header's.
    text = after('id = "omar"', '"nick name" = "o"')
    problem = only_problem(text)
    assert "nick name" in problem.reason
    assert problem.line == line_of(text, '"nick name"')


REFUSALS = [
    # (edited text, the line's text, words the reason must contain)
    pytest.param(
        edit('member = "alice"', 'member = "zoe"'),
        'member = "zoe"',
        ["unknown", "zoe"],
        id="time-off-of-unknown-member",
    ),
    pytest.param(
        edit('"Europe/Berlin"', '"Europe/Berlyn"'), "timezone", ["Europe/Berlyn"], id="bad-zone"
    ),
    pytest.param(
        edit('"Europe/Berlin"', '"CET+1"'), "timezone", ["CET+1", "time zone"], id="bad-zone-2"
    ),
    pytest.param(edit('period = "1w"', 'period = "1m"'), "period", ["1m"], id="period-1m"),
    pytest.param(edit('period = "1w"', 'period = "0w"'), "period", ["0w"], id="period-0w"),
    pytest.param(edit('period = "1w"', 'period = "week"'), "period", ["week"], id="period-word"),
    pytest.param(edit('period = "1w"', "period = 7"), "period", ["period", "7"], id="period-int"),
    pytest.param(
        edit('"monday 09:00"', '"funday 09:00"'), "handoff", ["funday"], id="unknown-weekday"
    ),
    pytest.param(
        edit('"monday 09:00"', '"monday 25:00"'),
        "handoff",
        ["25:00", "no such time"],
        id="handoff-25h",
    ),
    pytest.param(
        edit('period = "1w"', 'period = "3d"'),
        "handoff",
        ["weekday", "whole weeks"],
        id="weekday-with-3d-period",
    ),
    pytest.param(
        edit("start = 2027-01-04", "start = 2027-01-04T09:00:00"),
        "start = 2027-01-04",
        ["start", "date"],
        id="team-start-naive-datetime",
    ),
    pytest.param(
        edit("start = 2027-01-04", "start = 2027-01-04T09:00:00+01:00"),
        "start = 2027-01-04",
        ["start", "date"],
        id="team-start-aware-datetime",
    ),
    pytest.param(
        after('id = "omar"', "joined = 2027-01-04T00:00:00Z"),
        "joined",
        ["joined", "date"],
        id="joined-datetime",
    ),
    pytest.param(
        edit("start = 2027-02-01", "start = 2027-02-01T09:00:00"),
        "start = 2027-02-01",
        ["start", "offset"],
        id="time-off-naive-datetime",
    ),
    pytest.param(
        edit("end = 2027-02-05", "end = 2027-01-30"),
        "end = 2027-01-30",
        ["alice", "ends before it starts"],
        id="time-off-ends-before-start",
    ),
    pytest.param(
        edit("end = 2027-02-05", "end = 2027-01-31"),
        "end = 2027-01-31",
        ["ends before it starts"],
        id="time-off-ends-the-day-before",
    ),
    pytest.param(
        edit(
            "start = 2027-02-01\nend = 2027-02-05",
            "start = 2027-02-01T12:00:00Z\nend = 2027-02-01T12:00:00+00:00",
        ),
        "end = 2027-02-01T12",
        ["ends before it starts"],
        id="time-off-empty-instants",
    ),
    pytest.param(
        edit('roles = ["operator"]', "roles = []"),
        "roles = []",
        ["omar", "no role"],
        id="member-without-role",
    ),
    pytest.param(
        edit('roles = ["operator"]', 'roles = ["tester"]'),
        "tester",
        ["unknown role", "tester"],
        id="member-unknown-role",
    ),
    pytest.param(
        edit('id = "omar"', 'id = "alice"  # again'),
        "# again",
        ["alice", "twice"],
        id="duplicate-member",
    ),
    pytest.param(edit("weight = 0.5", "weight = 0"), "weight", ["weight 0"], id="weight-0"),
    pytest.param(edit("weight = 0.5", "weight = 1.5"), "weight", ["weight 1.5"], id="weight-1.5"),
    pytest.param(
        after('id = "omar"', "joined = 2027-03-01\nleft = 2027-02-28"),
        "left",
        ["left 2027-02-28", "joined 2027-03-01"],
        id="left-before-joined",
    ),
    pytest.param(
        edit('"omar@example.com"', '"omar.example.com"'),
        "omar.example",
        ["omar.example.com"],
        id="bad-email",
    ),
    pytest.param(
        edit('"omar@example.com"', '"omar@example"'),
        "omar@",
        ["omar@example"],
        id="email-without-domain",
    ),
    pytest.param(edit('holidays = "DE"', 'holidays = "XX"'), "holidays", ["XX"], id="holidays-XX"),
    pytest.param(
        edit('holidays = "DE"', 'holidays = "DE-ZZ"'),
        "holidays",
        ["DE", "ZZ"],
        id="holidays-DE-ZZ",
    ),
    pytest.param(
        after('channels = ["log"]', 'slack_webhook = "https://hooks.slack.com/services/T/B/X"'),
        "slack_webhook",
        ["slack_webhook", "env:NAME"],
        id="slack-webhook-in-clear",
    ),
    pytest.param(
        after('channels = ["log"]', 'webhook_secret = "hunter2"'),
        "webhook_secret",
        ["webhook_secret", "env:NAME"],
        id="webhook-secret-in-clear",
    ),
    pytest.param(
        edit('channels = ["log"]', 'channels = ["slack"]'),
        "channels",
        ["slack", "slack_webhook"],
        id="slack-without-webhook",
    ),
    pytest.param(
        edit('channels = ["log"]', 'channels = ["pager"]'),
        "channels",
        ["pager"],
        id="unknown-channel",
    ),
]


@pytest.mark.parametrize(("text", "needle", "words"), REFUSALS)
def test_a_refusal_names_the_line_and_the_problem(text: str, needle: str, words: list[str]) -> None:
    problem = only_problem(text)
    assert problem.line == line_of(text, needle), problem
    for word in words:
        assert word in problem.reason, problem


def test_a_secret_in_clear_is_not_repeated_in_the_error() -> None:
    secret = "https://hooks.slack.com/services/T000/B000/very-secret"
    text = after('channels = ["log"]', f'slack_webhook = "{secret}"')
    with pytest.raises(TeamFileError) as info:
        parse_team_file(text, PATH)
    assert secret not in str(info.value)


def test_overlapping_time_off_names_the_other_entry() -> None:
    text = BASE + '\n[[time_off]]\nmember = "alice"\nstart = 2027-02-05\nend = 2027-02-10\n'
    problem = only_problem(text)
    first, second = line_of(text, "[[time_off]]"), line_of(text, "[[time_off]]", 1)
    assert problem.line == second
    assert "overlaps" in problem.reason
    assert "alice" in problem.reason
    assert f"line {first}" in problem.reason


def test_time_off_of_two_members_may_overlap() -> None:
    text = BASE + '\n[[time_off]]\nmember = "omar"\nstart = 2027-02-01\nend = 2027-02-05\n'
    assert len(parse_team_file(text, PATH).time_off) == 2


def test_invalid_toml_reports_the_line_of_the_syntax_error() -> None:
    text = edit('period = "1w"', "period = ")
    problem = only_problem(text)
    assert "TOML" in problem.reason
    assert problem.line == line_of(text, "period = ")


def test_a_file_without_team_table_is_refused() -> None:
    team_block = BASE[BASE.index("[team]") : BASE.index("[[member]]")]
    problem = only_problem(BASE.replace(team_block, ""))
    assert "[team]" in problem.reason
    assert "missing" in problem.reason


@pytest.mark.parametrize("key", ["id", "name", "timezone", "period", "handoff", "start"])
def test_a_missing_team_key_is_refused(key: str) -> None:
    line = next(x for x in BASE.splitlines() if x.startswith(f"{key} ="))
    text = edit(line + "\n", "")
    problem = only_problem(text)
    assert "missing" in problem.reason
    assert repr(key) in problem.reason
    assert problem.line == line_of(text, "[team]")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('member = ["id"]\n' + BASE.split("[[member]]")[0], id="member-string"),
        pytest.param("time_off = [1]\n" + BASE.split("[[member]]")[0], id="time-off-number"),
        pytest.param(edit('roles = ["operator"]', 'roles = [["operator"]]'), id="nested-role"),
        pytest.param(edit('channels = ["log"]', "channels = [{ a = 1 }]"), id="table-channel"),
    ],
)
def test_malformed_entries_are_refused_not_crashed(text: str) -> None:
    # Anything the parser does not understand must come back as a TeamFileError, never a
    # TypeError: the loader and the CLI report only TeamFileErrors.
    assert refused(text)


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    text = BASE
    text = edit('"Europe/Berlin"', '"Mars/Olympus"', text)
    text = after('id = "alice"', "shoe_size = 42", text)
    text = edit("weight = 0.5", "weight = 1.5", text)
    text = edit('member = "alice"', 'member = "zoe"', text)
    text = after('channels = ["log"]', 'webhook_url = "https://example.com/hook"', text)
    problems = refused(text)
    expected = {
        line_of(text, "timezone ="): "Mars/Olympus",
        line_of(text, "shoe_size"): "shoe_size",
        line_of(text, "weight ="): "weight 1.5",
        line_of(text, 'member = "zoe"'): "zoe",
        line_of(text, "webhook_url"): "webhook_url",
    }
    assert sorted(p.line for p in problems if p.line) == sorted(expected)
    assert len(problems) == len(expected)
    for problem in problems:
        assert problem.line is not None
        assert expected[problem.line] in problem.reason
    message = str(TeamFileError(PATH, problems))
    for line in expected:
        assert f"{PATH}:{line}: " in message


# The line of an unknown key, whatever the layout

KEYS = st.from_regex(r"[a-z][a-z0-9_-]{0,15}", fullmatch=True).filter(
    lambda k: k not in MEMBER_KEYS
)
VALUES = st.sampled_from(['"x"', "1", "0.5", "true", "2027-01-04", '["developer"]', "{ a = 1 }"])
FILLER = st.sampled_from(["", "# a comment", "# weight = 2", "   "])


@st.composite
def member_block(draw: st.DrawFn, index: int) -> list[str]:
    lines = [
        f'id = "m{index}"',
        f'name = "Member {index}"',
        f'email = "m{index}@example.com"',
        'roles = ["developer", "operator"]',
    ]
    if draw(st.booleans()):
        lines.append("weight = 0.75")
    lines = draw(st.permutations(lines))
    for _ in range(draw(st.integers(0, 2))):
        lines.insert(draw(st.integers(0, len(lines))), draw(FILLER))
    indent = draw(st.sampled_from(["", "  ", "\t"]))
    return [f"{indent}{line}" if "=" in line else line for line in lines]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_line_of_an_unknown_member_key_is_where_it_was_written(data: st.DataObject) -> None:
    count = data.draw(st.integers(1, 4), label="members")
    target = data.draw(st.integers(0, count - 1), label="target")
    key = data.draw(KEYS, label="key")
    value = data.draw(VALUES, label="value")
    spacing = data.draw(st.sampled_from([" = ", "=", "  =  "]), label="spacing")

    head = BASE[: BASE.index("[[member]]")]
    tail = BASE[BASE.index("[notify]") :].replace('member = "alice"', 'member = "m0"')
    lines = head.splitlines()
    expected = 0
    for index in range(count):
        block = data.draw(member_block(index), label=f"member {index}")
        if index == target:
            position = data.draw(st.integers(0, len(block)), label="position")
            block.insert(position, f"{key}{spacing}{value}")
            expected = len(lines) + 1 + position + 1  # after the header line
        lines += ["[[member]]", *block, ""]
    text = "\n".join(lines) + "\n" + tail

    problem = only_problem(text)
    assert problem.line == expected, text
    assert repr(key) in problem.reason

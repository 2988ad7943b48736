"""The pure Slack parts: the signature check against Slack's published example, command text,
group membership and its changes (across DST), handoffs, messages and the `[slack]` table."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from api.slack.signing import MAX_AGE, signature, verify
from rotation import Assignment, Override, Policy, Role, period, resolve
from rotation.slack import Verb, group_changes, handoffs, holders_at, parse_command
from rotation.slack_messages import Person, Slot, handoff_message, who_message
from rotation.slack_settings import InvalidSlackSettings, SlackSettings, check_slack_settings
from rotation.teamfile import TeamFileError, parse_team_file
from tests.slack_parts import PAY

# Slack's example in "Verifying requests from Slack".
EXAMPLE_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
EXAMPLE_TIMESTAMP = "1531420618"
EXAMPLE_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    b"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    b"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    b"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
EXAMPLE_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
EXAMPLE_NOW = datetime.fromtimestamp(int(EXAMPLE_TIMESTAMP), UTC)


def test_signature_matches_slacks_published_example() -> None:
    assert signature(EXAMPLE_SECRET, EXAMPLE_TIMESTAMP, EXAMPLE_BODY) == EXAMPLE_SIGNATURE
    assert verify(EXAMPLE_SECRET, EXAMPLE_TIMESTAMP, EXAMPLE_SIGNATURE, EXAMPLE_BODY, EXAMPLE_NOW)


@pytest.mark.parametrize(
    ("secret", "timestamp", "signed", "body", "now"),
    [
        ("another-secret", EXAMPLE_TIMESTAMP, EXAMPLE_SIGNATURE, EXAMPLE_BODY, EXAMPLE_NOW),
        (EXAMPLE_SECRET, EXAMPLE_TIMESTAMP, EXAMPLE_SIGNATURE, EXAMPLE_BODY + b"x", EXAMPLE_NOW),
        (EXAMPLE_SECRET, EXAMPLE_TIMESTAMP, EXAMPLE_SIGNATURE.upper(), EXAMPLE_BODY, EXAMPLE_NOW),
        (EXAMPLE_SECRET, "1531420619", EXAMPLE_SIGNATURE, EXAMPLE_BODY, EXAMPLE_NOW),
        (EXAMPLE_SECRET, None, EXAMPLE_SIGNATURE, EXAMPLE_BODY, EXAMPLE_NOW),
        (EXAMPLE_SECRET, EXAMPLE_TIMESTAMP, None, EXAMPLE_BODY, EXAMPLE_NOW),
        (EXAMPLE_SECRET, "-1531420618", EXAMPLE_SIGNATURE, EXAMPLE_BODY, EXAMPLE_NOW),
        # A replay: the right signature, six minutes late (or early).
        (
            EXAMPLE_SECRET,
            EXAMPLE_TIMESTAMP,
            EXAMPLE_SIGNATURE,
            EXAMPLE_BODY,
            EXAMPLE_NOW + timedelta(seconds=MAX_AGE + 1),
        ),
        (
            EXAMPLE_SECRET,
            EXAMPLE_TIMESTAMP,
            EXAMPLE_SIGNATURE,
            EXAMPLE_BODY,
            EXAMPLE_NOW - timedelta(seconds=MAX_AGE + 1),
        ),
    ],
)
def test_tampered_wrong_or_stale_requests_are_refused(
    secret: str, timestamp: str | None, signed: str | None, body: bytes, now: datetime
) -> None:
    assert not verify(secret, timestamp, signed, body, now)


def test_a_request_just_inside_five_minutes_is_accepted() -> None:
    late = EXAMPLE_NOW + timedelta(seconds=MAX_AGE)
    assert verify(EXAMPLE_SECRET, EXAMPLE_TIMESTAMP, EXAMPLE_SIGNATURE, EXAMPLE_BODY, late)


@pytest.mark.parametrize(
    ("text", "verb", "team", "public"),
    [
        ("", Verb.WHO, None, False),
        ("who", Verb.WHO, None, False),
        ("who payments", Verb.WHO, "payments", False),
        ("WHO Data Platform", Verb.WHO, "Data Platform", False),
        ("who payments public", Verb.WHO, "payments", True),
        ("public", Verb.WHO, None, True),
        ("payments", Verb.WHO, "payments", False),
        ("next storefront", Verb.NEXT, "storefront", False),
        ("me", Verb.ME, None, False),
        ("me here", Verb.ME, None, True),
        ("help", Verb.HELP, None, False),
    ],
)
def test_command_text(text: str, verb: Verb, team: str | None, public: bool) -> None:
    command = parse_command(text)
    assert (command.verb, command.team, command.public) == (verb, team, public)


def test_words_after_me_are_not_understood() -> None:
    command = parse_command("me and you")
    assert command.verb is Verb.HELP
    assert command.not_understood == "me and you"


BERLIN = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 3, 1), 0)


def weekly(people: dict[Role, list[str]], count: int) -> list[Assignment]:
    return [
        Assignment(role, period(BERLIN, index), names[index % len(names)])
        for index in range(count)
        for role, names in people.items()
    ]


PEOPLE = {Role.DEVELOPER: ["alice", "bruno"], Role.OPERATOR: ["omar", "petra", "quinn"]}
GROUPS = {"developer": "S0DEV", "operator": "S0OPS", "both": "S0ALL"}


@pytest.mark.parametrize(
    ("handoff", "local_before"),
    [
        # Spring forward on Sunday 28 March: 09:00 is 08:00Z before, 07:00Z after.
        (datetime(2027, 3, 29, 7, tzinfo=UTC), datetime(2027, 3, 22, 8, tzinfo=UTC)),
        # Fall back on Sunday 31 October: 09:00 is 07:00Z before, 08:00Z after.
        (datetime(2027, 11, 1, 8, tzinfo=UTC), datetime(2027, 10, 25, 7, tzinfo=UTC)),
    ],
)
def test_groups_change_exactly_at_the_local_handoff_across_dst(
    handoff: datetime, local_before: datetime
) -> None:
    assignments = weekly(PEOPLE, 40)
    since, until = handoff - timedelta(days=10), handoff + timedelta(days=1)
    entries = resolve(assignments, since, until)
    changes = group_changes(entries, GROUPS, since, until)
    instants = sorted({c.at for c in changes if c.at > since})
    assert instants == [local_before, handoff]
    assert handoff.astimezone(BERLIN.zone).time() == time(9, 0)
    at_handoff = {c.usergroup: c.members for c in changes if c.at == handoff}
    holders = holders_at(entries, handoff)
    assert at_handoff["S0DEV"] == (holders[Role.DEVELOPER],)
    assert at_handoff["S0ALL"] == tuple(sorted([holders[Role.DEVELOPER], holders[Role.OPERATOR]]))
    # Nothing changes an instant before: the old pair still holds the groups.
    before = holders_at(entries, handoff - timedelta(microseconds=1))
    assert before != holders


def test_an_override_changes_only_the_groups_it_touches() -> None:
    assignments = weekly(PEOPLE, 4)
    start = period(BERLIN, 1).start + timedelta(hours=5)
    end = start + timedelta(hours=3)
    holder = holders_at(resolve(assignments, start, end), start)[Role.DEVELOPER]
    stand_in = "bruno" if holder == "alice" else "alice"
    cover = Override(Role.DEVELOPER, stand_in, start, end, 1)
    since, until = period(BERLIN, 1).start, period(BERLIN, 2).start
    entries = resolve(assignments, since, until, [cover])
    changes = group_changes(entries, GROUPS, since, until)
    assert {(c.usergroup, c.at) for c in changes if c.at > since} == {
        ("S0DEV", start),
        ("S0ALL", start),
        ("S0DEV", end),
        ("S0ALL", end),
    }
    assert next(c for c in changes if c.usergroup == "S0DEV" and c.at == start).members == (
        stand_in,
    )


def test_a_handoff_names_who_hands_over_and_a_member_who_stays_hands_nothing_over() -> None:
    people = {Role.DEVELOPER: ["alice", "bruno"], Role.OPERATOR: ["omar"]}
    assignments = weekly(people, 4)
    at = period(BERLIN, 2).start
    entries = resolve(assignments, period(BERLIN, 1).start, period(BERLIN, 3).end)
    found = handoffs(entries, at, at + timedelta(seconds=1))
    assert [h.changes for h in found] == [((Role.DEVELOPER, "bruno", "alice"),)]


def test_messages_have_blocks_and_a_text_fallback_and_escape_names() -> None:
    at = datetime(2027, 3, 29, 7, tzinfo=UTC)
    slots = [Slot(Role.DEVELOPER, Person("A <b> & c", "U0A"), at), Slot(Role.OPERATOR, None)]
    message = who_message("Pay", "Europe/Berlin", slots, at + timedelta(days=7), public=False)
    assert message["response_type"] == "ephemeral"
    assert "Mon 29 Mar 09:00 CEST" in message["text"]
    assert "operator: UNCOVERED" in message["text"]
    section = message["blocks"][0]["text"]["text"]
    assert "<@U0A>" in section
    assert f"<!date^{int(at.timestamp())}^" in section
    post = handoff_message(
        "Pay",
        "Europe/Berlin",
        at,
        [(Role.DEVELOPER, Person("A <b>"), None)],
        [(Person("A <b>"), "x<y")],
    )
    assert "A &lt;b&gt;" in post["blocks"][0]["text"]["text"]
    assert "x&lt;y" in post["blocks"][1]["text"]["text"]
    assert "Note from A <b>: x<y" in post["text"]


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (SlackSettings(signing_secret="8f742231b10e8888"), "signing_secret"),
        (SlackSettings(bot_token="xoxb-123", channel="C0123"), "bot_token"),
        (SlackSettings(bot_token="env:B", channel="not a channel"), "channel"),
        (
            SlackSettings(bot_token="env:B", usergroups={"developer": "@devs"}),
            "usergroups.developer",
        ),
        (SlackSettings(bot_token="env:B", usergroups={"lead": "S0123"}), "usergroups"),
        (
            SlackSettings(bot_token="env:B", usergroups={"developer": "S01", "both": "S01"}),
            "usergroups",
        ),
        (SlackSettings(usergroups={"developer": "S0123"}), "usergroups"),
        (SlackSettings(channel="#support"), "channel"),
    ],
)
def test_settings_refused_name_the_field(settings: SlackSettings, field: str) -> None:
    with pytest.raises(InvalidSlackSettings) as caught:
        check_slack_settings(settings)
    assert caught.value.field == field


def test_the_team_file_slack_table() -> None:
    file = parse_team_file(PAY)
    assert file.slack == SlackSettings(
        "env:TEST_SLACK_SIGNING",
        "env:TEST_SLACK_BOT",
        "C0PAYMENTS",
        {"developer": "S0DEV0001", "operator": "S0OPS0001", "both": "S0ALL0001"},
    )
    assert parse_team_file(PAY.split("[slack]")[0]).slack is None


def test_a_secret_written_into_the_team_file_is_refused_with_its_line() -> None:
    text = PAY.replace('bot_token = "env:TEST_SLACK_BOT"', 'bot_token = "xoxb-1-2-3"')
    with pytest.raises(TeamFileError) as caught:
        parse_team_file(text, "pay.toml")
    line = text.splitlines().index('bot_token = "xoxb-1-2-3"') + 1
    assert [(p.line, "env:NAME" in p.reason) for p in caught.value.problems] == [(line, True)]
    unknown = PAY.replace('channel = "C0PAYMENTS"', 'channel = "C0PAYMENTS"\ntoken = "x"')
    with pytest.raises(TeamFileError, match="unknown key 'token'"):
        parse_team_file(unknown)

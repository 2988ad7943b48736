"""The pure reminder rules: which reminders a resolved schedule calls for, and their text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from rotation import Policy, Role, ScheduleEntry, period
from rotation.messages import Contact, Context, local, render
from rotation.reminders import (
    HANDOFF_GRACE,
    Change,
    Kind,
    Turn,
    diff_turns,
    handoff_notices,
    lead_times_due,
    moved_notices,
    turn_start_notices,
    uncovered_notices,
)

BERLIN = ZoneInfo("Europe/Berlin")
DAILY = Policy("Europe/Berlin", 1, time(9, 0), date(2027, 1, 1))
H24, H1 = timedelta(hours=24), timedelta(hours=1)


def entries(policy: Policy, first: int, members: list[str | None], role: Role = Role.DEVELOPER):
    """One entry per period from `first`, held by `members` in turn."""
    return [
        ScheduleEntry(role, member, p.start, p.end, p)
        for p, member in ((period(policy, first + i), m) for i, m in enumerate(members))
    ]


def leads(_member: str) -> tuple[timedelta, ...]:
    return (H24, H1)


def test_a_turn_far_ahead_gets_each_lead_time() -> None:
    plan = entries(DAILY, 10, ["alice", "bob"])
    now = plan[0].start - timedelta(days=3)
    notices = turn_start_notices(plan, now, plan[-1].end, leads)
    assert [(n.recipient, n.lead) for n in notices] == [
        ("alice", H24),
        ("alice", H1),
        ("bob", H24),
        ("bob", H1),
    ]
    for notice in notices:
        assert notice.due == notice.at - notice.lead
        assert notice.expires == notice.at


def test_a_turn_seen_late_gets_one_reminder_not_a_burst() -> None:
    start = datetime(2027, 3, 1, 8, tzinfo=UTC)
    assert lead_times_due(start, [H24, H1], start - timedelta(minutes=30)) == [H1]
    # 5 h ahead: the 24 h moment passed, so that one goes now ("in 5 hours"), the 1 h one later.
    assert lead_times_due(start, [H24, H1], start - timedelta(hours=5)) == [H1, H24]
    assert lead_times_due(start, [H24, H1], start - timedelta(hours=25)) == [H24, H1]
    # 23 h ahead: the 1 h reminder is ahead, the 24 h moment passed: keep it, sent now.
    assert lead_times_due(start, [H1, H24], start - timedelta(hours=23)) == [H1, H24]


def test_a_back_to_back_turn_is_no_new_start() -> None:
    plan = entries(DAILY, 10, ["alice", "alice", "bob"])
    now = plan[0].start - timedelta(days=3)
    starts = {(n.recipient, n.at) for n in turn_start_notices(plan, now, plan[-1].end, leads)}
    assert starts == {("alice", plan[0].start), ("bob", plan[2].start)}
    handoffs = handoff_notices(plan, now, plan[-1].end)
    assert {(n.recipient, n.at) for n in handoffs} == {
        ("alice", plan[2].start),
        ("bob", plan[2].start),
    }


def test_a_reminder_24_hours_before_a_handoff_is_24_real_hours_across_spring_forward() -> None:
    # Berlin moves from 02:00 to 03:00 on 2027-03-28: the 09:00 handoff that day is 07:00 UTC.
    (turn,) = [e for e in entries(DAILY, 86, ["alice"]) if e.start.date() == date(2027, 3, 28)]
    assert turn.start.astimezone(BERLIN).time() == time(9, 0)
    (notice,) = turn_start_notices(
        [turn], turn.start - timedelta(days=3), turn.end, lambda m: [H24]
    )
    assert turn.start - notice.due == timedelta(hours=24)
    # 24 real hours before 09:00 CEST is 08:00 CET the day before.
    assert notice.due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2027, 3, 27, 8, 0)


def test_a_reminder_24_hours_before_a_handoff_is_24_real_hours_across_fall_back() -> None:
    # Berlin moves from 03:00 back to 02:00 on 2027-10-31.
    (turn,) = [e for e in entries(DAILY, 303, ["alice"]) if e.start.date() == date(2027, 10, 31)]
    (notice,) = turn_start_notices(
        [turn], turn.start - timedelta(days=3), turn.end, lambda m: [H24]
    )
    assert turn.start - notice.due == timedelta(hours=24)
    assert notice.due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2027, 10, 30, 10, 0)


def test_handoffs_go_to_both_sides_and_skip_an_uncovered_side() -> None:
    plan = entries(DAILY, 10, ["alice", None, "bob"])
    now = plan[0].start
    notices = handoff_notices(plan, now, plan[-1].end)
    assert [(n.recipient, n.at) for n in notices] == [
        ("alice", plan[1].start),
        ("bob", plan[2].start),
    ]
    for notice in notices:
        assert notice.due == notice.at
        assert notice.expires == notice.at + HANDOFF_GRACE


def test_a_handoff_that_has_passed_is_not_announced() -> None:
    plan = entries(DAILY, 10, ["alice", "bob"])
    assert handoff_notices(plan, plan[1].start, plan[1].end) == []


def test_uncovered_goes_to_each_lead_or_to_the_team() -> None:
    plan = entries(DAILY, 10, ["alice", None, None])
    now = plan[1].start + timedelta(hours=1)  # the first uncovered stretch has begun
    to_leads = uncovered_notices(plan, now, plan[-1].end, ["lena", "lou"])
    # Two uncovered periods back to back are one stretch: one alert to each lead.
    assert [(n.recipient, n.at, n.end) for n in to_leads] == [
        ("lena", plan[1].start, plan[2].end),
        ("lou", plan[1].start, plan[2].end),
    ]
    assert all(n.due == now and n.expires == n.end for n in to_leads)
    to_team = uncovered_notices(plan, now, plan[-1].end, [])
    assert [n.recipient for n in to_team] == [None]
    gap = entries(DAILY, 10, [None, "alice", None])
    assert len(uncovered_notices(gap, gap[0].start, gap[-1].end, ["lena"])) == 2
    assert uncovered_notices(plan, plan[2].end, plan[2].end + H24, ["lena"]) == []


def test_turns_added_and_removed_inside_the_window_only() -> None:
    t0 = datetime(2027, 3, 1, 8, tzinfo=UTC)
    day = timedelta(days=1)
    kept = Turn(Role.DEVELOPER, "alice", t0 + day, t0 + 2 * day)
    lost = Turn(Role.DEVELOPER, "bob", t0 + 2 * day, t0 + 3 * day)
    won = Turn(Role.DEVELOPER, "carol", t0 + 2 * day, t0 + 3 * day)
    beyond = Turn(Role.OPERATOR, "dana", t0 + 10 * day, t0 + 11 * day)
    past = Turn(Role.OPERATOR, "erin", t0 - day, t0)
    added, removed = diff_turns([kept, lost, past], [kept, won, beyond], t0, t0 + 5 * day)
    assert added == [won]
    assert removed == [lost]
    notices = [notice for notice, _ in moved_notices(added, removed, t0)]
    assert [(n.recipient, n.change, n.due, n.expires) for n in notices] == [
        ("carol", Change.ADDED, t0, won.start),
        ("bob", Change.REMOVED, t0, lost.start),
    ]


@given(
    holders=st.lists(st.sampled_from(["a", "b", "c", None]), min_size=2, max_size=12),
    hours_before=st.integers(min_value=0, max_value=24 * 14),
    lead_hours=st.lists(st.integers(min_value=1, max_value=7 * 24), min_size=1, max_size=4),
)
def test_turn_start_notices_never_repeat_and_never_fire_after_the_start(
    holders: list[str | None], hours_before: int, lead_hours: list[int]
) -> None:
    plan = entries(DAILY, 40, holders)
    now = plan[0].start - timedelta(hours=hours_before)
    lead_times = [timedelta(hours=h) for h in lead_hours]
    notices = turn_start_notices(plan, now, plan[-1].end, lambda m: lead_times)
    keys = [(n.recipient, n.at, n.lead) for n in notices]
    assert len(keys) == len(set(keys))
    for notice in notices:
        assert notice.at > now
        assert notice.due < notice.expires == notice.at
        assert notice.kind is Kind.TURN_STARTS
    # Of the reminders already due when first seen, at most one per turn.
    due_now = [(n.recipient, n.at) for n in notices if n.due <= now]
    assert len(due_now) == len(set(due_now))


ALICE = Contact("alice", "Alice Schmidt", "alice@example.com", "@alice")
EMRE = Contact("emre", "Emre Yilmaz", "emre@example.com", timezone="Europe/Istanbul")
OMAR = Contact("omar", "Omar Haddad", "omar@example.com")


def test_times_are_written_in_the_recipients_zone_else_the_teams() -> None:
    at = datetime(2027, 3, 1, 8, tzinfo=UTC)
    base = {"team_name": "Payments", "team_zone": "Europe/Berlin", "role": Role.DEVELOPER}
    context = Context(Kind.TURN_STARTS, at=at, end=at + 7 * H24, now=at - H24, **base)
    emre = render(Context(**{**context.__dict__, "recipient": EMRE, "partner": OMAR}))
    alice = render(Context(**{**context.__dict__, "recipient": ALICE, "partner": OMAR}))
    assert "Mon 1 Mar 2027, 11:00 +03" in emre.text
    assert "Mon 1 Mar 2027, 09:00 CET" in alice.text
    assert alice.subject == "[Payments] Your developer turn starts in 24 hours"
    assert "Omar Haddad <omar@example.com>" in alice.text


def test_a_handoff_message_carries_the_outgoing_note() -> None:
    at = datetime(2027, 3, 1, 8, tzinfo=UTC)
    message = render(
        Context(
            Kind.HANDOFF,
            "Payments",
            "Europe/Berlin",
            Role.DEVELOPER,
            at,
            at + 7 * H24,
            at,
            recipient=EMRE,
            outgoing=ALICE,
            incoming=EMRE,
            note="Ticket 4711 is waiting on the bank.",
        )
    )
    assert "You take over" in message.text
    assert "Handoff note: Ticket 4711 is waiting on the bank." in message.text
    assert "Outgoing: Alice Schmidt (@alice)" in message.text
    assert message.slack()["text"].startswith("*[Payments] developer handoff now")


def test_an_uncovered_alert_and_a_moved_turn_say_what_happened() -> None:
    at = datetime(2027, 3, 1, 8, tzinfo=UTC)
    uncovered = render(
        Context(Kind.UNCOVERED, "Payments", "Europe/Berlin", Role.OPERATOR, at, at + H24, at)
    )
    assert uncovered.subject == "[Payments] UNCOVERED: operator from Mon 1 Mar 2027, 09:00 CET"
    removed = render(
        Context(
            Kind.TURN_MOVED,
            "Payments",
            "Europe/Berlin",
            Role.OPERATOR,
            at,
            at + H24,
            at - H24,
            recipient=OMAR,
            change=Change.REMOVED,
        )
    )
    assert "was removed from your schedule" in removed.text
    assert local(at, BERLIN) == "Mon 1 Mar 2027, 09:00 CET"


def test_a_turn_cut_short_or_in_two_tells_what_was_lost_not_a_new_turn() -> None:
    t0 = datetime(2027, 3, 1, 8, tzinfo=UTC)
    day = timedelta(days=1)
    week = Turn(Role.DEVELOPER, "chen", t0, t0 + 7 * day)
    # An override takes Friday to Monday: chen now holds Monday to Friday.
    shorter = Turn(Role.DEVELOPER, "chen", t0, t0 + 4 * day)
    added, removed = diff_turns([week], [shorter], t0 - day, t0 + day)
    notices = [n for n, _ in moved_notices(added, removed, t0 - day)]
    assert [(n.change, n.at, n.end) for n in notices] == [
        (Change.REMOVED, t0 + 4 * day, t0 + 7 * day)
    ]
    # An override in the middle: what chen lost is Wednesday to Friday.
    halves = [
        Turn(Role.DEVELOPER, "chen", t0, t0 + 2 * day),
        Turn(Role.DEVELOPER, "chen", t0 + 4 * day, t0 + 7 * day),
    ]
    added, removed = diff_turns([week], halves, t0 - day, t0 + 5 * day)
    pairs = moved_notices(added, removed, t0 - day)
    assert [(n.change, n.at, n.end) for n, _ in pairs] == [
        (Change.REMOVED, t0 + 2 * day, t0 + 4 * day)
    ]
    assert [turn for _, turn in pairs] == [week]

"""Calendar feeds over HTTP, on SQLite and PostgreSQL: every sample feed read back by three
parsers and compared with the schedule API, across DST, with uncovered slots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.clock import FixedClock
from api.principals import TokenRole
from tests.conftest import NOW, TokenFactory
from tests.parsers import Parsed, clip, parse_everywhere

PUBLIC = "https://rota.example.com/base"


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def subscribe(client: TestClient, headers: dict[str, str], **body: str) -> str:
    """Create a feed token; return the feed's path and query, as a client would call it."""
    client.app.state.settings.public_url = PUBLIC  # type: ignore[attr-defined]
    response = client.post("/v1/feed-tokens", json=body, headers=headers)
    assert response.status_code == 201, response.text
    url: str = response.json()["url"]
    assert url.startswith(PUBLIC + "/v1/")
    return url.removeprefix(PUBLIC)


def fetch(client: TestClient, path: str, **params: str) -> list[Parsed]:
    response = get(client, path, **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return parse_everywhere(response.content)


def get(client: TestClient, path: str, **params: str) -> Any:
    """GET a feed path that carries its token, with more query parameters."""
    base, _, query = path.partition("?")
    return client.get(base, params={**dict(p.split("=", 1) for p in query.split("&")), **params})


def expected(
    client: TestClient, headers: dict[str, str], team: str, since: datetime, until: datetime
) -> list[tuple[object, ...]]:
    """The schedule API's entries in `[since, until)`, with the summary a team feed gives."""
    names = {
        m["id"]: m["name"] for m in client.get(f"/v1/teams/{team}/members", headers=headers).json()
    }
    params = {"since": since.isoformat(), "until": until.isoformat()}
    entries = client.get(f"/v1/teams/{team}/schedule", params=params, headers=headers).json()
    return sorted(
        (
            parse(e["start"]),
            parse(e["end"]),
            f"UNCOVERED: {e['role']}"
            if e["member"] is None
            else f"{e['role'].capitalize()} on support: {names[e['member']]}",
        )
        for e in entries["entries"]
    )


DEFAULT_SINCE, DEFAULT_UNTIL = NOW - timedelta(days=30), NOW + timedelta(days=180)


@pytest.mark.parametrize("team", ["payments", "storefront", "data-platform"])
def test_every_sample_team_feed_parses_everywhere_and_equals_the_schedule(
    client: TestClient, samples: None, admin: dict[str, str], team: str
) -> None:
    events = fetch(client, subscribe(client, admin, scope="team", team=team))
    assert events
    assert {(e.status, e.transp) for e in events} == {("CONFIRMED", "TRANSPARENT")}
    assert clip(events, DEFAULT_SINCE, DEFAULT_UNTIL) == expected(
        client, admin, team, DEFAULT_SINCE, DEFAULT_UNTIL
    )


def test_every_member_feed_and_the_all_teams_feed_equal_the_schedule(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    schedule: list[dict[str, Any]] = []
    params = {"since": DEFAULT_SINCE.isoformat(), "until": DEFAULT_UNTIL.isoformat()}
    for team in ("data-platform", "payments", "storefront"):
        answer = client.get(f"/v1/teams/{team}/schedule", params=params, headers=admin).json()
        schedule += [{**entry, "team": team} for entry in answer["entries"]]
    everything = fetch(client, subscribe(client, admin, scope="all"))
    assert len(clip(everything, DEFAULT_SINCE, DEFAULT_UNTIL)) == len(schedule)
    members = {e["member"] for e in schedule if e["member"]}
    for member in sorted(members):
        mine = fetch(client, subscribe(client, admin, scope="member", member=member))
        assert all(e.summary.startswith("On support (") for e in mine)
        assert [
            (start, end) for start, end, _ in clip(mine, DEFAULT_SINCE, DEFAULT_UNTIL)
        ] == sorted((parse(e["start"]), parse(e["end"])) for e in schedule if e["member"] == member)


def test_a_feed_across_spring_forward_keeps_the_handoff_wall_time(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    since, until = "2027-03-15", "2027-04-12"  # Berlin changes on 2027-03-28
    events = fetch(
        client, subscribe(client, admin, scope="team", team="payments"), since=since, until=until
    )
    window = (parse("2027-03-14T23:00:00Z"), parse("2027-04-11T22:00:00Z"))
    assert clip(events, *window) == expected(client, admin, "payments", *window)
    lengths = {e.end - e.start for e in events}
    assert timedelta(hours=167) in lengths  # the week that loses an hour
    starts = {e.start.astimezone(UTC).hour for e in events}
    assert starts == {8, 7}  # Monday 09:00 in Berlin, winter then summer


def test_local_times_are_an_option_that_every_parser_reads_alike(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    path = subscribe(client, admin, scope="team", team="storefront")
    utc = get(client, path, since="2027-03-01", until="2027-11-30")
    assert b"TZID" not in utc.content
    changed = client.patch("/v1/teams/storefront", json={"feed_local_times": True}, headers=admin)
    assert changed.json()["feed_local_times"] is True
    local = get(client, path, since="2027-03-01", until="2027-11-30")
    assert b"DTSTART;TZID=America/New_York:" in local.content
    assert b"RRULE:FREQ=YEARLY" in local.content
    assert b"RDATE" not in local.content
    assert local.headers["etag"] != utc.headers["etag"]
    read_local = parse_everywhere(local.content)
    assert [(e.start, e.end) for e in read_local] == [
        (e.start, e.end) for e in parse_everywhere(utc.content)
    ]


NIGHT = {
    "id": "night",
    "name": "Night",
    "timezone": "Europe/Berlin",
    "period": "1d",
    "handoff": "02:30",  # on 2027-10-31 this wall time happens twice
    "start": "2027-10-01",
    "frozen_periods": 0,
    "feed_local_times": True,
}


def test_a_fall_back_handoff_in_local_times_matches_the_schedule(
    client: TestClient, admin: dict[str, str]
) -> None:
    assert client.post("/v1/teams", json=NIGHT, headers=admin).status_code == 201
    for member, role in (("ana", "developer"), ("bea", "developer"), ("cid", "operator")):
        body = {"id": member, "name": member.title(), "email": f"{member}@example.com"}
        created = client.post(
            "/v1/teams/night/members", json={**body, "roles": [role]}, headers=admin
        )
        assert created.status_code == 201
    path = subscribe(client, admin, scope="team", team="night")
    events = fetch(client, path, since="2027-10-29", until="2027-11-03")
    window = (parse("2027-10-28T22:00:00Z"), parse("2027-11-02T23:00:00Z"))
    assert clip(events, *window) == expected(client, admin, "night", *window)
    assert parse("2027-10-31T00:30:00Z") in {e.start for e in events}  # the first 02:30
    assert timedelta(hours=25) in {e.end - e.start for e in events}


def test_an_uncovered_slot_is_an_event(client: TestClient, admin: dict[str, str]) -> None:
    team = {**NIGHT, "id": "thin", "feed_local_times": False}
    client.post("/v1/teams", json=team, headers=admin)
    body = {"id": "solo", "name": "Solo", "email": "solo@example.com", "roles": ["developer"]}
    client.post("/v1/teams/thin/members", json=body, headers=admin)
    events = fetch(
        client,
        subscribe(client, admin, scope="team", team="thin"),
        since="2027-10-10",
        until="2027-10-13",
    )
    assert [e.summary for e in events if e.summary.startswith("UNCOVERED")] == [
        "UNCOVERED: operator"
    ] * 4  # three local days, four 02:30-to-02:30 periods overlap them
    window = (parse("2027-10-09T22:00:00Z"), parse("2027-10-12T22:00:00Z"))
    assert clip(events, *window) == expected(client, admin, "thin", *window)
    solo = fetch(
        client,
        subscribe(client, admin, scope="member", member="solo"),
        since="2027-10-10",
        until="2027-10-13",
    )
    assert {e.summary for e in solo} == {"On support (developer), operator UNCOVERED"}


def test_an_unchanged_feed_is_a_304_and_keeps_its_etag(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    path = subscribe(client, admin, scope="team", team="payments")
    first = client.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('"')  # strong: no W/ prefix
    assert first.headers["last-modified"] == "Thu, 26 Nov 2026 12:00:00 GMT"
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(path).content == first.content


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2027-03-01T10:00:00"}, "since"),  # naive
        ({"until": "tomorrow"}, "until"),
        ({"since": "2027-03-10", "until": "2027-03-01"}, "until"),  # backwards
        ({"since": "2027-01-01", "until": "2029-06-01"}, "until"),  # more than two years
    ],
)
def test_a_bad_window_is_a_422_naming_the_field(
    client: TestClient, samples: None, admin: dict[str, str], params: dict[str, str], field: str
) -> None:
    response = get(client, subscribe(client, admin, scope="team", team="payments"), **params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.json()["detail"]


def test_a_window_given_at_one_end_keeps_the_default_length(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    events = fetch(
        client, subscribe(client, admin, scope="team", team="storefront"), since="2027-03-01"
    )
    # 2027-03-01 to 2027-09-27 (210 days), midnight in New York.
    assert min(e.start for e in events) == parse("2027-02-28T13:00:00Z")
    assert max(e.end for e in events) == parse("2027-09-27T12:00:00Z")


def test_regenerating_keeps_uids_and_bumps_sequence_only_where_something_changed(
    client: TestClient, samples: None, admin: dict[str, str], clock: FixedClock
) -> None:
    team = subscribe(client, admin, scope="team", team="payments")
    alice = subscribe(client, admin, scope="member", member="alice")
    before = {e.uid: e for e in fetch(client, team)}
    alice_before = fetch(client, alice)
    clock.set(NOW + timedelta(hours=2))
    assert client.delete("/v1/teams/payments/members/alice", headers=admin).status_code == 200
    after = {e.uid: e for e in fetch(client, team)}
    assert get(client, team).headers["last-modified"] == "Thu, 26 Nov 2026 14:00:00 GMT"
    assert set(after) == set(before)  # same team, slot and period: same UID

    def seen(event: Parsed) -> tuple[object, ...]:
        return event.summary, event.description, event.start, event.end

    changed = [uid for uid in after if seen(after[uid]) != seen(before[uid])]
    # Alice's turns went to others, and her partners' descriptions name someone else.
    assert any("Alice" in before[uid].summary for uid in changed)
    assert any("Alice" in before[uid].description for uid in changed)
    for uid, event in after.items():
        assert event.sequence == (1 if uid in changed else 0), uid
    assert all(after[uid].start > NOW for uid in changed)  # the past stays as it was

    # Her future turns moved away: they stay in her feed as cancelled, with a new SEQUENCE.
    alice_after = {e.uid: e for e in fetch(client, alice)}
    future = [e for e in alice_before if e.start > NOW + timedelta(hours=2)]
    assert future
    for event in future:
        assert (alice_after[event.uid].status, alice_after[event.uid].sequence) == ("CANCELLED", 1)
    past = [e for e in alice_before if e.end <= NOW]
    assert all(alice_after[e.uid].status == "CONFIRMED" for e in past)
    # ... for 30 days.
    clock.set(NOW + timedelta(days=31))
    assert all(e.status == "CONFIRMED" for e in fetch(client, alice))


def test_a_restart_renders_the_same_bytes(
    client: TestClient, samples: None, admin: dict[str, str], settings: Any, clock: FixedClock
) -> None:
    from api.app import create_app

    path = subscribe(client, admin, scope="all")
    first = client.get(path)
    with TestClient(create_app(settings, clock)) as restarted:
        again = restarted.get(path)
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]


# Tokens


def test_a_token_reads_its_feed_only_and_a_wrong_one_is_a_404_naming_nobody(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    payments = subscribe(client, admin, scope="team", team="payments")
    token = payments.split("token=")[1]
    attempts = [
        "/v1/teams/payments/calendar.ics",
        "/v1/teams/payments/calendar.ics?token=rotafeed_wrong",
        f"/v1/teams/storefront/calendar.ics?token={token}",
        f"/v1/teams/nope/calendar.ics?token={token}",
        f"/v1/members/alice/calendar.ics?token={token}",
        f"/v1/calendar.ics?token={token}",
    ]
    for path in attempts:
        response = client.get(path)
        assert response.status_code == 404, path
        detail = response.json()["detail"]
        assert detail == "no calendar feed at this address"
    assert client.get(payments).status_code == 200


def test_tokens_are_listed_without_secrets_and_revoked(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    client.app.state.settings.public_url = "http://rota.internal:8000/"  # type: ignore[attr-defined]
    created = client.post(
        "/v1/feed-tokens", json={"scope": "member", "member": "omar"}, headers=admin
    ).json()
    assert set(created) >= {"id", "token", "url", "webcal_url"}
    secret = created["token"]
    assert (
        created["url"] == f"http://rota.internal:8000/v1/members/omar/calendar.ics?token={secret}"
    )
    assert created["webcal_url"] == created["url"].replace("http://", "webcal://")
    listed = client.get("/v1/feed-tokens", headers=admin).json()
    assert [t["id"] for t in listed] == [created["id"]]
    assert secret not in str(listed)
    assert listed[0]["feed"] == "/v1/members/omar/calendar.ics"
    path = created["url"].removeprefix("http://rota.internal:8000")
    assert client.get(path).status_code == 200
    assert client.delete(f"/v1/feed-tokens/{created['id']}", headers=admin).status_code == 204
    assert client.get(path).status_code == 404
    assert client.delete(f"/v1/feed-tokens/{created['id']}", headers=admin).status_code == 404
    assert client.get("/v1/feed-tokens", headers=admin).json() == []
    actions = [e["action"] for e in client.get("/v1/audit", headers=admin).json()["entries"]]
    assert actions[:2] == ["feed-token.revoke", "feed-token.create"]


def test_who_may_hand_out_which_feed(
    client: TestClient, samples: None, admin: dict[str, str], token_for: TokenFactory
) -> None:
    lead = token_for(TokenRole.LEAD, ["payments"])
    viewer = token_for(TokenRole.VIEWER)
    allowed = [
        {"scope": "team", "team": "payments"},
        {"scope": "member", "member": "alice"},
        {"scope": "member", "member": "alice", "team": "payments"},
    ]
    refused = [
        {"scope": "team", "team": "storefront"},
        {"scope": "member", "member": "grace"},  # on storefront only
        {"scope": "all"},
    ]
    for body in allowed:
        assert client.post("/v1/feed-tokens", json=body, headers=lead).status_code == 201, body
    for body in refused:
        assert client.post("/v1/feed-tokens", json=body, headers=lead).status_code == 403, body
    for body in allowed + refused:
        assert client.post("/v1/feed-tokens", json=body, headers=viewer).status_code == 403
    assert client.post("/v1/feed-tokens", json={"scope": "all"}).status_code == 401
    others = client.post(
        "/v1/feed-tokens", json={"scope": "team", "team": "storefront"}, headers=admin
    ).json()
    assert len(client.get("/v1/feed-tokens", headers=lead).json()) == 3
    assert len(client.get("/v1/feed-tokens", headers=admin).json()) == 4
    assert client.get("/v1/feed-tokens", headers=viewer).json() == []
    assert client.delete(f"/v1/feed-tokens/{others['id']}", headers=lead).status_code == 403


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"scope": "team"}, 422, "team"),
        ({"scope": "team", "team": "payments", "member": "alice"}, 422, "member"),
        ({"scope": "member"}, 422, "member"),
        ({"scope": "member", "member": "grace", "team": "payments"}, 422, "team"),
        ({"scope": "all", "team": "payments"}, 422, "team"),
        ({"scope": "everything"}, 422, "scope"),
        ({"scope": "team", "team": "nope"}, 404, "nope"),
        ({"scope": "member", "member": "nobody"}, 404, "nobody"),
        ({"scope": "team", "team": "Not A Slug"}, 422, "team"),
    ],
)
def test_a_bad_token_request_is_refused_naming_the_field(
    client: TestClient,
    samples: None,
    admin: dict[str, str],
    body: dict[str, str],
    status: int,
    says: str,
) -> None:
    response = client.post("/v1/feed-tokens", json=body, headers=admin)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert says in response.json()["detail"]

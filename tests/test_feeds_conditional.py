"""Feeds as calendar clients poll them: 304 without building, If-Modified-Since, HEAD, gzip,
Last-Modified never after Date, a memory of published events that does not grow for ever."""

from __future__ import annotations

import gzip
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.clock import FixedClock
from api.feeds import service
from api.tables import FeedEventRow
from tests.conftest import NOW, statements
from tests.test_feeds_api import fetch, get, subscribe


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every feed the app builds from the plan."""
    made: list[object] = []
    real = service.build_feed

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "build_feed", counting)
    return made


def test_a_current_copy_is_a_304_without_building_here_or_on_another_replica(
    client: TestClient,
    replica: TestClient,
    samples: None,
    admin: dict[str, str],
    builds: list[object],
) -> None:
    path = subscribe(client, admin, scope="team", team="payments")
    first = get(client, path)
    assert first.status_code == 200
    assert len(builds) == 1
    tag = first.headers["etag"]
    assert get(client, path).content == first.content  # rendered once, served again
    assert len(builds) == 1
    for app in (client, replica):
        base, _, query = path.partition("?")
        again = app.get(f"{base}?{query}", headers={"If-None-Match": tag})
        assert again.status_code == 304
        assert again.headers["etag"] == tag
    assert len(builds) == 1  # the replica answered from the team versions alone
    # A change on the replica moves the version: the next conditional GET here is a 200.
    assert replica.delete("/v1/teams/payments/members/alice", headers=admin).status_code == 200
    changed = client.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    assert len(builds) == 2


def test_a_team_feed_304_costs_one_statement_and_a_wrong_token_none_more(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    path = subscribe(client, admin, scope="team", team="payments")
    tag = get(client, path).headers["etag"]
    base, _, query = path.partition("?")
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with statements(engine) as ran:
        again = client.get(f"{base}?{query}", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert len(ran) == 1, ran  # the token, the team's zone and its revision together
    # A token of another feed, or none of a team feed, is still a 404 on this URL.
    other = subscribe(client, admin, scope="team", team="storefront")
    _, _, other_query = other.partition("?")
    assert client.get(f"{base}?{other_query}").status_code == 404
    assert client.get(f"{base}?token=rota_feed_unknown").status_code == 404


def test_if_modified_since_is_a_304_when_nothing_changed_after_it(
    client: TestClient, samples: None, admin: dict[str, str], clock: FixedClock
) -> None:
    path = subscribe(client, admin, scope="team", team="payments")
    first = get(client, path)
    modified = first.headers["last-modified"]
    base, _, query = path.partition("?")
    url = f"{base}?{query}"
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    earlier = "Thu, 01 Jan 2026 00:00:00 GMT"
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200
    # Not a date: ignored, like no header.
    assert client.get(url, headers={"If-Modified-Since": "yesterday"}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert client.get(url, headers=both).status_code == 200
    clock.set(NOW + timedelta(hours=3))
    assert client.delete("/v1/teams/payments/members/alice", headers=admin).status_code == 200
    moved = client.get(url, headers={"If-Modified-Since": modified})
    assert moved.status_code == 200
    assert parsedate_to_datetime(moved.headers["last-modified"]) > parsedate_to_datetime(modified)


def test_head_gzip_and_dates(client: TestClient, samples: None, admin: dict[str, str]) -> None:
    path = subscribe(client, admin, scope="team", team="payments")
    base, _, query = path.partition("?")
    url = f"{base}?{query}"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    head = client.head(url, headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == plain.headers["etag"]
    assert head.headers["content-length"] == str(len(plain.content))
    # A client that takes gzip gets the same feed in a fraction of the bytes, under its own tag.
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decodes it
    assert int(zipped.headers["content-length"]) < len(plain.content) / 4
    assert zipped.headers["etag"] != plain.headers["etag"]
    assert gzip.decompress(gzip.compress(plain.content)) == plain.content
    # Either tag names the feed the client holds.
    for tag in (plain.headers["etag"], zipped.headers["etag"]):
        assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    # Last-Modified is never later than Date.
    for response in (plain, zipped, head):
        date = parsedate_to_datetime(response.headers["date"])
        assert parsedate_to_datetime(response.headers["last-modified"]) <= date
    # HEAD is answered wherever GET is; a HEAD on a route without GET is still a 405.
    assert client.head("/healthz").status_code == 200
    assert client.head("/v1/feed-tokens", headers=admin).status_code == 200


def test_the_default_window_keeps_its_tag_through_the_day(
    client: TestClient, samples: None, admin: dict[str, str], clock: FixedClock
) -> None:
    path = subscribe(client, admin, scope="team", team="payments")
    tag = get(client, path).headers["etag"]
    clock.set(NOW + timedelta(hours=6))  # 18:00 in UTC, 19:00 in Berlin: the same day
    assert get(client, path).headers["etag"] == tag
    clock.set(NOW + timedelta(days=1))
    assert get(client, path).headers["etag"] != tag


def test_the_memory_forgets_events_long_over(
    client: TestClient, samples: None, admin: dict[str, str], session: Session
) -> None:
    path = subscribe(client, admin, scope="team", team="payments")
    old = fetch(client, path, since="2026-01-05", until="2026-12-01")
    assert min(e.end for e in old) < NOW - timedelta(days=90)  # shown, as asked
    rows = session.exec(select(FeedEventRow).where(FeedEventRow.feed == "team:payments")).all()
    assert rows
    # Remembered: only what ended in the last 60 days or later.
    assert min(row.end for row in rows) >= NOW - timedelta(days=60)

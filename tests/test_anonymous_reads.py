"""Anonymous reads (ROTA_ANONYMOUS_READ) show who is on support by name and role only: contact
details need a token, as the docs promise."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import NOW

AT = {"at": NOW.isoformat()}


def holders(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [answer[role] for role in ("developer", "operator") if answer[role] is not None]


def test_an_anonymous_reader_sees_names_and_roles_but_no_contacts(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    client.app.state.settings.anonymous_read = True  # type: ignore[attr-defined]
    anonymous = client.get("/v1/teams/payments/on-support", params=AT)
    assert anonymous.status_code == 200
    seen = holders(anonymous.json())
    assert seen
    assert all(h["name"] and h["id"] for h in seen)
    assert all(h["email"] is None and h["chat"] is None for h in seen)
    with_token = holders(
        client.get("/v1/teams/payments/on-support", params=AT, headers=viewer).json()
    )
    assert [h["id"] for h in with_token] == [h["id"] for h in seen]
    assert all("@" in h["email"] for h in with_token)


def test_every_team_at_once_hides_contacts_too_and_answers_its_own_etag(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    client.app.state.settings.anonymous_read = True  # type: ignore[attr-defined]
    anonymous = client.get("/v1/on-support", params=AT)
    teams = anonymous.json()["teams"]
    assert len(teams) >= 2
    assert all(h["email"] is None and h["chat"] is None for t in teams for h in holders(t))
    named = client.get("/v1/on-support", params=AT, headers=viewer)
    assert any(h["email"] for t in named.json()["teams"] for h in holders(t))
    # A cached anonymous answer must not validate the answer with contacts, nor the reverse.
    assert anonymous.headers["etag"] != named.headers["etag"]
    again = client.get(
        "/v1/on-support", params=AT, headers={"If-None-Match": named.headers["etag"]}
    )
    assert again.status_code == 200


def test_members_contact_details_still_need_a_token(client: TestClient, samples: None) -> None:
    client.app.state.settings.anonymous_read = True  # type: ignore[attr-defined]
    assert client.get("/v1/teams/payments/members").status_code == 401
    assert client.get("/v1/teams/payments/members/alice").status_code == 401

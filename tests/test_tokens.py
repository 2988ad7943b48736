"""API tokens: admins list, create and revoke them over the API and the CLI; a token may expire;
the audit log records creation and revocation, never the secret."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from api.cli import main
from api.clock import FixedClock
from api.settings import Settings
from tests.conftest import NOW

VIEWER = {"name": "grafana", "role": "viewer"}


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def audit_actions(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = client.get("/v1/audit", headers=headers).json()["entries"]
    return [e for e in entries if e["action"].startswith("token.")]


def test_an_admin_creates_lists_and_revokes_a_token(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    created = client.post("/v1/tokens", json=VIEWER, headers=admin)
    assert created.status_code == 201, created.json()
    token = created.json()
    assert token["token"].startswith("rota_")
    assert (token["role"], token["status"], token["expires_at"]) == ("viewer", "live", None)
    assert client.get("/v1/on-support", headers=auth(token["token"])).status_code == 200

    listed = client.get("/v1/tokens", headers=admin).json()
    assert token["id"] in [t["id"] for t in listed]
    assert all("token" not in t for t in listed)  # secrets are never listed

    assert client.delete(f"/v1/tokens/{token['id']}", headers=admin).status_code == 204
    refused = client.get("/v1/on-support", headers=auth(token["token"]))
    assert refused.status_code == 401
    assert token["id"] not in [t["id"] for t in client.get("/v1/tokens", headers=admin).json()]
    with_revoked = client.get("/v1/tokens", params={"revoked": "true"}, headers=admin).json()
    assert [t["status"] for t in with_revoked if t["id"] == token["id"]] == ["revoked"]
    again = client.delete(f"/v1/tokens/{token['id']}", headers=admin)
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"

    logged = audit_actions(client, admin)
    assert [e["action"] for e in logged] == ["token.revoke", "token.create"]
    assert all(token["token"] not in str(e) for e in logged)
    assert logged[0]["after"]["status"] == "revoked"


def test_a_token_stops_working_when_it_expires(
    client: TestClient, samples: None, admin: dict[str, str], clock: FixedClock
) -> None:
    expires = NOW + timedelta(hours=1)
    body = {**VIEWER, "expires_at": expires.isoformat()}
    secret = client.post("/v1/tokens", json=body, headers=admin).json()["token"]
    assert client.get("/v1/on-support", headers=auth(secret)).status_code == 200
    clock.set(expires)
    expired = client.get("/v1/on-support", headers=auth(secret))
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]
    listed = {t["name"]: t for t in client.get("/v1/tokens", headers=admin).json()}
    assert listed["grafana"]["status"] == "expired"


def test_only_admins_manage_tokens(
    client: TestClient, samples: None, viewer: dict[str, str], token_for: Any
) -> None:
    from api.principals import TokenRole

    lead = token_for(TokenRole.LEAD, ["payments"])
    assert client.get("/v1/tokens").status_code == 401
    for headers in (viewer, lead):
        assert client.get("/v1/tokens", headers=headers).status_code == 403
        assert client.post("/v1/tokens", json=VIEWER, headers=headers).status_code == 403
        assert client.delete("/v1/tokens/1", headers=headers).status_code == 403


def test_bad_token_requests_name_the_field(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    cases = [
        ({"name": "x", "role": "lead"}, "teams"),
        ({"name": "x", "role": "viewer", "teams": ["payments"]}, "teams"),
        ({"name": "x", "role": "member"}, "member"),
        ({"name": "x", "role": "member", "member": "nobody"}, "member"),
        ({"name": "x", "role": "viewer", "expires_at": (NOW - timedelta(1)).isoformat()}, None),
        ({"name": "x", "role": "viewer", "expires_at": "2027-01-01T00:00:00"}, None),
        ({"name": "x", "role": "root"}, None),
    ]
    for body, field in cases:
        response = client.post("/v1/tokens", json=body, headers=admin)
        assert response.status_code == 422, (body, response.json())
        if field is not None:
            assert response.json()["field"] == field, response.json()
    unknown_team = client.post(
        "/v1/tokens", json={"name": "x", "role": "lead", "teams": ["nope"]}, headers=admin
    )
    assert unknown_team.status_code == 404
    assert [t["name"] for t in client.get("/v1/tokens", headers=admin).json()] == ["test-admin"]


def rota(database_url: str, *args: str) -> Result:
    settings = Settings(database_url=database_url)
    return CliRunner().invoke(
        main, list(args), obj={"settings": settings, "clock": FixedClock(NOW)}
    )


def test_the_cli_creates_lists_and_revokes_tokens(
    client: TestClient, samples: None, database_url: str, admin: dict[str, str]
) -> None:
    made = rota(database_url, "token", "create", "--role", "viewer", "--expires", "2027-01-01")
    assert made.exit_code == 0, made.output
    assert "expires 2027-01-01T00:00:00+00:00" in made.output
    secret = made.output.split()[-1]
    assert client.get("/v1/on-support", headers=auth(secret)).status_code == 200
    listed = rota(database_url, "token", "list")
    assert "viewer-token" in listed.output
    assert "2027-01-01 00:00 UTC" in listed.output
    token_id = next(
        t["id"]
        for t in client.get("/v1/tokens", headers=admin).json()
        if t["name"] == "viewer-token"
    )
    revoked = rota(database_url, "token", "revoke", str(token_id))
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/v1/on-support", headers=auth(secret)).status_code == 401
    twice = rota(database_url, "token", "revoke", str(token_id))
    assert twice.exit_code == 1
    assert f"no API token {token_id}" in twice.output
    past = rota(database_url, "token", "create", "--role", "viewer", "--expires", "2020-01-01")
    assert past.exit_code == 1
    assert "expires_at" in past.output
    logged = [e["actor"] for e in audit_actions(client, admin)]
    assert logged == ["cli", "cli"]

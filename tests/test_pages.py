"""The web page over HTTP, without a browser: the session, CSRF, the forms' rules and the
JSON the page's script polls. (The browser tests are in test_pages_browser.py.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.pages.session import COOKIE, InsecureSessionSecret
from api.principals import TokenRole
from api.settings import Settings
from tests.conftest import TokenFactory


def csrf_of(client: TestClient, path: str = "/sign-in") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def sign_in(client: TestClient, header: dict[str, str]) -> None:
    token = header["Authorization"].removeprefix("Bearer ")
    answer = client.post(
        "/sign-in", data={"token": token, "csrf": csrf_of(client)}, follow_redirects=False
    )
    assert answer.status_code == 303


def test_a_default_session_secret_is_refused_outside_development(database_url: str) -> None:
    public = Settings(database_url=database_url, public_url="https://rota.example.com")
    with pytest.raises(InsecureSessionSecret, match="ROTA_SESSION_SECRET"):
        create_app(public)
    create_app(public.model_copy(update={"session_secret": "s" * 32}))
    create_app(Settings(database_url=database_url))  # on this machine: a random secret


def test_the_session_cookie_is_signed_http_only_and_holds_no_token(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    token = viewer["Authorization"].removeprefix("Bearer ")
    answer = client.post(
        "/sign-in", data={"token": token, "csrf": csrf_of(client)}, follow_redirects=False
    )
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert token not in cookie
    assert token.removeprefix("rota_")[:12] not in cookie
    # A tampered cookie is no session.
    value = client.cookies[COOKIE]
    client.cookies.clear()
    client.cookies.set(COOKIE, value[:-3] + ("aaa" if not value.endswith("aaa") else "bbb"))
    assert "API token" in client.get("/").text


def test_a_form_without_the_sessions_csrf_token_changes_nothing(
    client: TestClient, samples: None, token_for: TokenFactory, admin: dict[str, str]
) -> None:
    sign_in(client, token_for(TokenRole.LEAD, ["payments"]))
    body = {"member": "bruno", "start": "2027-02-01", "end": "2027-02-03", "reason": "x"}
    for csrf in ("", "forged"):
        answer = client.post("/teams/payments/time-off", data={**body, "csrf": csrf})
        assert answer.status_code == 403
    listed = client.get("/v1/teams/payments/time-off?member=bruno", headers=admin).json()
    assert not [t for t in listed if t["start"].startswith("2027-02-01")]
    answer = client.post("/teams/payments/time-off", data={**body, "csrf": csrf_of(client, "/")})
    assert answer.status_code == 200
    assert "Time off added" in answer.text


def test_the_json_api_reads_with_the_session_but_never_writes_with_it(
    client: TestClient, samples: None, token_for: TokenFactory
) -> None:
    assert client.get("/v1/teams").status_code == 401
    sign_in(client, token_for(TokenRole.LEAD, ["payments"]))
    assert client.get("/v1/teams").status_code == 200
    override = {"role": "developer", "member": "alice", "end": "2027-01-10T00:00:00Z"}
    assert client.post("/v1/teams/payments/overrides", json=override).status_code == 401
    client.post("/sign-out", data={"csrf": csrf_of(client, "/")})
    assert client.get("/v1/teams").status_code == 401


def test_a_viewer_may_not_use_the_forms_and_is_told_why(
    client: TestClient, samples: None, viewer: dict[str, str], admin: dict[str, str]
) -> None:
    sign_in(client, viewer)
    assert "Add time off" not in client.get("/teams/payments").text
    body = {"member": "alice", "start": "2027-02-01", "end": "2027-02-03"}
    answer = client.post("/teams/payments/time-off", data={**body, "csrf": csrf_of(client, "/")})
    assert answer.status_code == 403
    assert "may not change this team" in answer.text
    listed = client.get("/v1/teams/payments/time-off?member=alice", headers=admin).json()
    assert not [t for t in listed if t["start"].startswith("2027-01-31T23")]


def test_sign_in_goes_back_only_to_a_page_of_this_site(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    token = viewer["Authorization"].removeprefix("Bearer ")
    for target, expected in (
        ("/teams/payments", "/teams/payments"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
    ):
        answer = client.post(
            "/sign-in",
            data={"token": token, "csrf": csrf_of(client), "next": target},
            follow_redirects=False,
        )
        assert answer.headers["location"] == expected


def test_polling_who_is_on_support_is_a_304_until_a_holder_changes(
    client: TestClient, samples: None, viewer: dict[str, str], token_for: TokenFactory
) -> None:
    first = client.get("/v1/on-support", headers=viewer)
    tag = first.headers["etag"]
    # Time moves on inside the period: same holders, same tag.
    client.app.state.clock.set(datetime(2026, 11, 26, 12, 30, tzinfo=UTC))  # type: ignore[attr-defined]
    again = client.get("/v1/on-support", headers={**viewer, "If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    lead = token_for(TokenRole.LEAD, ["payments"])
    holder = first.json()["teams"][1]
    assert holder["team"] == "payments"
    other = "alice" if holder["developer"]["id"] != "alice" else "chen"
    override = {"role": "developer", "member": other, "end": "2026-11-27T00:00:00Z"}
    assert (
        client.post("/v1/teams/payments/overrides", json=override, headers=lead).status_code == 201
    )
    changed = client.get("/v1/on-support", headers={**viewer, "If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        # Spring forward in Berlin: 02:30 does not exist; the first instant after the gap.
        ("2027-03-28T02:30", "2027-03-28T01:00:00Z"),
        # Fall back: 02:30 happens twice; the first (summer time, +02:00).
        ("2027-10-31T02:30", "2027-10-31T00:30:00Z"),
        ("2027-01-11T09:15", "2027-01-11T08:15:00Z"),
    ],
)
def test_an_override_form_reads_times_in_the_teams_zone_across_dst(
    client: TestClient,
    samples: None,
    token_for: TokenFactory,
    admin: dict[str, str],
    typed: str,
    stored: str,
) -> None:
    sign_in(client, token_for(TokenRole.LEAD, ["payments"]))
    end = typed[:11] + "23:00"
    body = {"role": "operator", "member": "omar", "start": typed, "end": end, "reason": "dst"}
    answer = client.post("/teams/payments/overrides", data={**body, "csrf": csrf_of(client, "/")})
    assert answer.status_code == 200, answer.text
    made = client.get("/v1/teams/payments/overrides", headers=admin).json()
    starts = {o["start"].replace("+00:00", "Z") for o in made if o["reason"] == "dst"}
    assert stored in starts


def test_static_files_are_cached_and_the_docs_are_served_from_here(client: TestClient) -> None:
    home = client.get("/sign-in").text
    css = re.search(r'href="(/static/rota\.css\?v=\w+)"', home)
    assert css
    answer = client.get(css.group(1))
    assert answer.status_code == 200
    assert "immutable" in answer.headers["cache-control"]
    for path, asset in (
        ("/docs", "/docs-assets/swagger-ui-bundle.js"),
        ("/redoc", "/docs-assets/redoc.standalone.js"),
    ):
        page = client.get(path)
        assert asset in page.text
        assert "cdn" not in page.text.lower()
        assert "fonts.googleapis" not in page.text
        assert client.get(asset).status_code == 200
    assert "default-src 'self'" in client.get("/sign-in").headers["content-security-policy"]


def test_a_bad_at_is_named_next_to_its_field(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    sign_in(client, viewer)
    answer = client.get("/", params={"at": "yesterday"})
    assert answer.status_code == 422
    assert re.search(r'id="at-error">[^<]*not an instant', answer.text)
    assert client.get("/", params={"at": "2027-02-10T12:00:00+01:00"}).status_code == 200


def test_an_unknown_team_page_is_a_404(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    sign_in(client, viewer)
    assert client.get("/teams/nope").status_code == 404


def test_a_form_posted_without_a_session_asks_to_sign_in(client: TestClient, samples: None) -> None:
    body = {"member": "alice", "start": "2027-02-01", "end": "2027-02-03"}
    answer = client.post("/teams/payments/time-off", data={**body, "csrf": csrf_of(client)})
    assert answer.status_code == 403
    assert "sign in to change the rota" in answer.text
    assert 'id="token"' in answer.text

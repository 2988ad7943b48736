"""The explanation on the web page: each turn of the team page links to it, and it shows the
same facts as the API, names only for anonymous readers."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from api.app import create_app
from api.clock import FixedClock
from api.settings import Settings
from tests.conftest import NOW, SAMPLES, TEST_SOLVER
from tests.test_explain_api import rota
from tests.test_pages import sign_in

LINK = re.compile(
    r'href="(/teams/payments/explain\?at=[^"&]+&(?:amp;)?role=(?:developer|operator))"'
)


def test_each_turn_links_to_its_explanation_which_shows_the_api_facts(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    sign_in(client, viewer)
    team_page = client.get("/teams/payments", params={"view": "list"}).text
    links = [html.unescape(link) for link in LINK.findall(team_page)]
    assert len(links) > 4  # now, next and every turn of the list
    answer = client.get(links[0])
    assert answer.status_code == 200
    query = links[0].split("?", 1)[1]
    api = client.get(f"/v1/teams/payments/explain?{query}", headers=viewer).json()
    assert html.escape(api["summary"], quote=False) in answer.text
    for other in api["others"]:
        assert html.escape(other["member"]["name"]) in answer.text
    # The same reasons in the same order (the page proves no bound, so its words may say less).
    shown = re.findall(r'data-reason="([a-z_]+)"', answer.text)
    assert shown == [reason for other in api["others"] for reason in other["reasons"]]
    assert api["holder"]["email"] in answer.text  # signed in: contacts
    month = client.get("/teams/payments").text
    assert LINK.search(month), "the month view links its turns too"


def test_a_bad_instant_is_said_on_the_page(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    sign_in(client, viewer)
    bad = client.get("/teams/payments/explain", params={"at": "yesterday"})
    assert bad.status_code == 422
    assert "not an instant" in bad.text
    beyond = client.get("/teams/payments/explain", params={"at": "2031-01-01T00:00Z"})
    assert beyond.status_code == 422
    assert "published plan" in beyond.text
    assert client.get("/teams/nope/explain").status_code == 404


def test_anonymous_readers_see_names_only_or_are_asked_to_sign_in(database_url: str) -> None:
    assert rota(database_url, "load", *map(str, SAMPLES)).exit_code == 0
    closed = Settings(database_url=database_url, **TEST_SOLVER)  # type: ignore[arg-type]
    with TestClient(create_app(closed, FixedClock(NOW))) as client:
        assert 'id="token"' in client.get("/teams/payments/explain").text
    open_ = closed.model_copy(update={"anonymous_read": True})
    with TestClient(create_app(open_, FixedClock(NOW))) as client:
        answer = client.get("/teams/payments/explain", params={"role": "operator"})
    assert answer.status_code == 200
    assert "Everyone else in the role" in answer.text
    assert "@example.com" not in answer.text

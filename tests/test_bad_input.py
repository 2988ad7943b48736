"""Bad input, endpoint by endpoint: malformed JSON, unknown ids, naive datetimes, an end before
its start and huge intervals are each a problem+json 4xx that names the field at fault, never a
500 (SPEC section 7).

The samples are loaded once per backend into a template database. Refused requests change
nothing, so the tables share one app per module; a test that must write gets a fresh copy.
Most tables run on SQLite only; the characters and integers PostgreSQL refuses where SQLite
stores them (NUL, integers past 32 and 64 bits) run on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.clock import FixedClock
from api.settings import Settings
from tests.conftest import NOW
from tests.sample_templates import Template
from tests.sample_templates import postgres_template as sample_postgres_template
from tests.sample_templates import sqlite_template as sample_sqlite_template

PROBLEM = "application/problem+json"
#: Accepted writes re-plan; plan quality is not under test here.
SOLVER = {"solver_seconds": 0.1, "solver_workers": 1}
NAIVE = "2027-01-04T09:00:00"
TEAM = "payments"


# Set-up: one template database per backend, with the samples and an admin token


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return sample_sqlite_template(tmp_path_factory.mktemp("bad-input"), "bad-input-admin")


@pytest.fixture(scope="module")
def postgres_template(postgres_database: str) -> Iterator[Template]:
    with sample_postgres_template(postgres_database, "bad", "bad-input-admin") as template:
        yield template


@dataclass
class Api:
    client: TestClient
    admin: dict[str, str]

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.admin, **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)


def _api(template: Template) -> Iterator[Api]:
    app = create_app(Settings(database_url=template.fresh_url(), **SOLVER), FixedClock(NOW))
    with TestClient(app) as client:
        yield Api(client, {"Authorization": f"Bearer {template.secret}"})


@pytest.fixture(scope="module")
def sqlite_api(sqlite_template: Template) -> Iterator[Api]:
    """One app on SQLite for the module: every request in the tables is refused."""
    yield from _api(sqlite_template)


TEMPLATES = {"sqlite": "sqlite_template", "postgresql": "postgres_template"}


@pytest.fixture(scope="module", params=list(TEMPLATES))
def any_api(request: pytest.FixtureRequest) -> Iterator[Api]:
    """One app per backend for the module."""
    yield from _api(request.getfixturevalue(TEMPLATES[request.param]))


@pytest.fixture(params=list(TEMPLATES))
def fresh_any_api(request: pytest.FixtureRequest) -> Iterator[Api]:
    """An app of its own on each backend, for a test that writes."""
    yield from _api(request.getfixturevalue(TEMPLATES[request.param]))


@pytest.fixture
def fresh_api(sqlite_template: Template) -> Iterator[Api]:
    """An app of its own, for a test that writes."""
    yield from _api(sqlite_template)


# Valid requests; each case below breaks one thing in one of them


@dataclass(frozen=True)
class Turns:
    """Two future developer turns of payments, held by two different developers."""

    giver: str
    offered: str
    taker: str
    wanted: str


@pytest.fixture(scope="module")
def turns(sqlite_api: Api) -> Turns:
    """Real future turns, read from the schedule (outside the frozen window)."""
    response = sqlite_api.send(
        "GET",
        f"/v1/teams/{TEAM}/schedule",
        params={"since": "2027-03-01T00:00:00Z", "until": "2027-04-05T00:00:00Z"},
    )
    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    operators = {e["period_start"]: e["member"] for e in entries if e["role"] == "operator"}
    developers = [
        e
        for e in entries
        if e["role"] == "developer"
        and e["member"] not in (None, "dana")
        # whole turns of the rotation, so either may take the other's
        and e["start"] == e["period_start"]
        and e["source"] == "rotation"
    ]
    first = developers[0]
    second = next(e for e in developers[1:] if e["member"] != first["member"])
    assert operators  # the schedule answered both roles
    return Turns(first["member"], first["period_start"], second["member"], second["period_start"])


def time_off_body() -> dict[str, Any]:
    return {"member": "bruno", "start": "2027-06-01", "end": "2027-06-04", "reason": "trip"}


def override_body() -> dict[str, Any]:
    return {
        "role": "developer",
        "member": "alice",
        "start": "2027-06-08T08:00:00Z",
        "end": "2027-06-09T08:00:00Z",
        "reason": "cover",
    }


def swap_body(turns: Turns) -> dict[str, Any]:
    return {
        "role": "developer",
        "from_member": turns.giver,
        "from_period_start": turns.offered,
        "to_member": turns.taker,
        "to_period_start": turns.wanted,
        "reason": "trade",
    }


def team_body() -> dict[str, Any]:
    return {
        "id": "search",
        "name": "Search",
        "timezone": "Europe/Berlin",
        "period": "1w",
        "handoff": "monday 09:00",
        "start": "2027-01-04",
    }


def member_body() -> dict[str, Any]:
    return {"id": "zed", "name": "Zed Example", "email": "zed@example.com", "roles": ["developer"]}


def assert_problem(response: Any, statuses: tuple[int, ...] = (422,), names: str = "") -> None:
    """A problem+json answer with one of `statuses`; `names` appears as the field at fault (the
    problem's `field`, a field of its `errors`) or, failing that, in its detail."""
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"] == PROBLEM, response.headers["content-type"]
    problem = response.json()
    assert {"status", "title", "detail"} <= set(problem), problem
    assert problem["status"] == response.status_code
    assert problem["detail"], problem
    if names:
        fields = {problem.get("field")} | {e.get("field") for e in problem.get("errors", [])}
        assert names in fields or names in problem["detail"], problem


def test_the_valid_bodies_are_accepted(fresh_api: Api, turns: Turns) -> None:
    """The baseline of every table below: unbroken, each request succeeds, so a refusal there
    is due to the one thing broken."""
    for method, path, body in [
        ("POST", f"/v1/teams/{TEAM}/time-off", time_off_body()),
        ("POST", f"/v1/teams/{TEAM}/overrides", override_body()),
        ("POST", f"/v1/teams/{TEAM}/swaps", swap_body(turns)),
        ("POST", "/v1/teams", team_body()),
        ("POST", f"/v1/teams/{TEAM}/members", member_body()),
        ("PATCH", f"/v1/teams/{TEAM}", {"name": "Payments"}),
        ("PATCH", f"/v1/teams/{TEAM}/members/alice", {"chat": "@alice"}),
        ("POST", f"/v1/teams/{TEAM}/schedule/generate", {"until": "2028-01-01"}),
    ]:
        response = fresh_api.send(method, path, json=body)
        assert response.status_code in (200, 201), (method, path, response.text)


# Malformed JSON: every write endpoint that takes a body


BODY_ENDPOINTS = [
    ("POST", "/v1/teams"),
    ("PATCH", f"/v1/teams/{TEAM}"),
    ("POST", f"/v1/teams/{TEAM}/members"),
    ("PATCH", f"/v1/teams/{TEAM}/members/alice"),
    ("POST", f"/v1/teams/{TEAM}/schedule/generate"),
    ("POST", f"/v1/teams/{TEAM}/time-off"),
    ("POST", f"/v1/teams/{TEAM}/overrides"),
    ("POST", f"/v1/teams/{TEAM}/swaps"),
    ("POST", f"/v1/teams/{TEAM}/swaps/1/accept"),
    ("POST", f"/v1/teams/{TEAM}/swaps/1/decline"),
    ("POST", f"/v1/teams/{TEAM}/swaps/1/approve"),
]
MALFORMED = {
    "not-json": b"{not json",
    "truncated": b'{"until": ',
    "not-utf8": b'{"reason": "\xff\xfe"}',
    "trailing-garbage": b"{} {}",
}


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
@pytest.mark.parametrize("payload", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_json_is_a_422_about_the_body(
    sqlite_api: Api, method: str, path: str, payload: bytes
) -> None:
    response = sqlite_api.send(
        method, path, content=payload, headers={"content-type": "application/json"}
    )
    assert_problem(response, (400, 422))
    problem = response.json()
    assert "JSON" in problem["detail"] or "body" in problem["detail"], problem


WRONG_SHAPE = {"array": b"[1, 2]", "string": b'"x"', "number": b"42"}


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
@pytest.mark.parametrize("payload", WRONG_SHAPE.values(), ids=WRONG_SHAPE.keys())
def test_a_body_that_is_not_an_object_is_a_422(
    sqlite_api: Api, method: str, path: str, payload: bytes
) -> None:
    response = sqlite_api.send(
        method, path, content=payload, headers={"content-type": "application/json"}
    )
    assert_problem(response, (422,), "body")


# Unknown ids


def _team_requests(team: str, turns: Turns) -> list[tuple[str, str, dict[str, Any]]]:
    """Every endpoint under a team, each with a request that is valid but for the team."""
    base = f"/v1/teams/{team}"
    return [
        ("GET", base, {}),
        ("PATCH", base, {"json": {"name": "X"}}),
        ("DELETE", base, {}),
        ("GET", f"{base}/on-support", {}),
        ("GET", f"{base}/schedule", {}),
        ("GET", f"{base}/fairness", {}),
        ("POST", f"{base}/schedule/generate", {"json": {}}),
        ("GET", f"{base}/members", {}),
        ("POST", f"{base}/members", {"json": member_body()}),
        ("GET", f"{base}/members/alice", {}),
        ("PATCH", f"{base}/members/alice", {"json": {"chat": "@a"}}),
        ("DELETE", f"{base}/members/alice", {}),
        ("GET", f"{base}/time-off", {}),
        ("POST", f"{base}/time-off", {"json": time_off_body()}),
        ("GET", f"{base}/time-off/1", {}),
        ("DELETE", f"{base}/time-off/1", {}),
        ("GET", f"{base}/overrides", {}),
        ("POST", f"{base}/overrides", {"json": override_body()}),
        ("GET", f"{base}/overrides/1", {}),
        ("DELETE", f"{base}/overrides/1", {}),
        ("GET", f"{base}/swaps", {}),
        ("POST", f"{base}/swaps", {"json": swap_body(turns)}),
        ("GET", f"{base}/swaps/1", {}),
        ("POST", f"{base}/swaps/1/accept", {}),
        ("POST", f"{base}/swaps/1/decline", {}),
        ("POST", f"{base}/swaps/1/approve", {}),
        ("GET", "/v1/audit", {"params": {"team": team}}),
    ]


TEAM_ENDPOINTS = [f"{m} {p}" for m, p, _ in _team_requests("{team}", Turns("", "", "", ""))]


@pytest.mark.parametrize("endpoint", TEAM_ENDPOINTS)
@pytest.mark.parametrize("team", ["nope", "NOPE", "a" * 65])
def test_an_unknown_team_is_a_404_naming_it(
    sqlite_api: Api, turns: Turns, endpoint: str, team: str
) -> None:
    method, path, kwargs = _team_requests(team, turns)[TEAM_ENDPOINTS.index(endpoint)]
    response = sqlite_api.send(method, path, **kwargs)
    # A malformed slug may also be refused as invalid; either way the answer names it.
    assert_problem(response, (404,) if team == "nope" else (404, 422), team)


MEMBER_PATHS = [
    ("GET", f"/v1/teams/{TEAM}/members/zoe", {}),
    ("PATCH", f"/v1/teams/{TEAM}/members/zoe", {"json": {"chat": "@z"}}),
    ("DELETE", f"/v1/teams/{TEAM}/members/zoe", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), MEMBER_PATHS)
def test_an_unknown_member_in_the_path_is_a_404_naming_it(
    sqlite_api: Api, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    assert_problem(sqlite_api.send(method, path, **kwargs), (404,), path.rsplit("/", 1)[1])


def test_a_member_of_another_team_is_unknown_here(sqlite_api: Api) -> None:
    others = sqlite_api.send("GET", "/v1/teams/storefront/members").json()
    stranger = next(m["id"] for m in others if m["id"] not in {"alice", "bruno", "chen", "dana"})
    payments = {m["id"] for m in sqlite_api.send("GET", f"/v1/teams/{TEAM}/members").json()}
    assert stranger not in payments
    response = sqlite_api.send("GET", f"/v1/teams/{TEAM}/members/{stranger}")
    assert_problem(response, (404,), stranger)


def _member_fields(turns: Turns) -> list[tuple[str, dict[str, Any], str]]:
    return [
        ("time-off", {**time_off_body(), "member": "zoe"}, "member"),
        ("overrides", {**override_body(), "member": "zoe"}, "member"),
        ("swaps", {**swap_body(turns), "from_member": "zoe"}, "from_member"),
        ("swaps", {**swap_body(turns), "to_member": "zoe"}, "to_member"),
    ]


@pytest.mark.parametrize("index", range(4), ids=["time-off", "override", "swap-from", "swap-to"])
def test_an_unknown_member_in_a_body_is_a_422_naming_the_field(
    sqlite_api: Api, turns: Turns, index: int
) -> None:
    resource, body, field = _member_fields(turns)[index]
    response = sqlite_api.send("POST", f"/v1/teams/{TEAM}/{resource}", json=body)
    assert_problem(response, (422,), field)
    assert "zoe" in response.json()["detail"]


ID_ENDPOINTS = [
    ("GET", "time-off/{id}", "time_off_id"),
    ("DELETE", "time-off/{id}", "time_off_id"),
    ("GET", "overrides/{id}", "override_id"),
    ("DELETE", "overrides/{id}", "override_id"),
    ("GET", "swaps/{id}", "swap_id"),
    ("POST", "swaps/{id}/accept", "swap_id"),
    ("POST", "swaps/{id}/decline", "swap_id"),
    ("POST", "swaps/{id}/approve", "swap_id"),
]


@pytest.mark.parametrize(("method", "path", "field"), ID_ENDPOINTS)
@pytest.mark.parametrize(
    ("value", "statuses"),
    [
        ("999999", (404,)),
        (str(2**31), (404, 422)),
        (str(2**40), (404, 422)),
        (str(2**64), (404, 422)),
        ("0", (404, 422)),
        ("-1", (404, 422)),
        ("abc", (422,)),
        ("1.5", (422,)),
    ],
)
def test_an_unknown_or_malformed_id_is_a_4xx_naming_it(
    sqlite_api: Api,
    method: str,
    path: str,
    field: str,
    value: str,
    statuses: tuple[int, ...],
) -> None:
    response = sqlite_api.send(method, f"/v1/teams/{TEAM}/{path.format(id=value)}")
    assert_problem(response, statuses)
    problem = response.json()
    named = {problem.get("field")} | {e.get("field") for e in problem.get("errors", [])}
    assert field in named or value in problem["detail"], problem


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "100000"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"before": "0"}, "before"),
        ({"before": "-1"}, "before"),
        ({"before": "abc"}, "before"),
        ({"team": "nope"}, "nope"),
    ],
)
def test_bad_audit_queries_are_4xx_naming_the_parameter(
    sqlite_api: Api, params: dict[str, str], field: str
) -> None:
    assert_problem(sqlite_api.send("GET", "/v1/audit", params=params), (404, 422), field)


# Naive datetimes: every query parameter and body field that takes an instant


QUERY_INSTANTS = [
    ("/v1/on-support", "at"),
    (f"/v1/teams/{TEAM}/on-support", "at"),
    (f"/v1/teams/{TEAM}/schedule", "since"),
    (f"/v1/teams/{TEAM}/schedule", "until"),
    (f"/v1/teams/{TEAM}/fairness", "since"),
    (f"/v1/teams/{TEAM}/fairness", "until"),
    (f"/v1/teams/{TEAM}/time-off", "since"),
    (f"/v1/teams/{TEAM}/time-off", "until"),
    (f"/v1/teams/{TEAM}/overrides", "since"),
    (f"/v1/teams/{TEAM}/overrides", "until"),
]


@pytest.mark.parametrize(("path", "field"), QUERY_INSTANTS)
@pytest.mark.parametrize(
    ("value", "says"),
    [
        (NAIVE, ("zone", "offset")),
        ("2027-01-04 09:00", ("zone", "offset")),
        ("next week", ("instant", "datetime", "date")),
        ("2027-02-30T10:00:00Z", ("instant", "datetime", "date", "day")),
        ("0001-01-01T00:00:00Z", ("between", "range")),
        ("9999-12-31T23:59:59Z", ("between", "range")),
        ("2027-01-04T09:00:00+25:00", ("instant", "datetime", "offset", "zone")),
    ],
    ids=["naive", "naive-space", "words", "no-such-day", "year-1", "year-9999", "bad-offset"],
)
def test_a_bad_instant_in_a_query_is_a_422_naming_it(
    sqlite_api: Api, path: str, field: str, value: str, says: tuple[str, ...]
) -> None:
    response = sqlite_api.send("GET", path, params={field: value})
    assert_problem(response, (422,), field)
    detail = response.json()["detail"].lower()
    assert any(word in detail for word in says), detail


def _instant_bodies(turns: Turns) -> list[tuple[str, str, dict[str, Any], str]]:
    """(resource, field, valid body, ...) for every body field that takes an instant."""
    return [
        ("schedule/generate", "until", {}, ""),
        ("time-off", "start", time_off_body(), ""),
        ("time-off", "end", time_off_body(), ""),
        ("overrides", "start", override_body(), ""),
        ("overrides", "end", override_body(), ""),
        ("swaps", "from_period_start", swap_body(turns), ""),
        ("swaps", "to_period_start", swap_body(turns), ""),
    ]


BODY_INSTANTS = [f"{r}.{f}" for r, f, _, _ in _instant_bodies(Turns("", "", "", ""))]


@pytest.mark.parametrize("target", BODY_INSTANTS)
@pytest.mark.parametrize(
    "value",
    [NAIVE, "2027-01-04 09:00", "soon", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", 20270104],
    ids=["naive", "naive-space", "words", "year-1", "year-9999", "number"],
)
def test_a_bad_instant_in_a_body_is_a_422_naming_the_field(
    sqlite_api: Api, turns: Turns, target: str, value: object
) -> None:
    resource, field, body, _ = _instant_bodies(turns)[BODY_INSTANTS.index(target)]
    response = sqlite_api.send("POST", f"/v1/teams/{TEAM}/{resource}", json={**body, field: value})
    assert_problem(response, (422,), field)


# End before start


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (f"/v1/teams/{TEAM}/schedule", {"since": "2027-03-08", "until": "2027-03-01"}, "until"),
        (f"/v1/teams/{TEAM}/schedule", {"since": "2027-03-01", "until": "2027-03-01"}, "until"),
        (
            f"/v1/teams/{TEAM}/schedule",
            {"since": "2027-03-01T10:00:00+01:00", "until": "2027-03-01T08:30:00Z"},
            "until",
        ),
        (f"/v1/teams/{TEAM}/fairness", {"since": "2027-03-08", "until": "2027-03-01"}, "until"),
        (f"/v1/teams/{TEAM}/time-off", {"since": "2027-03-08", "until": "2027-03-01"}, "until"),
        (f"/v1/teams/{TEAM}/overrides", {"since": "2027-03-08", "until": "2027-03-01"}, "until"),
    ],
)
def test_a_query_window_ending_before_it_starts_is_a_422_naming_until(
    sqlite_api: Api, path: str, params: dict[str, str], field: str
) -> None:
    assert_problem(sqlite_api.send("GET", path, params=params), (422,), field)


def _reversed_bodies() -> list[tuple[str, str, dict[str, Any], str]]:
    return [
        (
            "POST",
            "time-off",
            {**time_off_body(), "start": "2027-06-04", "end": "2027-06-01"},
            "end",
        ),
        (
            "POST",
            "time-off",
            {**time_off_body(), "start": "2027-06-04T10:00:00Z", "end": "2027-06-04T10:00:00Z"},
            "end",
        ),
        (
            "POST",
            "time-off",
            {**time_off_body(), "start": "2027-06-04T12:00:00+02:00", "end": "2027-06-04T09:00Z"},
            "end",
        ),
        (
            "POST",
            "overrides",
            {**override_body(), "start": "2027-06-09T08:00:00Z", "end": "2027-06-08T08:00:00Z"},
            "end",
        ),
        (
            "POST",
            "overrides",
            {**override_body(), "start": "2027-06-09T08:00:00Z", "end": "2027-06-09T08:00:00Z"},
            "end",
        ),
        # no start: it defaults to now, after this end
        ("POST", "overrides", {**override_body(), "start": None, "end": "2026-11-01"}, "end"),
        (
            "POST",
            "members",
            {**member_body(), "joined": "2027-05-01", "left": "2027-04-01"},
            "left",
        ),
        (
            "PATCH",
            "members/alice",
            {"joined": "2027-05-01", "left": "2027-04-01"},
            "left",
        ),
        # alice joined nothing, but the sample's dana leaves on 2027-03-31
        ("PATCH", "members/dana", {"joined": "2027-04-01"}, "left"),
    ]


@pytest.mark.parametrize(
    "index",
    range(9),
    ids=[
        "time-off-days",
        "time-off-empty",
        "time-off-offsets",
        "override",
        "override-empty",
        "override-default-start",
        "member-create",
        "member-patch",
        "member-patch-joined-after-left",
    ],
)
def test_an_end_before_its_start_in_a_body_is_a_422_naming_the_field(
    sqlite_api: Api, index: int
) -> None:
    method, resource, body, field = _reversed_bodies()[index]
    response = sqlite_api.send(method, f"/v1/teams/{TEAM}/{resource}", json=body)
    assert_problem(response, (422,), field)


def test_a_swap_within_one_period_is_a_422_naming_it(sqlite_api: Api, turns: Turns) -> None:
    body = {**swap_body(turns), "to_period_start": turns.offered, "to_member": turns.taker}
    response = sqlite_api.send("POST", f"/v1/teams/{TEAM}/swaps", json=body)
    assert_problem(response, (409, 422), "to_period_start")


# Huge intervals


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (f"/v1/teams/{TEAM}/schedule", {"since": "2027-01-01", "until": "2032-01-01"}, "until"),
        (
            f"/v1/teams/{TEAM}/schedule",
            {"since": "1900-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"},
            "",
        ),
        (f"/v1/teams/{TEAM}/schedule", {"since": "2030-01-01"}, "since"),
        (f"/v1/teams/{TEAM}/fairness", {"since": "2026-01-01", "until": "2037-01-01"}, "until"),
    ],
    ids=["schedule-5y", "schedule-200y", "schedule-past-plan", "fairness-11y"],
)
def test_a_huge_query_window_is_a_422_naming_it(
    sqlite_api: Api, path: str, params: dict[str, str], field: str
) -> None:
    response = sqlite_api.send("GET", path, params=params)
    if field == "since" and response.status_code == 200:
        # Past the end of the plan a schedule may answer nothing rather than refuse.
        assert response.json()["entries"] == []
        return
    assert_problem(response, (422,), field)


@pytest.mark.parametrize(
    ("resource", "body", "field"),
    [
        ("time-off", {**time_off_body(), "start": "2027-01-01", "end": "2036-12-31"}, "end"),
        (
            "time-off",
            {**time_off_body(), "start": "2027-01-01T00:00:00Z", "end": "2037-01-01T00:00:00Z"},
            "end",
        ),
        (
            "overrides",
            {**override_body(), "start": "2027-01-01T00:00:00Z", "end": "2037-01-01T00:00:00Z"},
            "end",
        ),
        ("overrides", {**override_body(), "start": None, "end": "2036-11-26"}, "end"),
        ("schedule/generate", {"until": "2036-11-26"}, "until"),
        ("schedule/generate", {"until": "2099-12-31T00:00:00Z"}, "until"),
    ],
    ids=[
        "time-off-10y-days",
        "time-off-10y-instants",
        "override-10y",
        "override-10y-from-now",
        "generate-10y",
        "generate-far",
    ],
)
def test_a_huge_interval_in_a_body_is_a_422_naming_the_field(
    sqlite_api: Api, resource: str, body: dict[str, Any], field: str
) -> None:
    response = sqlite_api.send("POST", f"/v1/teams/{TEAM}/{resource}", json=body)
    assert_problem(response, (422,), field)


# What PostgreSQL refuses and SQLite takes: NUL characters, integers past 32 and 64 bits


NUL = "a\x00b"
NUL_EMAIL = "a\x00b@example.com"


def _nul_requests(turns: Turns) -> list[tuple[str, str, dict[str, Any], str]]:
    return [
        ("POST", "/v1/teams", {"json": {**team_body(), "name": NUL}}, "name"),
        ("POST", "/v1/teams", {"json": {**team_body(), "timezone": NUL}}, "timezone"),
        ("POST", "/v1/teams", {"json": {**team_body(), "holidays": NUL}}, "holidays"),
        ("POST", "/v1/teams", {"json": {**team_body(), "period": NUL}}, "period"),
        ("POST", "/v1/teams", {"json": {**team_body(), "handoff": NUL}}, "handoff"),
        ("POST", "/v1/teams", {"json": {**team_body(), "id": NUL}}, "id"),
        ("PATCH", f"/v1/teams/{TEAM}", {"json": {"name": NUL}}, "name"),
        ("PATCH", f"/v1/teams/{TEAM}", {"json": {"timezone": NUL}}, "timezone"),
        ("POST", f"/v1/teams/{TEAM}/members", {"json": {**member_body(), "name": NUL}}, "name"),
        ("POST", f"/v1/teams/{TEAM}/members", {"json": {**member_body(), "chat": NUL}}, "chat"),
        ("POST", f"/v1/teams/{TEAM}/members", {"json": {**member_body(), "id": NUL}}, "id"),
        ("PATCH", f"/v1/teams/{TEAM}/members/alice", {"json": {"name": NUL}}, "name"),
        ("PATCH", f"/v1/teams/{TEAM}/members/alice", {"json": {"email": NUL}}, "email"),
        # an address the email pattern takes, with a NUL inside
        ("PATCH", f"/v1/teams/{TEAM}/members/alice", {"json": {"email": NUL_EMAIL}}, "email"),
        (
            "POST",
            f"/v1/teams/{TEAM}/members",
            {"json": {**member_body(), "email": NUL_EMAIL}},
            "email",
        ),
        ("PATCH", f"/v1/teams/{TEAM}/members/alice", {"json": {"timezone": NUL}}, "timezone"),
        ("POST", f"/v1/teams/{TEAM}/schedule/generate", {"json": {"reason": NUL}}, "reason"),
        (
            "POST",
            f"/v1/teams/{TEAM}/time-off",
            {"json": {**time_off_body(), "reason": NUL}},
            "reason",
        ),
        (
            "POST",
            f"/v1/teams/{TEAM}/time-off",
            {"json": {**time_off_body(), "member": NUL}},
            "member",
        ),
        (
            "POST",
            f"/v1/teams/{TEAM}/overrides",
            {"json": {**override_body(), "reason": NUL}},
            "reason",
        ),
        (
            "POST",
            f"/v1/teams/{TEAM}/swaps",
            {"json": {**swap_body(turns), "reason": NUL}},
            "reason",
        ),
        ("POST", f"/v1/teams/{TEAM}/swaps/1/decline", {"json": {"reason": NUL}}, "reason"),
        ("GET", f"/v1/teams/{TEAM}/time-off", {"params": {"member": NUL}}, "member"),
        ("GET", "/v1/audit", {"params": {"team": NUL}}, ""),
        ("GET", f"/v1/teams/{TEAM}/on-support", {"params": {"at": "2027-01-04T09:00\x00Z"}}, "at"),
        ("GET", f"/v1/teams/{TEAM}/schedule", {"params": {"since": "2027-01-04\x00"}}, "since"),
        ("GET", "/v1/teams/pay%00ments", {}, ""),
        ("GET", f"/v1/teams/{TEAM}/members/ali%00ce", {}, ""),
        ("DELETE", "/v1/teams/pay%00ments", {}, ""),
    ]


NUL_CASES = [
    f"{i}-{m} {p.replace('%00', '<NUL>')} {f or 'path'}"
    for i, (m, p, _, f) in enumerate(_nul_requests(Turns("", "", "", "")))
]


@pytest.mark.parametrize("index", range(len(NUL_CASES)), ids=NUL_CASES)
def test_a_nul_character_is_a_4xx_on_every_backend(any_api: Api, turns: Turns, index: int) -> None:
    method, path, kwargs, field = _nul_requests(turns)[index]
    response = any_api.send(method, path, **kwargs)
    assert_problem(response, (404, 422), field)


BIG = [2**31, 2**63, 2**64, 10**30]


def _integer_requests() -> list[tuple[str, str, dict[str, Any], str]]:
    cases: list[tuple[str, str, dict[str, Any], str]] = []
    for n in BIG:
        cases += [
            ("GET", f"/v1/teams/{TEAM}/time-off/{n}", {}, "time_off_id"),
            ("DELETE", f"/v1/teams/{TEAM}/overrides/{n}", {}, "override_id"),
            ("POST", f"/v1/teams/{TEAM}/swaps/{n}/approve", {}, "swap_id"),
            ("GET", "/v1/audit", {"params": {"before": n}}, "before"),
            ("GET", "/v1/audit", {"params": {"limit": n}}, "limit"),
            ("PATCH", f"/v1/teams/{TEAM}", {"json": {"frozen_periods": n}}, "frozen_periods"),
            ("POST", "/v1/teams", {"json": {**team_body(), "frozen_periods": n}}, "frozen_periods"),
            ("PATCH", f"/v1/teams/{TEAM}/members/alice", {"json": {"weight": n}}, "weight"),
            (
                "PATCH",
                f"/v1/teams/{TEAM}",
                {"json": {"weights": {"holiday": n}}},
                "weights.holiday",
            ),
            ("POST", f"/v1/teams/{TEAM}/schedule/generate", {"json": {"until": n}}, "until"),
            ("POST", f"/v1/teams/{TEAM}/time-off", {"json": {**time_off_body(), "end": n}}, "end"),
        ]
    return cases


INTEGER_CASES = [f"{i}-{m} {p} {k} {f}" for i, (m, p, k, f) in enumerate(_integer_requests())]


@pytest.mark.parametrize("index", range(len(INTEGER_CASES)), ids=INTEGER_CASES)
def test_an_out_of_range_integer_is_a_4xx_on_every_backend(any_api: Api, index: int) -> None:
    method, path, kwargs, field = _integer_requests()[index]
    response = any_api.send(method, path, **kwargs)
    if field == "before" and response.status_code == 200:
        # Older than an id past any row: every entry; a 4xx would do as well, never a 500.
        return
    assert_problem(response, (404, 422), field)


def test_a_nul_character_reaching_an_existing_resource_is_a_422(
    fresh_any_api: Api, turns: Turns
) -> None:
    """The requests above are refused before they find anything; these act on real rows."""
    api = fresh_any_api
    created = api.send("POST", f"/v1/teams/{TEAM}/overrides", json=override_body())
    assert created.status_code == 201, created.text
    removal = f"/v1/teams/{TEAM}/overrides/{created.json()['id']}"
    assert_problem(api.send("DELETE", removal, params={"reason": NUL}), (422,), "reason")
    asked = api.send("POST", f"/v1/teams/{TEAM}/swaps", json=swap_body(turns))
    assert asked.status_code == 201, asked.text
    decline = f"/v1/teams/{TEAM}/swaps/{asked.json()['id']}/decline"
    assert_problem(api.send("POST", decline, json={"reason": NUL}), (422,), "reason")
    # Still open after both refusals: nothing was half-done.
    assert api.send("GET", removal).status_code == 200
    swap = api.send("GET", f"/v1/teams/{TEAM}/swaps/{asked.json()['id']}").json()
    assert swap["status"] == "pending"


def test_the_template_databases_are_copies(sqlite_template: Template) -> None:
    first, second = sqlite_template.fresh_url(), sqlite_template.fresh_url()
    assert first != second
    assert Path(first.removeprefix("sqlite:///")).exists()

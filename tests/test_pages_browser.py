"""The web page in a real browser: Debian's Chromium driven by Playwright, axe-core for
accessibility, against a real server with the sample teams. Screenshots of every page go to
$ROTA_TEST_ARTIFACTS (default: <tmp>/rota-artifacts)."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.page_server import PageServer, page_server

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "NO CHROMIUM at /usr/bin/chromium: the browser tests did not run "
        "(apt-get install chromium; .ci/run does)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(
    os.environ.get("ROTA_TEST_ARTIFACTS", Path(tempfile.gettempdir()) / "rota-artifacts")
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageServer]:
    with page_server(tmp_path_factory.mktemp("pages")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser, server: PageServer) -> Iterator[BrowserContext]:
    server.settings.anonymous_read = False
    made = browser.new_context(base_url=server.url, viewport=DESKTOP)
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def sign_in(page: Page, server: PageServer, who: str, path: str = "/") -> None:
    page.goto(f"/sign-in?next={path}")
    page.get_by_label("API token").fill(server.tokens[who])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def serious_violations(page: Page) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text())  # by the debugging protocol: the page's CSP allows no script
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def watch_requests(page: Page, server: PageServer) -> list[str]:
    """The addresses the page asks for outside this server (none, it is self-contained)."""
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server.url) else elsewhere.append(r.url))
    return elsewhere


def shoot(page: Page, name: str) -> None:
    """The whole page, and what shows without scrolling."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-top.png"))


def test_without_anonymous_reads_a_visitor_sees_only_the_sign_in_form(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_label("API token")).to_be_visible()
    assert "Payments" not in page.content()
    page.goto("/teams/payments")
    expect(page.get_by_label("API token")).to_be_visible()
    assert "Alice" not in page.content()


def test_a_wrong_token_is_refused_next_to_the_field(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_label("API token").fill("rota_not-a-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#token-error")).to_contain_text("unknown or revoked")
    expect(page.get_by_label("API token")).to_have_attribute("aria-invalid", "true")


def test_signed_in_every_team_shows_its_pair_with_contacts(
    browser: Browser, server: PageServer
) -> None:
    # A viewer far from every team's zone: the script adds their own time.
    server.settings.anonymous_read = False
    context = browser.new_context(base_url=server.url, timezone_id="America/Chicago")
    page = context.new_page()
    sign_in(page, server, "viewer")
    cards = page.locator("#teams > li")
    expect(cards).to_have_count(3)
    now = server.api().get("/v1/on-support").json()
    payments = next(t for t in now["teams"] if t["team"] == "payments")
    card = cards.filter(has_text="Payments")
    developer = payments["developer"]
    expect(card).to_contain_text(developer["name"])
    expect(card.locator(f'a[href="mailto:{developer["email"]}"]')).to_be_visible()
    expect(card).to_contain_text("Next handoff")
    # The viewer's own zone, added by the script next to the team's.
    expect(card.locator(".yours").first).to_contain_text(re.compile(r"your time: .*(CST|GMT-6)"))
    context.close()


def test_anonymous_readers_see_names_and_roles_but_no_contacts(
    page: Page, server: PageServer
) -> None:
    server.settings.anonymous_read = True
    page.goto("/")
    expect(page.locator("#teams > li")).to_have_count(3)
    assert page.locator('a[href^="mailto:"]').count() == 0
    assert "@example.com" not in page.content()
    page.goto("/teams/payments")
    expect(page.get_by_role("heading", name="On support now")).to_be_visible()
    assert "@example.com" not in page.content()
    expect(page.get_by_text("Sign in with an API token for contact details")).to_be_visible()


def test_the_filter_box_narrows_the_teams_with_and_without_script(
    browser: Browser, page: Page, server: PageServer
) -> None:
    sign_in(page, server, "viewer")
    page.get_by_label("Filter teams").fill("pay")
    expect(page.locator("#teams > li:visible")).to_have_count(1)
    expect(page.locator("#teams > li:visible")).to_contain_text("Payments")
    plain = browser.new_context(base_url=server.url, java_script_enabled=False)
    server.settings.anonymous_read = True
    try:
        still = plain.new_page()
        still.goto("/")
        still.get_by_label("Filter teams").fill("store")
        still.get_by_role("button", name="Show").click()
        expect(still.locator("#teams > li")).to_have_count(1)
        expect(still.locator("#teams > li")).to_contain_text("Storefront")
    finally:
        plain.close()


def test_at_shows_any_instant_and_a_bad_one_is_named(page: Page, server: PageServer) -> None:
    sign_in(page, server, "viewer")
    at = "2027-02-10T12:00:00Z"
    then = server.api().get("/v1/on-support", params={"at": at}).json()
    payments = next(t for t in then["teams"] if t["team"] == "payments")
    page.goto(f"/?at={at}")
    expect(page.locator("#teams > li").filter(has_text="Payments")).to_contain_text(
        payments["developer"]["name"]
    )
    expect(page.locator("#asof")).to_contain_text("fixed instant")
    page.get_by_label("At (ISO instant, empty: now)").fill("2027-02-10T12:00")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#at-error")).to_contain_text("time zone")


def test_without_javascript_the_page_shows_the_same_pairs(
    browser: Browser, server: PageServer
) -> None:
    server.settings.anonymous_read = True
    plain = browser.new_context(base_url=server.url, java_script_enabled=False)
    try:
        page = plain.new_page()
        page.goto("/")
        now = server.api().get("/v1/on-support").json()
        for team in now["teams"]:
            for role in ("developer", "operator"):
                if team[role]:
                    expect(page.locator("#teams")).to_contain_text(team[role]["name"])
    finally:
        plain.close()


def test_uncovered_slots_are_flagged_and_the_page_refreshes_by_itself(
    page: Page, server: PageServer
) -> None:
    page.clock.install()
    sign_in(page, server, "viewer")
    expect(page.locator(".alert")).to_have_count(0)
    api = server.api()
    team = {
        "id": "nightwatch",
        "name": "Night Watch",
        "timezone": "UTC",
        "period": "1w",
        "handoff": "monday 09:00",
        "start": "2026-11-02",
    }
    assert api.post("/v1/teams", json=team).status_code == 201
    try:
        # The script polls the JSON (ETag) and swaps in the page's list when it changed.
        page.clock.fast_forward("00:31")
        alert = page.locator(".alert")
        expect(alert).to_contain_text("Night Watch")
        expect(alert).to_contain_text("no developer and no operator")
        expect(page.locator("#teams > li").filter(has_text="Night Watch")).to_contain_text(
            "UNCOVERED"
        )
    finally:
        assert api.delete("/v1/teams/nightwatch").status_code == 204


def test_the_team_page_has_calendar_charts_audit_and_reminders(
    page: Page, server: PageServer
) -> None:
    sign_in(page, server, "viewer", "/teams/payments")
    expect(page.get_by_role("heading", name="Payments", exact=True)).to_be_visible()
    expect(page.locator("table.month td")).to_have_count(42)
    expect(page.locator("svg.chart")).to_have_count(4)
    expect(page.locator("svg.chart title").first).to_contain_text("load carried against fair share")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_role("heading", name="Reminders")).to_be_visible()
    page.get_by_role("link", name="List").click()
    entries = (
        server.api()
        .get(
            "/v1/teams/payments/schedule",
            params={"since": page.url.split("start=")[1][:10]},
        )
        .json()["entries"]
    )
    assert page.locator("table.list tbody tr").count() >= len(entries) > 0
    # A viewer may adjust nothing: no forms.
    assert page.get_by_role("button", name="Add time off").count() == 0


def test_a_lead_adds_time_off_and_sees_what_changed(page: Page, server: PageServer) -> None:
    sign_in(page, server, "lead", "/teams/payments")
    form = page.locator("#time-off-form")
    form.get_by_label("Member").select_option("bruno")
    form.get_by_label("Start").fill("2027-01-18")
    form.get_by_label("End").fill("2027-01-12")
    form.get_by_label("Reason").fill("conference")
    form.get_by_role("button", name="Add time off").click()
    expect(page.locator("#to-end-error")).to_contain_text("not after start")
    assert page.locator("#to-reason").input_value() == "conference"  # kept for the retry
    form = page.locator("#time-off-form")
    form.get_by_label("End").fill("2027-01-22")
    form.get_by_role("button", name="Add time off").click()
    result = page.get_by_role("status")
    expect(result).to_contain_text("Time off added")
    listed = server.api().get("/v1/teams/payments/time-off", params={"member": "bruno"}).json()
    assert any(t["reason"] == "conference" for t in listed)
    expect(page.get_by_role("table", name="Time off ahead")).to_contain_text("Bruno Keller")


def test_a_stale_swap_decision_is_a_412_showing_the_current_state(
    page: Page, server: PageServer
) -> None:
    lead = server.api("lead")
    turns = lead.get(
        "/v1/teams/payments/schedule", params={"since": "2027-03-01", "until": "2027-05-01"}
    ).json()["entries"]
    developers = [e for e in turns if e["role"] == "developer" and e["source"] == "rotation"]
    first = developers[0]
    other = next(e for e in developers if e["member"] != first["member"])
    asked = lead.post(
        "/v1/teams/payments/swaps",
        json={
            "role": "developer",
            "from_member": first["member"],
            "from_period_start": first["period_start"],
            "to_member": other["member"],
            "to_period_start": other["period_start"],
        },
    )
    assert asked.status_code == 201, asked.text
    swap = asked.json()["id"]
    sign_in(page, server, "lead", "/teams/payments")
    row = page.get_by_role("table", name="Open swaps").locator("tr", has_text="pending")
    expect(row).to_have_count(1)
    # Another lead answers it meanwhile.
    assert lead.post(f"/v1/teams/payments/swaps/{swap}/accept").status_code == 200
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        row.get_by_role("button", name="Decline").click()
    assert posted.value.status == 412
    expect(page.locator(".alert")).to_contain_text("Someone changed this since you opened")
    status = server.api().get(f"/v1/teams/payments/swaps/{swap}").json()["status"]
    assert status == "applied"
    assert page.get_by_role("table", name="Open swaps").count() == 0


def test_subscribe_links_for_the_team_and_the_members_own_feed(
    page: Page, server: PageServer, context: BrowserContext
) -> None:
    sign_in(page, server, "alice", "/teams/payments")
    assert page.get_by_role("button", name="Create a link to the team feed").count() == 0
    page.get_by_role("button", name="Create a link to my own feed").click()
    address = page.get_by_label("Feed address").input_value()
    assert "/v1/members/alice/calendar.ics?token=" in address
    expect(page.get_by_role("link", name=re.compile("webcal"))).to_have_attribute(
        "href", re.compile(r"^webcal://")
    )
    feed = server.api().get(address.removeprefix(server.settings.public_url))
    assert feed.status_code == 200
    assert "BEGIN:VCALENDAR" in feed.text
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    # A member adjusts only what is theirs: no override or regeneration forms.
    assert page.get_by_role("button", name="Add override").count() == 0
    assert page.get_by_role("button", name="Regenerate").count() == 0
    options = page.locator("#to-member option").all_inner_texts()
    assert options == ["Alice Schmidt"]


def test_signing_out_ends_the_session(page: Page, server: PageServer) -> None:
    sign_in(page, server, "viewer")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API token")).to_be_visible()
    page.goto("/teams/payments")
    expect(page.get_by_label("API token")).to_be_visible()


def test_keyboard_alone_signs_in(page: Page, server: PageServer) -> None:
    page.goto("/")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "token":
            break
    assert page.evaluate("document.activeElement.id") == "token"
    page.keyboard.type(server.tokens["viewer"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"


PAGES = [("home", "/"), ("team", "/teams/payments"), ("team-list", "/teams/payments?view=list")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("name", "path"), PAGES)
def test_every_page_is_accessible_fits_a_phone_and_stays_on_this_server(
    browser: Browser, server: PageServer, name: str, path: str, scheme: str
) -> None:
    server.settings.anonymous_read = False
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(
            base_url=server.url,
            viewport=viewport,
            color_scheme=scheme,  # type: ignore[arg-type]
        )
        try:
            page = context.new_page()
            elsewhere = watch_requests(page, server)
            sign_in(page, server, "lead", path)
            page.goto(path)
            assert serious_violations(page) == [], f"{path} {size} {scheme}"
            widths = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert widths[0] <= widths[1], f"{path} scrolls sideways at {viewport['width']} px"
            shoot(page, f"{name}-{size}-{scheme}")
            assert elsewhere == []
        finally:
            context.close()


def test_the_sign_in_page_is_accessible(browser: Browser, server: PageServer) -> None:
    context = browser.new_context(base_url=server.url, bypass_csp=True)
    page = context.new_page()
    page.goto("/sign-in")
    assert serious_violations(page) == []
    shoot(page, "sign-in-desktop-light")
    context.close()


@pytest.mark.parametrize(
    ("path", "ready"), [("/docs", ".swagger-ui .info"), ("/redoc", "redoc-wrap, .api-content")]
)
def test_the_api_docs_load_from_this_server_alone(
    page: Page, server: PageServer, path: str, ready: str
) -> None:
    # ReDoc would show a logo from its CDN: the page's Content-Security-Policy refuses it, so
    # the browser may try, but nothing arrives from elsewhere.
    answered: list[str] = []
    page.on(
        "response",
        lambda r: None if r.url.startswith((server.url, "blob:")) else answered.append(r.url),
    )
    page.goto(path)
    expect(page.locator(ready).first).to_be_visible(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert answered == []


def test_pages_are_under_100_kb(page: Page, server: PageServer) -> None:
    sign_in(page, server, "admin")
    for path in ("/", "/teams/payments", "/teams/payments?view=list", "/teams/storefront"):
        size = len(page.request.get(path).body())
        assert size < 100_000, f"{path} is {size} bytes"
    assert json.loads(page.request.get("/v1/on-support").text())["teams"]

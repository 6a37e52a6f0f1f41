"""The pages in a real browser under the CSP Homeward sends: styled, working, nothing refused;
and an injected inline script is refused, and reported where the tests listen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Error, Page, expect

from bot.app import Services
from bot.headers import CONTENT_SECURITY_POLICY
from bot.storage import referrals
from tests.browser.conftest import csp_violations
from tests.conftest import Clock
from tests.delivery.receivers import sample_referral

pytestmark = pytest.mark.browser


def open_page(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_the_front_page_is_styled_from_its_stylesheet(page: Page, live_url: str) -> None:
    open_page(page, f"{live_url}/")
    expect(page.get_by_role("heading", name="Homeward")).to_be_visible()
    assert page.locator("body").evaluate("e => getComputedStyle(e).maxWidth") != "none"


def test_the_simulator_chats_under_the_csp(page: Page, live_url: str) -> None:
    open_page(page, f"{live_url}/simulator")
    page.fill("#text", "hi")
    page.press("#text", "Enter")
    page.get_by_role("button", name="2. A family member").click()
    expect(page.locator("li.bot").last).to_contain_text("In which country are you now?")


def test_the_referrals_page_shows_a_referral_under_the_csp(
    page: Page, live_url: str, services: Services, clock: Clock
) -> None:
    referral = sample_referral()
    with services.sessions.begin() as session:
        referrals.create(
            session, referral.id, referral.reference, None, referral.partner_id,
            referral.to_document(), referral.urgent, clock(),
        )  # fmt: skip
    open_page(page, f"{live_url}/dev/referrals")
    page.get_by_text("The document as sent (JSON)").click()
    expect(page.locator("details pre")).to_be_visible()
    edge = page.locator("article.referral").evaluate("e => getComputedStyle(e).borderLeftWidth")
    assert edge != "0px"  # the stylesheet applied


def test_an_injected_inline_script_is_refused_and_reported(
    browser: Browser, live_url: str
) -> None:
    # Not the `page` fixture: it fails a test whose page reports a refusal.
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        refused = csp_violations(page)
        open_page(page, f"{live_url}/simulator")
        with pytest.raises(Error, match="Content Security Policy"):
            page.add_script_tag(content="document.title = 'injected'")
        assert page.title() == "Homeward simulator"
        assert len(refused) == 1 and "script-src" in refused[0]
    finally:
        context.close()

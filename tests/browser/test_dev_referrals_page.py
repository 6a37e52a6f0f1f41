"""/dev/referrals on a 360 px phone: nothing wider than the screen, the raw document folded
away until asked for, and the page whole under a CSP without inline script or style."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from bot.app import Services
from bot.core.referral import SharedAnswer
from bot.storage import referrals
from tests.conftest import Clock
from tests.delivery.receivers import ANSWERS, sample_referral

pytestmark = pytest.mark.browser

STRICT_CSP = "default-src 'none'; style-src 'self'"
WIDTH = 360
# How wide the page is laid out, and how far it reaches to the right. A mobile browser zooms
# out to show a page wider than the screen, so window.innerWidth is no measure.
MEASURE = """() => ({layout: document.documentElement.clientWidth,
                     content: document.documentElement.scrollWidth})"""


def assert_no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate(MEASURE) == {"layout": WIDTH, "content": WIDTH}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        locale="en-US",
        viewport={"width": WIDTH, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


def test_a_referral_fits_a_phone_with_its_document_folded_away(
    phone: Page, live_url: str, services: Services, clock: Clock
) -> None:
    # The widest things a referral holds: a long question, an unbroken run of characters
    # someone typed, a long partner name and the JSON lines of the document.
    typed = SharedAnswer(
        "note", "Anything else the legal group should know before they call?", "x" * 120,
        "https://example.org/" + "a" * 100, "https://example.org/" + "a" * 100,
    )  # fmt: skip
    referral = sample_referral(
        answers=(*ANSWERS, typed), partner_name="Clínica de Derechos de Inmigrantes " * 3
    )
    with services.sessions.begin() as session:
        referrals.create(
            session, referral.id, referral.reference, None, referral.partner_id,
            referral.to_document(), referral.urgent, clock(),
        )  # fmt: skip
    refused: list[str] = []

    def with_csp(route: Route) -> None:
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": STRICT_CSP}
        route.fulfill(response=response, headers=headers)

    phone.on("console", lambda message: refused.append(message.text))
    phone.route(f"{live_url}/dev/referrals", with_csp)
    phone.goto(f"{live_url}/dev/referrals")

    expect(phone.get_by_role("heading", name=referral.reference)).to_be_visible()
    local = phone.locator("p.answer.local", has_text="Ordenado por un juez en su ausencia")
    expect(local).to_be_visible()
    document = phone.locator("details pre")
    expect(document).to_be_hidden()
    assert_no_horizontal_scroll(phone)
    # The stylesheet applied under the CSP: the urgent referral has its red edge.
    edge = phone.locator("article.urgent").evaluate("e => getComputedStyle(e).borderLeftWidth")
    assert edge != "1px"

    phone.get_by_text("The document as sent (JSON)").click()
    expect(document).to_be_visible()
    expect(document).to_contain_text('"label_local": "Ordenado por un juez en su ausencia"')
    assert_no_horizontal_scroll(phone)
    assert refused == []

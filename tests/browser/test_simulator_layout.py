"""The simulator's layout on a phone and a desktop screen: the newest message stays in view
above the input bar, buttons are big enough to tap, the placeholder fits, and the page works
under a Content Security Policy that forbids inline script and style."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

pytestmark = pytest.mark.browser

PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
SCREENS = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
TOUCH_TARGET = 44  # CSS pixels, the smallest comfortable target for a finger (WCAG 2.5.5)
# The policy the simulator is meant to run under: scripts and styles from its own files only.
STRICT_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'"

# Where the last message and the input bar are, in viewport coordinates.
MEASURE_LAST_MESSAGE = """() => {
  const last = document.querySelector("#log > li:last-child").getBoundingClientRect();
  const bar = document.querySelector("#composer").getBoundingClientRect();
  return {top: last.top, bottom: last.bottom, barTop: bar.top,
          height: window.innerHeight, scrolled: window.scrollY,
          page: document.documentElement.scrollHeight};
}"""
# The placeholder's width in the input's font, against the room inside the input's padding.
MEASURE_PLACEHOLDER = """async () => {
  await document.fonts.ready;
  const input = document.querySelector("#text");
  const style = getComputedStyle(input);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {text: context.measureText(input.placeholder).width, room: room};
}"""


@pytest.fixture(params=SCREENS)
def screen(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", **request.param)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


def say(page: Page, text: str) -> None:
    """Send `text` and wait for the bot's answer to be drawn."""
    answers = page.locator("#log > li:not(.person)")
    before = answers.count()
    page.fill("#text", text)
    page.press("#text", "Enter")
    expect(answers).not_to_have_count(before)


def assert_last_message_in_view(page: Page) -> None:
    box = page.evaluate(MEASURE_LAST_MESSAGE)
    assert box["page"] > box["height"], box  # the conversation is longer than the screen
    assert box["top"] >= 0, box
    assert box["bottom"] <= box["barTop"] <= box["height"], box


def test_the_newest_message_stays_above_the_input_bar(screen: Page, live_url: str) -> None:
    screen.goto(f"{live_url}/simulator")
    say(screen, "hi")  # the welcome, then a choice question with its buttons
    screen.get_by_role("button", name="2. A family member").click()
    expect(screen.locator("li.bot").last).to_contain_text("In which country are you now?")
    say(screen, "Mexico")
    say(screen, "yes")
    # The year question asked again and again, until the conversation is far past the screen.
    while screen.evaluate("document.documentElement.scrollHeight < 2 * window.innerHeight"):
        say(screen, "soon")
    assert_last_message_in_view(screen)
    say(screen, "BACK")  # a question with buttons: the buttons too must show
    expect(screen.locator("li.bot").last.get_by_role("button").first).to_be_visible()
    assert_last_message_in_view(screen)
    screen.mouse.wheel(0, -5000)  # the person scrolls up to read, then writes again
    say(screen, "1")
    assert_last_message_in_view(screen)


def test_every_button_is_a_touch_target(screen: Page, live_url: str) -> None:
    screen.goto(f"{live_url}/simulator")
    say(screen, "hi")
    buttons = screen.get_by_role("button")
    expect(buttons).to_have_count(4)  # three choices and Send
    heights = [box["height"] for box in (b.bounding_box() for b in buttons.all()) if box]
    assert len(heights) == 4
    assert min(heights) >= TOUCH_TARGET, heights


def test_the_placeholder_fits_the_input(screen: Page, live_url: str) -> None:
    screen.goto(f"{live_url}/simulator")
    measured = screen.evaluate(MEASURE_PLACEHOLDER)
    assert 0 < measured["text"] <= measured["room"], measured


def test_the_page_works_under_a_csp_without_inline_script_or_style(
    page: Page, live_url: str
) -> None:
    def with_csp(route: Route) -> None:
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": STRICT_CSP}
        route.fulfill(response=response, headers=headers)

    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.route(f"{live_url}/simulator", with_csp)
    page.goto(f"{live_url}/simulator")
    say(page, "hi")
    page.get_by_role("button", name="2. A family member").click()
    expect(page.locator("li.bot").last).to_contain_text("In which country are you now?")
    assert refused == []
    html = page.content()
    assert "style=" not in html and "<style" not in html
    assert page.locator("script:not([src])").count() == 0

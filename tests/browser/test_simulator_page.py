"""The simulator as a person uses it in a real browser: typing, tapping choices, odd input."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def say(page: Page, text: str) -> None:
    page.fill("#text", text)
    page.press("#text", "Enter")


def test_a_conversation_by_typing_and_tapping(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/simulator")
    say(page, "hi")
    expect(page.locator("li.bot").first).to_contain_text("Welcome to Homeward")
    expect(page.locator("li.bot").last).to_contain_text("Who is writing?")
    page.get_by_role("button", name="2. A family member").click()
    expect(page.locator("li.bot").last).to_contain_text("In which country are you now?")
    arabic = "مرحبا، أنا من المغرب"
    say(page, arabic)
    expect(page.locator("li.person").last).to_have_text(arabic)
    expect(page.locator("li.bot").last).to_contain_text("Please write the name of the country.")
    say(page, "Haïti")
    expect(page.locator("li.bot").last).to_contain_text("Did you serve in the U.S. military?")
    say(page, "STOP")  # one confirmation on the web, then silence
    expect(page.locator("li.bot").last).to_contain_text("You will get no more messages")
    say(page, "hello")
    expect(page.locator("li.error").last).to_have_text("(no reply)")


def test_a_refused_request_is_shown_not_swallowed(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/simulator")
    page.fill("#address", "")
    say(page, "hi")
    expect(page.locator("li.error").last).to_contain_text("address must be")

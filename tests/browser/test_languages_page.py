"""The language menu in a real browser: every language's name drawn as buttons, one tapped."""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

from bot.locales import load_translators
from bot.settings import Settings

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, languages=None)  # every shipped language, as `make run` offers


def test_the_menu_names_each_language_in_itself_and_a_tap_switches(
    page: Page, live_url: str
) -> None:
    page.goto(f"{live_url}/simulator")
    page.fill("#text", "Haiti")
    page.press("#text", "Enter")
    expect(page.locator("li.bot").last).to_contain_text("Choose your language:")
    for name in ("Español", "Kreyòl", "Português", "Français", "Tiếng Việt", "ខ្មែរ", "中文"):
        expect(page.get_by_role("button", name=name)).to_be_visible()
    page.get_by_role("button", name="Tiếng Việt").click()
    who = load_translators().get("vi").pgettext("placeholder.who", "Who is writing?")
    assert who != "Who is writing?"
    expect(page.locator("li.bot").last).to_contain_text(who)
    page.fill("#text", "ngôn ngữ")
    page.press("#text", "Enter")
    chinese = page.get_by_role("button", name="中文")
    expect(chinese).to_have_count(2)  # the new menu's, below the first one's
    chinese.last.click()
    expect(page.locator("li.bot").nth(-2)).to_contain_text("中文")

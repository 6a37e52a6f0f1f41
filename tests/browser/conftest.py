"""A live Homeward on a loopback port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from bot.app import Services, create_app
from bot.settings import Settings

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium tries to reach Google's services; this machine's network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_url(services: Services, settings: Settings) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, create_app(settings, services), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def csp_violations(page: Page) -> list[str]:
    """What the browser reports refusing under the page's Content-Security-Policy, as it goes."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page; the test fails if anything on it broke the served CSP."""
    context = browser.new_context(locale="en-US")
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    refused = csp_violations(opened)
    yield opened
    context.close()
    assert refused == [], "the page broke its Content-Security-Policy"

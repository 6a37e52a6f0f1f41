"""Security headers on every HTML page of a development app (every channel on), and HSTS only
over HTTPS; pages hold no inline script or style for the CSP to refuse."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from bot.app import Services, create_app
from bot.channel_settings import TelegramSettings, TwilioSettings
from bot.headers import CONTENT_SECURITY_POLICY
from bot.settings import Settings

TWILIO = TwilioSettings("AC" + "3f" * 16, "5e2b" * 8, sms_from="+15005550006")
TELEGRAM = TelegramSettings("7700000001:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0", "hw_secret")
EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)


def everything_on(settings: Settings, public_url: str) -> Settings:
    return replace(settings, public_url=public_url, twilio=TWILIO, telegram=TELEGRAM)


def html_pages(app: Flask, base_url: str = "http://localhost") -> dict[str, TestResponse]:
    """Every page a GET without parameters reaches, and a page that is not there."""
    client = app.test_client()
    paths = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments
    ]
    answers = {path: client.get(path, base_url=base_url) for path in [*paths, "/no-such-page"]}
    return {path: answer for path, answer in answers.items() if answer.mimetype == "text/html"}


def test_every_html_page_sends_the_headers(services: Services, settings: Settings) -> None:
    app = create_app(everything_on(settings, "http://127.0.0.1:8000"), services)
    pages = html_pages(app)
    assert {"/", "/simulator", "/dev/referrals", "/no-such-page"} <= set(pages)
    for path, answer in pages.items():
        for name, value in EXPECTED.items():
            assert answer.headers.get(name) == value, (path, name)
        assert "Strict-Transport-Security" not in answer.headers, path  # plain http
        assert not INLINE.search(answer.get_data(as_text=True)), path


@pytest.mark.parametrize(
    ("public_url", "base_url"),
    [("https://homeward.example.org", "http://localhost"), (None, "https://localhost")],
)
def test_pages_served_over_https_pin_it(
    services: Services, settings: Settings, public_url: str | None, base_url: str
) -> None:
    on = replace(settings, public_url=public_url)
    for path, answer in html_pages(create_app(on, services), base_url).items():
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000", path


def test_answers_that_are_not_pages_are_never_sniffed(
    services: Services, settings: Settings
) -> None:
    client = create_app(everything_on(settings, "https://homeward.example.org"), services)
    client = client.test_client()
    reply = client.post("/simulator/messages", json={"address": "w", "text": "<b>hi</b>"})
    hook = client.post("/hooks/twilio", data={"Body": "hi"})  # unsigned: refused
    style = client.get("/simulator/static/simulator.css")
    for answer in (reply, hook, style, client.get("/healthz")):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" not in answer.headers
    style.close()

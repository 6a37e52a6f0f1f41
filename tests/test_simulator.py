"""The browser simulator talks to the same engine, only in development mode."""

from __future__ import annotations

from dataclasses import replace

from bot.app import Services, create_app
from bot.settings import Settings


def test_the_simulator_page_and_a_conversation(services: Services, settings: Settings) -> None:
    client = create_app(settings, services).test_client()
    page = client.get("/simulator")
    assert page.status_code == 200 and b"Homeward simulator" in page.data
    first = client.post("/simulator/messages", json={"address": "web-1", "text": "hi"})
    replies = first.get_json()["replies"]
    assert replies[0]["text"].startswith("Welcome to Homeward")
    assert replies[1]["text"] == "Who is writing?"
    assert replies[1]["choices"][1] == {"key": "family", "label": "A family member"}
    second = client.post("/simulator/messages", json={"address": "web-1", "text": "2"})
    assert second.get_json()["replies"][0]["text"] == "In which country are you now?"


def test_the_simulator_refuses_bad_requests(services: Services, settings: Settings) -> None:
    client = create_app(settings, services).test_client()
    assert client.post("/simulator/messages", data="hi").status_code == 400
    assert client.post("/simulator/messages", json={"text": "hi"}).status_code == 400
    assert client.post("/simulator/messages", json={"address": "a", "text": 5}).status_code == 400
    wrong_lang = {"address": "a", "text": "hi", "lang": True}
    assert client.post("/simulator/messages", json=wrong_lang).status_code == 400
    huge = client.post("/simulator/messages", json={"address": "a", "text": "x" * 200_000})
    assert huge.status_code == 413 and "larger than" in huge.get_json()["error"]


def test_a_10kb_message_gets_an_answer(services: Services, settings: Settings) -> None:
    client = create_app(settings, services).test_client()
    reply = client.post("/simulator/messages", json={"address": "w", "text": "é" * 10_000})
    assert reply.status_code == 200
    note, welcome = reply.get_json()["replies"][0]["text"].split("\n", 1)
    assert note == "Your message was very long: I read only the beginning."
    assert welcome.startswith("Welcome to Homeward")


def test_the_simulator_is_off_in_production(services: Services, settings: Settings) -> None:
    production = replace(settings, environment="production")
    client = create_app(production, services).test_client()
    assert client.get("/simulator").status_code == 404
    sent = client.post("/simulator/messages", json={"address": "a", "text": "hi"})
    assert sent.status_code == 404
    assert client.get("/healthz").get_json()["database"] == "ok"  # no worker here: 503


def test_the_referrals_page_is_for_development_only(
    services: Services, settings: Settings
) -> None:
    page = create_app(settings, services).test_client().get("/dev/referrals")
    assert page.status_code == 200 and b"No referral yet" in page.data
    production = create_app(replace(settings, environment="production"), services)
    assert production.test_client().get("/dev/referrals").status_code == 404

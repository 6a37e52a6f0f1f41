"""The shared webhook path: verify before anything, refuse unreadable requests, reply once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from flask import Flask, Request, Response, request

from bot.channels.base import InvalidPayload, receive, refusal
from bot.core.messages import Address, Inbound, Outbound


class FakeChannel:
    name = "fake"
    max_body = 1000

    def verify(self, request: Request) -> bool:
        # Like Twilio's check, this one reads the body: the cap must already be in place.
        body = request.get_data()
        return request.headers.get("X-Secret") == "right" and bool(body)

    def parse(self, request: Request) -> list[Inbound]:
        texts = request.get_json(silent=True)
        if not isinstance(texts, list):
            raise InvalidPayload("send a list of texts")
        when = datetime.now(UTC)
        return [Inbound(Address("fake", "a"), str(t), when, str(i)) for i, t in enumerate(texts)]

    def reply(self, replies: Sequence[Outbound]) -> Response:
        return Response("|".join(r.text for r in replies))

    def refuse(self, error: InvalidPayload) -> Response:
        return refusal(error)


def app_with(handled: list[str]) -> Flask:
    app = Flask(__name__)

    def handler(inbound: Inbound) -> tuple[Outbound, ...]:
        handled.append(inbound.text)
        return (Outbound(inbound.text.upper()),)

    @app.post("/hook")
    def hook() -> Response:
        return receive(FakeChannel(), handler, request)

    return app


def test_an_unverified_request_is_refused_before_it_is_read() -> None:
    handled: list[str] = []
    client = app_with(handled).test_client()
    for headers in ({}, {"X-Secret": "wrong"}):
        answer = client.post("/hook", json=["hi"], headers=headers)
        assert answer.status_code == 403
    assert handled == []


def test_an_unreadable_request_gets_its_reason() -> None:
    handled: list[str] = []
    answer = app_with(handled).test_client().post("/hook", data="{", headers={"X-Secret": "right"})
    assert answer.status_code == 400 and answer.get_json() == {"error": "send a list of texts"}
    assert handled == []


def test_each_message_is_handled_in_order_and_answered_together() -> None:
    handled: list[str] = []
    answer = (
        app_with(handled)
        .test_client()
        .post("/hook", json=["one", "two"], headers={"X-Secret": "right"})
    )
    assert handled == ["one", "two"] and answer.get_data(as_text=True) == "ONE|TWO"


def test_a_body_over_the_channels_limit_is_refused_before_anything_reads_it() -> None:
    handled: list[str] = []
    client = app_with(handled).test_client()
    for headers in ({"X-Secret": "right"}, {"X-Secret": "wrong"}):
        answer = client.post("/hook", json=["x" * 1000], headers=headers)
        assert answer.status_code == 413
        assert answer.get_json() == {"error": "the body is larger than 1000 bytes"}
    assert client.post("/hook", json=["x" * 900], headers={"X-Secret": "right"}).status_code == 200
    assert handled == ["x" * 900]


def test_refusals_are_logged_by_code_without_the_request(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = app_with([]).test_client()
    client.post("/hook", data="{secret-value", headers={"X-Secret": "right"})
    client.post("/hook", json=["secret-value"], headers={"X-Secret": "wrong"})
    assert "reason=unreadable" in caplog.text and "refused unverified" in caplog.text
    assert "secret-value" not in caplog.text

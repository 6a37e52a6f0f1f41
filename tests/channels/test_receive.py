"""The shared webhook path: verify before anything, refuse unreadable requests, reply once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from flask import Flask, Request, Response, request

from bot.channels.base import InvalidPayload, receive
from bot.core.messages import Address, Inbound, Outbound


class FakeChannel:
    name = "fake"

    def verify(self, request: Request) -> bool:
        return request.headers.get("X-Secret") == "right"

    def parse(self, request: Request) -> list[Inbound]:
        texts = request.get_json(silent=True)
        if not isinstance(texts, list):
            raise InvalidPayload("send a list of texts")
        when = datetime.now(UTC)
        return [Inbound(Address("fake", "a"), str(t), when, str(i)) for i, t in enumerate(texts)]

    def reply(self, replies: Sequence[Outbound]) -> Response:
        return Response("|".join(r.text for r in replies))


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

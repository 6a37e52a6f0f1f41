"""The browser simulator: a chat page for demos and tests, on only in development mode."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Request, Response, jsonify, render_template, request

from bot.channels.base import Handler, InvalidPayload, receive
from bot.core.messages import Address, Inbound, Outbound
from bot.limits import limited

CHANNEL = "web"
MAX_BODY = 100_000  # 10 kB of any script, JSON-escaped, fits; more is refused, not truncated


class SimulatorChannel:
    """JSON in ({address, text, lang}), JSON out; no signature, so development mode only."""

    name = CHANNEL

    def verify(self, request: Request) -> bool:
        return True  # the blueprint is only registered in development mode

    def parse(self, request: Request) -> list[Inbound]:
        if (request.content_length or 0) > MAX_BODY:
            raise InvalidPayload(f"the request is larger than {MAX_BODY} bytes")
        data: Any = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise InvalidPayload('send JSON: {"address": "...", "text": "..."}')
        address, text, lang = data.get("address"), data.get("text"), data.get("lang")
        if not isinstance(address, str) or not 0 < len(address) <= 64:
            raise InvalidPayload("address must be a string of 1 to 64 characters")
        if not isinstance(text, str):
            raise InvalidPayload("text must be a string")
        hint = lang if isinstance(lang, str) and len(lang) <= 35 else None
        when = datetime.now(UTC)
        return [Inbound(Address(CHANNEL, address), text, when, uuid.uuid4().hex, hint)]

    def reply(self, replies: Sequence[Outbound]) -> Response:
        return jsonify(
            replies=[
                {
                    "text": r.text,
                    "choices": [{"key": c.key, "label": c.label} for c in r.choices],
                    "plain": r.as_plain_text(),
                }
                for r in replies
            ]
        )


def simulator_blueprint(handler: Handler) -> Blueprint:
    """Routes: GET /simulator (the page) and POST /simulator/messages (JSON in, JSON out)."""
    blueprint = Blueprint(
        "simulator",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/simulator/static",
    )
    channel = SimulatorChannel()

    @blueprint.get("/simulator")
    def page() -> str:
        return render_template("simulator.html", address=f"web-{uuid.uuid4().hex[:8]}")

    @blueprint.post("/simulator/messages")
    def message() -> Response:
        return receive(channel, limited(handler), request)

    return blueprint

"""The browser simulator: a chat page for demos and tests, on only in development mode."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from flask import Blueprint, Request, Response, jsonify, render_template, request

from bot.channels.base import Handler, InvalidPayload, receive, refusal
from bot.channels.validation import clean_text, locale_hint, read_json, refuse
from bot.core.messages import Address, Inbound, Outbound
from bot.limits import limited

CHANNEL = "web"
MAX_BODY = 100_000  # 10 kB of any script, JSON-escaped, fits; more is refused (413)
# The page makes "web-1a2b3c4d"; tests and scripts pick their own. Nothing else is an address.
_ADDRESS = re.compile(r"[A-Za-z0-9._@+-]{1,64}")


class SimulatorChannel:
    """JSON in ({address, text, lang}), JSON out; no signature, so development mode only."""

    name = CHANNEL
    max_body = MAX_BODY

    def verify(self, request: Request) -> bool:
        return True  # the blueprint is only registered in development mode

    def parse(self, request: Request) -> list[Inbound]:
        data = read_json(request.get_data())
        if not isinstance(data, dict):
            refuse("not-object", 'send JSON: {"address": "...", "text": "..."}')
        address, text, lang = data.get("address"), data.get("text"), data.get("lang")
        if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
            refuse("address", "address must be 1 to 64 letters, digits or ._@+-")
        if not isinstance(text, str):
            refuse("text-type", "text must be a string")
        if lang is not None and not isinstance(lang, str):
            refuse("lang-type", "lang must be a string")
        text, truncated = clean_text(text)
        when = datetime.now(UTC)
        inbound = Inbound(
            Address(CHANNEL, address),
            text,
            when,
            uuid.uuid4().hex,
            locale_hint(lang),
            truncated=truncated,
        )
        return [inbound]

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

    def refuse(self, error: InvalidPayload) -> Response:
        """400 (413 for a body too large) with the reason, which the page shows."""
        return refusal(error)


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

"""The browser simulator: a chat page for demos and tests, on only in development mode."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request

from bot.channels.base import Handler
from bot.core.messages import Address, Inbound

CHANNEL = "web"
MAX_BODY = 100_000  # 10 kB of any script, JSON-escaped, fits; more is refused, not truncated


def simulator_blueprint(handler: Handler) -> Blueprint:
    """Routes: GET /simulator (the page) and POST /simulator/messages (JSON in, JSON out)."""
    blueprint = Blueprint(
        "simulator",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/simulator/static",
    )

    @blueprint.get("/simulator")
    def page() -> str:
        return render_template("simulator.html", address=f"web-{uuid.uuid4().hex[:8]}")

    @blueprint.post("/simulator/messages")
    def message() -> Response:
        if (request.content_length or 0) > MAX_BODY:
            abort(413)
        data: Any = request.get_json(silent=True)
        if not isinstance(data, dict):
            return _error('send JSON: {"address": "...", "text": "..."}')
        address, text = data.get("address"), data.get("text")
        if not isinstance(address, str) or not 0 < len(address) <= 64:
            return _error("address must be a string of 1 to 64 characters")
        if not isinstance(text, str):
            return _error("text must be a string")
        inbound = Inbound(
            Address(CHANNEL, address),
            text,
            datetime.now(UTC),
            uuid.uuid4().hex,
            data.get("lang") if isinstance(data.get("lang"), str) else None,
        )
        replies = handler(inbound)
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

    return blueprint


def _error(message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = 400
    return response

"""What every channel shares: the handler it feeds, the webhook interface, plain-text replies."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from flask import Request, Response, jsonify

from bot.core.errors import HomewardError
from bot.core.messages import Inbound, Outbound

logger = logging.getLogger(__name__)

# A channel turns what it receives into Inbound values and hands each to a handler, which
# returns the replies. The handler is `Conversations.handle`; channels never decide anything.
Handler = Callable[[Inbound], tuple[Outbound, ...]]


class InvalidPayload(HomewardError):
    """A request that passed verification but cannot be read; `reason` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Channel(Protocol):
    """A way of chatting reached over HTTP (the simulator now; SMS, WhatsApp, Telegram next).

    It verifies a request, parses it into Inbound values, and renders the replies as the
    provider expects them. Adding a channel means one module implementing this, nothing more.
    """

    name: str

    def verify(self, request: Request) -> bool:
        """Whether the request really comes from the provider (signature, secret)."""
        ...

    def parse(self, request: Request) -> list[Inbound]:
        """The messages in a verified request; raises InvalidPayload when it cannot be read."""
        ...

    def reply(self, replies: Sequence[Outbound]) -> Response:
        """The HTTP answer that carries the replies, where the provider allows it."""
        ...


def receive(channel: Channel, handler: Handler, request: Request) -> Response:
    """One webhook call: verify first (403, nothing stored), then parse, handle and reply."""
    if not channel.verify(request):
        logger.warning("refused unverified request channel=%s", channel.name)
        return _refusal("not verified", 403)
    try:
        inbounds = channel.parse(request)
    except InvalidPayload as error:
        logger.info("unreadable request channel=%s", channel.name)
        return _refusal(error.reason, 400)
    replies = [reply for inbound in inbounds for reply in handler(inbound)]
    return channel.reply(replies)


def _refusal(reason: str, status: int) -> Response:
    response = jsonify(error=reason)
    response.status_code = status
    return response


def plain_text(replies: Sequence[Outbound]) -> list[str]:
    """Each reply as one text, choices as numbered lines (for SMS, the terminal, transcripts)."""
    return [reply.as_plain_text() for reply in replies]

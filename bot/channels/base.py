"""What every channel shares: the handler it feeds, the webhook interface, plain-text replies."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from flask import Request, Response, jsonify
from werkzeug.exceptions import RequestEntityTooLarge

from bot.core.errors import HomewardError
from bot.core.messages import Inbound, Outbound

logger = logging.getLogger(__name__)

# A channel turns what it receives into Inbound values and hands each to a handler, which
# returns the replies. The handler is `Conversations.handle`; channels never decide anything.
Handler = Callable[[Inbound], tuple[Outbound, ...]]


class InvalidPayload(HomewardError):
    """A request that passed verification but cannot be trusted or read.

    `reason` is a sentence for the provider, `code` a short name for the logs; neither ever
    holds a value from the request. `status` is the HTTP answer a provider that reads
    statuses should get (400, or 413 for a body over the channel's limit).
    """

    def __init__(self, reason: str, *, code: str = "unreadable", status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.status = status


class Channel(Protocol):
    """A way of chatting reached over HTTP (the simulator now; SMS, WhatsApp, Telegram next).

    It verifies a request, parses it into Inbound values, and renders the replies as the
    provider expects them. Adding a channel means one module implementing this, nothing more.
    """

    name: str
    max_body: int  # bytes; a longer request body is refused before it is read

    def verify(self, request: Request) -> bool:
        """Whether the request really comes from the provider (signature, secret)."""
        ...

    def parse(self, request: Request) -> list[Inbound]:
        """The messages in a verified request; raises InvalidPayload when it cannot be read."""
        ...

    def reply(self, replies: Sequence[Outbound]) -> Response:
        """The HTTP answer that carries the replies, where the provider allows it."""
        ...

    def refuse(self, error: InvalidPayload) -> Response:
        """The HTTP answer to a verified request that was refused (`refusal`, or a 200 for a
        provider that would otherwise send it again and again)."""
        ...


def receive(channel: Channel, handler: Handler, request: Request) -> Response:
    """One webhook call: verify first (403, nothing stored), then parse, handle and reply.

    The body is capped at the channel's `max_body` before anything reads it (the signature
    check may), and nothing reaches the handler, hence storage, unless `parse` accepted it.
    """
    request.max_content_length = channel.max_body  # reading more raises RequestEntityTooLarge
    try:
        if not channel.verify(request):
            logger.warning("refused unverified request channel=%s", channel.name)
            return refusal(InvalidPayload("not verified", code="unverified", status=403))
        inbounds = channel.parse(request)
    except RequestEntityTooLarge:
        error = too_large(channel.max_body)
        logger.info("refused request channel=%s reason=%s", channel.name, error.code)
        return channel.refuse(error)
    except InvalidPayload as error:
        logger.info("refused request channel=%s reason=%s", channel.name, error.code)
        return channel.refuse(error)
    replies = [reply for inbound in inbounds for reply in handler(inbound)]
    return channel.reply(replies)


def too_large(limit: int) -> InvalidPayload:
    """The refusal of a body over `limit` bytes (413 where the provider reads statuses)."""
    return InvalidPayload(f"the body is larger than {limit} bytes", code="too-large", status=413)


def refusal(error: InvalidPayload) -> Response:
    """`{"error": reason}` with the error's status: the answer for a provider that reads it."""
    response = jsonify(error=error.reason)
    response.status_code = error.status
    return response


def plain_text(replies: Sequence[Outbound]) -> list[str]:
    """Each reply as one text, choices as numbered lines (for SMS, the terminal, transcripts)."""
    return [reply.as_plain_text() for reply in replies]

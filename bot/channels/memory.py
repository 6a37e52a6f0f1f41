"""An in-memory channel for tests: send a line, get the bot's messages back as text."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from bot.channels.base import Handler, plain_text
from bot.core.messages import Address, Inbound, Outbound

CHANNEL = "memory"


class MemoryChannel:
    """A person on a fake channel; `clock` lets a test move time forward."""

    def __init__(
        self,
        handler: Handler,
        address: str = "person-1",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        locale_hint: str | None = None,
    ) -> None:
        self.handler = handler
        self.address = Address(CHANNEL, address)
        self.clock = clock
        self.locale_hint = locale_hint
        self.last: tuple[Outbound, ...] = ()

    def send(self, text: str, provider_id: str | None = None) -> list[str]:
        """Send `text` as the person; returns the bot's replies as plain text."""
        message_id = provider_id or uuid.uuid4().hex
        inbound = Inbound(self.address, text, self.clock(), message_id, self.locale_hint)
        self.last = self.handler(inbound)
        return plain_text(self.last)

"""What every channel shares: the handler it feeds, and the plain-text form of a reply."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.messages import Inbound, Outbound

# A channel turns what it receives into Inbound values and hands each to a handler, which
# returns the replies. The handler is `Conversations.handle`; channels never decide anything.
Handler = Callable[[Inbound], tuple[Outbound, ...]]


def plain_text(replies: tuple[Outbound, ...]) -> list[str]:
    """Each reply as one text, choices as numbered lines (for SMS, the terminal, transcripts)."""
    return [reply.as_plain_text() for reply in replies]

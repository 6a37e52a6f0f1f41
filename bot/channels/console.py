"""The terminal channel behind `homeward chat`: one line in, the bot's messages out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from bot.channels.base import Handler, plain_text
from bot.channels.validation import clean_text
from bot.core.messages import Address, Inbound

CHANNEL = "console"
PROMPT = "you> "


def chat(
    handler: Handler,
    address: str,
    stdin: TextIO,
    stdout: TextIO,
    *,
    interactive: bool,
    locale_hint: str | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Hold a conversation until end of input; returns how many messages were sent."""
    who = Address(CHANNEL, address)
    if interactive:
        stdout.write("Homeward in the terminal. Write a message; Ctrl-D to leave.\n")
    sent = 0
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        # The same cleaning as every channel: a pasted NUL must not reach the database.
        text, cut = clean_text(line.rstrip("\r\n"))
        replies = handler(Inbound(who, text, clock(), None, locale_hint, truncated=cut))
        sent += 1
        for reply in plain_text(replies):
            for reply_line in reply.splitlines() or [""]:
                stdout.write(f"bot> {reply_line}\n")
        stdout.flush()
    if interactive:
        stdout.write("\n")
    return sent

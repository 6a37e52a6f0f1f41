"""The terminal channel cleans what is typed as every channel does."""

from __future__ import annotations

import io

from bot.channels.console import chat
from bot.core.messages import Inbound, Outbound


def test_a_typed_line_is_cleaned_and_cut_like_any_message() -> None:
    received: list[Inbound] = []

    def handler(inbound: Inbound) -> tuple[Outbound, ...]:
        received.append(inbound)
        return ()

    typed = io.StringIO("ho\x00la\x1b\r\n" + "x" * 5000 + "\n")
    assert chat(handler, "me", typed, io.StringIO(), interactive=False) == 2
    assert [(m.text, m.truncated) for m in received] == [("hola", False), ("x" * 4096, True)]

"""Reads and plays transcript files: what the person writes (>) and what the bot answers (<)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.channels.memory import MemoryChannel

NO_REPLY = "(no reply)"
# An answer line only chat channels send: on SMS the carrier confirms STOP itself.
NOT_ON_SMS = "[not on SMS] "
_WAIT = re.compile(r"^@wait (\d+)([mhd])$")
_LONG = re.compile(r"^@long (\d+)$")


@dataclass
class Exchange:
    """One message the person sends and the lines expected in the bot's answer."""

    line: int
    text: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Directive:
    """`@wait 4d` moves the clock; `@restart` restarts Homeward over the same database."""

    line: int
    name: str
    delta: timedelta = timedelta()


def parse(path: Path) -> list[Exchange | Directive]:
    steps: list[Exchange | Directive] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        if raw.startswith(">"):
            text = raw[2:] if raw.startswith("> ") else raw[1:]
            if (long := _LONG.match(text)) is not None:
                text = "x" * int(long[1])
            steps.append(Exchange(number, text))
        elif raw.startswith("<"):
            last = steps[-1] if steps else None
            if not isinstance(last, Exchange):
                raise ValueError(f"{path}:{number}: an answer line must follow a > line")
            last.expected.append(raw[2:] if raw.startswith("< ") else raw[1:])
        elif (wait := _WAIT.match(raw)) is not None:
            unit = {"m": "minutes", "h": "hours", "d": "days"}[wait[2]]
            steps.append(Directive(number, "wait", timedelta(**{unit: int(wait[1])})))
        elif raw.strip() == "@restart":
            steps.append(Directive(number, "restart"))
        else:
            raise ValueError(f"{path}:{number}: cannot read this line")
    return steps


def play(
    path: Path,
    person: Callable[[], MemoryChannel],
    advance: Callable[[timedelta], None],
    *,
    sms: bool = False,
) -> None:
    """Play a transcript; `person()` gives the channel, anew after each restart.

    `sms`: lines marked "[not on SMS]" are not expected (and where they were all an
    answer had, no reply is); elsewhere the mark is read away.
    """
    channel = person()
    for step in parse(path):
        if isinstance(step, Directive):
            if step.name == "wait":
                advance(step.delta)
            else:
                channel = person()
            continue
        replies = channel.send(step.text)
        lines = [line for reply in replies for line in reply.splitlines()]
        where = f"{path.name}:{step.line}"
        expected = [
            line.removeprefix(NOT_ON_SMS)
            for line in step.expected
            if not (sms and line.startswith(NOT_ON_SMS))
        ]
        if step.expected and not expected:
            expected = [NO_REPLY]
        if expected == [NO_REPLY]:
            assert replies == [], f"{where}: expected no reply, got {lines}"
            continue
        _expect_in_order(expected, lines, where)


def _expect_in_order(expected: list[str], lines: list[str], where: str) -> None:
    """Each expected text appears in the reply, after the previous one (same line or later)."""
    row, column = 0, 0
    for wanted in expected:
        while row < len(lines) and (at := lines[row].find(wanted, column)) < 0:
            row, column = row + 1, 0
        assert row < len(lines), f"{where}: expected {wanted!r} (in this order) in:\n" + "\n".join(
            lines
        )
        column = at + len(wanted)

"""The engine's note for a text its channel cut: one line before the replies, in the language."""

from __future__ import annotations

import gettext
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.core.engine import Engine
from bot.core.i18n import Translators
from bot.core.messages import Address, Inbound
from bot.core.state import State
from bot.flows.loader import load_flows

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NOTE = "Your message was very long: I read only the beginning."


def cut(text: str, hint: str | None = None) -> Inbound:
    return Inbound(Address("memory", "someone"), text, NOW, None, hint, truncated=True)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_flows(), "placeholder", Translators())


def test_the_note_comes_first_and_the_replies_stay_as_they_were(engine: Engine) -> None:
    whole = engine.step(State(), replace(cut("hi"), truncated=False))
    noted = engine.step(State(), cut("hi"))
    first, *rest = noted.outbound
    assert first.text == NOTE + "\n" + whole.outbound[0].text
    assert (first.choices, first.question) == (
        whole.outbound[0].choices,
        whole.outbound[0].question,
    )
    assert tuple(rest) == whole.outbound[1:]
    assert noted.state == whole.state and noted.effects == whole.effects


def test_no_note_when_there_is_no_reply(engine: Engine) -> None:
    stopped = State(opted_out=True)
    assert engine.step(stopped, cut("hola?")).outbound == ()


class Marked(gettext.NullTranslations):
    """A catalog that marks every text, so a test sees which language it came from."""

    def pgettext(self, context: str, message: str) -> str:
        return f"[es] {message}"


def test_the_note_speaks_the_persons_language() -> None:
    engine = Engine(load_flows(), "placeholder", Translators({"es": Marked()}))
    turn = engine.step(State(locale="es", status="active"), cut("hola"))
    assert turn.outbound[0].text.startswith(f"[es] {NOTE}\n[es] ")

"""Languages over Twilio: the number's country suggests one, and on SMS only the operator may
fold away the accents GSM-7 lacks; WhatsApp always gets the full spelling."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.core import texts
from bot.core.sms import segments
from bot.flows.loader import load_flows
from bot.locales import load_translators
from bot.partners import demo_partner_file
from bot.settings import Settings
from tests.channels.twilio.conftest import JEAN, MARIA, Phone

SPANISH = load_translators().get("es")
WELCOME = load_flows()["screening"].nodes["welcome"].text


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The real screening in every language; Spanish SMS folded, the others spelled in full."""
    return replace(
        settings,
        start_flow="screening",
        languages=None,
        partners_file=demo_partner_file(tmp_path),
        # The demo clinic takes referrals by email: production wants a mail server for it.
        smtp_url="smtp://mail.example.org",
        sms_fold_accents=frozenset({"es"}),
    )


def test_a_mexican_number_is_offered_the_languages_in_spanish_first(maria: Phone) -> None:
    (menu,) = maria.send("Haiti")
    lines = menu.splitlines()
    assert lines[0] == SPANISH.text(texts.CHOOSE_LANGUAGE) != texts.CHOOSE_LANGUAGE.source
    assert lines[1] == "1. Español"  # ñ is GSM-7: kept
    assert "Tieng Viet" in menu and "Portugues" in menu


def test_spanish_sms_is_folded_into_gsm7(maria: Phone) -> None:
    replies = maria.send("Hola")
    assert replies[0] == SPANISH.text(texts.LANGUAGE_SET)  # "Idioma: español." is GSM-7
    for reply in replies + maria.send("2") + maria.send("sí"):
        assert segments(reply).encoding == "GSM-7", reply
    spelled = SPANISH.pgettext("screening.welcome", WELCOME)
    assert any(char in spelled for char in "áíóú")  # the catalog keeps its accents
    assert replies[1] != spelled and not any(char in replies[1] for char in "áíóú")


def test_whatsapp_keeps_the_full_spelling(client: FlaskClient) -> None:
    on_whatsapp = Phone(client, MARIA, base="whatsapp_text")
    replies = on_whatsapp.send("Hola")
    assert replies[1] == SPANISH.pgettext("screening.welcome", WELCOME)
    assert segments(replies[1]).encoding == "UCS-2"


def test_haitian_creole_is_gsm7_without_folding(client: FlaskClient) -> None:
    jean = Phone(client, JEAN)  # a +509 number, by SMS this time
    replies = jean.send("Bonjou")
    assert replies[0].startswith("Lang:")
    for reply in replies + jean.send("1") + jean.send("wi"):
        assert segments(reply).encoding == "GSM-7", reply


def test_a_greeting_wins_over_the_country_code(client: FlaskClient) -> None:
    jean = Phone(client, JEAN)
    assert jean.send("Hello")[0] == "Language: English."

"""SMS and WhatsApp over POST /hooks/twilio: signed form bodies in, TwiML out, each turn once."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.app import Services
from bot.channel_settings import TwilioSettings
from bot.channels.twilio import TwilioChannel
from bot.core.messages import Choice, Outbound
from bot.storage.models import Contact, InboundMessage
from tests.channels.twilio.conftest import (
    AUTH_TOKEN,
    JEAN,
    MARIA,
    PUBLIC_URL,
    Phone,
    contact,
    count,
    payload,
    post_signed,
    signature,
    twiml_messages,
)
from tests.keys import TEST_KEYRING
from tests.transcript import play

WELCOME = "Welcome to Homeward."
WHO = "Who is writing?\n1. I was deported\n2. A family member\n3. An advocate or lawyer"
COUNTRY = "In which country are you now?"
SERVED = "Did you serve in the U.S. military?\n1. Yes\n2. No\n3. Prefer not to say"
TRANSCRIPTS = Path(__file__).parents[2] / "transcripts"


def test_a_short_conversation_by_sms(maria: Phone, services: Services) -> None:
    first = maria.send("Hola")
    assert len(first) == 2 and first[0].startswith(WELCOME) and first[1] == WHO
    assert maria.send("2") == [COUNTRY]
    assert maria.send("México") == [SERVED]

    person = contact(services, "sms", MARIA)
    assert person.last_inbound_at is not None and not person.opted_out
    assert count(services, InboundMessage) == 3


@pytest.mark.parametrize("name", ["happy_path", "keywords"])
def test_the_transcripts_play_the_same_over_sms(name: str, client: FlaskClient) -> None:
    phone = Phone(client, MARIA)

    def no_waiting(delta: timedelta) -> None:
        raise AssertionError("the webhook reads the real clock; pick a transcript without @wait")

    # A Phone answers send(text) -> [replies] like the memory channel the transcripts expect.
    play(TRANSCRIPTS / f"{name}.txt", lambda: phone, no_waiting, sms=True)  # type: ignore[arg-type,return-value]


@pytest.mark.parametrize(
    ("name", "channel", "number"),
    [
        ("sms_text", "sms", MARIA),
        ("sms_empty_body", "sms", MARIA),
        ("sms_media_only", "sms", MARIA),
        ("sms_emoji", "sms", MARIA),
        ("sms_long_1600", "sms", MARIA),
        ("whatsapp_text", "whatsapp", JEAN),
    ],
)
def test_a_recorded_first_message_gets_the_welcome(
    name: str, channel: str, number: str, client: FlaskClient, services: Services
) -> None:
    form = payload(name)
    replies = twiml_messages(post_signed(client, "/hooks/twilio", form))

    assert replies[0].startswith(WELCOME) and replies[1] == WHO
    # The "whatsapp:" prefix stays at the edge: the contact is the number on its channel.
    assert contact(services, channel, number).channel == channel
    with services.sessions() as session:
        logged = session.query(InboundMessage).one()
    fingerprint = TEST_KEYRING.fingerprint(form["MessageSid"])
    assert (logged.channel, logged.provider_id) == (channel, fingerprint)


@pytest.mark.parametrize("name", ["sms_empty_body", "sms_media_only"])
def test_a_message_without_text_mid_conversation_gets_a_hint(
    name: str, maria: Phone, client: FlaskClient
) -> None:
    maria.send("Hola")
    replies = twiml_messages(post_signed(client, "/hooks/twilio", payload(name)))
    assert replies == ["I got an empty message.\n" + WHO]


def test_a_1600_character_message_is_read_as_an_answer(maria: Phone, client: FlaskClient) -> None:
    maria.send("Hola")
    replies = twiml_messages(post_signed(client, "/hooks/twilio", payload("sms_long_1600")))
    assert replies == ["Please reply with the number of your answer.\n" + WHO]


def test_a_whatsapp_button_tap_answers_with_its_label(jean: Phone, client: FlaskClient) -> None:
    jean.send("Bonjou")
    form = payload("whatsapp_button")
    assert form["Body"] == form["ButtonText"] == "English"  # as recorded; now a family member
    tapped = {**form, "ButtonText": "A family member", "Body": "ignored"}
    replies = twiml_messages(post_signed(client, "/hooks/twilio", tapped))
    assert replies == [COUNTRY]


def test_a_whatsapp_reply_goes_back_as_twiml_and_remembers_the_time(
    jean: Phone, services: Services
) -> None:
    assert jean.send("Bonjou")[1] == WHO
    first = contact(services, "whatsapp", JEAN).last_inbound_at
    assert jean.send("2") == [COUNTRY]
    later = contact(services, "whatsapp", JEAN).last_inbound_at
    assert first is not None and later is not None and later >= first


# -- signatures ---------------------------------------------------------------------------------


def _forged(case: str) -> tuple[dict[str, str], dict[str, str]]:
    form = payload("sms_text")
    good = signature("/hooks/twilio", form)
    if case == "wrong token":
        return form, {"X-Twilio-Signature": signature("/hooks/twilio", form, token="0" * 32)}
    if case == "wrong URL":
        # What request.url would be behind a TLS-terminating proxy.
        url = "http://localhost/hooks/twilio"
        return form, {"X-Twilio-Signature": signature("/hooks/twilio", form, url=url)}
    if case == "tampered field":
        return {**form, "Body": "DELETE"}, {"X-Twilio-Signature": good}
    if case == "added field":
        return {**form, "OptOutType": "STOP"}, {"X-Twilio-Signature": good}
    if case == "empty header":
        return form, {"X-Twilio-Signature": ""}
    return form, {}  # missing header


@pytest.mark.parametrize(
    "case",
    [
        "wrong token",
        "wrong URL",
        "tampered field",
        "added field",
        "empty header",
        "missing header",
    ],
)
def test_a_bad_signature_gets_403_and_nothing_is_stored(
    case: str, client: FlaskClient, services: Services
) -> None:
    form, headers = _forged(case)
    answer = client.post("/hooks/twilio", data=form, headers=headers)
    assert answer.status_code == 403
    assert count(services, Contact) == 0 and count(services, InboundMessage) == 0


def test_the_signed_url_keeps_its_query_string(client: FlaskClient, services: Services) -> None:
    form = payload("sms_text")
    path = "/hooks/twilio?source=console"
    signed = {"X-Twilio-Signature": signature(path, form)}
    assert twiml_messages(client.post(path, data=form, headers=signed))[1] == WHO
    # Signed without the query string, the request is not the one Twilio made.
    unsigned = {"X-Twilio-Signature": signature("/hooks/twilio", form)}
    assert client.post(path, data=form, headers=unsigned).status_code == 403


def test_a_signature_for_the_url_with_its_default_port_is_accepted(client: FlaskClient) -> None:
    form = payload("sms_text")
    url = PUBLIC_URL.replace(".org", ".org:443") + "/hooks/twilio"
    headers = {"X-Twilio-Signature": signature("/hooks/twilio", form, url=url)}
    assert twiml_messages(client.post("/hooks/twilio", data=form, headers=headers))[1] == WHO


def test_a_signed_request_without_message_sid_is_refused_as_unreadable(
    client: FlaskClient, services: Services
) -> None:
    form = {k: v for k, v in payload("sms_text").items() if "Sid" not in k or k == "AccountSid"}
    answer = post_signed(client, "/hooks/twilio", form)
    assert answer.status_code == 400 and answer.get_json() == {"error": "MessageSid is missing"}
    assert count(services, Contact) == 0


def test_an_unknown_channel_prefix_is_refused(client: FlaskClient, services: Services) -> None:
    form = payload("sms_text", From="messenger:1234567890")
    assert post_signed(client, "/hooks/twilio", form).status_code == 400
    assert count(services, Contact) == 0


# -- redelivery and opt-out ---------------------------------------------------------------------


def test_a_redelivered_message_advances_the_conversation_once(
    maria: Phone, services: Services
) -> None:
    maria.send("Hola")
    assert maria.send("2") == [COUNTRY]
    assert maria.resend_last() == []  # <Response/>: Twilio sends nothing
    assert maria.send("México") == [SERVED]  # "2" was read once: the flow is one step further
    assert count(services, InboundMessage) == 3


def test_stop_in_spanish_through_advanced_opt_out_silences_homeward(
    maria: Phone, client: FlaskClient, services: Services
) -> None:
    maria.send("Hola")
    answer = post_signed(client, "/hooks/twilio", payload("sms_stop_parar"))
    assert answer.get_data(as_text=True).endswith("<Response />")
    assert twiml_messages(answer) == []
    assert contact(services, "sms", MARIA).opted_out

    assert maria.send("hola?") == []
    assert maria.send("1") == []
    # Twilio's START (INICIAR, say) brings Homeward back where the person left off.
    replies = maria.send("INICIAR", OptOutType="START")
    assert replies[0].startswith("Welcome back.") and replies[-1] == WHO
    assert not contact(services, "sms", MARIA).opted_out


def test_help_through_advanced_opt_out_is_the_help_command(maria: Phone) -> None:
    maria.send("Hola")
    replies = maria.send("AYUDA", OptOutType="HELP")
    assert replies[0].startswith("Homeward is free and is not a lawyer.")
    assert replies[-1] == WHO


def test_nothing_personal_reaches_the_logs(
    maria: Phone, jean: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    maria.send("Hola")
    maria.send("1")
    jean.send("Bonjou, mwen bezwen èd")
    maria.send("PARAR", OptOutType="STOP")
    logged = caplog.text
    assert "turn contact=" in logged  # the logs are there, and they say little
    for secret in (MARIA, MARIA[1:], JEAN, JEAN[1:], "Bonjou", "PARAR", AUTH_TOKEN):
        assert secret not in logged


def test_a_reply_longer_than_twilio_takes_goes_in_several_messages(twilio: TwilioSettings) -> None:
    channel = TwilioChannel(twilio, PUBLIC_URL)
    long = " ".join(["Your documents: passport, birth certificate, removal order."] * 40)
    answer = channel.reply([Outbound(long), Outbound(""), Outbound("Ok?", (Choice("y", "Yes"),))])
    parts = twiml_messages(answer)
    assert len(parts) == 3 and all(len(part) <= 1600 for part in parts)
    assert " ".join(parts[:2]) == long and parts[2] == "Ok?\n1. Yes"

"""Referrals by email: a real SMTP server on loopback receives the summary and referral.json."""

from __future__ import annotations

import gettext
import hashlib
import json
import logging
import ssl
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.core.errors import ConfigError
from bot.core.i18n import Translators
from bot.core.partners import Intake
from bot.core.referral import SharedAnswer
from bot.delivery import email
from bot.delivery.email import KIND, DevelopmentInbox, EmailSender, parse_smtp_url
from bot.delivery.senders import build_senders, close_senders
from bot.delivery.worker import PermanentFailure, RetryLater, Worker
from bot.storage import outbox
from bot.storage.models import OutboxMessage
from bot.storage.outbox import OutboxItem
from tests.conftest import Clock
from tests.delivery.receivers import (
    ANSWERS,
    PHONE,
    REFERRAL_ID,
    SECRET,
    SmtpServer,
    login_checker,
    sample_referral,
    self_signed_certificate,
)

PARTNER = "demo-legal"
FROM = "referrals@homeward.example"
INTAKE = "intake@demo-legal.example"
USER, PASSWORD = "homeward", "s3cret pass/word"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


def sender_for(url: str, intake: Intake | None = None, **options: object) -> EmailSender:
    intakes = {PARTNER: intake or Intake(email=INTAKE)}
    return EmailSender(url, FROM, intakes.get, 5.0, **options)  # type: ignore[arg-type]


def insecure(server: SmtpServer) -> str:
    return f"smtp+insecure://127.0.0.1:{server.port}"


def item_for(attempts: int = 1) -> OutboxItem:
    key = f"{KIND}:{PARTNER}:{REFERRAL_ID}"
    return OutboxItem(1, KIND, key, email.payload(sample_referral()), attempts)


def parsed(content: bytes) -> EmailMessage:
    message = message_from_bytes(content, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


# -- What the partner reads ------------------------------------------------------------------


def test_the_partner_gets_a_readable_summary_with_referral_json_attached(
    smtp: SmtpServer,
) -> None:
    sender = sender_for(insecure(smtp))

    assert sender.send(item_for()) is None

    [received] = smtp.received
    assert received.mail_from == FROM
    assert received.rcpt_tos == [INTAKE]
    message = parsed(received.content)
    assert message["To"] == INTAKE
    assert message["Subject"] == f"URGENT: Homeward referral {sample_referral().reference}"
    partner_tag = hashlib.sha256(PARTNER.encode()).hexdigest()[:8]
    assert message["Message-ID"] == f"<{REFERRAL_ID}.{partner_tag}@homeward.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    text = body_of(message)
    assert sample_referral().reference in text
    assert f"Contact: {PHONE} (whatsapp)" in text
    assert "Answered by: a family member" in text
    assert "- Helps veterans" in text
    assert "URGENT: the person reported danger now" in text
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "referral.json"
    assert attachment.get_content_type() == "application/json"
    document = attachment.get_content()
    assert json.loads(document) == sample_referral().to_document()
    assert document.decode() == item_for().payload["document"]  # the webhook's exact body


def test_each_answer_is_its_question_and_the_answer_in_words_never_a_code() -> None:
    text = email.summary(sample_referral(), Translators().get("en"))

    answers = text.split("Answers:\n", 1)[1].split("\n\n", 1)[0]
    assert answers.splitlines() == [
        "- Who is writing?",
        "  A family member (Un familiar)",
        "- In which country is the deported person living now?",
        "  Mexico (México)",
        "- In what year were they last deported?",
        "  2019",
        "- How did the last deportation happen? Pick the closest:",
        "  Ordered by a judge while absent (Ordenado por un juez en su ausencia)",
        "- In which U.S. state did they live before the deportation?",
        "  Texas",
        "- Did they ever serve in the U.S. military, including the Reserves or National Guard?",
        "  Yes (Sí)",
        "- Were they ever convicted of a crime in the U.S.?",
        "  (skipped or preferred not to say)",
        "- When is it best to call?",
        "  tardes, después de las 4",  # free text as written, non-ASCII intact
    ]


def test_a_question_of_several_lines_stays_readable() -> None:
    summary_answer = SharedAnswer(
        "summary", "Please check.\nNow in: Mexico\nIs this right?", "right", "Yes", "Sí"
    )
    text = email.summary(sample_referral(answers=(summary_answer,)), Translators().get("en"))

    assert "- Please check.\n  Now in: Mexico\n  Is this right?\n  Yes (Sí)\n" in text


def test_a_retried_email_keeps_its_message_id(smtp: SmtpServer) -> None:
    sender = sender_for(insecure(smtp))

    sender.send(item_for(attempts=1))
    sender.send(item_for(attempts=2))

    first, second = (parsed(received.content) for received in smtp.received)
    assert first["Message-ID"] == second["Message-ID"]


def test_a_notice_only_partner_gets_no_personal_data_and_no_attachment(
    smtp: SmtpServer,
) -> None:
    sender = sender_for(insecure(smtp), Intake(email=INTAKE, notice_only=True))

    sender.send(item_for())

    [received] = smtp.received
    message = parsed(received.content)
    assert list(message.iter_attachments()) == []
    assert not message.is_multipart()
    text = body_of(message)
    reference = sample_referral().reference
    assert reference in text
    assert "A new referral is waiting" in text
    assert message["Subject"] == f"Homeward referral {reference}"
    raw = received.content.decode("utf-8", "replace")
    personal = [PHONE, "whatsapp", "veteran", "URGENT", "Helps veterans", "MX", "TX", "2019"]
    for answer in ANSWERS:
        personal += [answer.question, answer.label, answer.label_local]
        personal += [str(answer.value)] if answer.value is not None else []
    assert [found for found in personal if found in raw] == []


class _Spanish(gettext.NullTranslations):
    """A catalog of two texts, enough to see the partner's language chosen."""

    def pgettext(self, context: str, message: str) -> str:
        return {
            "referral-email.subject-urgent": "URGENTE: remisión de Homeward {reference}",
            "referral-email.contact": "Contacto: {address} ({channel})",
        }.get(context, message)


def test_the_summary_is_in_the_partner_s_language(smtp: SmtpServer) -> None:
    translators = Translators(catalogs={"es": _Spanish()})
    sender = sender_for(
        insecure(smtp), Intake(email=INTAKE, language="es"), translators=translators
    )

    sender.send(item_for())

    message = parsed(smtp.received[0].content)
    assert message["Subject"] == f"URGENTE: remisión de Homeward {sample_referral().reference}"
    assert f"Contacto: {PHONE} (whatsapp)" in body_of(message)


# -- TLS and authentication ------------------------------------------------------------------


def test_starttls_and_login_are_used_when_the_url_says_smtp(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    server = SmtpServer(
        tls_context=server_tls,
        require_starttls=True,
        auth_required=True,
        authenticator=login_checker(USER, PASSWORD),
    )
    server.start()
    try:
        url = f"smtp://{USER}:s3cret%20pass%2Fword@127.0.0.1:{server.port}"
        sender = sender_for(url, ssl_context=ssl.create_default_context(cafile=str(cert)))
        sender.send(item_for())
        wrong = sender_for(
            f"smtp://{USER}:wrong@127.0.0.1:{server.port}",
            ssl_context=ssl.create_default_context(cafile=str(cert)),
        )
        with pytest.raises(RetryLater) as refused:
            wrong.send(item_for())
        untrusted = sender_for(url)  # the system's CAs do not know our certificate
        with pytest.raises(RetryLater) as unverified:
            untrusted.send(item_for())
    finally:
        server.stop()

    assert len(server.received) == 1
    assert refused.value.code == "smtp-auth-535"
    assert unverified.value.code == "smtp-tls"


def test_implicit_tls_is_used_when_the_url_says_smtps(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    server = SmtpServer(ssl_context=server_tls)
    server.start()
    try:
        sender = sender_for(
            f"smtps://127.0.0.1:{server.port}",
            ssl_context=ssl.create_default_context(cafile=str(cert)),
        )
        sender.send(item_for())
    finally:
        server.stop()

    assert len(server.received) == 1


def test_a_server_without_starttls_gets_nothing_in_clear_text(smtp: SmtpServer) -> None:
    sender = sender_for(f"smtp://127.0.0.1:{smtp.port}")

    with pytest.raises(RetryLater) as failed:
        sender.send(item_for())

    assert failed.value.code == "smtp-no-starttls"
    assert smtp.received == []


# -- Failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rcpt", "data", "outcome", "code"),
    [
        ("550 5.1.1 No such mailbox", None, PermanentFailure, "smtp-rcpt-550"),
        ("451 4.7.1 Greylisted, try again", None, RetryLater, "smtp-rcpt-451"),
        (None, "554 5.6.0 Rejected as spam", PermanentFailure, "smtp-554"),
        (None, "452 4.3.1 Insufficient storage", RetryLater, "smtp-452"),
    ],
)
def test_smtp_4xx_is_retried_and_5xx_is_not(
    smtp: SmtpServer, rcpt: str | None, data: str | None, outcome: type[Exception], code: str
) -> None:
    smtp.handler.refuse_rcpt = rcpt
    smtp.handler.refuse_data = data
    sender = sender_for(insecure(smtp))

    with pytest.raises(outcome) as failed:
        sender.send(item_for())

    assert getattr(failed.value, "code", None) == code
    assert smtp.received == []


@pytest.mark.parametrize(
    ("intake", "code"),
    [
        (Intake(webhook_url="https://x.example/h", webhook_secret=SECRET), "email-not-configured"),
        (Intake(email="intake@example.org\r\nBcc: a@example.org"), "email-bad-recipient"),
    ],
)
def test_a_partner_without_a_usable_address_is_a_permanent_failure(
    smtp: SmtpServer, intake: Intake, code: str
) -> None:
    sender = sender_for(insecure(smtp), intake)

    with pytest.raises(PermanentFailure) as failed:
        sender.send(item_for())

    assert failed.value.code == code
    assert smtp.received == []


def test_smtp_down_then_up_through_the_worker(
    services: Services, clock: Clock, smtp: SmtpServer
) -> None:
    with services.sessions.begin() as session:
        assert email.enqueue(session, sample_referral(), clock())
    sender = sender_for(insecure(smtp))
    worker = Worker(services.sessions, {KIND: sender}, clock, jitter=0.0)

    smtp.stop()
    assert worker.run_once() == 1
    with services.sessions() as session:
        waiting = session.scalars(select(OutboxMessage)).one()
        assert (waiting.status, waiting.last_error) == (outbox.FAILED, "smtp-connection")
    smtp.start()
    clock.advance(timedelta(seconds=5))
    assert worker.run_once() == 1

    with services.sessions() as session:
        sent = session.scalars(select(OutboxMessage)).one()
        assert (sent.status, sent.attempts) == (outbox.SENT, 2)
    assert len(smtp.received) == 1


# -- A development machine without a mail server -------------------------------------------


def test_without_smtp_a_development_machine_keeps_referral_emails(
    services: Services, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    development = build_senders(services.settings, services.sessions, services.directory)
    production = build_senders(
        replace(services.settings, environment="production"), services.sessions, services.directory
    )
    close_senders(development)
    close_senders(production)
    assert isinstance(development[KIND], DevelopmentInbox)
    assert KIND not in production  # production waits for HOMEWARD_SMTP_URL; never pretends

    with services.sessions.begin() as session:
        assert email.enqueue(session, sample_referral(), clock())
    inbox = DevelopmentInbox(FROM, {PARTNER: Intake(email=INTAKE)}.get)
    worker = Worker(services.sessions, {KIND: inbox}, clock, jitter=0.0)
    with caplog.at_level(logging.INFO):
        assert worker.run_once() == 1

    with services.sessions() as session:
        kept = session.scalars(select(OutboxMessage)).one()
        assert (kept.status, kept.last_error) == (outbox.SENT, None)
    assert "/dev/referrals" in caplog.text
    assert "no sender configured" not in caplog.text
    assert PHONE not in caplog.text


def test_the_development_inbox_refuses_what_smtp_would_refuse() -> None:
    inbox = DevelopmentInbox(FROM, {PARTNER: Intake(email="a@example.org\r\nBcc: b@x.org")}.get)
    nobody = DevelopmentInbox(FROM, dict[str, Intake]().get)

    with pytest.raises(PermanentFailure) as bad:
        inbox.send(item_for())
    with pytest.raises(PermanentFailure) as missing:
        nobody.send(item_for())

    assert (bad.value.code, missing.value.code) == ("email-bad-recipient", "email-not-configured")


# -- HOMEWARD_SMTP_URL -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "mode", "host", "port", "username", "password"),
    [
        ("smtp://user:pa%40ss@mail.example", "starttls", "mail.example", 587, "user", "pa@ss"),
        ("smtp://mail.example.org:2525", "starttls", "mail.example.org", 2525, None, None),
        ("smtps://u:p@mail.example.org", "tls", "mail.example.org", 465, "u", "p"),
        ("smtp+insecure://127.0.0.1:1025", "insecure", "127.0.0.1", 1025, None, None),
        ("smtp+insecure://localhost", "insecure", "localhost", 25, None, None),
    ],
)  # fmt: skip
def test_the_smtp_url_is_read(
    url: str, mode: str, host: str, port: int, username: str | None, password: str | None
) -> None:
    server = parse_smtp_url(url)

    assert (server.mode, server.host, server.port) == (mode, host, port)
    assert (server.username, server.password) == (username, password)
    assert "pa@ss" not in repr(server)


@pytest.mark.parametrize(
    "url",
    [
        "http://user:hunter2@mail.example.org",
        "smtp+insecure://user:hunter2@mail.example.org",  # clear text off the machine
        "smtp://user:hunter2@:25",
        "smtp://user:hunter2@mail.example.org:99999",
    ],
)
def test_a_wrong_smtp_url_stops_start_up_naming_the_variable_not_the_password(
    url: str,
) -> None:
    with pytest.raises(ConfigError) as wrong:
        EmailSender(url, FROM, {}.get)

    assert "HOMEWARD_SMTP_URL" in str(wrong.value)
    assert "hunter2" not in str(wrong.value)


@pytest.mark.parametrize("address", ["homeward", "Homeward <referrals@homeward.example>", ""])
def test_the_sender_address_must_be_a_bare_address(address: str) -> None:
    with pytest.raises(ConfigError):
        EmailSender("smtp://mail.example.org", address, {}.get)

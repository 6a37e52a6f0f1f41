"""A screening ends in a referral that the partner's endpoint and mailbox really receive."""

from __future__ import annotations

import email
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Services, build_services
from bot.channels.memory import MemoryChannel
from bot.cli_referrals import failover_for
from bot.delivery.senders import build_senders, close_senders
from bot.delivery.worker import Worker
from bot.settings import Settings
from bot.storage import referrals
from bot.storage.models import Referral
from tests.conftest import Clock
from tests.core.test_engine import REFERRING
from tests.delivery.receivers import SECRET, Answer, SmtpServer, WebhookReceiver

PARTNERS = """\
partners:
  - id: test-clinic
    name: Test Veterans Clinic
    services: [legal]
    specialties: [veteran]
    national: true
    languages: [en, es]
    takes_deported: true
    weekly_capacity: 5
    general_intake: true
    verified: false
    intake:
      email: intake@clinic.example
      webhook:
        url: {url}
        secret: {secret}
"""


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(SECRET) as endpoint:
        yield endpoint


@pytest.fixture
def services(
    settings: Settings, tmp_path: Path, smtp: SmtpServer, receiver: WebhookReceiver
) -> Iterator[Services]:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "refer.yaml").write_text(REFERRING, encoding="utf-8")
    partners = tmp_path / "partners.yaml"
    partners.write_text(PARTNERS.format(url=receiver.url, secret=SECRET), encoding="utf-8")
    configured = replace(
        settings,
        flows_dir=flows,
        start_flow="refer",
        partners_file=partners,
        smtp_url=f"smtp+insecure://127.0.0.1:{smtp.port}",
        email_from="referrals@homeward.example",
    )
    built = build_services(configured)
    yield built
    built.database.dispose()


def deliver(services: Services, clock: Clock) -> None:
    senders = build_senders(services.settings, services.sessions, services.directory)
    try:
        worker = Worker(services.sessions, senders, clock)
        while worker.run_once():
            pass
    finally:
        close_senders(senders)


def test_a_veteran_consents_and_the_clinic_receives_the_case_twice_over(
    services: Services, clock: Clock, smtp: SmtpServer, receiver: WebhookReceiver
) -> None:
    person = MemoryChannel(services.conversations.handle, "+15550100", clock)
    person.send("hi")
    person.send("Texas")
    assert person.send("yes") == [
        "May we send your answers to Test Veterans Clinic?\n1. Yes\n2. No"
    ]
    (told,) = person.send("yes")
    assert told.startswith("Test Veterans Clinic has your case. Your reference is HW-")
    reference = told.removesuffix(".").split()[-1]

    with services.sessions() as session:
        stored = session.scalars(select(Referral)).one()
    assert (stored.reference, stored.partner_id, stored.status) == (
        reference,
        "test-clinic",
        "sending",
    )
    deliver(services, clock)

    (delivery,) = receiver.deliveries
    assert delivery.document["id"] == stored.id
    assert delivery.document["reference"] == reference
    assert "veteran" in delivery.document["tags"]
    (mail,) = smtp.received
    message = email.message_from_bytes(mail.content, policy=policy.default)
    assert mail.rcpt_tos == ["intake@clinic.example"]
    assert reference in str(message["Subject"]) + message.get_body().get_content()
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "referral.json"

    with services.sessions() as session:
        assert session.scalars(select(Referral.status)).one() == "delivered"
    clock.advance(timedelta(hours=1))
    deliver(services, clock)  # nothing is sent twice
    assert len(receiver.deliveries) == 1 and len(smtp.received) == 1


def test_no_consent_sends_nothing(
    services: Services, clock: Clock, smtp: SmtpServer, receiver: WebhookReceiver
) -> None:
    person = MemoryChannel(services.conversations.handle, "+15550101", clock)
    for text in ("hi", "CA", "no", "no"):
        person.send(text)
    deliver(services, clock)
    assert receiver.deliveries == [] and smtp.received == []


# hi, consent, who (family), no emergency, country, year, once, a judge at a hearing, a lawyer,
# nothing pending, state, court state skipped, years, age, no papers, no citizen parent,
# served (honorable, no VA help), convicted in Texas, the reason, no warning, vacated,
# citizen family, no petition, no harm, no fear, this chat, right, no name, share.
SCREENING_BY_A_SON = (
    "hi|yes|2|3|Mexico|2019|1|1|yes|no|Texas|skip|20|8|6|no|yes|1|no|yes|Texas|yes|no|1"
    "|yes|no|4|no|1|1|skip|yes"
)


def test_a_son_screens_for_his_deported_father_and_the_clinic_receives_it(
    settings: Settings, tmp_path: Path, clock: Clock, smtp: SmtpServer, receiver: WebhookReceiver
) -> None:
    partners = tmp_path / "partners.yaml"
    partners.write_text(PARTNERS.format(url=receiver.url, secret=SECRET), encoding="utf-8")
    configured = replace(
        settings,
        start_flow="screening",
        partners_file=partners,
        smtp_url=f"smtp+insecure://127.0.0.1:{smtp.port}",
    )
    services = build_services(configured)
    try:
        son = MemoryChannel(services.conversations.handle, "+15550102", clock)
        for text in SCREENING_BY_A_SON.split("|"):
            replies = son.send(text)
        assert replies[0].startswith("Sent to Test Veterans Clinic. Your reference code is HW-")
        assert "does not mean they can take the case" in replies[1]
        deliver(services, clock)
    finally:
        services.database.dispose()
    (delivery,) = receiver.deliveries
    document = delivery.document
    assert document["answered_by"] == "family"
    assert {"veteran", "answered-by-family"} <= set(document["tags"])
    assert document["partner"] == {"id": "test-clinic", "name": "Test Veterans Clinic"}
    answers = document["answers"]
    assert (answers["country"]["value"], answers["state_lived"]["value"]) == ("MX", "TX")
    assert {"conviction-relief", "conviction-caused-removal"} <= set(document["tags"])
    assert len(smtp.received) == 1


TWO_PARTNERS = """\
partners:
  - id: test-clinic
    name: Test Veterans Clinic
    services: [legal]
    specialties: [veteran]
    national: true
    languages: [en]
    takes_deported: true
    weekly_capacity: 5
    verified: false
    intake:
      webhook: {{url: "{down}", secret: "{secret}"}}
  - id: general
    name: Coalition General Intake
    services: [legal]
    national: true
    languages: [en]
    takes_deported: true
    weekly_capacity: 50
    general_intake: true
    verified: false
    intake:
      webhook: {{url: "{up}", secret: "{secret}"}}
"""


@pytest.mark.parametrize("answer", [503, 410], ids=["down", "gone"])
def test_a_referral_no_one_can_receive_is_passed_to_the_general_intake(
    settings: Settings, tmp_path: Path, clock: Clock, receiver: WebhookReceiver, answer: int
) -> None:
    with WebhookReceiver(SECRET) as down:
        down.answer_next(*[Answer(answer)] * 10)
        partners = tmp_path / "partners.yaml"
        text = TWO_PARTNERS.format(down=down.url, up=receiver.url, secret=SECRET)
        partners.write_text(text, encoding="utf-8")
        services = build_services(
            replace(
                settings, flows_dir=_flows(tmp_path), start_flow="refer", partners_file=partners
            )
        )
        try:
            person = MemoryChannel(services.conversations.handle, "+15550103", clock)
            for said in ("hi", "Texas", "yes"):
                person.send(said)
            (told,) = person.send("yes")
            assert told.startswith("Test Veterans Clinic has your case.")
            reference = told.removesuffix(".").split()[-1]
            senders = build_senders(services.settings, services.sessions, services.directory)
            worker = Worker(
                services.sessions,
                senders,
                clock,
                max_attempts=3,
                on_referral_failed=failover_for(services),
            )
            for _ in range(6):
                worker.run_once()
                clock.advance(timedelta(days=1))
            close_senders(senders)
            with services.sessions() as session:
                stored = session.scalars(select(Referral)).one()
                disabled = referrals.webhook_disabled(session, "test-clinic")
        finally:
            services.database.dispose()
    # 503: every try reached the first partner and failed; 410: it said never again.
    assert len(down.deliveries) == (3 if answer == 503 else 1)
    assert disabled == (answer == 410)
    (delivery,) = receiver.deliveries
    assert delivery.document["reference"] == reference  # the family's code still holds
    assert delivery.document["partner"]["id"] == "general"
    assert (stored.partner_id, stored.status) == ("general", "delivered")


def _flows(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir(exist_ok=True)
    (folder / "refer.yaml").write_text(REFERRING, encoding="utf-8")
    return folder


def test_after_delete_the_clinic_is_asked_by_webhook_and_email_to_delete_it_too(
    services: Services, clock: Clock, smtp: SmtpServer, receiver: WebhookReceiver
) -> None:
    person = MemoryChannel(services.conversations.handle, "+15550103", clock)
    for text in ("hi", "Texas", "yes", "yes"):
        person.send(text)
    deliver(services, clock)
    with services.sessions() as session:
        stored = session.scalars(select(Referral)).one()

    assert person.send("DELETE")[0].startswith("Delete everything")
    assert person.send("yes")[0].startswith("Everything you told Homeward has been deleted")
    clock.advance(timedelta(minutes=1))
    deliver(services, clock)

    first, notice = receiver.deliveries  # both verified with standardwebhooks
    assert notice.webhook_id != first.webhook_id
    assert notice.document == {
        "type": "referral.deleted",
        "referral_id": stored.id,
        "reference": stored.reference,
        "deleted_at": notice.document["deleted_at"],
    }
    _, mail = smtp.received
    message = email.message_from_bytes(mail.content, policy=policy.default)
    assert mail.rcpt_tos == ["intake@clinic.example"]
    assert str(message["Subject"]) == f"Homeward referral {stored.reference}: deleted"
    body = message.get_body().get_content()
    assert stored.reference in body and "+15550103" not in body + notice.body
    assert list(message.iter_attachments()) == []
    clock.advance(timedelta(hours=1))
    deliver(services, clock)  # told once
    assert len(receiver.deliveries) == 2 and len(smtp.received) == 2

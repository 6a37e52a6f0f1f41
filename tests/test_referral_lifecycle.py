"""No referral lost, none made twice: from the match to the person's "yes" and after it.

Real conversations through `Conversations` over the real database (SQLite, and PostgreSQL
when configured), the real worker and webhook endpoints on loopback. The partner chosen at
the match is checked again when the person says yes; one screening makes one referral.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Services, build_services
from bot.channels.memory import MemoryChannel
from bot.cli_referrals import failover_for
from bot.core.messages import Address, Inbound
from bot.delivery import email, webhook
from bot.delivery import referrals as referrals_out
from bot.delivery.senders import build_senders, close_senders
from bot.delivery.worker import Worker
from bot.settings import Settings
from bot.storage import contacts, referrals
from bot.storage.models import OutboxMessage, Referral
from tests.conftest import Clock
from tests.delivery.receivers import SECRET, SmtpServer, WebhookReceiver, sample_referral
from tests.test_referral_end_to_end import PARTNERS as SCREENING_PARTNERS
from tests.test_referral_end_to_end import SCREENING_BY_A_SON

# A flow like the screening's end: match, ask consent naming the partner, refer, and say
# what happened, with the screening's routes for "nobody can receive it".
FLOW = """\
spec: 1
id: refer
nodes:
  state:
    ask: Where did you live?
    type: us_state
    next: served
  served:
    ask: Did you serve?
    type: yes_no
    tags: {yes: [veteran]}
    next: find
  find:
    do: match
    with: {lived_in: state}
    next:
      - when: {tag: partner-found}
        goto: consent
      - goto: nobody
  consent:
    ask: "May we send your answers to {partner}?"
    type: yes_no
    next:
      - when: {answer: consent, is: "yes"}
        goto: send
      - goto: bye
  send:
    do: refer
    next:
      - when: {tag: referral-made}
        goto: sent
      - goto: nobody
  sent:
    say: "Sent to {partner}. Your reference is {reference}."
  nobody:
    say: No group can receive your answers now. Nothing was sent.
  bye:
    say: Nothing was sent.
"""

# For a veteran from Texas: the veterans' group in Texas, then the one in California, then
# the Texas generalist, and the general intake last. Texas Veterans Law also takes email.
TEXAS_VETERANS = """\
  - id: texas-veterans
    name: Texas Veterans Law
    services: [legal]
    specialties: [veteran]
    states: [TX]
    languages: [en]
    takes_deported: true
    weekly_capacity: 5
"""
TEXAS_VETERANS_INTAKE = """\
    intake:
      webhook: {{url: "{texas_veterans}", secret: "{secret}"}}
"""
TEXAS_VETERANS_BOTH = """\
    intake:
      email: intake@texas-veterans.example
      webhook: {{url: "{texas_veterans}", secret: "{secret}"}}
"""
OTHERS = """\
  - id: california-veterans
    name: California Veterans Law
    services: [legal]
    specialties: [veteran]
    states: [CA]
    languages: [en]
    takes_deported: true
    weekly_capacity: 5
    intake:
      webhook: {{url: "{california_veterans}", secret: "{secret}"}}
  - id: texas-clinic
    name: Texas Immigration Clinic
    services: [legal]
    states: [TX]
    languages: [en]
    takes_deported: true
    weekly_capacity: 5
    intake:
      webhook: {{url: "{texas_clinic}", secret: "{secret}"}}
"""
GENERAL = """\
  - id: general
    name: Coalition General Intake
    services: [legal]
    national: true
    languages: [en]
    takes_deported: true
    weekly_capacity: 50
    general_intake: true
    intake:
      webhook: {{url: "{general}", secret: "{secret}"}}
"""
UNUSED_URL = "http://127.0.0.1:9/never-called"  # the worker does not run in that test
ENDPOINTS = ("texas_veterans", "california_veterans", "texas_clinic", "general")
PHONE = "+15550140"


@dataclass
class World:
    """Homeward over one database, restarted with another directory when a test says so."""

    settings: Settings
    tmp_path: Path
    clock: Clock
    endpoints: dict[str, WebhookReceiver]
    started: list[Services] = field(default_factory=list)

    def start(self, *entries: str) -> Services:
        """Homeward (re)started with a directory of `entries`; the database stays."""
        urls = {name: receiver.url for name, receiver in self.endpoints.items()}
        text = "partners:\n" + "".join(entries).format(secret=SECRET, **urls)
        partners = self.tmp_path / f"partners-{len(self.started)}.yaml"
        partners.write_text(text, encoding="utf-8")
        services = build_services(replace(self.settings, partners_file=partners))
        self.started.append(services)
        return services

    @property
    def services(self) -> Services:
        return self.started[-1]

    def says(self, *texts: str) -> list[str]:
        """The person writes each text on SMS; returns the replies to the last one."""
        told: list[str] = []
        for text in texts:
            inbound = Inbound(Address("sms", PHONE), text, self.clock(), uuid.uuid4().hex)
            told = [reply.text for reply in self.services.conversations.handle(inbound)]
        return told

    def referrals(self) -> list[Referral]:
        with self.services.sessions() as session:
            return list(session.scalars(select(Referral).order_by(Referral.created_at)))

    def deliveries(self) -> list[tuple[str, str]]:
        """The referral deliveries in the outbox, as (kind, partner id)."""
        kinds = (webhook.KIND, email.KIND)
        with self.services.sessions() as session:
            rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind.in_(kinds)))
            return sorted((row.kind, row.dedupe_key.split(":")[1]) for row in rows)

    def disable(self, partner_id: str) -> None:
        """The partner's webhook answered 410 Gone (as the worker records it)."""
        with self.services.sessions.begin() as session:
            referrals.disable_webhook(session, partner_id, self.clock())

    def deliver(self) -> None:
        """The worker, until nothing is due."""
        senders = build_senders(
            self.services.settings, self.services.sessions, self.services.directory
        )
        worker = Worker(
            self.services.sessions,
            senders,
            self.clock,
            on_referral_failed=failover_for(self.services),
        )
        try:
            while worker.run_once():
                pass
        finally:
            close_senders(senders)

    def received(self, endpoint: str) -> list[str]:
        """The references of the documents an endpoint accepted."""
        return [d.document["reference"] for d in self.endpoints[endpoint].deliveries]


@pytest.fixture
def world(settings: Settings, tmp_path: Path, clock: Clock) -> Iterator[World]:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "refer.yaml").write_text(FLOW, encoding="utf-8")
    configured = replace(settings, flows_dir=flows, start_flow="refer")
    receivers = {name: WebhookReceiver(SECRET) for name in ENDPOINTS}
    for receiver in receivers.values():
        receiver.__enter__()
    built = World(configured, tmp_path, clock, receivers)
    try:
        yield built
    finally:
        for services in built.started:
            services.database.dispose()
        for receiver in receivers.values():
            receiver.__exit__()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


EVERYONE = (TEXAS_VETERANS + TEXAS_VETERANS_INTAKE, OTHERS, GENERAL)


def reference_in(told: str) -> str:
    return told.removesuffix(".").split()[-1]


# --- matching skips what cannot receive -----------------------------------------------------


def test_a_gone_webhook_is_never_matched_not_even_the_general_intakes(world: World) -> None:
    world.start(*EVERYONE)
    for partner_id in ("texas-veterans", "california-veterans", "texas-clinic", "general"):
        world.disable(partner_id)
    assert world.says("hi", "Texas", "yes") == [
        "No group can receive your answers now. Nothing was sent."
    ]
    assert world.referrals() == [] and world.deliveries() == []


def test_a_partner_whose_webhook_is_gone_is_passed_over_at_the_match(world: World) -> None:
    world.start(*EVERYONE)
    world.disable("texas-veterans")
    assert world.says("hi", "Texas", "yes") == [
        "May we send your answers to California Veterans Law?"
    ]
    (told,) = world.says("yes")
    assert told.startswith("Sent to California Veterans Law.")
    assert world.deliveries() == [(webhook.KIND, "california-veterans")]


@pytest.mark.parametrize("gone_before", ["match", "yes"])
def test_a_partner_with_email_still_receives_when_only_its_webhook_is_gone(
    world: World, smtp: SmtpServer, gone_before: str
) -> None:
    world.settings = replace(world.settings, smtp_url=f"smtp+insecure://127.0.0.1:{smtp.port}")
    world.start(TEXAS_VETERANS + TEXAS_VETERANS_BOTH, OTHERS, GENERAL)
    if gone_before == "match":
        world.disable("texas-veterans")
    world.says("hi", "Texas")
    assert world.says("yes") == ["May we send your answers to Texas Veterans Law?"]
    if gone_before == "yes":
        world.disable("texas-veterans")
    (told,) = world.says("yes")
    assert told.startswith("Sent to Texas Veterans Law.")
    (stored,) = world.referrals()
    assert stored.partner_id == "texas-veterans"
    assert world.deliveries() == [(email.KIND, "texas-veterans")]
    world.deliver()
    (mail,) = smtp.received
    assert mail.rcpt_tos == ["intake@texas-veterans.example"]
    assert world.endpoints["texas_veterans"].deliveries == []


# --- the partner is checked again at "yes" --------------------------------------------------


def test_a_webhook_gone_while_the_person_reads_the_consent_passes_the_case_on(
    world: World,
) -> None:
    world.start(*EVERYONE)
    assert world.says("hi", "Texas", "yes") == ["May we send your answers to Texas Veterans Law?"]
    world.disable("texas-veterans")
    told = world.says("yes")
    assert told[0] == "Texas Veterans Law cannot receive answers right now."
    assert told[1].startswith("Sent to California Veterans Law. Your reference is HW-")
    (stored,) = world.referrals()
    assert (stored.partner_id, stored.reference) == ("california-veterans", reference_in(told[1]))
    assert world.deliveries() == [(webhook.KIND, "california-veterans")]
    world.deliver()
    assert world.received("california_veterans") == [stored.reference]
    assert world.received("texas_veterans") == []


@pytest.mark.parametrize(
    "directory",
    [(OTHERS, GENERAL), (TEXAS_VETERANS, OTHERS, GENERAL)],
    ids=["partner-removed", "intake-removed"],
)
def test_a_directory_change_before_yes_sends_the_case_to_the_next_partner(
    world: World, directory: tuple[str, ...]
) -> None:
    world.start(*EVERYONE)
    assert world.says("hi", "Texas", "yes") == ["May we send your answers to Texas Veterans Law?"]
    world.start(*directory)  # the operator changed the directory; Homeward restarted
    told = world.says("yes")
    assert told[0] == "Texas Veterans Law cannot receive answers right now."
    assert told[1].startswith("Sent to California Veterans Law. Your reference is HW-")
    (stored,) = world.referrals()
    assert (stored.partner_id, stored.status) == ("california-veterans", referrals.SENDING)
    assert world.deliveries() == [(webhook.KIND, "california-veterans")]
    world.deliver()
    assert world.received("california_veterans") == [stored.reference]


def test_when_nobody_else_fits_the_general_intake_takes_it_at_yes(world: World) -> None:
    world.start(*EVERYONE)
    world.says("hi", "Texas", "yes")
    world.start(GENERAL)
    told = world.says("yes")
    assert told == [
        "Texas Veterans Law cannot receive answers right now.",
        f"Sent to Coalition General Intake. Your reference is {world.referrals()[0].reference}.",
    ]
    assert world.deliveries() == [(webhook.KIND, "general")]


def test_when_nobody_can_receive_at_yes_nothing_is_made_and_the_person_is_told(
    world: World,
) -> None:
    world.start(*EVERYONE)
    world.says("hi", "Texas", "yes")
    for partner_id in ("texas-veterans", "california-veterans", "texas-clinic", "general"):
        world.disable(partner_id)
    assert world.says("yes") == ["No group can receive your answers now. Nothing was sent."]
    assert world.referrals() == [] and world.deliveries() == []


def test_a_partner_that_still_receives_keeps_the_case_though_its_week_filled_up(
    world: World,
) -> None:
    world.start(*EVERYONE)
    world.says("hi", "Texas", "yes")
    with world.services.sessions.begin() as session:  # five other cases reach it meanwhile
        for number in range(5):
            referral_id = f"other-{number}"
            referrals.create(
                session,
                referral_id,
                f"HW-OTHER{number}",
                None,
                "texas-veterans",
                {},
                False,
                world.clock(),
            )
    (told,) = world.says("yes")
    assert told.startswith("Sent to Texas Veterans Law.")  # as the person agreed
    assert world.deliveries() == [(webhook.KIND, "texas-veterans")]


# --- one screening, one referral ------------------------------------------------------------


def test_back_past_the_match_after_yes_never_makes_a_second_referral(world: World) -> None:
    world.start(*EVERYONE)
    world.says("hi", "Texas", "yes")
    (first,) = world.says("yes")
    reference = reference_in(first)
    # Back over consent, military service and the state; now a Californian veteran, whom
    # matching would send to California: the referral made stays where it went.
    world.says("back", "back", "back")
    world.clock.advance(timedelta(minutes=1))
    assert world.says("California", "yes") == ["May we send your answers to Texas Veterans Law?"]
    again = [
        f"Your answers went to Texas Veterans Law before. Changes made since were not sent: "
        f"quote your code {reference} to tell them.",
        f"Sent to Texas Veterans Law. Your reference is {reference}.",
    ]
    assert world.says("yes") == again
    assert world.says("back", "yes") == again  # a second "yes" to the same question
    (stored,) = world.referrals()
    assert (stored.reference, stored.partner_id) == (reference, "texas-veterans")
    assert world.deliveries() == [(webhook.KIND, "texas-veterans")]


def test_a_change_from_the_screenings_summary_after_yes_keeps_the_one_referral(
    settings: Settings, tmp_path: Path, clock: Clock
) -> None:
    partners = tmp_path / "partners.yaml"
    partners.write_text(SCREENING_PARTNERS.format(url=UNUSED_URL, secret=SECRET), "utf-8")
    services = build_services(replace(settings, start_flow="screening", partners_file=partners))
    try:
        son = MemoryChannel(services.conversations.handle, PHONE, clock)
        for text in SCREENING_BY_A_SON.split("|"):
            first = son.send(text)
        reference = reference_in(first[0])
        # Back over consent and the summary, change the state lived in, agree again.
        clock.advance(timedelta(minutes=1))
        for text in ("back", "back", "2", "4", "California", "1", "skip"):
            son.send(text)
        told = son.send("yes")
        with services.sessions() as session:
            stored = session.scalars(select(Referral)).all()
    finally:
        services.database.dispose()
    assert told[0].startswith("Your answers went to Test Veterans Clinic before.")
    assert told[1] == f"Sent to Test Veterans Clinic. Your reference code is {reference}."
    assert [r.reference for r in stored] == [reference]


def test_restart_is_a_new_screening_with_a_referral_of_its_own(world: World) -> None:
    world.start(*EVERYONE)
    world.says("hi", "Texas", "yes")
    (first,) = world.says("yes")
    world.clock.advance(timedelta(minutes=1))
    world.says("restart", "California", "yes")
    (second,) = world.says("yes")
    assert second.startswith("Sent to California Veterans Law.")
    assert reference_in(first) != reference_in(second)
    assert [r.partner_id for r in world.referrals()] == ["texas-veterans", "california-veterans"]


def test_storing_the_same_referral_twice_changes_nothing(world: World) -> None:
    services = world.start(*EVERYONE)
    partner = services.directory.get("texas-veterans")
    assert partner is not None
    referral = sample_referral(partner_id=partner.id, partner_name=partner.name)
    now = world.clock()
    with services.sessions.begin() as session:
        contact = contacts.get_or_create_contact_for_update(
            session, referral.contact.channel, referral.contact.id, now
        )
        assert referrals_out.send(session, referral, partner, contact.id, now)
        assert not referrals_out.send(session, referral, partner, contact.id, now)
    assert len(world.referrals()) == 1
    assert world.deliveries() == [(webhook.KIND, "texas-veterans")]


def test_a_referral_whose_partner_lost_its_last_intake_meanwhile_is_passed_on_at_once(
    world: World,
) -> None:
    """The engine's check and the outbox are two reads: a worker may disable the webhook
    between them. The referral is then passed on in the same transaction, never left."""
    services = world.start(*EVERYONE)
    partner = services.directory.get("texas-veterans")
    assert partner is not None
    referral = sample_referral(partner_id=partner.id, partner_name=partner.name)
    now = world.clock()
    world.disable("texas-veterans")
    with services.sessions.begin() as session:
        contact = contacts.get_or_create_contact_for_update(
            session, referral.contact.channel, referral.contact.id, now
        )
        case = {"tags": ["veteran"], "language": "en", "state": "TX", "country": "MX"}
        assert referrals_out.send(
            session,
            referral,
            partner,
            contact.id,
            now,
            case=case,
            unreachable=failover_for(services),
        )
    (stored,) = world.referrals()
    assert (stored.id, stored.partner_id) == (referral.id, "california-veterans")
    assert stored.routing is not None
    assert [t["partner"] for t in stored.routing["tried"]] == ["texas-veterans"]
    assert world.deliveries() == [(webhook.KIND, "california-veterans")]

"""A partner that cannot be reached or declines: the next-best partner gets the same referral.

Through the real conversation (over SMS, so the family has a channel to be told on), the real
worker and real webhook endpoints on loopback.
"""

from __future__ import annotations

import gettext
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from bot.app import Services, build_services
from bot.cli import main
from bot.cli_referrals import failover_for
from bot.core.i18n import Translators
from bot.core.messages import Address, Inbound
from bot.core.partners import Case
from bot.delivery import referrals as referrals_out
from bot.delivery.failover import NEW_PARTNER, PASSED_ON_REASON, Failover
from bot.delivery.senders import build_senders, close_senders
from bot.delivery.worker import Worker
from bot.settings import Settings
from bot.storage import contacts, referrals
from bot.storage.models import OutboxMessage, Referral
from tests.conftest import Clock
from tests.core.test_engine import REFERRING
from tests.delivery.receivers import SECRET, Answer, WebhookReceiver, sample_referral
from tests.keys import TEST_KEY_ENV

# The shipped organizations have no intake, so these alone can receive. For a veteran from
# Texas: the veterans' group in Texas, then the one in California (a specialist from
# elsewhere), then the Texas generalist, and the general intake last.
PARTNERS = """\
partners:
  - id: texas-veterans
    name: Texas Veterans Law
    services: [legal]
    specialties: [veteran]
    states: [TX]
    languages: [en]
    takes_deported: true
    weekly_capacity: 5
    intake:
      webhook: {{url: "{texas_veterans}", secret: "{secret}"}}
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
PHONE = "+15550104"
IDS = ("texas_veterans", "california_veterans", "texas_clinic", "general")


@dataclass
class World:
    """Homeward with its four partners' endpoints, and a veteran's family on SMS."""

    services: Services
    endpoints: dict[str, WebhookReceiver]
    clock: Clock
    reference: str = ""

    def screen(self) -> str:
        """The family answers; returns what they are told at the end."""
        told: list[str] = []
        for text in ("hi", "Texas", "yes", "yes"):
            inbound = Inbound(Address("sms", PHONE), text, self.clock(), uuid.uuid4().hex)
            told = [reply.text for reply in self.services.conversations.handle(inbound)]
        self.reference = told[-1].removesuffix(".").split()[-1]
        return told[-1]

    def deliver(self, days: int = 6) -> None:
        """The worker, for `days` days: three tries per delivery, then it gives up."""
        senders = build_senders(
            self.services.settings, self.services.sessions, self.services.directory
        )
        worker = Worker(
            self.services.sessions,
            senders,
            self.clock,
            max_attempts=3,
            on_referral_failed=failover_for(self.services),
        )
        try:
            for _ in range(days):
                worker.run_once()
                worker.run_once()
                self.clock.advance(timedelta(days=1))
        finally:
            close_senders(senders)

    def received(self, endpoint: str) -> list[dict[str, Any]]:
        """The documents an endpoint accepted (its verified requests answered 2xx)."""
        return [d.document for d in self.endpoints[endpoint].deliveries if 200 <= d.status < 300]

    def referral(self) -> Referral:
        with self.services.sessions() as session:
            return session.scalars(select(Referral)).one()

    def notices(self) -> list[str]:
        """The notices the outbox holds for the family on their channel, in order."""
        with self.services.sessions() as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "sms", OutboxMessage.dedupe_key.contains("passed-on"))
                .order_by(OutboxMessage.id)
            )
            return [str(row.payload["text"]) for row in rows]


@pytest.fixture
def world(settings: Settings, tmp_path: Path, clock: Clock) -> Iterator[World]:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "refer.yaml").write_text(REFERRING, encoding="utf-8")
    receivers = {name: WebhookReceiver(SECRET) for name in IDS}
    for receiver in receivers.values():
        receiver.__enter__()
    partners = tmp_path / "partners.yaml"
    urls = {name: receiver.url for name, receiver in receivers.items()}
    partners.write_text(PARTNERS.format(secret=SECRET, **urls), encoding="utf-8")
    services = build_services(
        replace(settings, flows_dir=flows, start_flow="refer", partners_file=partners)
    )
    try:
        yield World(services, receivers, clock)
    finally:
        services.database.dispose()
        for receiver in receivers.values():
            receiver.__exit__()


def test_the_referral_keeps_the_case_matching_read(world: World) -> None:
    assert world.screen().startswith("Texas Veterans Law has your case.")
    stored = world.referral()
    assert stored.routing is not None
    case = stored.routing["case"]
    assert (case["tags"], case["state"], case["language"]) == (["veteran"], "TX", "en")
    assert stored.routing["tried"] == []


def test_a_gone_endpoint_passes_the_case_to_the_next_specialist(world: World) -> None:
    world.endpoints["texas_veterans"].answer_next(Answer(410))
    world.screen()
    world.deliver()

    (first,) = world.endpoints["texas_veterans"].deliveries
    (second,) = world.received("california_veterans")
    assert second["id"] == first.document["id"]
    assert second["reference"] == world.reference  # the family's code still holds
    assert second["partner"] == {"id": "california-veterans", "name": "California Veterans Law"}
    assert second["match_reasons"] == ["works with deported veterans", "speaks English"]
    assert world.received("texas_clinic") == world.received("general") == []
    stored = world.referral()
    assert (stored.partner_id, stored.status) == ("california-veterans", "delivered")
    assert stored.routing is not None
    assert [(t["partner"], t["outcome"]) for t in stored.routing["tried"]] == [
        ("texas-veterans", "unreachable")
    ]
    # The family is told who has the answers now, with the same code, on SMS; no promise.
    (notice,) = world.notices()
    assert notice == NEW_PARTNER.source.format(
        partner="California Veterans Law", reference=world.reference
    )
    for promise in ("has your case", "will contact", "within", "qualif"):
        assert promise not in notice


def test_after_every_fitting_partner_fails_the_general_intake(world: World) -> None:
    world.endpoints["texas_veterans"].answer_next(Answer(410))
    world.endpoints["california_veterans"].answer_next(*[Answer(503)] * 3)
    world.endpoints["texas_clinic"].answer_next(Answer(410))
    world.screen()
    world.deliver(days=10)

    assert len(world.endpoints["california_veterans"].deliveries) == 3  # tried, then given up
    (last,) = world.received("general")
    assert last["reference"] == world.reference
    assert last["match_reasons"] == [PASSED_ON_REASON]
    stored = world.referral()
    assert (stored.partner_id, stored.status) == ("general", "delivered")
    assert stored.routing is not None
    assert [t["partner"] for t in stored.routing["tried"]] == [
        "texas-veterans",
        "california-veterans",
        "texas-clinic",
    ]
    names = ["California Veterans Law", "Texas Immigration Clinic", "Coalition General Intake"]
    assert world.notices() == [
        NEW_PARTNER.source.format(partner=name, reference=world.reference) for name in names
    ]


def test_when_the_general_intake_fails_too_the_referral_is_failed(world: World) -> None:
    for name in IDS:
        world.endpoints[name].answer_next(Answer(410))
    world.screen()
    world.deliver(days=10)
    stored = world.referral()
    assert (stored.partner_id, stored.status) == ("general", "failed")
    assert len(world.notices()) == 3  # told of each new partner, never of a failure


def test_a_partner_that_declines_passes_the_case_on(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.screen()
    world.deliver(days=1)
    assert len(world.received("texas_veterans")) == 1
    settings = world.services.settings
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HOMEWARD_FLOWS_DIR", str(settings.flows_dir))
    monkeypatch.setenv("HOMEWARD_START_FLOW", "refer")
    monkeypatch.setenv("HOMEWARD_PARTNERS_FILE", str(settings.partners_file))
    monkeypatch.setenv("HOMEWARD_LANGUAGES", "en")
    monkeypatch.setenv("HOMEWARD_ENV", "development")  # the loopback webhooks are plain http
    for name, value in TEST_KEY_ENV.items():
        monkeypatch.setenv(name, value)

    declined = CliRunner().invoke(main, ["referrals", "decline", world.reference.lower()])
    assert declined.exit_code == 0, declined.output
    assert declined.output == (
        f"{world.reference}: declined by texas-veterans; passed on to california-veterans "
        "(California Veterans Law).\n"
    )
    world.clock.now = max(world.clock.now, datetime.now(UTC))  # the command reads the real time
    world.deliver(days=1)
    (moved,) = world.received("california_veterans")
    assert moved["reference"] == world.reference
    stored = world.referral()
    assert stored.routing is not None
    assert [(t["partner"], t["outcome"]) for t in stored.routing["tried"]] == [
        ("texas-veterans", "declined")
    ]
    assert world.notices()[-1].startswith("The group we sent your answers to could not take")

    unknown = CliRunner().invoke(main, ["referrals", "decline", "HW-ZZZZZZ"])
    assert unknown.exit_code == 1
    assert "no referral has the reference HW-ZZZZZZ" in unknown.output


def test_a_referral_made_before_cases_were_kept_goes_to_the_general_intake(
    world: World,
) -> None:
    world.screen()
    referral_id = world.referral().id
    with world.services.sessions.begin() as session:
        session.execute(update(Referral).values(routing=None))
        passed = failover_for(world.services).pass_on(session, referral_id, world.clock())
    assert passed is not None and passed.partner is not None
    assert passed.partner.id == "general"


def test_a_partner_whose_webhook_is_disabled_is_not_chosen(world: World) -> None:
    with world.services.sessions.begin() as session:
        referrals.disable_webhook(session, "texas-veterans", world.clock())
    assert world.screen().startswith("California Veterans Law has your case.")


class _Spanish(gettext.NullTranslations):
    """A Spanish catalog holding only the notice (the real translations come later)."""

    def pgettext(self, context: str, message: str) -> str:
        if context == NEW_PARTNER.context:
            return "Ahora {partner} tiene sus respuestas. Su código sigue siendo {reference}."
        return message


def test_the_family_is_told_in_their_language_on_their_channel(world: World) -> None:
    now = world.clock()
    first = world.services.directory.get("texas-veterans")
    assert first is not None
    referral = sample_referral(partner_id=first.id, partner_name=first.name)
    case = Case(frozenset({"veteran"}), "es", state="TX", country="MX")
    failover = Failover(
        world.services.directory.partners,
        world.services.conversations.fallback,
        Translators({"es": _Spanish()}),
    )
    with world.services.sessions.begin() as session:
        contact = contacts.get_or_create_contact_for_update(
            session, referral.contact.channel, referral.contact.id, now
        )
        assert referrals_out.send(session, referral, first, contact.id, now)
        referrals.record_case(session, referral.id, case.to_dict())
        passed = failover.pass_on(session, referral.id, now)
    assert passed is not None and passed.partner is not None
    assert passed.partner.id == "california-veterans"
    with world.services.sessions() as session:
        (notice,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.contains("passed-on"))
        )
    assert (notice.kind, notice.contact_id) == ("whatsapp", contact.id)
    assert notice.payload["address"] == referral.contact.id
    assert notice.payload["text"] == (
        f"Ahora California Veterans Law tiene sus respuestas. "
        f"Su código sigue siendo {referral.reference}."
    )

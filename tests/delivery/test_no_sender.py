"""A referral that nothing here can send (an email intake, no mail server) is passed on."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.app import build_services
from bot.cli_referrals import failover_for
from bot.delivery import email
from bot.delivery.senders import build_senders, close_senders
from bot.delivery.worker import Worker
from bot.settings import Settings
from tests.conftest import Clock
from tests.core.test_engine import REFERRING
from tests.delivery.receivers import SECRET, WebhookReceiver
from tests.delivery.test_failover import IDS, PARTNERS, World

# The veterans' group in Texas takes referrals by email alone.
EMAIL_ONLY = PARTNERS.replace(
    'webhook: {{url: "{texas_veterans}", secret: "{secret}"}}', "email: intake@tx-vets.example"
)


def test_an_email_referral_without_a_mail_server_goes_to_the_next_partner(
    settings: Settings, tmp_path: Path, clock: Clock
) -> None:
    assert EMAIL_ONLY != PARTNERS
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "refer.yaml").write_text(REFERRING, encoding="utf-8")
    endpoints = {name: WebhookReceiver(SECRET) for name in IDS}
    for endpoint in endpoints.values():
        endpoint.__enter__()
    partners = tmp_path / "partners.yaml"
    urls = {name: endpoint.url for name, endpoint in endpoints.items()}
    partners.write_text(EMAIL_ONLY.format(secret=SECRET, **urls), encoding="utf-8")
    services = build_services(
        replace(settings, flows_dir=flows, start_flow="refer", partners_file=partners)
    )
    world = World(services, endpoints, clock)
    senders = build_senders(services.settings, services.sessions, services.directory)
    del senders[email.KIND]  # a worker that cannot send email (production checks at start-up)
    worker = Worker(services.sessions, senders, clock, on_referral_failed=failover_for(services))
    try:
        assert world.screen().startswith("Texas Veterans Law has your case.")
        for _ in range(3):  # a few loops, minutes apart: no waiting for a mail server
            worker.run_once()
            clock.advance(timedelta(minutes=1))
        (moved,) = world.received("california_veterans")
        assert moved["reference"] == world.reference
        stored = world.referral()
        assert (stored.partner_id, stored.status) == ("california-veterans", "delivered")
        assert stored.routing is not None
        assert [(t["partner"], t["outcome"]) for t in stored.routing["tried"]] == [
            ("texas-veterans", "unreachable")
        ]
    finally:
        close_senders(senders)
        services.database.dispose()
        for endpoint in endpoints.values():
            endpoint.__exit__()

"""The worker's lease is a setting; every send's timeout is derived from it and stays below it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import build_services
from bot.core.errors import ConfigError
from bot.delivery import webhook
from bot.delivery.senders import build_senders, close_senders, send_timeout
from bot.delivery.worker import DEFAULT_LEASE, RetryLater
from bot.settings import Settings
from bot.storage.outbox import OutboxItem
from tests.delivery.receivers import SECRET, Answer, WebhookReceiver, sample_referral

PARTNER = """\
partners:
  - id: demo-legal
    name: Demo Legal Aid
    services: [legal]
    national: true
    languages: [en]
    takes_deported: true
    weekly_capacity: 5
    intake:
      webhook: {{url: "{url}", secret: "{secret}"}}
"""


def test_the_lease_is_two_minutes_unless_set() -> None:
    assert Settings.from_env({}).worker_lease == DEFAULT_LEASE == timedelta(minutes=2)
    settings = Settings.from_env({"HOMEWARD_WORKER_LEASE_SECONDS": "30"})
    assert settings.worker_lease == timedelta(seconds=30)


@pytest.mark.parametrize("value", ["0", "1", "-5", "nan", "inf", "1e20", "two minutes"])
def test_a_wrong_lease_names_the_variable(value: str) -> None:
    with pytest.raises(ConfigError, match="HOMEWARD_WORKER_LEASE_SECONDS"):
        Settings.from_env({"HOMEWARD_WORKER_LEASE_SECONDS": value})


def test_the_stale_heartbeat_threshold_follows_the_idle_interval() -> None:
    assert Settings().worker_stale_after == timedelta(seconds=60)
    assert Settings(worker_idle_seconds=10).worker_stale_after == timedelta(seconds=200)


def test_send_timeouts_keep_a_whole_send_inside_the_lease() -> None:
    lease = DEFAULT_LEASE
    assert send_timeout(15.0, lease) == 15.0  # the default lease leaves webhooks alone
    assert send_timeout(20.0, lease, operations=6) == 18.0  # SMTP's six steps: 108 s at most
    short = timedelta(seconds=4)
    assert send_timeout(15.0, short) == pytest.approx(1.2)
    assert send_timeout(10.0, short, operations=4) == pytest.approx(0.9)


def test_a_short_lease_shortens_the_webhook_timeout(settings: Settings, tmp_path: Path) -> None:
    with WebhookReceiver(SECRET) as receiver:
        receiver.answer_next(Answer(204, delay=2.0))  # slower than a 4 s lease allows
        partners = tmp_path / "partners.yaml"
        partners.write_text(PARTNER.format(url=receiver.url, secret=SECRET), encoding="utf-8")
        short = replace(settings, partners_file=partners, worker_lease_seconds=4.0)
        services = build_services(short)
        senders = build_senders(short, services.sessions, services.directory)
        try:
            item = OutboxItem(1, webhook.KIND, "k", webhook.payload(sample_referral()), attempts=1)
            with pytest.raises(RetryLater) as timed_out:
                senders[webhook.KIND].send(item)
        finally:
            close_senders(senders)
            services.database.dispose()
    assert timed_out.value.code == "webhook-timeout"

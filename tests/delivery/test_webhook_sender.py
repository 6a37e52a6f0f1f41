"""Referrals by signed webhook: a real endpoint verifies them, retries keep one webhook-id."""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import Services
from bot.core.partners import Intake
from bot.delivery import webhook
from bot.delivery.webhook import (
    BLOCKED,
    GONE,
    KIND,
    EndpointGone,
    WebhookSender,
    blocked_address,
    retry_after_seconds,
    webhook_id,
)
from bot.delivery.worker import PermanentFailure, RetryLater, Worker
from bot.storage import outbox
from bot.storage.models import OutboxMessage
from bot.storage.outbox import OutboxItem
from tests.conftest import Clock
from tests.delivery.receivers import (
    OTHER_SECRET,
    SECRET,
    Answer,
    WebhookReceiver,
    free_port,
    sample_referral,
)
from tests.keys import TEST_KEYRING

PARTNER = "demo-legal"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(SECRET) as endpoint:
        yield endpoint


def sender_for(url: str, secret: str = SECRET, timeout: float = 5.0) -> WebhookSender:
    intakes = {PARTNER: Intake(webhook_url=url, webhook_secret=secret)}
    return WebhookSender(intakes.get, timeout, allow_private=True)


def item_for(attempts: int = 1, dedupe_key: str = f"{KIND}:{PARTNER}:1") -> OutboxItem:
    return OutboxItem(1, KIND, dedupe_key, webhook.payload(sample_referral()), attempts)


def worker_for(services: Services, clock: Clock, sender: WebhookSender) -> Worker:
    # No jitter: the schedule is exact, and so are the assertions.
    return Worker(services.sessions, {KIND: sender}, clock, jitter=0.0)


def queue_referral(services: Services, clock: Clock) -> int:
    with services.sessions.begin() as session:
        assert webhook.enqueue(session, sample_referral(), clock())
        assert not webhook.enqueue(session, sample_referral(), clock())  # idempotent
    with services.sessions() as session:
        return session.scalars(select(OutboxMessage.id)).one()


def row(services: Services, row_id: int) -> OutboxMessage:
    with services.sessions() as session:
        found = session.get(OutboxMessage, row_id)
        assert found is not None
        return found


# -- One attempt -----------------------------------------------------------------------------


def test_a_signed_referral_is_verified_and_received(receiver: WebhookReceiver) -> None:
    sender = sender_for(receiver.url)
    item = item_for()

    returned = sender.send(item)
    sender.close()

    [delivery] = receiver.deliveries
    assert returned == delivery.webhook_id == webhook_id(item)
    assert delivery.body == item.payload["document"]  # the exact text that was signed
    assert delivery.document == sample_referral().to_document()
    assert abs(delivery.timestamp - datetime.now(UTC).timestamp()) < 60
    assert receiver.rejected == 0


def test_a_request_signed_with_another_secret_is_rejected_by_the_receiver(
    receiver: WebhookReceiver,
) -> None:
    sender = sender_for(receiver.url, secret=OTHER_SECRET)

    with pytest.raises(PermanentFailure) as failed:
        sender.send(item_for())
    sender.close()

    assert failed.value.code == "webhook-http-401"
    assert receiver.rejected == 1
    assert receiver.deliveries == []


@pytest.mark.parametrize(
    ("answer", "outcome", "code", "retry_after"),
    [
        (Answer(503), RetryLater, "webhook-http-503", None),
        (Answer(502, (("Retry-After", "30"),)), RetryLater, "webhook-http-502", 30.0),
        (Answer(429, (("Retry-After", "120"),)), RetryLater, "webhook-http-429", 120.0),
        (
            Answer(302, (("Location", "http://127.0.0.1:9/x"),)),
            RetryLater,
            "webhook-http-302",
            None,
        ),
        (Answer(400), PermanentFailure, "webhook-http-400", None),
        (Answer(404), PermanentFailure, "webhook-http-404", None),
        (Answer(410), EndpointGone, GONE, None),
    ],
)
def test_each_status_is_a_retry_or_a_permanent_failure(
    receiver: WebhookReceiver,
    answer: Answer,
    outcome: type[Exception],
    code: str,
    retry_after: float | None,
) -> None:
    receiver.answer_next(answer)
    sender = sender_for(receiver.url)

    with pytest.raises(outcome) as failed:
        sender.send(item_for())
    sender.close()

    assert getattr(failed.value, "code", None) == code
    if isinstance(failed.value, RetryLater):
        assert failed.value.retry_after == retry_after
    assert receiver.requests == 1  # a redirect is not followed


def test_a_gone_endpoint_says_which_partner_to_disable(receiver: WebhookReceiver) -> None:
    receiver.answer_next(Answer(410))
    sender = sender_for(receiver.url)

    with pytest.raises(EndpointGone) as gone:
        sender.send(item_for())
    sender.close()

    assert isinstance(gone.value, PermanentFailure)
    assert gone.value.disable_endpoint is True
    assert gone.value.partner_id == PARTNER


def test_a_slow_endpoint_times_out_and_is_retried(receiver: WebhookReceiver) -> None:
    receiver.answer_next(Answer(204, delay=1.0))
    sender = sender_for(receiver.url, timeout=0.2)

    with pytest.raises(RetryLater) as failed:
        sender.send(item_for())
    sender.close()

    assert failed.value.code == "webhook-timeout"


def test_an_endpoint_nobody_listens_on_is_retried() -> None:
    sender = sender_for(f"http://127.0.0.1:{free_port()}/homeward")

    with pytest.raises(RetryLater) as failed:
        sender.send(item_for())
    sender.close()

    assert failed.value.code == "webhook-connection"


@pytest.mark.parametrize(
    ("intake", "code"),
    [
        (None, "webhook-not-configured"),
        (Intake(email="intake@example.org"), "webhook-not-configured"),
        (
            Intake(webhook_url="https://x.example/h", webhook_secret="whsec_"),
            "webhook-secret-invalid",
        ),
        (Intake(webhook_url="ftp://x.example/h", webhook_secret=SECRET), "webhook-url-invalid"),
    ],
)
def test_a_partner_without_a_usable_webhook_is_a_permanent_failure(
    intake: Intake | None, code: str
) -> None:
    sender = WebhookSender({PARTNER: intake}.get)

    with pytest.raises(PermanentFailure) as failed:
        sender.send(item_for())
    sender.close()

    assert failed.value.code == code


# -- SSRF ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.64.0.1",
     "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1", "224.0.0.1"],
)  # fmt: skip
def test_private_and_special_addresses_are_blocked(address: str) -> None:
    assert blocked_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:84e5"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert not blocked_address(ipaddress.ip_address(address))


def resolver_to(*addresses: str) -> webhook.Resolver:
    def resolve(host: str, port: int) -> list[webhook.IpAddress]:
        return [ipaddress.ip_address(address) for address in addresses]

    return resolve


@pytest.mark.parametrize(
    ("url", "resolved", "code"),
    [
        ("https://127.0.0.1/homeward", ("127.0.0.1",), BLOCKED),
        ("https://[::1]/homeward", ("::1",), BLOCKED),
        ("https://partner.example/homeward", ("10.0.0.5",), BLOCKED),
        ("https://partner.example/homeward", ("93.184.215.14", "169.254.169.254"), BLOCKED),
        ("http://partner.example/homeward", ("93.184.215.14",), "webhook-url-insecure"),
    ],
)
def test_a_url_leading_inward_is_refused_before_any_request(
    url: str, resolved: tuple[str, ...], code: str
) -> None:
    requests: list[httpx.Request] = []
    transport = httpx.MockTransport(
        lambda request: requests.append(request) or httpx.Response(200)
    )
    intakes = {PARTNER: Intake(webhook_url=url, webhook_secret=SECRET)}
    sender = WebhookSender(intakes.get, resolver=resolver_to(*resolved), transport=transport)

    with pytest.raises(PermanentFailure) as failed:
        sender.send(item_for())
    sender.close()

    assert failed.value.code == code
    assert requests == []


def test_a_public_url_is_called_at_the_address_that_was_checked() -> None:
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200)

    intakes = {
        PARTNER: Intake(webhook_url="https://partner.example:8443/in?x=1", webhook_secret=SECRET)
    }
    sender = WebhookSender(
        intakes.get, resolver=resolver_to("93.184.215.14"), transport=httpx.MockTransport(answer)
    )

    sender.send(item_for())
    sender.close()

    [request] = requests
    assert str(request.url) == "https://93.184.215.14:8443/in?x=1"  # no second DNS lookup
    assert request.headers["host"] == "partner.example:8443"
    assert request.extensions["sni_hostname"] == "partner.example"  # certificate checked too
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-signature"].startswith("v1,")


def test_a_name_that_does_not_resolve_is_retried() -> None:
    def unresolvable(host: str, port: int) -> list[webhook.IpAddress]:
        raise socket.gaierror(socket.EAI_NONAME, "not known")

    intakes = {PARTNER: Intake(webhook_url="https://partner.example/in", webhook_secret=SECRET)}
    sender = WebhookSender(intakes.get, resolver=unresolvable)

    with pytest.raises(RetryLater) as failed:
        sender.send(item_for())
    sender.close()

    assert failed.value.code == "webhook-dns"


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    assert retry_after_seconds("90", now) == 90.0
    assert (
        retry_after_seconds(format_datetime(now + timedelta(minutes=2), usegmt=True), now) == 120.0
    )
    assert (
        retry_after_seconds(format_datetime(now - timedelta(minutes=2), usegmt=True), now) is None
    )
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds("-5", now) is None
    assert retry_after_seconds(None, now) is None


# -- Through the outbox and the worker -------------------------------------------------------


def test_an_endpoint_that_fails_then_recovers_gets_the_same_webhook_id(
    services: Services, clock: Clock, receiver: WebhookReceiver
) -> None:
    receiver.answer_next(Answer(503), Answer(503))
    row_id = queue_referral(services, clock)
    sender = sender_for(receiver.url)
    worker = worker_for(services, clock, sender)

    assert worker.run_once() == 1
    assert row(services, row_id).status == outbox.FAILED
    assert row(services, row_id).last_error == "webhook-http-503"
    assert worker.run_once() == 0  # not due yet
    clock.advance(timedelta(seconds=5))
    assert worker.run_once() == 1
    clock.advance(timedelta(minutes=5))
    assert worker.run_once() == 1
    sender.close()

    assert [d.status for d in receiver.deliveries] == [503, 503, 204]
    assert len(receiver.webhook_ids) == 1
    sent = row(services, row_id)
    assert sent.status == outbox.SENT
    assert sent.attempts == 3
    assert sent.provider_id in {TEST_KEYRING.fingerprint(i) for i in receiver.webhook_ids}


def test_retry_after_from_the_endpoint_is_honoured(
    services: Services, clock: Clock, receiver: WebhookReceiver
) -> None:
    receiver.answer_next(Answer(429, (("Retry-After", "120"),)))
    row_id = queue_referral(services, clock)
    sender = sender_for(receiver.url)
    worker = worker_for(services, clock, sender)
    started = clock()

    worker.run_once()
    assert row(services, row_id).next_attempt_at == started + timedelta(seconds=120)
    clock.advance(timedelta(seconds=119))
    assert worker.run_once() == 0  # the first backoff step (5 s) would have tried already
    clock.advance(timedelta(seconds=1))
    assert worker.run_once() == 1
    sender.close()

    assert row(services, row_id).status == outbox.SENT
    assert len(receiver.webhook_ids) == 1


def test_a_gone_endpoint_kills_the_row_at_once(
    services: Services, clock: Clock, receiver: WebhookReceiver
) -> None:
    receiver.answer_next(Answer(410))
    row_id = queue_referral(services, clock)
    sender = sender_for(receiver.url)

    worker_for(services, clock, sender).run_once()
    sender.close()

    dead = row(services, row_id)
    assert (dead.status, dead.last_error, dead.attempts) == (outbox.DEAD, GONE, 1)


def test_a_worker_killed_mid_delivery_is_replaced_and_the_receiver_sees_one_webhook_id(
    services: Services, clock: Clock, receiver: WebhookReceiver
) -> None:
    row_id = queue_referral(services, clock)
    lease = timedelta(minutes=15)
    # The first worker claims the row and posts it, then dies before recording the outcome.
    with services.sessions.begin() as session:
        [claimed] = outbox.claim(session, clock(), 1, lease)
    doomed = sender_for(receiver.url)
    doomed.send(claimed)
    doomed.close()
    assert row(services, row_id).status == outbox.IN_FLIGHT

    sender = sender_for(receiver.url)
    replacement = worker_for(services, clock, sender)
    assert replacement.run_once() == 0  # the dead worker's lease still holds
    clock.advance(lease)
    assert replacement.run_once() == 1  # reclaimed once the lease ran out
    sender.close()

    assert len(receiver.deliveries) == 2  # delivered twice: the partner could not say "got it"
    assert len(receiver.webhook_ids) == 1  # ... but as one message it can deduplicate
    assert {json.loads(d.body)["id"] for d in receiver.deliveries} == {sample_referral().id}
    done = row(services, row_id)
    assert (done.status, done.attempts) == (outbox.SENT, 2)


@pytest.mark.parametrize(
    "value",
    # What the worker's own tests and the property test below do not already cover: a real
    # header through the real sender (the rest: infinities, negatives, dates in the past).
    ["1e20", "nan", "Fri, 31 Dec 9999 23:59:59 GMT"],
)
def test_a_partner_cannot_park_or_crash_the_worker_with_its_retry_after(
    services: Services, clock: Clock, receiver: WebhookReceiver, value: str
) -> None:
    receiver.answer_next(Answer(429, (("Retry-After", value),)), Answer(204))
    row_id = queue_referral(services, clock)
    sender = sender_for(receiver.url)
    worker = worker_for(services, clock, sender)
    started = clock()

    assert worker.run_once() == 1  # the worker lives on
    waiting = row(services, row_id)
    assert (waiting.status, waiting.last_error) == (outbox.FAILED, "webhook-http-429")
    assert started + timedelta(seconds=5) <= waiting.next_attempt_at <= started + timedelta(days=1)
    clock.now = waiting.next_attempt_at
    assert worker.run_once() == 1  # and tries again within a day at the latest
    sender.close()

    assert row(services, row_id).status == outbox.SENT
    assert len(receiver.webhook_ids) == 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120) | st.floats().map(repr) | st.datetimes().map(str))
def test_retry_after_is_none_or_a_positive_wait_of_a_day_at_most(value: str) -> None:
    seconds = retry_after_seconds(value, datetime(2026, 11, 23, tzinfo=UTC))
    assert seconds is None or 0 < seconds <= 86400


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=-3, max_value=10**6),
    st.none() | st.floats(allow_nan=True, allow_infinity=True),
)
def test_the_worker_delay_is_always_within_the_schedule(
    attempt: int, retry_after: float | None
) -> None:
    worker = Worker(None, {}, lambda: datetime.now(UTC))  # type: ignore[arg-type]
    wait = worker.delay(attempt, retry_after)
    assert timedelta(seconds=4) <= wait <= timedelta(hours=24) * 1.2

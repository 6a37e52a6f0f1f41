"""Sends referrals to partner endpoints as webhooks signed per Standard Webhooks."""

from __future__ import annotations

import binascii
import hashlib
import ipaddress
import logging
import math
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session
from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError

from bot.core.partners import Intake
from bot.core.referral import Referral
from bot.delivery.shared import enqueue_referral, referral_payload, retry_after_seconds
from bot.delivery.worker import PermanentFailure, RetryLater
from bot.storage.outbox import OutboxItem

logger = logging.getLogger(__name__)

KIND = "referral-webhook"
GONE = "webhook-410-gone"
INVALID = "webhook-url-invalid"
INSECURE = "webhook-url-insecure"
BLOCKED = "webhook-url-blocked"
# Why each refusal stops a delivery, for the operator (`homeward partners check`).
REFUSED_BECAUSE = {
    INVALID: "its URL is not an http(s) address with a host",
    INSECURE: "it is plain http, and personal data must not cross the network in clear text",
    BLOCKED: "it leads to a loopback, private or link-local address, not the public internet",
}
USER_AGENT = "Homeward-Webhooks/1"
# Statuses worth another try besides 5xx: throttled, and the server's own request timeout.
_RETRY_STATUSES = frozenset({408, 425, 429})

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[IpAddress]]


class EndpointGone(PermanentFailure):
    """The partner's endpoint answered 410 Gone: it must not be called again.

    `disable_endpoint` is always True here (callers may test for the attribute on any
    PermanentFailure); `partner_id` names whose webhook intake to disable.
    """

    def __init__(self, partner_id: str) -> None:
        super().__init__(GONE)
        self.partner_id = partner_id
        self.disable_endpoint = True


def payload(referral: Referral) -> dict[str, str]:
    """The outbox payload of a referral: its partner and the exact document text to send."""
    return referral_payload(referral)


def enqueue(session: Session, referral: Referral, now: datetime) -> bool:
    """Queue the referral for its partner's webhook, in the caller's transaction."""
    return enqueue_referral(session, KIND, referral, now)


def webhook_id(item: OutboxItem) -> str:
    """The `webhook-id` of an outbox row: the same on every try, different for every row.

    Derived from the dedupe key, which is unique per referral and partner, so the partner
    can deduplicate redeliveries, and so the worker can store it as the row's provider id.
    """
    return "msg_" + hashlib.sha256(item.dedupe_key.encode()).hexdigest()[:32]


def blocked_address(address: IpAddress) -> bool:
    """Whether a partner URL may not lead to `address`: anything but the public internet.

    Loopback, private (RFC 1918, unique local), link-local (cloud metadata at 169.254.169.254),
    carrier-grade NAT, multicast, reserved, documentation ranges and IPv4 mapped into IPv6.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return blocked_address(address.ipv4_mapped)
    return not address.is_global or address.is_multicast


def refusal(url: str, *, allow_private: bool = False) -> str | None:
    """Why a WebhookSender refuses to POST to `url` whatever DNS answers, or None.

    The failure code it would give: a malformed URL; plain http; a host written as an address
    that is not public (an IP, or localhost). Unless `allow_private` (development), as the
    sender is built. A name that resolves to such an address is refused too, but only the
    sender knows: it resolves the name before each attempt.
    """
    try:
        target = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return INVALID
    if target.scheme not in ("https", "http") or not target.host:
        return INVALID
    if allow_private:
        return None
    if target.scheme == "http":
        return INSECURE
    host = target.host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return BLOCKED  # RFC 6761: always the loopback interface
    try:
        written = ipaddress.ip_address(host)
    except ValueError:
        return None
    return BLOCKED if blocked_address(written) else None


def refused_because(url: str, *, allow_private: bool = False) -> str | None:
    """Why the sender refuses `url`, in words for the operator (see `refusal`), or None."""
    code = refusal(url, allow_private=allow_private)
    return REFUSED_BECAUSE[code] if code is not None else None


def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address `host` resolves to (raises OSError when it does not resolve)."""
    found: list[IpAddress] = []
    for _, _, _, _, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


class WebhookSender:
    """POSTs a referral document to its partner's webhook URL, signed with the partner's secret.

    A partner URL is supplied by an operator, not by us: it is resolved once per attempt, every
    address it resolves to must be public (SSRF protection), and the request goes to that very
    address, so a DNS answer that changes between the check and the connection (rebinding)
    cannot point it inward. Plain http is refused for the same audience. `allow_private` lifts
    both rules, for tests and the local demo only.
    """

    kind = KIND

    def __init__(
        self,
        intakes: Callable[[str], Intake | None],
        timeout: float = 15.0,
        *,
        allow_private: bool = False,
        resolver: Resolver = resolve,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._intakes = intakes
        self._allow_private = allow_private
        self._resolve = resolver
        # No redirects (a 3xx is a failure, per the spec), no proxy from the environment
        # (it would connect elsewhere than the address we checked).
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            transport=transport,
        )

    def close(self) -> None:
        """Close the connections kept open to partner endpoints."""
        self._client.close()

    def send(self, item: OutboxItem) -> str:
        """Deliver one referral; returns its webhook-id. Raises RetryLater/PermanentFailure."""
        partner_id = item.payload.get("partner_id")
        body = item.payload.get("document")
        if not isinstance(partner_id, str) or not isinstance(body, str):
            raise PermanentFailure("webhook-bad-payload")
        intake = self._intakes(partner_id)
        if intake is None or not intake.webhook_url or not intake.webhook_secret:
            raise PermanentFailure("webhook-not-configured")
        try:
            signer = Webhook(intake.webhook_secret)
        except (binascii.Error, ValueError, EmptyWebhookSecretError, RuntimeError):
            raise PermanentFailure("webhook-secret-invalid") from None
        request = self._request(intake.webhook_url, body)
        msg_id = webhook_id(item)
        # The attempt's own time, aware (sign() would misread a naive one); the receiver
        # refuses timestamps more than five minutes from its clock.
        sent_at = datetime.now(UTC)
        request.headers["webhook-id"] = msg_id
        request.headers["webhook-timestamp"] = str(math.floor(sent_at.timestamp()))
        request.headers["webhook-signature"] = signer.sign(msg_id, sent_at, body)
        status, retry_after = self._post(request)
        if 200 <= status < 300:
            return msg_id
        code = f"webhook-http-{status}"
        if status == 410:
            logger.warning("webhook of partner %s is gone (410): disable it", partner_id)
            raise EndpointGone(partner_id)
        if 300 <= status < 400:
            raise RetryLater(None, code)  # redirects are not followed: a misconfigured URL
        if status >= 500 or status in _RETRY_STATUSES:
            raise RetryLater(retry_after, code)
        raise PermanentFailure(code)

    def _request(self, url: str, body: str) -> httpx.Request:
        refused = refusal(url, allow_private=self._allow_private)
        if refused is not None:
            raise PermanentFailure(refused)
        target = httpx.URL(url)
        headers = {"content-type": "application/json", "user-agent": USER_AGENT}
        extensions: dict[str, Any] = {}
        if not self._allow_private:
            address = self._public_address(target)
            # Connect to the checked address; keep the name for Host, SNI and the certificate.
            headers["host"] = target.netloc.decode("ascii")
            extensions["sni_hostname"] = target.host
            target = target.copy_with(host=str(address))
        return self._client.build_request(
            "POST", target, content=body.encode(), headers=headers, extensions=extensions
        )

    def _public_address(self, target: httpx.URL) -> IpAddress:
        port = target.port or (443 if target.scheme == "https" else 80)
        try:
            addresses = self._resolve(target.host, port)
        except (OSError, UnicodeError):
            raise RetryLater(None, "webhook-dns") from None
        if not addresses:
            raise RetryLater(None, "webhook-dns")
        if any(blocked_address(address) for address in addresses):
            raise PermanentFailure(BLOCKED)
        return addresses[0]

    def _post(self, request: httpx.Request) -> tuple[int, float | None]:
        try:
            # Streamed and closed unread: a partner's answer body is never needed, and an
            # endless one must not fill our memory.
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise RetryLater(None, "webhook-timeout") from None
        except httpx.TransportError:
            raise RetryLater(None, "webhook-connection") from None
        try:
            retry_after = retry_after_seconds(
                response.headers.get("retry-after"), datetime.now(UTC)
            )
            return response.status_code, retry_after
        finally:
            response.close()

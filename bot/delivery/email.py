"""Sends referrals to partners by email over SMTP: a readable summary with referral.json."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from ipaddress import ip_address
from typing import Literal
from urllib.parse import unquote, urlsplit

from sqlalchemy.orm import Session

from bot.core.errors import ConfigError
from bot.core.i18n import Text, Translator, Translators, native_name
from bot.core.partners import Intake
from bot.core.referral import Referral, SharedAnswer, from_document
from bot.delivery.shared import enqueue_referral, referral_payload
from bot.delivery.worker import PermanentFailure, RetryLater
from bot.storage.outbox import OutboxItem

logger = logging.getLogger(__name__)

KIND = "referral-email"
SMTP_URL_VARIABLE = "HOMEWARD_SMTP_URL"
ATTACHMENT = "referral.json"
SmtpMode = Literal["starttls", "tls", "insecure"]
_SCHEMES: dict[str, tuple[SmtpMode, int]] = {
    "smtp": ("starttls", 587),
    "smtps": ("tls", 465),
    "smtp+insecure": ("insecure", 25),
}

# What a partner's intake worker reads, English source; catalogs translate it by context.
SUBJECT = Text("referral-email.subject", "Homeward referral {reference}")
SUBJECT_URGENT = Text("referral-email.subject-urgent", "URGENT: Homeward referral {reference}")
INTRO = Text("referral-email.intro", "A new referral from Homeward for {partner}.")
REFERENCE = Text("referral-email.reference", "Reference: {reference}")
URGENT = Text(
    "referral-email.urgent",
    "URGENT: the person reported danger now, a detained relative or an emergency.",
)
MADE_AT = Text("referral-email.made-at", "Made: {time}")
LANGUAGE = Text("referral-email.language", "Language: {language}")
ANSWERED_BY = {
    "self": Text("referral-email.answered-by-self", "Answered by: the deported person"),
    "family": Text("referral-email.answered-by-family", "Answered by: a family member"),
    "advocate": Text("referral-email.answered-by-advocate", "Answered by: an advocate"),
}
CONTACT = Text("referral-email.contact", "Contact: {address} ({channel})")
REASONS = Text("referral-email.reasons", "Why Homeward matched this case to you:")
TAGS = Text("referral-email.tags", "Tags: {tags}")
ANSWERS = Text("referral-email.answers", "Answers:")
SKIPPED = Text("referral-email.skipped", "(skipped or preferred not to say)")
CONSENT = Text(
    "referral-email.consent", "Consent: given {time} to consent text version {version}."
)
ATTACHED = Text(
    "referral-email.attached",
    "The full referral is attached as referral.json. Homeward is not a lawyer and has not "
    "assessed this case. Please contact the person directly; replies to this email are not read.",
)
NOTICE = Text(
    "referral-email.notice",
    "A new referral is waiting for you in Homeward. Reference: {reference}. This email "
    "carries no personal data; read the referral where your organization receives them.",
)
NONE = Text("referral-email.none", "none")


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how to submit mail, read from HOMEWARD_SMTP_URL; the password never shows."""

    mode: SmtpMode
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpServer:
    """Read `smtp://user:pass@host:587` (STARTTLS), `smtps://` (TLS) or `smtp+insecure://`.

    `smtp+insecure://` sends in clear text and is accepted for a loopback host only (tests, a
    local relay). Errors name the variable, never its value: it holds a password.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigError(f"{SMTP_URL_VARIABLE} is not a URL") from None
    if parts.scheme not in _SCHEMES:
        raise ConfigError(
            f"{SMTP_URL_VARIABLE} must start with smtp://, smtps:// or smtp+insecure://"
        )
    if not parts.hostname:
        raise ConfigError(f"{SMTP_URL_VARIABLE} names no host")
    mode, default_port = _SCHEMES[parts.scheme]
    if mode == "insecure" and not _loopback(parts.hostname):
        raise ConfigError(f"{SMTP_URL_VARIABLE}: smtp+insecure:// is only for a loopback host")
    return SmtpServer(
        mode=mode,
        host=parts.hostname,
        port=port or default_port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def payload(referral: Referral) -> dict[str, str]:
    """The outbox payload of a referral: its partner and the exact document text to attach."""
    return referral_payload(referral)


def enqueue(session: Session, referral: Referral, now: datetime) -> bool:
    """Queue the referral for its partner's intake email, in the caller's transaction."""
    return enqueue_referral(session, KIND, referral, now)


def message_id(referral: Referral, domain: str) -> str:
    """The same Message-ID on every try, so a partner's mail system can drop a duplicate.

    email.utils.make_msgid adds the time and a random number, so it is built here instead:
    the referral id, and a tag of the partner (a referral passed on to another partner is
    another message). Kept short so the header is not folded with the usual domains.
    """
    partner = hashlib.sha256(referral.partner_id.encode()).hexdigest()[:8]
    return f"<{referral.id}.{partner}@{domain}>"


def summary(referral: Referral, translator: Translator) -> str:
    """The plain-text summary an intake worker reads, in the translator's language."""
    t = translator.text
    lines = [
        t(INTRO, partner=referral.partner_name),
        "",
        t(REFERENCE, reference=referral.reference),
    ]
    if referral.urgent:
        lines.append(t(URGENT))
    lines += [
        t(MADE_AT, time=_when(referral.created_at)),
        t(LANGUAGE, language=f"{native_name(referral.language)} ({referral.language})"),
        t(ANSWERED_BY[referral.answered_by]),
        t(CONTACT, address=referral.contact.id, channel=referral.contact.channel),
        "",
    ]
    if referral.match_reasons:
        lines += [t(REASONS), *(f"- {reason}" for reason in referral.match_reasons), ""]
    lines.append(t(TAGS, tags=", ".join(sorted(referral.tags)) or t(NONE)))
    lines.append(t(ANSWERS))
    for answer in referral.answers:
        lines += _answer_lines(answer, translator)
    if not referral.answers:
        lines.append(f"- {t(NONE)}")
    lines += [
        "",
        t(CONSENT, time=_when(referral.consent.given_at), version=referral.consent.text_version),
        "",
        t(ATTACHED),
    ]
    return "\n".join(lines) + "\n"


def _answer_lines(answer: SharedAnswer, translator: Translator) -> list[str]:
    """One answer as two or more lines: the question in English, then the answer in words.

    The answer is in English, followed by the words the person saw in their language when
    they differ ("Yes (Sí)"), so an intake worker can read it back to them.
    """
    question = answer.question.splitlines() or [answer.id]
    lines = [f"- {question[0]}", *(f"  {line}" for line in question[1:])]
    if answer.skipped:
        lines.append(f"  {translator.text(SKIPPED)}")
    elif answer.label_local != answer.label:
        lines.append(f"  {answer.label} ({answer.label_local})")
    else:
        lines.append(f"  {answer.label}")
    return lines


def build_message(
    referral: Referral,
    document: str,
    intake: Intake,
    sender_address: str,
    translator: Translator,
    sent_at: datetime,
) -> EmailMessage:
    """The email for `intake`: the summary with `document` attached, or the bare notice.

    With `intake.notice_only` the message carries the reference code and nothing personal:
    no urgency, no name of a place, no attachment.
    """
    if not intake.email:
        raise ValueError("intake has no email address")
    message = EmailMessage()
    subject = SUBJECT_URGENT if referral.urgent and not intake.notice_only else SUBJECT
    message["Subject"] = translator.text(subject, reference=referral.reference)
    message["From"] = sender_address
    message["To"] = intake.email
    message["Date"] = format_datetime(sent_at.astimezone(UTC))
    message["Message-ID"] = message_id(referral, _domain(sender_address))
    # RFC 3834: vacation responders and the like must not answer.
    message["Auto-Submitted"] = "auto-generated"
    if intake.notice_only:
        message.set_content(translator.text(NOTICE, reference=referral.reference) + "\n")
        return message
    message.set_content(summary(referral, translator))
    message.add_attachment(
        document.encode(), maintype="application", subtype="json", filename=ATTACHMENT
    )
    return message


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip(" >") or "homeward.invalid"


class EmailSender:
    """Emails a referral to its partner's intake address through one SMTP server."""

    kind = KIND

    def __init__(
        self,
        smtp_url: str,
        sender_address: str,
        intakes: Callable[[str], Intake | None],
        timeout: float = 20.0,
        *,
        translators: Translators | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._server = parse_smtp_url(smtp_url)
        _, parsed = parseaddr(sender_address)
        if "@" not in parsed or parsed != sender_address.strip():
            raise ConfigError("the email sender address must be a bare address (name@domain)")
        self._sender = parsed
        self._intakes = intakes
        self._timeout = timeout
        self._translators = translators or Translators()
        # Certificates are verified against the system's CAs unless a context is given.
        self._ssl = ssl_context or ssl.create_default_context()

    def send(self, item: OutboxItem) -> None:
        """Send one referral email. Raises RetryLater or PermanentFailure.

        Returns no provider id: the worker keeps 64 characters of one and needs them unique,
        and the Message-ID is derived from the referral anyway.
        """
        referral, intake, message = _message_for(
            item, self._intakes, self._sender, self._translators
        )
        assert intake.email is not None  # _message_for checked it
        self._submit(message, intake.email)
        logger.info("referral %s emailed to partner %s", referral.id, referral.partner_id)

    def send_notice(self, message: EmailMessage, recipient: str) -> None:
        """Submit a ready email (a deletion notice). Raises RetryLater or PermanentFailure."""
        self._submit(message, recipient)

    def _submit(self, message: EmailMessage, recipient: str) -> None:
        try:
            smtp = self._connect()
        except smtplib.SMTPResponseException as exc:  # a 4xx/5xx greeting or STARTTLS reply
            raise _failure(exc.smtp_code, "smtp") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _connection_failure(exc) from None
        try:
            smtp.send_message(message, from_addr=self._sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            # Greylisting answers 450/451 at RCPT: worth another try. A 5xx never is.
            code = max((code for code, _ in exc.recipients.values()), default=550)
            raise _failure(code, "smtp-rcpt") from None
        except smtplib.SMTPResponseException as exc:
            raise _failure(exc.smtp_code, "smtp") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _connection_failure(exc) from None
        finally:
            # The message is accepted (or not) by now: a failed goodbye changes nothing.
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()

    def _connect(self) -> smtplib.SMTP:
        server = self._server
        smtp: smtplib.SMTP
        if server.mode == "tls":
            smtp = smtplib.SMTP_SSL(
                server.host, server.port, timeout=self._timeout, context=self._ssl
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=self._timeout)
        try:
            smtp.ehlo()
            if server.mode == "starttls":
                # Required: never fall back to clear text when the server does not offer it.
                if not smtp.has_extn("starttls"):
                    raise RetryLater(None, "smtp-no-starttls")
                smtp.starttls(context=self._ssl)
                smtp.ehlo()
            if server.username is not None:
                smtp.login(server.username, server.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


class DevelopmentInbox:
    """Stands in for SMTP on a development machine with no HOMEWARD_SMTP_URL.

    Each referral email is built exactly as EmailSender builds it (so a broken intake fails
    the same way), then kept instead of mailed: the referral is read at /dev/referrals. The
    demo clinic of `make run` has an email intake on .invalid; without this, its referrals
    would wait in the outbox forever with "no sender configured". Never used in production.
    """

    kind = KIND

    def __init__(
        self,
        sender_address: str,
        intakes: Callable[[str], Intake | None],
        *,
        translators: Translators | None = None,
    ) -> None:
        self._sender = sender_address
        self._intakes = intakes
        self._translators = translators or Translators()

    def send(self, item: OutboxItem) -> None:
        """Build the email and keep it; raises PermanentFailure as EmailSender would."""
        referral, _, _ = _message_for(item, self._intakes, self._sender, self._translators)
        logger.info(
            "referral %s for partner %s kept in the development inbox (no %s): "
            "read it at /dev/referrals",
            referral.id,
            referral.partner_id,
            SMTP_URL_VARIABLE,
        )

    def send_notice(self, message: EmailMessage, recipient: str) -> None:
        """Keep a ready email (a deletion notice) instead of mailing it."""
        logger.info("a notice kept in the development inbox (no %s)", SMTP_URL_VARIABLE)


def _message_for(
    item: OutboxItem,
    intakes: Callable[[str], Intake | None],
    sender_address: str,
    translators: Translators,
) -> tuple[Referral, Intake, EmailMessage]:
    """The referral of an outbox row, its partner's intake and the email for it."""
    partner_id = item.payload.get("partner_id")
    document = item.payload.get("document")
    if not isinstance(partner_id, str) or not isinstance(document, str):
        raise PermanentFailure("email-bad-payload")
    intake = intakes(partner_id)
    if intake is None or not intake.email:
        raise PermanentFailure("email-not-configured")
    try:
        referral = from_document(json.loads(document))
    except ValueError:  # json.JSONDecodeError is a ValueError
        raise PermanentFailure("email-bad-payload") from None
    translator = translators.get(intake.language)
    try:
        message = build_message(
            referral, document, intake, sender_address, translator, datetime.now(UTC)
        )
    except ValueError:  # a malformed intake address (header injection is refused too)
        raise PermanentFailure("email-bad-recipient") from None
    return referral, intake, message


def _failure(code: int, prefix: str) -> RetryLater | PermanentFailure:
    if code in (530, 534, 535):
        # Our credentials, not the message: keep it while the operator fixes the setting.
        return RetryLater(None, f"{prefix}-auth-{code}")
    if 400 <= code < 500:
        return RetryLater(None, f"{prefix}-{code}")
    return PermanentFailure(f"{prefix}-{code}")


def _connection_failure(exc: BaseException) -> RetryLater:
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return RetryLater(None, "smtp-not-supported")  # e.g. AUTH not offered
    if isinstance(exc, ssl.SSLError):
        return RetryLater(None, "smtp-tls")
    if isinstance(exc, TimeoutError):
        return RetryLater(None, "smtp-timeout")
    return RetryLater(None, "smtp-connection")

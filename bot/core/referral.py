"""The referral a partner receives: a frozen value and its versioned JSON document."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal, get_args

from bot.core.actions import reference_code
from bot.core.messages import Address
from bot.core.state import Answer

# The document says which schema it follows. Additive changes (a new optional field) keep v1,
# and partners must ignore fields they do not know; anything else is a new version (v2) that
# is announced to partners and sent side by side for a while. docs/referral.schema.json.
SCHEMA_VERSION = "1"
SCHEMA_URI = "https://homeward.example/referral/v1"

AnsweredBy = Literal["self", "family", "advocate"]
ANSWERED_BY: tuple[str, ...] = get_args(AnsweredBy)

# Referral ids are 32 lowercase hex digits (a uuid4 hex or the engine's digest).
_ID = re.compile(r"[0-9a-f]{32}")
# Names a machine reads: question ids, tags, channels, consent text versions, partner ids.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}")
_LANGUAGE = re.compile(r"[a-z]{2,3}([_-][A-Za-z0-9]{2,8})*")


@dataclass(frozen=True, slots=True)
class Consent:
    """What the person agreed to: the version of the consent text shown, and when."""

    text_version: str
    given_at: datetime


@dataclass(frozen=True, slots=True)
class Referral:
    """One case sent to one partner: only what the partner needs to reach and help the person.

    `contact` is how the partner reaches the person (channel and address on it). `answers`
    are the screening answers the caller chose to share (question id -> value, None when
    skipped); nothing else of the conversation travels. `reference` is the short code the
    person was given, derived from `id`. The repr shows the id only: the rest is personal.
    """

    id: str
    created_at: datetime
    language: str
    contact: Address
    answered_by: AnsweredBy
    answers: Mapping[str, Answer]
    tags: frozenset[str]
    urgent: bool
    consent: Consent
    partner_id: str
    partner_name: str
    match_reasons: tuple[str, ...] = ()
    schema_version: str = field(default=SCHEMA_VERSION, init=False)

    def __post_init__(self) -> None:
        # Messages name the field, never its value: values are personal data.
        if not _ID.fullmatch(self.id):
            raise ValueError("referral id must be 32 lowercase hex digits")
        for name, moment in (("created_at", self.created_at), ("consent", self.consent.given_at)):
            if moment.tzinfo is None:
                raise ValueError(f"referral {name} time must be timezone-aware")
        if not _LANGUAGE.fullmatch(self.language):
            raise ValueError("referral language must be a locale code")
        if not _NAME.fullmatch(self.contact.channel) or not self.contact.id:
            raise ValueError("referral contact needs a channel and an address")
        if self.answered_by not in ANSWERED_BY:
            raise ValueError("referral answered_by must be self, family or advocate")
        for key, value in self.answers.items():
            if not _NAME.fullmatch(key):
                raise ValueError("referral answer keys must be question ids")
            if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
                raise ValueError("referral answers must be text, whole numbers or None")
        if not all(_NAME.fullmatch(tag) for tag in self.tags):
            raise ValueError("referral tags must be tag names")
        if not _NAME.fullmatch(self.consent.text_version):
            raise ValueError("referral consent needs a text version")
        if not _NAME.fullmatch(self.partner_id) or not self.partner_name:
            raise ValueError("referral needs a partner id and name")
        if not all(isinstance(reason, str) and reason for reason in self.match_reasons):
            raise ValueError("referral match reasons must be non-empty texts")
        # Frozen all the way down, like State.
        object.__setattr__(self, "answers", MappingProxyType(dict(self.answers)))
        object.__setattr__(self, "tags", frozenset(self.tags))
        object.__setattr__(self, "match_reasons", tuple(self.match_reasons))

    def __repr__(self) -> str:
        return f"Referral(id={self.id!r}, partner_id={self.partner_id!r})"

    @property
    def reference(self) -> str:
        """The short code the person and the partner quote ("HW-7K3P9Q")."""
        return reference_code(self.id)

    def to_document(self) -> dict[str, Any]:
        """The versioned JSON document (docs/referral.schema.json), as plain JSON values."""
        return {
            "schema": SCHEMA_URI,
            "id": self.id,
            "reference": self.reference,
            "created_at": _timestamp(self.created_at),
            "language": self.language,
            "contact": {"channel": self.contact.channel, "address": self.contact.id},
            "answered_by": self.answered_by,
            "answers": dict(sorted(self.answers.items())),
            "tags": sorted(self.tags),
            "urgent": self.urgent,
            "consent": {
                "text_version": self.consent.text_version,
                "given_at": _timestamp(self.consent.given_at),
            },
            "partner": {"id": self.partner_id, "name": self.partner_name},
            "match_reasons": list(self.match_reasons),
        }


def document_json(referral: Referral) -> str:
    """The exact text sent as the webhook body and the email attachment (sign these bytes).

    Sorted keys and no padding, so the same referral always serializes the same way; non-ASCII
    stays as is (the body is UTF-8).
    """
    return json.dumps(
        referral.to_document(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def from_document(document: Mapping[str, Any]) -> Referral:
    """Read a document written by `to_document`; raises ValueError when it cannot be trusted."""
    if document.get("schema") != SCHEMA_URI:
        raise ValueError("referral document has an unknown schema")
    contact = _object(document, "contact")
    consent = _object(document, "consent")
    partner = _object(document, "partner")
    referral = Referral(
        id=_text(document, "id"),
        created_at=_time(_text(document, "created_at")),
        language=_text(document, "language"),
        contact=Address(_text(contact, "channel"), _text(contact, "address")),
        answered_by=_text(document, "answered_by"),  # type: ignore[arg-type]  # checked
        answers=_object(document, "answers"),
        tags=frozenset(_texts(document, "tags")),
        urgent=_flag(document, "urgent"),
        consent=Consent(_text(consent, "text_version"), _time(_text(consent, "given_at"))),
        partner_id=_text(partner, "id"),
        partner_name=_text(partner, "name"),
        match_reasons=tuple(_texts(document, "match_reasons")),
    )
    if document.get("reference") != referral.reference:
        raise ValueError("referral document reference does not match its id")
    return referral


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("referral document has a malformed time") from None
    if moment.tzinfo is None:
        raise ValueError("referral document times must carry a zone")
    return moment.astimezone(UTC)


def _object(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise ValueError(f"referral document field {key} must be an object")
    return value


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ValueError(f"referral document field {key} must be text")
    return value


def _texts(data: Mapping[str, Any], key: str) -> Sequence[str]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"referral document field {key} must be a list of texts")
    return value


def _flag(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise ValueError(f"referral document field {key} must be true or false")
    return value

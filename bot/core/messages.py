"""Values that cross between channels and the engine: addresses, inbound and outbound messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Address:
    """Who a message comes from or goes to, on one channel ("sms", "telegram", "console", ...)."""

    channel: str
    id: str

    def __str__(self) -> str:
        # Deliberately opaque: an address must never end up in a log line by accident.
        return f"Address({self.channel}, <redacted>)"

    __repr__ = __str__


@dataclass(frozen=True, slots=True)
class Button:
    """A press on a choice button: which question it belonged to, and which choice."""

    question: str
    key: str


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message a person sent, already parsed by its channel.

    `received_at` is the engine's only clock. `provider_id` is the channel's own message id
    (Twilio's MessageSid, Telegram's update_id) and is what deduplication keys on.
    `locale_hint` is what the channel knows of the person's language, if anything.
    `button` is set when the person pressed a choice button instead of typing. `keyword` is
    set when the provider already recognised a command (Twilio's OptOutType: "stop", "start",
    "help"), whatever word the person used. `truncated` is set when the channel cut a text
    longer than it accepts: the engine tells the person it read only the beginning.
    """

    address: Address
    text: str
    received_at: datetime
    provider_id: str | None = None
    locale_hint: str | None = None
    button: Button | None = None
    keyword: str | None = None
    truncated: bool = False

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None:
            raise ValueError("Inbound.received_at must be timezone-aware")

    def __repr__(self) -> str:
        return f"Inbound({self.address}, {len(self.text)} chars, {self.received_at.isoformat()})"


@dataclass(frozen=True, slots=True)
class Choice:
    """One option offered to the person: `key` is the same in every language, `label` is not."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to the person, already translated. Channels decide how to show `choices`.

    `question` names what the choices answer (a node id, or "language"/"resume" for the
    engine's own prompts), so a channel with buttons can tell a press on an old one.
    `after_stop` marks the one confirmation of STOP, which goes out although the person
    has just opted out.
    """

    text: str
    choices: tuple[Choice, ...] = field(default=())
    question: str | None = None
    after_stop: bool = False

    def as_plain_text(self) -> str:
        """The message with its choices as numbered lines, for channels without buttons (SMS)."""
        lines = [self.text] if self.text else []
        lines += [f"{number}. {choice.label}" for number, choice in enumerate(self.choices, 1)]
        return "\n".join(lines)

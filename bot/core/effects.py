"""What a turn asks the outside world to do; the caller persists these in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.state import Answer


@dataclass(frozen=True, slots=True)
class OptedOut:
    """The person sent STOP: nothing more may be sent to them until they opt back in."""


@dataclass(frozen=True, slots=True)
class OptedIn:
    """The person sent START after STOP."""


@dataclass(frozen=True, slots=True)
class DeletionRequested:
    """The person asked to erase their data (DELETE and its equivalents)."""


@dataclass(frozen=True, slots=True)
class LanguageChanged:
    """The conversation now speaks `locale`."""

    locale: str


@dataclass(frozen=True, slots=True)
class ConversationEnded:
    """The flow reached its end (an `end` action or a node with no `next`)."""

    flow_id: str


@dataclass(frozen=True, slots=True)
class FlowHalted:
    """The engine stopped a turn that ran away (`reason` is a code, never personal text)."""

    flow_id: str
    node_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReferralRequested:
    """The person consented: send referral `referral_id` to partner `partner_id`."""

    referral_id: str
    reference: str
    partner_id: str
    flow_id: str
    # Answers that travel in the referral alone and are not kept in the conversation (an
    # optional first name for the partner to use).
    private: Mapping[str, Answer] = field(default_factory=dict)


Effect = (
    ReferralRequested
    | OptedOut
    | OptedIn
    | DeletionRequested
    | LanguageChanged
    | ConversationEnded
    | FlowHalted
)

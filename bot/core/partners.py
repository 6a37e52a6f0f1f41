"""The coalition's organizations as values: what each does, where, in which languages, intake."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# The kinds of service an organization offers. Only "legal" receives legal referrals:
# advocacy groups, faith groups and professional associations never do.
SERVICES = frozenset({"legal", "advocacy", "faith", "professional", "research", "organizing"})


@dataclass(frozen=True, slots=True)
class Intake:
    """How a partner receives referrals; secrets never appear in `repr`.

    `notice_only`: the email carries no personal data, only a notice to fetch the referral.
    """

    email: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    notice_only: bool = False
    language: str = "en"

    @property
    def reachable(self) -> bool:
        """Whether there is any way to deliver to this intake."""
        return bool(self.email or (self.webhook_url and self.webhook_secret))


@dataclass(frozen=True, slots=True)
class Partner:
    """One organization of the coalition directory.

    `states` are USPS codes (empty with `national` for the whole country); `countries` are
    ISO codes of where the people they help live now (empty: anywhere). `specialties` are
    routing tags (bot/core/tags.py) the organization is known for. `verified` is False when
    the attributes were inferred from public descriptions and nobody at the organization
    confirmed them.
    """

    id: str
    name: str
    services: frozenset[str]
    specialties: frozenset[str] = frozenset()
    states: frozenset[str] = frozenset()
    national: bool = False
    countries: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset({"en"})
    takes_deported: bool = False
    weekly_capacity: int = 0
    intake: Intake | None = None
    verified: bool = False
    general_intake: bool = False

    @property
    def legal(self) -> bool:
        """Offers legal services (the only kind that may receive a legal referral)."""
        return "legal" in self.services

    @property
    def can_receive(self) -> bool:
        """Legal, with a reachable intake and some capacity: may be sent referrals at all."""
        return (
            self.legal
            and self.intake is not None
            and self.intake.reachable
            and self.weekly_capacity > 0
        )


@dataclass(frozen=True, slots=True)
class Case:
    """What matching reads of a finished screening: never names, numbers or free text."""

    tags: frozenset[str]
    language: str
    state: str | None = None  # USPS code where the person lived
    country: str | None = None  # ISO code of where they are now
    urgent: bool = False
    key: str = ""  # opaque and different for each case: spreads ties fairly among equals
    court_state: str | None = None  # USPS code of the immigration court (reopening: its circuit)
    conviction_state: str | None = None  # USPS code of the conviction (post-conviction relief)
    abroad: bool = True  # outside the U.S. now (False: a relative detained in the U.S.)

    def to_dict(self) -> dict[str, object]:
        """The case as JSON-ready values, to match it again later (failover)."""
        return {
            "tags": sorted(self.tags),
            "language": self.language,
            "state": self.state,
            "country": self.country,
            "urgent": self.urgent,
            "key": self.key,
            "court_state": self.court_state,
            "conviction_state": self.conviction_state,
            "abroad": self.abroad,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Case:
        """The case `to_dict` wrote; raises ValueError when `data` is not one."""
        tags = data.get("tags")
        language = data.get("language")
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ValueError("case tags must be a list of strings")
        if not isinstance(language, str):
            raise ValueError("case language must be a string")
        return cls(
            tags=frozenset(tags),
            language=language,
            state=_text_or_none(data, "state"),
            country=_text_or_none(data, "country"),
            urgent=data.get("urgent") is True,
            key=_text_or_none(data, "key") or "",
            court_state=_text_or_none(data, "court_state"),
            conviction_state=_text_or_none(data, "conviction_state"),
            abroad=data.get("abroad") is not False,
        )


def _text_or_none(data: Mapping[str, object], name: str) -> str | None:
    value = data.get(name)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"case {name} must be a string")


@dataclass(frozen=True, slots=True)
class Match:
    """A partner for a case, with the reasons in words a person can read."""

    partner: Partner
    score: int
    reasons: tuple[str, ...]

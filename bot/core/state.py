"""A person's conversation state: what the engine reads and returns, and its JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal

# An answer is a choice id, "yes"/"no", free text, a number, an ISO code, or None when skipped.
Answer = str | int | None
Pending = Literal["language", "resume", "delete"]
Status = Literal["new", "active", "done"]

STATE_VERSION = 2
_PENDING = ("language", "resume", "delete")
_STATUS = ("new", "active", "done")


@dataclass(frozen=True, slots=True)
class State:
    """Everything the engine needs to continue a conversation; persisted per contact.

    `referral` holds the matched partner (`partner_id`, `partner`, `reasons`) once the flow
    ran `match`, and the referral's `referral_id` and `reference` once it ran `refer`.
    `history` lists each answer given, in order, as (question, answer). BACK drops the last
    one, and `answers` is always what `history` says: the latest answer to each question in
    it, so going back through a loop restores the earlier answer. `pending` is an engine
    prompt that interrupts the flow (the language menu, "continue or start over", or
    "delete everything?").
    `returning` is the question to come back to after the person changes one answer from
    a summary: until it is reached, questions already answered are passed over.
    """

    flow_id: str | None = None
    node_id: str | None = None
    locale: str = "en"
    answers: Mapping[str, Answer] = field(default_factory=dict)
    history: tuple[tuple[str, Answer], ...] = ()
    invalid_count: int = 0
    pending: Pending | None = None
    opted_out: bool = False
    status: Status = "new"
    updated_at: datetime | None = None
    referral: Mapping[str, str] = field(default_factory=dict)
    started_at: datetime | None = None
    returning: str | None = None

    def __post_init__(self) -> None:
        # Frozen all the way down: nobody can change the answers of a state they were given.
        object.__setattr__(self, "answers", MappingProxyType(dict(self.answers)))
        object.__setattr__(self, "referral", MappingProxyType(dict(self.referral)))

    def evolve(self, **changes: Any) -> State:
        """A copy with `changes` applied (answers are copied, never shared)."""
        for name in ("answers", "referral"):
            if name in changes:
                changes[name] = dict(changes[name])
        return replace(self, **changes)

    def with_answer(self, node_id: str, value: Answer) -> State:
        """The state after `node_id` was answered with `value`."""
        return self.evolve(
            answers={**self.answers, node_id: value},
            history=(*self.history, (node_id, value)),
            invalid_count=0,
        )

    def without_answers(self, node_ids: frozenset[str]) -> State:
        """The state with every answer to `node_ids` forgotten, as if never asked."""
        history = tuple(item for item in self.history if item[0] not in node_ids)
        return self.evolve(answers=dict(history), history=history)

    def without_last_answer(self) -> State:
        """The state before the last answer was given (BACK)."""
        history = self.history[:-1]
        return self.evolve(answers=dict(history), history=history, invalid_count=0)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form; `from_dict` reads it back."""
        return {
            "v": STATE_VERSION,
            "flow_id": self.flow_id,
            "node_id": self.node_id,
            "locale": self.locale,
            "history": [[node_id, value] for node_id, value in self.history],
            "invalid_count": self.invalid_count,
            "pending": self.pending,
            "opted_out": self.opted_out,
            "status": self.status,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "referral": dict(self.referral),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "returning": self.returning,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> State:
        """Read a state written by `to_dict`; raises ValueError when it cannot be trusted."""
        history = tuple(_history_item(item) for item in _typed(data, "history", list, []))
        return cls(
            flow_id=_typed(data, "flow_id", str, None),
            node_id=_typed(data, "node_id", str, None),
            locale=_typed(data, "locale", str, "en"),
            answers=dict(history),
            history=history,
            invalid_count=_typed(data, "invalid_count", int, 0),
            pending=_choice(data, "pending", _PENDING, None),
            opted_out=_typed(data, "opted_out", bool, False),
            status=_choice(data, "status", _STATUS, "new"),
            updated_at=_time(data.get("updated_at")),
            referral=_referral(data.get("referral")),
            started_at=_time(data.get("started_at")),
            returning=_typed(data, "returning", str, None),
        )


def _typed(data: Mapping[str, Any], key: str, kind: type, default: Any) -> Any:
    value = data.get(key, default)
    if value is None or value is default:
        return default
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"state field {key} has the wrong type")
    return value


def _choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: Any) -> Any:
    value = data.get(key, default)
    if value is not None and value not in allowed:
        raise ValueError(f"state field {key} has an unknown value")
    return value


def _history_item(item: Any) -> tuple[str, Answer]:
    if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
        raise ValueError("state history item is malformed")
    value = item[1]
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
        raise ValueError("state history answer has the wrong type")
    return item[0], value


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("state field updated_at has the wrong type")
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _referral(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError("state field referral has the wrong type")
    return dict(value)

"""A person's conversation state: what the engine reads and returns, and its JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

# An answer is a choice id, "yes"/"no", free text, a number, an ISO code, or None when skipped.
Answer = str | int | None
Pending = Literal["language", "resume"]
Status = Literal["new", "active", "done"]

STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class State:
    """Everything the engine needs to continue a conversation; persisted per contact.

    `history` lists the questions answered, in order: BACK pops it, and the answers always
    belong to exactly the questions in it. `pending` is an engine prompt that interrupts the
    flow (the language menu, or "continue or start over" after expiry).
    """

    flow_id: str | None = None
    node_id: str | None = None
    locale: str = "en"
    answers: Mapping[str, Answer] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    invalid_count: int = 0
    pending: Pending | None = None
    opted_out: bool = False
    status: Status = "new"
    updated_at: datetime | None = None

    def evolve(self, **changes: Any) -> State:
        """A copy with `changes` applied (answers are copied, never shared)."""
        if "answers" in changes:
            changes["answers"] = dict(changes["answers"])
        return replace(self, **changes)

    def with_answer(self, node_id: str, value: Answer) -> State:
        """The state after `node_id` was answered with `value`."""
        return self.evolve(
            answers={**self.answers, node_id: value},
            history=(*self.history, node_id),
            invalid_count=0,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form; `from_dict` reads it back."""
        return {
            "v": STATE_VERSION,
            "flow_id": self.flow_id,
            "node_id": self.node_id,
            "locale": self.locale,
            "answers": dict(self.answers),
            "history": list(self.history),
            "invalid_count": self.invalid_count,
            "pending": self.pending,
            "opted_out": self.opted_out,
            "status": self.status,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> State:
        """Read a state written by `to_dict` (any version up to `STATE_VERSION`)."""
        updated = data.get("updated_at")
        return cls(
            flow_id=data.get("flow_id"),
            node_id=data.get("node_id"),
            locale=data.get("locale") or "en",
            answers=dict(data.get("answers") or {}),
            history=tuple(data.get("history") or ()),
            invalid_count=int(data.get("invalid_count") or 0),
            pending=data.get("pending"),
            opted_out=bool(data.get("opted_out")),
            status=data.get("status") or "new",
            updated_at=datetime.fromisoformat(updated) if updated else None,
        )

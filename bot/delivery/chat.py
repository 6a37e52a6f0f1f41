"""Chat messages through the outbox: each reply part is one row, sent in order, never twice."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.core.messages import Address, Choice, Outbound
from bot.storage import outbox

# The longest text one provider call may carry. Telegram refuses more than 4096 characters;
# Twilio concatenates at most 1600 characters into one SMS or WhatsApp message.
SMS = "sms"
MAX_LENGTH = {"telegram": 4096, SMS: 1600, "whatsapp": 1600}
DEFAULT_MAX_LENGTH = 1600
# Dedupe-key prefix of the replies to someone who deleted their data: erased once sent.
FAREWELL = "farewell:"


def split_text(text: str, limit: int) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at a paragraph, line or space."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        # The best break (paragraph, then line, then word) that keeps parts from getting tiny.
        breaks = (window.rfind(mark) for mark in ("\n\n", "\n", " "))
        cut = next((at for at in breaks if at > limit // 3), limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return parts


def payloads(address: Address, replies: Sequence[Outbound]) -> list[dict[str, Any]]:
    """One outbox payload per part; a reply's choices travel with its last part."""
    limit = MAX_LENGTH.get(address.channel, DEFAULT_MAX_LENGTH)
    found: list[dict[str, Any]] = []
    for reply in replies:
        parts = split_text(reply.text, limit)
        for number, part in enumerate(parts, 1):
            last = number == len(parts)
            found.append(
                {
                    "address": address.id,
                    "text": part,
                    "choices": [[c.key, c.label] for c in reply.choices] if last else [],
                    "question": reply.question if last else None,
                    **({"after_stop": True} if reply.after_stop else {}),
                }
            )
    return found


def enqueue_replies(
    session: Session,
    contact_id: int,
    address: Address,
    replies: Sequence[Outbound],
    turn_key: str,
    now: datetime,
) -> int:
    """Queue the replies of one turn for the worker, in order; returns how many parts.

    `turn_key` names the turn (a random id: a provider's id could name the person); queuing
    the same turn again changes nothing.
    """
    parts = payloads(address, replies)
    for number, payload in enumerate(parts):
        outbox.enqueue(
            session,
            kind=address.channel,
            dedupe_key=f"reply:{address.channel}:{turn_key}:{number}",
            payload=payload,
            now=now,
            contact_id=contact_id,
            sequence_key=f"chat:{contact_id}",
        )
    return len(parts)


def enqueue_farewell(
    session: Session, address: Address, replies: Sequence[Outbound], now: datetime
) -> int:
    """Queue the last replies to someone whose data was just erased (DELETE's confirmation).

    The rows belong to no contact (there is none any more), and the worker erases each one
    once it is sent (`FAREWELL` keys), so the address does not outlive the message.
    """
    turn = uuid.uuid4().hex
    parts = payloads(address, replies)
    for number, payload in enumerate(parts):
        outbox.enqueue(
            session,
            kind=address.channel,
            dedupe_key=f"{FAREWELL}{turn}:{number}",
            payload=payload,
            now=now,
            sequence_key=f"{FAREWELL}{turn}",
        )
    return len(parts)


def outbound_of(payload: dict[str, Any]) -> Outbound:
    """The reply part an outbox payload carries (for senders)."""
    choices = tuple(Choice(str(key), str(label)) for key, label in payload.get("choices", []))
    return Outbound(str(payload["text"]), choices, payload.get("question"))


REMINDER_AFTER = timedelta(hours=23)  # inside WhatsApp's 24-hour window, so free text is allowed


def reminder_key(contact_id: int, started_at: datetime) -> str:
    """One reminder per conversation run: the key names the contact and when the run began."""
    return f"reminder:{contact_id}:{started_at.isoformat()}"


def remind_later(
    session: Session,
    contact_id: int,
    address: Address,
    started_at: datetime,
    text: str,
    now: datetime,
) -> None:
    """Schedule (or push back) the one reminder of this run, due 23 hours after `now`.

    Once that reminder was sent, it is never scheduled again for the same run.
    """
    key = reminder_key(contact_id, started_at)
    due = now + REMINDER_AFTER
    if not outbox.postpone(session, key, due):
        payload: dict[str, Any] = {
            "address": address.id,
            "text": text,
            "choices": [],
            "question": None,
        }
        # Not in the person's reply sequence: a reminder due tomorrow must not hold replies.
        outbox.enqueue(session, address.channel, key, payload, now, contact_id, due=due)


def forget_reminder(session: Session, contact_id: int, started_at: datetime) -> None:
    """The run ended, or the person sent STOP: the reminder must not go out."""
    outbox.cancel(session, reminder_key(contact_id, started_at))

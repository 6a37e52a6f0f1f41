"""What a flow costs over SMS in each language: every message's encoding and segments, and
those of a typical complete conversation, with the accents GSM-7 lacks kept or folded away."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.core.actions import Matcher
from bot.core.engine import Engine, node_message
from bot.core.flow import Flow
from bot.core.i18n import Translators
from bot.core.language_guess import guess_locale
from bot.core.languages import LEXICONS
from bot.core.messages import Address, Inbound, Outbound
from bot.core.partners import Case, Match, Partner
from bot.core.sms import Encoding, fold_accents, segments
from bot.core.state import State

# A typical complete screening: a family member writes for someone deported to Mexico who
# lived in California, says yes to the summary and to sharing. Answers (by question) are
# numbers and place names every locale reads, so the same conversation is priced in each
# language; the first message is the locale's own greeting, which picks the language at once.
TYPICAL_SCREENING: Mapping[str, str] = {
    "consent": "1",  # yes
    "who": "2",  # a family member
    "urgent_now": "3",  # neither danger nor detention
    "country": "Mexico",
    "year_removed": "2015",
    "times_removed": "1",  # once
    "removal_kind": "1",  # a judge, at a hearing
    "lawyer": "2",
    "pending": "2",
    "state_lived": "California",
    "court_state": "California",
    "years_in_us": "15",
    "age_at_arrival": "8",
    "prior_status": "6",  # none
    "citizen_parent": "2",
    "military": "2",
    "conviction": "2",
    "us_family": "1",  # a U.S. citizen or resident spouse, child or parent
    "petition": "2",
    "harmed": "4",  # neither
    "fear": "2",
    "contact_how": "1",  # in this chat
    "summary": "1",  # that is right
    "first_name": "skip",
    "share": "1",  # yes, send it
}
# A reply the script cannot answer twice in a row ends the conversation (a flow changed).
_MOST_TURNS = 100


@dataclass(frozen=True, slots=True)
class MessageCost:
    """One message as SMS sends it: `name` is its gettext context (the flow node)."""

    name: str
    encoding: Encoding
    characters: int
    segments: int
    folded_segments: int


@dataclass(frozen=True, slots=True)
class ConversationCost:
    """A whole conversation in one locale: messages sent and segments billed."""

    locale: str
    messages: int
    ucs2_messages: int
    segments: int
    folded_segments: int
    folded_ucs2_messages: int


def message_costs(flow: Flow, translators: Translators, locale: str) -> list[MessageCost]:
    """Every message and question of `flow` as sent in `locale` (placeholders unfilled)."""
    translate = translators.get(locale)
    found: list[MessageCost] = []
    for node in flow.nodes.values():
        if node.kind == "do":
            continue
        text = node_message(flow, node, translate).as_plain_text()
        plain = segments(text)
        found.append(
            MessageCost(
                name=flow.context(node.id),
                encoding=plain.encoding,
                characters=len(text),
                segments=plain.count,
                folded_segments=segments(fold_accents(text)).count,
            )
        )
    return found


def conversation_cost(
    engine: Engine, locale: str, answers: Mapping[str, str] = TYPICAL_SCREENING
) -> ConversationCost:
    """Greet in `locale`, answer each question from `answers`, price every reply as SMS."""
    replies = play(engine, greeting(locale), answers, sample_matcher())
    texts = [reply.as_plain_text() for reply in replies]
    plain = [segments(text) for text in texts]
    folded = [segments(fold_accents(text)) for text in texts]
    return ConversationCost(
        locale=locale,
        messages=len(texts),
        ucs2_messages=sum(cost.encoding == "UCS-2" for cost in plain),
        segments=sum(cost.count for cost in plain),
        folded_segments=sum(cost.count for cost in folded),
        folded_ucs2_messages=sum(cost.encoding == "UCS-2" for cost in folded),
    )


def play(
    engine: Engine, first: str, answers: Mapping[str, str], matcher: Matcher | None
) -> list[Outbound]:
    """Every reply the engine sends to a new person who says `first`, then answers each
    question it is asked from `answers`, one message a minute, until none is asked."""
    state, replies = State(), list[Outbound]()
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    address = Address("sms", "+10000000000")
    text: str | None = first
    asked: str | None = None
    for minute in range(_MOST_TURNS):
        if text is None:
            break
        inbound = Inbound(address, text, moment + timedelta(minutes=minute))
        turn = engine.step(state, inbound, matcher=matcher)
        state = turn.state
        replies.extend(turn.outbound)
        question = turn.outbound[-1].question if turn.outbound else None
        text = answers.get(question) if question and question != asked else None
        asked = question
    return replies


def sample_matcher() -> Matcher:
    """Every case matched to one sample partner, so the texts that name it are priced too."""
    partner = Partner(id="sample-clinic", name="Sample Legal Clinic", services=frozenset())

    def match(case: Case) -> Match:
        return Match(partner, 0, ())

    return match


def greeting(locale: str) -> str:
    """A greeting that picks `locale` at once (the shortest, for a steady price)."""
    lexicon = LEXICONS.get(locale)
    spoken = sorted(lexicon.greetings, key=lambda g: (len(g), g)) if lexicon else []
    return next((g for g in spoken if guess_locale(g, [locale]) == locale), locale)

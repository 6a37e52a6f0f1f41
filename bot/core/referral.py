"""The referral a partner receives: a frozen value and its versioned JSON document."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from bot.core import answers as answer_types
from bot.core import texts
from bot.core.actions import REFERRAL_PLACEHOLDERS, reference_code
from bot.core.engine import node_template
from bot.core.flow import Flow, Node
from bot.core.i18n import SOURCE_LOCALE, Translator, fill, placeholders
from bot.core.messages import Address
from bot.core.state import Answer, State

# The document says which schema it follows. Additive changes (a new optional field) keep the
# version, and partners must ignore fields they do not know; anything else is a new version,
# announced to partners. docs/referral.schema.json; docs/partners.md says what each changed.
SCHEMA_VERSION = "2"
SCHEMA_URI = "https://homeward.example/referral/v2"
# Version 1 documents are still read (referrals stored before v2), never written.
SCHEMA_URI_V1 = "https://homeward.example/referral/v1"

AnsweredBy = Literal["self", "family", "advocate"]
ANSWERED_BY: tuple[str, ...] = get_args(AnsweredBy)

# Referral ids are 32 lowercase hex digits (a uuid4 hex or the engine's digest).
_ID = re.compile(r"[0-9a-f]{32}")
# Names a machine reads: question ids, tags, channels, consent text versions, partner ids.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}")
_LANGUAGE = re.compile(r"[a-z]{2,3}([_-][A-Za-z0-9]{2,8})*")
_PROBLEM_CODE = re.compile(r"[0-9]{2}")


@dataclass(frozen=True, slots=True)
class LegalProblem:
    """A legal problem code of a classification legal aid offices report cases by."""

    scheme: str
    code: str
    name: str


# Every Homeward referral is an immigration matter: problem code 81 of the Legal Services
# Corporation's Case Service Report (CSR Handbook), the code U.S. legal aid offices file it by.
IMMIGRATION = LegalProblem("LSC-CSR", "81", "Immigration/Naturalization")


@dataclass(frozen=True, slots=True)
class Consent:
    """What the person agreed to: the version of the consent text shown, and when."""

    text_version: str
    given_at: datetime


@dataclass(frozen=True, slots=True)
class SharedAnswer:
    """One screening answer as a partner reads it, with the question it answers.

    `value` is the code the flow keeps: an option id, "yes" or "no", an ISO country or USPS
    state code, a whole number, or free text; None when the person skipped the question or
    preferred not to say. `question` is the question in English as the person was asked it;
    `label` is the answer in English and `label_local` in the person's language (the same
    text in English, and for numbers and free text).
    """

    id: str
    question: str
    value: Answer
    label: str
    label_local: str

    def __post_init__(self) -> None:
        # Messages name the field, never its value: values are personal data.
        if not _NAME.fullmatch(self.id):
            raise ValueError("referral answer ids must be question ids")
        value = self.value
        if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            raise ValueError("referral answers must be text, whole numbers or None")
        for text in (self.question, self.label, self.label_local):
            if not isinstance(text, str) or not text:
                raise ValueError("referral answers need a question and labels")

    @property
    def skipped(self) -> bool:
        """The person skipped the question or preferred not to say."""
        return self.value is None

    def to_document(self, order: int) -> dict[str, Any]:
        """The answer as the document carries it, under its id; `order` is 1 for the first."""
        return {
            "order": order,
            "question": self.question,
            "value": self.value,
            "label": self.label,
            "label_local": self.label_local,
        }


@dataclass(frozen=True, slots=True)
class Referral:
    """One case sent to one partner: only what the partner needs to reach and help the person.

    `contact` is how the partner reaches the person (channel and address on it). `answers`
    are the screening answers shared, in the order they were asked; nothing else of the
    conversation travels. `reference` is the short code the person was given, derived from
    `id`. The repr shows the id only: the rest is personal.
    """

    id: str
    created_at: datetime
    language: str
    contact: Address
    answered_by: AnsweredBy
    answers: tuple[SharedAnswer, ...]
    tags: frozenset[str]
    urgent: bool
    consent: Consent
    partner_id: str
    partner_name: str
    match_reasons: tuple[str, ...] = ()
    legal_problem: LegalProblem = IMMIGRATION
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
        shared = tuple(self.answers)
        if not all(isinstance(answer, SharedAnswer) for answer in shared):
            raise ValueError("referral answers must be shared answers")
        if len({answer.id for answer in shared}) != len(shared):
            raise ValueError("referral answers must answer each question once")
        if not all(_NAME.fullmatch(tag) for tag in self.tags):
            raise ValueError("referral tags must be tag names")
        if not _NAME.fullmatch(self.consent.text_version):
            raise ValueError("referral consent needs a text version")
        if not _NAME.fullmatch(self.partner_id) or not self.partner_name:
            raise ValueError("referral needs a partner id and name")
        if not all(isinstance(reason, str) and reason for reason in self.match_reasons):
            raise ValueError("referral match reasons must be non-empty texts")
        problem = self.legal_problem
        if not (_NAME.fullmatch(problem.scheme) and _PROBLEM_CODE.fullmatch(problem.code)):
            raise ValueError("referral legal problem needs a scheme and a two-digit code")
        if not problem.name:
            raise ValueError("referral legal problem needs a name")
        # Frozen all the way down, like State.
        object.__setattr__(self, "answers", shared)
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
            "answers": {
                answer.id: answer.to_document(order)
                for order, answer in enumerate(self.answers, start=1)
            },
            "legal_problem": {
                "scheme": self.legal_problem.scheme,
                "code": self.legal_problem.code,
                "name": self.legal_problem.name,
            },
            "tags": sorted(self.tags),
            "urgent": self.urgent,
            "consent": {
                "text_version": self.consent.text_version,
                "given_at": _timestamp(self.consent.given_at),
            },
            "partner": {"id": self.partner_id, "name": self.partner_name},
            "match_reasons": list(self.match_reasons),
        }


def shared_answers(flow: Flow, state: State, local: Translator) -> tuple[SharedAnswer, ...]:
    """The answers of a screening as a partner reads them, in the order they were first given.

    Labels come from the flow, in English and through `local` in the person's language, as
    the engine shows them; a question's placeholders are filled as the engine fills them.
    """
    english = Translator(SOURCE_LOCALE)
    shared = []
    for question_id, value in state.answers.items():
        node = flow.nodes.get(question_id)
        if node is None or node.question is None:
            # The flow changed under the conversation: the code is all there is to show.
            label = english.text(texts.SKIP) if value is None else str(value)
            shared.append(SharedAnswer(question_id, question_id, value, label, label))
            continue
        shared.append(
            SharedAnswer(
                id=question_id,
                question=_question_text(flow, node, state, english),
                value=value,
                label=_label(flow, node, value, english),
                label_local=_label(flow, node, value, local),
            )
        )
    return tuple(shared)


def _label(flow: Flow, node: Node, value: Answer, translate: Translator) -> str:
    """An answer in `translate`'s language; a skipped one as the choice the person was shown."""
    assert node.question is not None
    if value is None:
        return translate.text(texts.SKIP)
    return answer_types.display(node.question, value, translate, flow.context(node.id))


def _question_text(flow: Flow, node: Node, state: State, english: Translator) -> str:
    """The question in English as the person was asked it: in the words for the deported
    person themselves when they were writing, its placeholders filled as the engine fills
    them (answers and the partner's name; questions show nothing else)."""
    template = node_template(flow, node, english, to_self=flow.speaks_to_self(state.answers))
    names = placeholders(template)
    values: dict[str, str] = {}
    for name in names:
        other = flow.nodes.get(name)
        if name in REFERRAL_PLACEHOLDERS and state.referral.get(name):
            values[name] = state.referral[name]
        elif other is not None and other.question is not None and name in state.answers:
            values[name] = answer_types.display(
                other.question, state.answers[name], english, flow.context(name)
            )
        else:
            values[name] = english.text(texts.NOT_GIVEN)
    return fill(template, values) if names else template


def document_json(referral: Referral) -> str:
    """The exact text sent as the webhook body and the email attachment (sign these bytes).

    Sorted keys and no padding, so the same referral always serializes the same way; non-ASCII
    stays as is (the body is UTF-8).
    """
    return json.dumps(
        referral.to_document(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def from_document(document: Mapping[str, Any]) -> Referral:
    """Read a document written by `to_document`; raises ValueError when it cannot be trusted.

    A version 1 document (stored before version 2) is read too: its answers had no question
    or labels, so the question id and the code stand in for them.
    """
    schema = document.get("schema")
    if schema == SCHEMA_URI:
        answers = _answers(document)
        problem = _object(document, "legal_problem")
        legal_problem = LegalProblem(
            _text(problem, "scheme"), _text(problem, "code"), _text(problem, "name")
        )
    elif schema == SCHEMA_URI_V1:
        answers = _answers_v1(document)
        legal_problem = IMMIGRATION
    else:
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
        answers=answers,
        tags=frozenset(_texts(document, "tags")),
        urgent=_flag(document, "urgent"),
        consent=Consent(_text(consent, "text_version"), _time(_text(consent, "given_at"))),
        partner_id=_text(partner, "id"),
        partner_name=_text(partner, "name"),
        match_reasons=tuple(_texts(document, "match_reasons")),
        legal_problem=legal_problem,
    )
    if document.get("reference") != referral.reference:
        raise ValueError("referral document reference does not match its id")
    return referral


def _answers(document: Mapping[str, Any]) -> tuple[SharedAnswer, ...]:
    """Version 2 answers (question id -> the answer), back in the order they were asked."""
    items = _object(document, "answers")
    found: list[tuple[int, SharedAnswer]] = []
    for question_id, item in items.items():
        if not isinstance(item, Mapping) or "value" not in item:
            raise ValueError("referral document answers must be objects with a value")
        order = item.get("order")
        if isinstance(order, bool) or not isinstance(order, int):
            raise ValueError("referral document answers need their order")
        shared = SharedAnswer(
            id=question_id,
            question=_text(item, "question"),
            value=item["value"],
            label=_text(item, "label"),
            label_local=_text(item, "label_local"),
        )
        found.append((order, shared))
    return tuple(shared for _, shared in sorted(found, key=lambda pair: (pair[0], pair[1].id)))


def _answers_v1(document: Mapping[str, Any]) -> tuple[SharedAnswer, ...]:
    """Version 1 answers (question id -> code), with the codes as their labels."""
    skipped = Translator(SOURCE_LOCALE).text(texts.SKIP)
    shared = []
    for question_id, value in sorted(_object(document, "answers").items()):
        label = skipped if value is None else str(value)
        shared.append(SharedAnswer(question_id, question_id, value, label, label))
    return tuple(shared)


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

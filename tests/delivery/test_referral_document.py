"""The referral document: what a partner receives is valid against the published schema."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from bot.core.actions import reference_code
from bot.core.messages import Address
from bot.core.referral import (
    IMMIGRATION,
    SCHEMA_URI,
    SCHEMA_URI_V1,
    SCHEMA_VERSION,
    Referral,
    SharedAnswer,
    document_json,
    from_document,
)
from tests.delivery.receivers import ANSWERS, PHONE, REFERRAL_ID, sample_referral

SCHEMA_PATH = Path(__file__).parents[2] / "docs" / "referral.schema.json"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)  # the published schema is itself valid
    return Draft202012Validator(schema, format_checker=FormatChecker())


def errors(validator: Draft202012Validator, document: dict[str, Any]) -> list[str]:
    return [error.message for error in validator.iter_errors(document)]


def test_a_referral_document_is_valid_against_the_schema(
    validator: Draft202012Validator,
) -> None:
    document = sample_referral().to_document()

    assert errors(validator, document) == []
    assert document["schema"] == SCHEMA_URI
    assert SCHEMA_URI.endswith("/v" + SCHEMA_VERSION)
    assert document["reference"] == reference_code(REFERRAL_ID)
    assert document["contact"] == {"channel": "whatsapp", "address": PHONE}
    assert document["created_at"] == "2026-11-23T12:00:00Z"
    assert document["consent"] == {
        "text_version": "consent-2026-11",
        "given_at": "2026-11-23T12:00:00Z",
    }
    assert document["partner"] == {"id": "demo-legal", "name": "Demo Legal Aid"}
    assert document["tags"] == sorted(document["tags"])
    assert document["legal_problem"] == {
        "scheme": "LSC-CSR",
        "code": "81",
        "name": "Immigration/Naturalization",
    }


def test_each_answer_carries_its_question_code_and_labels_in_the_order_given(
    validator: Draft202012Validator,
) -> None:
    answers = sample_referral().to_document()["answers"]

    assert answers["removal_kind"] == {
        "order": 4,
        "question": "How did the last deportation happen? Pick the closest:",
        "value": "absent",
        "label": "Ordered by a judge while absent",
        "label_local": "Ordenado por un juez en su ausencia",
    }
    assert answers["conviction"]["value"] is None  # skipped, and the labels say so
    assert answers["conviction"]["label"] == "Prefer not to say"
    assert sorted(answers, key=lambda key: answers[key]["order"]) == [a.id for a in ANSWERS]


def test_a_minimal_referral_is_valid_too(validator: Draft202012Validator) -> None:
    minimal = sample_referral(
        answers=(), tags=frozenset(), urgent=False, match_reasons=(), answered_by="self"
    )

    assert errors(validator, minimal.to_document()) == []


@pytest.mark.parametrize("field", sorted(sample_referral().to_document()))
def test_a_document_missing_a_required_field_fails(
    validator: Draft202012Validator, field: str
) -> None:
    document = sample_referral().to_document()
    del document[field]

    assert errors(validator, document) == [f"'{field}' is a required property"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("schema",), SCHEMA_URI_V1),
        (("id",), "not-hex"),
        (("reference",), "HW-IO0L1A"),  # letters people confuse are never in a code
        (("created_at",), "2026-11-23 12:00"),
        (("answered_by",), "neighbour"),
        (("urgent",), "yes"),
        (("answers", "year_removed", "value"), 20.5),
        (("answers", "military", "label_local"), ""),
        (("answers", "military", "order"), 0),
        (("answers", "bad key!"), {"order": 9, "question": "Q", "value": 1, "label": "1"}),
        (("legal_problem", "code"), 81),
        (("contact", "address"), ""),
        (("consent", "given_at"), None),
    ],
)
def test_a_document_with_a_wrong_value_fails(
    validator: Draft202012Validator, path: tuple[str, ...], value: object
) -> None:
    document = sample_referral().to_document()
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    assert errors(validator, document)


def test_the_serialized_body_is_stable_sorted_and_utf8() -> None:
    referral = sample_referral()
    body = document_json(referral)

    assert body == document_json(sample_referral())  # same referral, same bytes
    assert json.loads(body) == referral.to_document()
    assert "después" in body  # not escaped to \\u00e9: the body is UTF-8
    keys = list(json.loads(body))
    assert keys == sorted(keys)
    assert "\n" not in body


def test_a_document_reads_back_into_the_same_referral() -> None:
    referral = sample_referral(
        created_at=datetime(2026, 11, 23, 7, 0, tzinfo=timezone(-timedelta(hours=5)))
    )

    again = from_document(json.loads(document_json(referral)))

    assert again == referral
    assert again.reference == referral.reference


def test_a_version_1_document_stored_before_version_2_is_read_and_converted() -> None:
    version_1 = {
        **sample_referral().to_document(),
        "schema": SCHEMA_URI_V1,
        "answers": {"military": "yes", "year_removed": 2019, "conviction": None},
    }
    del version_1["legal_problem"]

    referral = from_document(version_1)

    assert [(a.id, a.question, a.value, a.label) for a in referral.answers] == [
        ("conviction", "conviction", None, "Prefer not to say"),
        ("military", "military", "yes", "yes"),
        ("year_removed", "year_removed", 2019, "2019"),
    ]
    assert referral.legal_problem == IMMIGRATION
    assert referral.to_document()["schema"] == SCHEMA_URI  # sent on as version 2


def test_a_document_whose_reference_does_not_match_its_id_is_refused() -> None:
    document = sample_referral().to_document()
    document["reference"] = "HW-AAAAAA"

    with pytest.raises(ValueError, match="reference"):
        from_document(document)


@pytest.mark.parametrize(
    "changes",
    [
        {"id": "3F2A"},
        {"created_at": datetime(2026, 11, 23, 12, 0)},
        {"answered_by": "neighbour"},
        {"answers": (ANSWERS[0], ANSWERS[0])},
        {"answers": ({"military": "yes"},)},
        {"contact": Address("whatsapp", "")},
        {"partner_name": ""},
        {"language": "Spanish"},
    ],
)
def test_a_referral_refuses_values_the_schema_would_refuse(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as raised:
        sample_referral(**changes)

    assert PHONE not in str(raised.value)


@pytest.mark.parametrize(
    "changes",
    [
        {"value": True},
        {"value": 20.5},
        {"id": "bad key!"},
        {"question": ""},
        {"label_local": ""},
    ],
)
def test_a_shared_answer_refuses_what_the_schema_would_refuse(changes: dict[str, Any]) -> None:
    values: dict[str, Any] = {
        "id": "military",
        "question": "Did they serve?",
        "value": "yes",
        "label": "Yes",
        "label_local": "Sí",
    }
    with pytest.raises(ValueError):
        SharedAnswer(**(values | changes))


def test_a_referral_is_frozen_and_its_repr_shows_no_personal_data() -> None:
    referral = sample_referral()

    with pytest.raises(FrozenInstanceError):
        referral.urgent = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        referral.answers[0] = ANSWERS[1]  # type: ignore[index]
    assert repr(referral) == f"Referral(id='{REFERRAL_ID}', partner_id='demo-legal')"
    assert isinstance(referral, Referral)

"""The examples partners read in docs/partners.md come from a real run of the shipped screening."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from bot.core.referral import Referral, document_json, from_document
from bot.flows.loader import load_flows
from bot.locales import load_translators
from tests.delivery import partners_example

SCHEMA = Path(__file__).parents[2] / "docs" / "referral.schema.json"
REGENERATE = ".venv/bin/python -m tests.delivery.partners_example --write"


@pytest.fixture(scope="module")
def referral() -> Referral:
    return partners_example.referral()


def test_the_page_shows_the_document_and_email_of_a_real_screening(referral: Referral) -> None:
    page = partners_example.DOC.read_text(encoding="utf-8")

    shown = partners_example.on_page(page)

    assert shown["document"] == partners_example.document_example(referral), REGENERATE
    assert shown["email"] == partners_example.email_example(referral), REGENERATE


def test_the_real_document_is_valid_against_the_published_schema(referral: Referral) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=FormatChecker())

    document = json.loads(document_json(referral))

    assert [error.message for error in validator.iter_errors(document)] == []
    assert from_document(document) == referral


def test_every_answer_is_labelled_in_english_and_in_the_person_s_spanish(
    referral: Referral,
) -> None:
    answers = {answer.id: answer for answer in referral.answers}

    asked = [question for question, _ in partners_example.REPLIES if question is not None]
    assert sorted(answers) == sorted(asked)
    # In the order asked; the first name, kept out of the conversation, travels here alone.
    assert list(answers) == asked
    assert answers["first_name"].value == answers["first_name"].label == "Juan"
    flow = load_flows()["screening"]
    option = flow.nodes["removal_kind"].question.option("absent")  # type: ignore[union-attr]
    assert option is not None
    spanish = (
        load_translators().get("es").pgettext(flow.context("removal_kind", "absent"), option.label)
    )
    absent = answers["removal_kind"]
    assert (absent.value, absent.label, absent.label_local) == ("absent", option.label, spanish)
    assert (answers["country"].label, answers["country"].label_local) == ("Mexico", "México")
    assert (answers["state_lived"].value, answers["state_lived"].label) == ("TX", "Texas")
    assert (answers["years_in_us"].value, answers["years_in_us"].label) == (22, "22")
    skipped = answers["conviction"]
    assert (skipped.value, skipped.label, skipped.skipped) == (None, "Prefer not to say", True)
    assert "{" not in answers["share"].question  # placeholders filled as the person saw them
    assert referral.partner_name in answers["share"].question


def test_regenerating_rewrites_only_the_examples() -> None:
    page = "intro\n<!-- example: referral document -->\n<!-- how -->\n\n```json\nold\n```\n"
    page += "between\n<!-- example: referral email -->\n\n```\nold mail\n```\nend\n"

    made = partners_example.rewritten(page, {"document": "{}\n", "email": "mail\n"})

    assert made == page.replace("old\n", "{}\n").replace("old mail\n", "mail\n")
    assert partners_example.on_page(made) == {"document": "{}\n", "email": "mail\n"}

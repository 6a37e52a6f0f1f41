"""/dev/referrals shows each referral as a partner reads it: who, how urgent, every question with
its answer in words, and the document as sent below (development only)."""

from __future__ import annotations

import html
from dataclasses import replace

from flask.testing import FlaskClient

from bot.app import Services
from bot.core.referral import SCHEMA_URI_V1, Referral, SharedAnswer
from bot.storage import referrals
from tests.conftest import Clock
from tests.delivery.receivers import ANSWERS, PHONE, sample_referral


def store(
    services: Services, clock: Clock, referral: Referral, document: dict[str, object]
) -> None:
    with services.sessions.begin() as session:
        referrals.create(
            session,
            referral.id,
            referral.reference,
            None,
            referral.partner_id,
            document,
            referral.urgent,
            clock(),
        )


def page(client: FlaskClient) -> str:
    response = client.get("/dev/referrals")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_a_referral_reads_as_the_partner_reads_it(
    services: Services, clock: Clock, client: FlaskClient
) -> None:
    referral = sample_referral()
    store(services, clock, referral, referral.to_document())

    shown = page(client)

    assert f"<h2>{referral.reference}</h2>" in shown
    assert "Demo Legal Aid" in shown
    assert "Urgent: the person reported danger now" in shown
    assert "a family member" in shown and f"{PHONE} (whatsapp)" in shown
    assert "81 Immigration/Naturalization" in shown
    for answer in ANSWERS:
        assert answer.question in shown
        if not answer.skipped:
            assert answer.label in shown and answer.label_local in shown
    assert '<p class="answer local" lang="es">Ordenado por un juez en su ausencia</p>' in shown
    assert "Skipped or preferred not to say" in shown
    raw = shown.split("<details>", 1)[1]
    assert '"schema": "https://homeward.example/referral/v2"' in raw
    assert '"value": "absent"' in raw


def test_the_page_has_no_inline_script_or_style_and_escapes_what_people_wrote(
    services: Services, clock: Clock, client: FlaskClient
) -> None:
    said = SharedAnswer(
        "note", "Anything else?", "<script>x()</script>", "<b>bold</b>", "<b>bold</b>"
    )
    referral = sample_referral(answers=(said,), urgent=False)
    store(services, clock, referral, referral.to_document())

    response = client.get("/dev/referrals")
    body = response.get_data(as_text=True)

    assert "<script" not in body and "<b>bold" not in body
    assert "&lt;b&gt;bold&lt;/b&gt;" in body
    assert "<style" not in body and "style=" not in body
    assert "Urgent" not in body
    assert '<link rel="stylesheet" href="/dev/static/referrals.css">' in body
    with client.get("/dev/static/referrals.css") as stylesheet:
        assert stylesheet.status_code == 200


def test_a_version_1_document_and_an_unreadable_one_still_show(
    services: Services, clock: Clock, client: FlaskClient
) -> None:
    old = sample_referral()
    version_1 = {
        **old.to_document(),
        "schema": SCHEMA_URI_V1,
        "answers": {"military": "yes", "conviction": None},
    }
    store(services, clock, old, version_1)
    broken = replace(old, id="0" * 32)
    store(services, clock, broken, {"schema": "something else", "id": broken.id})

    shown = page(client)

    assert '<p class="question">military</p>' in shown  # v1: the id stands in for the question
    assert "This document cannot be read as a referral" in shown
    assert '"schema": "something else"' in shown

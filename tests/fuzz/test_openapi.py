"""docs/openapi.yaml describes every route of the app, and the app answers as it says.

The route test fails when a route is added without its description (or a description stays
behind a removed route). Schemathesis then sends what the spec allows and what it does not
to every route of a fully configured development app: never a 500, every answer as described.
Its requests are unsigned, so the webhooks answer 403 (as described); the signed path is
fuzzed by test_webhooks.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode

from bot.app import Services
from bot.storage import heartbeats
from tests.fuzz.rig import LONG, SHORT, assert_stored_state_is_sound, fuzz_settings

SPEC = Path(__file__).parents[2] / "docs" / "openapi.yaml"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Flask answers these for every route by itself; the spec leaves them out.
AUTOMATIC = {"HEAD", "OPTIONS"}
STATIC_FILES = [
    ("/static/{filename}", "dev/referrals.css"),
    ("/simulator/static/{filename}", "simulator.js"),
    ("/dev/static/{filename}", "referrals.css"),
]
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")  # <path:filename> -> {filename}


def app_routes(app: Flask) -> set[tuple[str, str]]:
    """(path as OpenAPI writes it, method) for every route of `app`."""
    return {
        (_CONVERTER.sub(r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - AUTOMATIC
    }


def spec_routes(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """(path, method) for every operation the spec describes."""
    return {
        (path, method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_the_spec_describes_every_route_and_no_other(homeward: tuple[Flask, Services]) -> None:
    app, _ = homeward
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    routes, described = app_routes(app), spec_routes(spec)
    assert routes - described == set(), "routes missing from docs/openapi.yaml"
    assert described - routes == set(), "docs/openapi.yaml describes routes the app lacks"
    # The fixture's app is the fullest there is: every channel and the development pages.
    assert ("/hooks/telegram", "POST") in routes and ("/simulator/messages", "POST") in routes


def test_the_route_test_would_see_a_new_route(homeward: tuple[Flask, Services]) -> None:
    app, _ = homeward
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    app.add_url_rule("/undescribed/<int:number>", "undescribed", lambda number: "")
    assert app_routes(app) - spec_routes(spec) == {("/undescribed/{number}", "GET")}


@pytest.mark.parametrize(
    "examples",
    [
        pytest.param(SHORT // 3, id="short"),
        pytest.param(LONG // 3, id="long", marks=pytest.mark.slow),
    ],
)
def test_every_route_answers_as_the_spec_says(
    examples: int, homeward: tuple[Flask, Services]
) -> None:
    app, services = homeward
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a failure is a 500, which the checks report
    schema = schemathesis.openapi.from_path(SPEC)
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(spec_routes(yaml.safe_load(SPEC.read_text(encoding="utf-8"))))
    for operation in operations:
        # What the spec allows, and what it does not (which must get a 4xx, never a 500).
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @fuzz_settings(examples)
        @given(case=cases)
        def answers_as_described(case: schemathesis.Case) -> None:
            # A worker is alive, as in a running deployment: /healthz then answers 200
            # (its 503 without one is tested in tests/delivery/test_health.py).
            with services.sessions.begin() as session:
                now = datetime.now(UTC)
                heartbeats.beat(session, "fuzz-worker", now, now)
            case.call_and_validate()

        answers_as_described()
    # Random file names are never found; the files that exist must be answered as described.
    # (Sent with Flask's client, which closes the file; Schemathesis' would leave it open.)
    client = app.test_client()
    for path, filename in STATIC_FILES:
        response = client.get(path.replace("{filename}", filename))
        try:
            assert response.status_code == 200, path
            schema[path]["GET"].Case(path_parameters={"filename": filename}).validate_response(
                response
            )
        finally:
            response.close()
    assert_stored_state_is_sound(app.test_client(), services)

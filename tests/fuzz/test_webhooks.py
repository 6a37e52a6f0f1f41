"""Every webhook and form under random, hostile, replayed and reordered requests, signed as the
providers sign them: never a 500, and whatever was stored still loads and takes a message.

Each test shares one app and one database among its examples on purpose: a later request meets
what an earlier one stored (a replayed SID, a conversation moved along, an opted-out person).
The short runs are part of every `make test`; `make test-slow` runs the long ones.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from bot.app import Services
from tests.fuzz.rig import (
    LONG,
    SHORT,
    TWILIO_HOOK,
    TWILIO_STATUS,
    assert_stored_state_is_sound,
    fuzz_settings,
    post_simulator,
    post_telegram,
    post_twilio,
)
from tests.fuzz.strategies import (
    simulator_bodies,
    telegram_bodies,
    twilio_messages,
    twilio_statuses,
)

EXAMPLES = [
    pytest.param(SHORT, id="short"),
    pytest.param(LONG, id="long", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("examples", EXAMPLES)
def test_twilio_hooks(examples: int, fuzz_client: FlaskClient, fuzz_services: Services) -> None:
    sent: list[tuple[str, dict[str, str]]] = []

    @fuzz_settings(examples)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        for _ in range(data.draw(st.integers(1, 4), label="requests")):
            what = data.draw(st.sampled_from(["message", "status", "replay", "forged"]))
            # Draw the same way whatever was sent before, or Hypothesis cannot replay a run.
            earlier = data.draw(st.integers(0, 1000), label="which earlier request")
            if what == "status":
                path, form = TWILIO_STATUS, data.draw(twilio_statuses(), label="status")
            else:
                path, form = TWILIO_HOOK, data.draw(twilio_messages(), label="message")
            if what == "replay" and sent:
                path, form = sent[earlier % len(sent)]
            answer = post_twilio(fuzz_client, path, form, forged=what == "forged")
            if what == "forged":
                # Refused unread: 413 when the body is over the cap (checked before anything
                # else, the signature included), 403 otherwise.
                assert answer.status_code in (403, 413), answer.status_code
                continue
            sent.append((path, form))
            assert answer.status_code in (200, 400, 413), answer.status_code

    run()
    assert_stored_state_is_sound(fuzz_client, fuzz_services)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_telegram_hook(examples: int, fuzz_client: FlaskClient, fuzz_services: Services) -> None:
    sent: list[bytes] = []

    @fuzz_settings(examples)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        for _ in range(data.draw(st.integers(1, 4), label="requests")):
            what = data.draw(st.sampled_from(["update", "update", "replay", "forged"]))
            earlier = data.draw(st.integers(0, 1000), label="which earlier request")
            body = data.draw(telegram_bodies(), label="body")
            if what == "replay" and sent:
                body = sent[earlier % len(sent)]
            if what == "forged":
                answer = post_telegram(fuzz_client, body, secret="not-the-secret")
                assert answer.status_code == 403
                continue
            sent.append(body)
            answer = post_telegram(fuzz_client, body)
            # 200 whatever the update: any other answer and Telegram sends it again.
            assert answer.status_code == 200, answer.status_code

    run()
    assert_stored_state_is_sound(fuzz_client, fuzz_services)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_simulator(examples: int, fuzz_client: FlaskClient, fuzz_services: Services) -> None:
    @fuzz_settings(examples)
    @given(st.lists(simulator_bodies(), min_size=1, max_size=4))
    def run(bodies: list[bytes]) -> None:
        for body in bodies:
            answer = post_simulator(fuzz_client, body)
            assert answer.status_code in (200, 400, 413), answer.status_code

    run()
    assert_stored_state_is_sound(fuzz_client, fuzz_services)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_every_channel_at_once(
    examples: int, fuzz_client: FlaskClient, fuzz_services: Services
) -> None:
    """Requests of every channel interleaved: no channel's input upsets another's."""

    @fuzz_settings(examples)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        for _ in range(data.draw(st.integers(1, 6), label="requests")):
            channel = data.draw(st.sampled_from(["twilio", "status", "telegram", "simulator"]))
            if channel == "twilio":
                answer = post_twilio(fuzz_client, TWILIO_HOOK, data.draw(twilio_messages()))
            elif channel == "status":
                answer = post_twilio(fuzz_client, TWILIO_STATUS, data.draw(twilio_statuses()))
            elif channel == "telegram":
                answer = post_telegram(fuzz_client, data.draw(telegram_bodies()))
            else:
                answer = post_simulator(fuzz_client, data.draw(simulator_bodies()))
            assert answer.status_code in (200, 400, 413), (channel, answer.status_code)

    run()
    assert_stored_state_is_sound(fuzz_client, fuzz_services)

"""Conversations on Telegram: typed answers and button presses in, replies out by the worker."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.core.messages import Address, Choice, Outbound
from bot.delivery import chat
from bot.delivery.worker import Worker
from bot.storage import contacts
from bot.storage.models import Contact, InboundMessage, OutboxMessage
from tests.channels.telegram.conftest import (
    SECRET,
    TOKEN,
    ShiftedClock,
    TelegramPerson,
    assert_lines,
    count,
    deliver,
)
from tests.channels.telegram.fake_api import FakeTelegram
from tests.keys import TEST_KEYRING

WHO = ["Who is writing?", "[1. I was deported]", "[2. A family member]", "[3. An advocate or"]


def start(person: TelegramPerson, worker: Worker) -> None:
    person.says("/start")
    deliver(worker)
    assert_lines(person.reads(), ["Welcome to Homeward.", *WHO])


def outbox_rows(services: Services) -> list[OutboxMessage]:
    with services.sessions() as session:
        replies = select(OutboxMessage).where(~OutboxMessage.dedupe_key.startswith("reminder:"))
        return list(session.scalars(replies.order_by(OutboxMessage.id)))


def contact_of(services: Services, person: TelegramPerson) -> Contact:
    with services.sessions() as session:
        return session.scalars(
            select(Contact).where(
                Contact.channel == "telegram", Contact.address_key == str(person.chat_id)
            )
        ).one()


def test_maria_starts_taps_and_types_and_reads_every_reply_in_order(
    maria: TelegramPerson, worker: Worker, telegram_api: FakeTelegram
) -> None:
    answer = maria.says("/start")
    assert answer.get_json() == {}
    deliver(worker)
    assert_lines(maria.reads(), ["Welcome to Homeward.", *WHO])

    answer = maria.taps("A family member")
    assert answer.get_json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": maria.last_update["callback_query"]["id"],
    }
    deliver(worker)
    assert_lines(maria.reads(), ["In which country are you now?"])

    maria.says("México")
    deliver(worker)
    assert_lines(
        maria.reads(),
        ["Did you serve in the U.S. military?", "[1. Yes]", "[2. No]", "[3. Prefer not to say]"],
    )

    maria.taps("No")
    deliver(worker)
    assert_lines(maria.reads(), ["In what year were you last deported?"])

    maria.says("2011")
    deliver(worker)
    assert_lines(maria.reads(), ["How old were you when you first arrived in the U.S.?"])

    # The buttons carry the question and the choice: the same words in every language.
    keyboards = [message.buttons for message in maria.messages() if message.buttons]
    assert [[data for _, data in buttons] for buttons in keyboards] == [
        ["who:self", "who:family", "who:advocate"],
        ["served:yes", "served:no", "served:skip"],
    ]
    sends = telegram_api.calls_to("sendMessage")
    assert all(call.outcome == "ok" for call in sends)
    assert all("parse_mode" not in call.params for call in sends)  # plain text, no Markdown
    assert {call.params["chat_id"] for call in sends} == {str(maria.chat_id)}


def test_a_press_on_an_old_question_gets_a_polite_refusal_and_the_question_again(
    maria: TelegramPerson, worker: Worker, services: Services
) -> None:
    start(maria, worker)
    who = maria.messages()[-1]
    maria.taps("A family member")
    deliver(worker)
    maria.reads()

    maria.taps("I was deported", on=who)  # scrolled up and pressed the earlier keyboard
    deliver(worker)
    assert_lines(
        maria.reads(),
        ["That button was for an earlier question.", "In which country are you now?"],
    )

    maria.says("Haiti")  # the first answer stands, and the conversation goes on
    deliver(worker)
    assert maria.reads()[0] == "Did you serve in the U.S. military?"
    with services.sessions() as session:
        contact = contact_of(services, maria)
        state = contacts.load_state(session, contact)
    assert state.answers["who"] == "family"


def test_a_redelivered_update_changes_nothing(
    maria: TelegramPerson, worker: Worker, services: Services, telegram_api: FakeTelegram
) -> None:
    start(maria, worker)
    rows = count(services.sessions, OutboxMessage)

    assert maria.resends_last_update().status_code == 200
    maria.taps("A family member")
    deliver(worker)
    assert_lines(maria.reads(), ["In which country are you now?"])
    answer = maria.resends_last_update()  # the same button press, delivered twice
    assert answer.get_json()["method"] == "answerCallbackQuery"

    assert deliver(worker) == 0
    assert maria.reads() == []
    assert count(services.sessions, InboundMessage) == 2
    assert count(services.sessions, OutboxMessage) == rows + 1
    assert len(telegram_api.calls_to("sendMessage")) == 3


def test_a_reply_longer_than_4096_characters_arrives_as_two_messages_despite_a_retry(
    maria: TelegramPerson,
    worker: Worker,
    worker_clock: ShiftedClock,
    services: Services,
    telegram_api: FakeTelegram,
) -> None:
    start(maria, worker)
    sends_before = len(telegram_api.calls_to("sendMessage"))
    words = " ".join(f"palabra{n}" for n in range(600))
    assert len(words) > 4096
    # A proactive message (a partner writing back), queued the way every reply is.
    now = datetime.now(UTC)
    with services.sessions.begin() as session:
        contact = contacts.get_or_create_contact_for_update(
            session, "telegram", str(maria.chat_id), now
        )
        reply = Outbound(words, (Choice("yes", "Yes"), Choice("no", "No")), "consent")
        address = Address("telegram", str(maria.chat_id))
        assert chat.enqueue_replies(session, contact.id, address, [reply], "partner-1", now) == 2

    telegram_api.fail_next("sendMessage", "ok", "500")  # the second part fails once
    deliver(worker)
    assert len(maria.messages()) == 3  # the first part only
    worker_clock.advance(timedelta(seconds=1))
    deliver(worker)

    first, second = maria.messages()[-2:]
    assert " ".join([first.text, second.text]) == words
    assert len(first.text) <= 4096 and len(second.text) <= 4096
    assert first.buttons == ()  # the choices travel with the last part
    assert second.buttons == (("1. Yes", "consent:yes"), ("2. No", "consent:no"))
    outcomes = [call.outcome for call in telegram_api.calls_to("sendMessage")[sends_before:]]
    assert outcomes == ["ok", "500", "ok"]  # two parts, one retry, nothing sent twice
    assert deliver(worker) == 0
    assert [row.status for row in outbox_rows(services)][-2:] == ["sent", "sent"]


def test_too_many_requests_waits_as_long_as_telegram_says(
    maria: TelegramPerson,
    worker: Worker,
    worker_clock: ShiftedClock,
    services: Services,
    telegram_api: FakeTelegram,
) -> None:
    telegram_api.fail_next("sendMessage", "429")
    maria.says("/start")
    before = worker_clock()
    deliver(worker)
    after = worker_clock()
    welcome = outbox_rows(services)[0]
    assert (welcome.status, welcome.last_error) == ("failed", "telegram-429")
    # retry_after is 3 s, longer than the worker's first backoff step (1 s): it wins.
    wait = timedelta(seconds=3)
    assert before + wait <= welcome.next_attempt_at <= after + wait
    assert maria.reads() == []

    worker_clock.advance(timedelta(seconds=2))
    assert deliver(worker) == 0
    worker_clock.advance(timedelta(seconds=1))
    deliver(worker)
    assert_lines(maria.reads(), ["Welcome to Homeward.", *WHO])


def test_a_person_who_blocks_the_bot_is_opted_out_and_sent_nothing_more(
    maria: TelegramPerson, worker: Worker, services: Services, telegram_api: FakeTelegram
) -> None:
    start(maria, worker)
    maria.taps("A family member")
    telegram_api.block(maria.chat_id)  # she blocks the bot before the next question goes out
    deliver(worker)
    assert maria.reads() == []
    assert outbox_rows(services)[-1].status == "dead"
    assert outbox_rows(services)[-1].last_error == "telegram-forbidden"
    assert contact_of(services, maria).opted_out
    sends = len(telegram_api.calls_to("sendMessage"))

    telegram_api.blocked.clear()  # she unblocks and writes: still nothing, she said stop
    maria.says("hello?")
    assert deliver(worker) == 0
    assert len(telegram_api.calls_to("sendMessage")) == sends

    maria.says("/start")  # pressing Start again is asking to hear from us
    deliver(worker)
    assert_lines(maria.reads(), ["Welcome back.", "In which country are you now?"])
    assert not contact_of(services, maria).opted_out


def test_each_chat_numbers_its_own_messages_and_the_outbox_keeps_them_apart(
    maria: TelegramPerson, jean: TelegramPerson, worker: Worker, services: Services
) -> None:
    maria.says("/start")
    jean.says("/start")
    deliver(worker)
    assert [m.message_id for m in maria.messages()] == [1, 2]
    assert [m.message_id for m in jean.messages()] == [1, 2]
    rows = outbox_rows(services)
    assert [row.status for row in rows] == ["sent"] * 4
    assert sorted(row.provider_id or "" for row in rows) == sorted(
        TEST_KEYRING.fingerprint(f"{person.chat_id}:{n}")
        for person in (maria, jean)
        for n in (1, 2)
    )


def test_no_token_secret_chat_id_or_message_text_reaches_the_logs(
    maria: TelegramPerson,
    worker: Worker,
    telegram_api: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # as with `homeward -v`
    maria.says("/start")
    deliver(worker)
    maria.taps("A family member")
    maria.says("something private about my case")
    telegram_api.fail_next("sendMessage", "403")
    deliver(worker)
    logged = caplog.text
    assert "outbox" in logged  # the worker did log, by outbox id
    for secret in (TOKEN, SECRET, str(maria.chat_id), "something private", "Welcome to Homeward"):
        assert secret not in logged

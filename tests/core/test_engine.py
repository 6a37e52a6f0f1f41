"""The engine alone, with no database: purity, keywords before answers, limits, effects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.conditions import AnswerIs
from bot.core.effects import (
    ConversationEnded,
    DeletionRequested,
    FlowHalted,
    LanguageChanged,
    OptedIn,
    OptedOut,
    ReferralRequested,
)
from bot.core.engine import Engine
from bot.core.flow import Flow, Node, Question, Route
from bot.core.i18n import Translators
from bot.core.messages import Address, Button, Inbound
from bot.core.partners import Case, Match, Partner
from bot.core.state import State
from bot.flows.loader import load_flows

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WHO = Address("memory", "someone")


def message(text: str, at: datetime = NOW, hint: str | None = None) -> Inbound:
    return Inbound(WHO, text, at, None, hint)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_flows(), "placeholder", Translators())


def play(engine: Engine, *texts: str, state: State | None = None) -> State:
    state = state or State()
    for text in texts:
        state = engine.step(state, message(text)).state
    return state


def test_the_same_state_and_message_give_the_same_turn(engine: Engine) -> None:
    state = play(engine, "hi")
    assert engine.step(state, message("2")) == engine.step(state, message("2"))


def test_stop_at_a_free_text_question_is_a_command_not_an_answer(engine: Engine) -> None:
    state = play(engine, "hi", "1", "Mexico", "no", "2010", "20", "10", "CA")
    assert state.node_id == "note"
    turn = engine.step(state, message("STOP"))
    assert turn.effects == (OptedOut(),)
    (confirmation,) = turn.outbound  # one confirmation, sent although STOP was just said
    assert confirmation.after_stop and "START" in confirmation.text
    assert "note" not in turn.state.answers
    assert turn.state.opted_out


@pytest.mark.parametrize(("channel", "confirmed"), [("sms", False), ("whatsapp", True)])
def test_stop_is_confirmed_once_except_on_sms_where_the_carrier_does(
    engine: Engine, channel: str, confirmed: bool
) -> None:
    state = play(engine, "hi", "1")
    turn = engine.step(state, Inbound(Address(channel, "+15550001"), "STOP", NOW, None))
    assert turn.effects == (OptedOut(),)
    assert len(turn.outbound) == (1 if confirmed else 0)
    later = engine.step(turn.state, Inbound(Address(channel, "+15550001"), "hello", NOW, None))
    assert later.outbound == ()


def test_restart_says_the_answers_were_cleared(engine: Engine) -> None:
    state = play(engine, "hi", "1", "Mexico")
    assert state.answers
    turn = engine.step(state, message("RESTART"))
    assert "cleared" in turn.outbound[0].text
    assert turn.state.answers == {}


def test_after_stop_nothing_is_sent_until_start(engine: Engine) -> None:
    stopped = play(engine, "hi", "stop")
    for text in ("1", "hello", "HELP", "restart"):
        turn = engine.step(stopped, message(text))
        assert turn.outbound == () and turn.effects == ()
    turn = engine.step(stopped, message("Start"))
    assert turn.effects == (OptedIn(),)
    assert not turn.state.opted_out and turn.outbound


def test_a_longer_message_containing_stop_is_an_answer(engine: Engine) -> None:
    state = play(engine, "hi", "1", "Mexico", "no", "2010", "20", "10", "CA")
    turn = engine.step(state, message("please stop deporting people"))
    assert turn.state.answers["note"] == "please stop deporting people"
    assert not turn.state.opted_out


def test_back_forgets_the_answer_it_goes_back_over(engine: Engine) -> None:
    state = play(engine, "hi", "2", "Haiti")
    assert state.answers["who"] == "family"
    back = play(engine, "back", state=state)
    assert back.node_id == "country" and "country" not in back.answers
    assert back.history == (("who", "family"),)


def test_delete_asks_once_then_requests_erasure_and_forgets_everything(engine: Engine) -> None:
    state = play(engine, "hi", "2", "Haiti")
    asked = engine.step(state, message("delete"))
    assert asked.effects == () and asked.state.answers == state.answers
    assert asked.outbound[0].text.startswith("Delete everything you told Homeward?")
    turn = engine.step(asked.state, message("1"))
    assert turn.effects == (DeletionRequested(),)
    assert turn.state.answers == {} and turn.state.flow_id is None
    assert turn.outbound[0].text.startswith("Everything you told Homeward has been deleted")


def test_delete_twice_is_a_yes_and_no_keeps_every_answer(engine: Engine) -> None:
    state = play(engine, "hi", "2", "Haiti")
    asked = engine.step(state, message("DELETE"))
    assert engine.step(asked.state, message("delete")).effects == (DeletionRequested(),)

    kept = engine.step(asked.state, message("no"))
    assert kept.effects == () and kept.state.answers == state.answers
    assert kept.state.pending is None and kept.state.node_id == state.node_id
    assert kept.outbound[0].text == "Nothing was deleted."

    unclear = engine.step(asked.state, message("maybe"))
    assert unclear.effects == () and unclear.state.pending == "delete"


def test_the_flow_ends_with_an_effect_and_tags_from_answers(engine: Engine) -> None:
    state = play(engine, "hi", "1", "Mexico", "yes", "2010", "9", "22", "CA")
    turn = engine.step(state, message("skip"))
    assert ConversationEnded("placeholder") in turn.effects
    assert turn.state.status == "done"
    tags = engine.flows["placeholder"].tags_for(turn.state.answers)
    assert tags == {"answered-by-self", "veteran", "arrived-as-child", "long-residence"}


def test_a_channel_language_hint_is_used_for_a_new_conversation() -> None:
    import gettext

    engine = Engine(load_flows(), "placeholder", Translators({"es": gettext.NullTranslations()}))
    turn = engine.step(State(), message("hola", hint="es-MX"))
    assert turn.state.locale == "es"
    assert LanguageChanged("es") in turn.effects
    later = engine.step(turn.state, message("HELP", hint="en"))
    assert later.state.locale == "es"  # only a new conversation takes the hint


def test_a_runaway_flow_is_halted_by_the_step_limit() -> None:
    # The checker refuses such a flow; the limit is the engine's own guard regardless.
    spin = Flow(
        id="spin",
        start="a",
        nodes={
            "a": Node("a", text="A", routes=(Route("b"),)),
            "b": Node("b", text="B", routes=(Route("a"),)),
            "q": Node("q", text="Q?", question=Question("text")),
        },
    )
    engine = Engine({"spin": spin}, "spin", Translators(), step_limit=10)
    turn = engine.step(State(), message("hi"))
    assert turn.effects == (FlowHalted("spin", "a", "step-limit"),)
    assert len(turn.outbound) == 11  # ten messages, then the apology
    assert turn.state.status == "done"


def test_expiry_asks_before_taking_the_message_as_an_answer(engine: Engine) -> None:
    state = play(engine, "hi", "1")
    later = NOW + timedelta(days=4)
    turn = engine.step(state.evolve(updated_at=NOW), message("Mexico", at=later))
    assert turn.state.pending == "resume"
    assert "country" not in turn.state.answers


def test_state_survives_its_json_form(engine: Engine) -> None:
    state = play(engine, "hi", "1", "Mexico", "skip")
    assert State.from_dict(state.to_dict()) == state


def test_back_through_a_loop_restores_the_earlier_answer() -> None:
    confirm = Flow(
        id="confirm",
        start="name",
        nodes={
            "name": Node(
                "name", text="Your name?", question=Question("text"), routes=(Route("ok"),)
            ),
            "ok": Node(
                "ok",
                text="Is {name} right?",
                question=Question("yes_no"),
                routes=(Route("name", AnswerIs("ok", frozenset({"no"}))), Route("bye")),
            ),
            "bye": Node("bye", text="Bye {name}."),
        },
    )
    engine = Engine({"confirm": confirm}, "confirm", Translators())
    state = play(engine, "hi", "Ana", "no", "Anna", "back")
    assert state.node_id == "name" and state.answers == {"name": "Ana", "ok": "no"}
    turn = engine.step(play(engine, "back", state=state), message("back"))
    assert turn.outbound[-1].text == "Your name?"
    assert turn.state.answers == {}
    again = play(engine, "hi", "Ana", "no", "Anna", "back", "back")
    assert again.node_id == "ok" and again.answers == {"name": "Ana"}
    assert engine.step(again, message("HELP")).outbound[-1].text == "Is Ana right?"


def test_back_after_the_end_reopens_the_last_question(engine: Engine) -> None:
    done = play(engine, "hi", "1", "Mexico", "no", "2010", "20", "10", "CA", "skip")
    assert done.status == "done"
    turn = engine.step(done, message("back"))
    assert turn.state.node_id == "note" and turn.state.status == "active"
    assert "note" not in turn.state.answers


@pytest.mark.parametrize(
    ("reply", "stored"),
    [
        ("2️⃣", "family"),
        ("A FAMILY MEMBER", "family"),
        ("Relative!", "family"),
        ("  3 ", "advocate"),
    ],
)
def test_a_choice_by_number_label_keyword_or_keycap(
    engine: Engine, reply: str, stored: str
) -> None:
    assert play(engine, "hi", reply).answers["who"] == stored


@pytest.mark.parametrize("reply", ["፪", "٢٢٢٢٢٢٢٢٢٢٢٢٢٢٢٢٢٢٢٢", "99999999999999999999", "0", "-1"])
def test_strange_numbers_at_a_choice_are_refused_not_crashing(engine: Engine, reply: str) -> None:
    turn = engine.step(play(engine, "hi"), message(reply))
    assert turn.state.node_id == "who" and "who" not in turn.state.answers
    assert turn.outbound[0].text.startswith("Please reply with the number")


@pytest.mark.parametrize(
    ("reply", "stored"),
    [("22", 22), ("about 22 years", 22), ("1,5", None), ("2 3", None), ("٢٢", 22)],
)
def test_numbers_as_people_write_them(engine: Engine, reply: str, stored: int | None) -> None:
    state = play(engine, "hi", "1", "Mexico", "no", "2010", "20")
    assert state.node_id == "years_in_us"
    assert play(engine, reply, state=state).answers.get("years_in_us") == stored


def test_a_stale_position_in_an_edited_flow_starts_over(engine: Engine) -> None:
    stale = State(flow_id="placeholder", node_id="welcome", status="active", updated_at=NOW)
    turn = engine.step(stale, message("Mexico"))
    assert turn.outbound[0].text.startswith("Welcome to Homeward")
    assert turn.state.node_id == "who"


def test_help_after_a_long_silence_asks_continue_or_start_over(engine: Engine) -> None:
    state = play(engine, "hi", "1").evolve(updated_at=NOW)
    turn = engine.step(state, message("help", at=NOW + timedelta(days=5)))
    assert turn.state.pending == "resume"
    assert turn.outbound[-1].text.endswith("Do you want to continue where you left off?")


def test_no_to_the_resume_question_starts_over(engine: Engine) -> None:
    state = play(engine, "hi", "1").evolve(updated_at=NOW)
    prompt = engine.step(state, message("Mexico", at=NOW + timedelta(days=5))).state
    for text in ("maybe", "hmm"):
        prompt = engine.step(prompt, message(text, at=NOW + timedelta(days=5))).state
    third = engine.step(prompt, message("what", at=NOW + timedelta(days=5)))
    assert "Reply HELP for help." in third.outbound[0].text
    restarted = engine.step(third.state, message("no", at=NOW + timedelta(days=5)))
    assert restarted.outbound[0].text.startswith("Welcome to Homeward")
    assert restarted.state.answers == {}


def test_an_unreadable_saved_state_is_refused_with_value_error() -> None:
    with pytest.raises(ValueError):
        State.from_dict({"invalid_count": "x"})
    with pytest.raises(ValueError):
        State.from_dict({"history": ["country", "year"]})
    naive = State.from_dict({"updated_at": "2026-11-23T12:00:00"})
    assert naive.updated_at == NOW


def test_a_state_cannot_be_changed_by_whoever_holds_it(engine: Engine) -> None:
    state = play(engine, "hi", "2")
    with pytest.raises(TypeError):
        state.answers["who"] = "self"  # type: ignore[index]


def test_an_inbound_message_needs_a_time_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Inbound(WHO, "hi", datetime(2026, 11, 23, 12, 0))


def press(question: str, key: str) -> Inbound:
    return Inbound(WHO, "", NOW, None, None, Button(question, key))


def test_a_button_answers_the_question_it_belongs_to(engine: Engine) -> None:
    state = play(engine, "hi")
    turn = engine.step(state, press("who", "family"))
    assert turn.state.answers["who"] == "family"
    assert turn.outbound[-1].question == "country"


def test_a_button_of_an_earlier_question_is_refused_politely(engine: Engine) -> None:
    state = play(engine, "hi", "2")
    turn = engine.step(state, press("who", "self"))
    assert turn.state.answers["who"] == "family"
    assert turn.outbound[0].text == "That button was for an earlier question."
    assert turn.outbound[-1].question == "country"


def test_a_button_is_never_a_command_and_is_silent_after_stop(engine: Engine) -> None:
    state = play(engine, "hi")
    turn = engine.step(state, press("who", "stop"))
    assert not turn.state.opted_out and "who" not in turn.state.answers
    stopped = play(engine, "STOP", state=state)
    assert engine.step(stopped, press("who", "self")).outbound == ()


def test_a_command_the_provider_recognised_counts_whatever_the_word(engine: Engine) -> None:
    state = play(engine, "hi")
    said = Inbound(WHO, "PARAR", NOW, None, None, None, "stop")
    turn = engine.step(state, said)
    assert turn.effects == (OptedOut(),) and turn.outbound == ()
    back = engine.step(turn.state, Inbound(WHO, "COMENZAR", NOW, None, None, None, "start"))
    assert back.effects == (OptedIn(),)


def test_the_language_menu_and_resume_prompt_say_what_they_ask(engine: Engine) -> None:
    state = play(engine, "hi")
    assert engine.step(state, message("language")).outbound[-1].question == "language"


REFERRING = """\
spec: 1
id: refer
nodes:
  state:
    ask: Where did you live?
    type: us_state
    next: served
  served:
    ask: Did you serve?
    type: yes_no
    tags: {yes: [veteran]}
    next: find
  find:
    do: match
    with: {lived_in: state}
    next: consent
  consent:
    ask: "May we send your answers to {partner}?"
    type: yes_no
    next:
      - when: {answer: consent, is: yes}
        goto: send
      - goto: bye
  send:
    do: refer
    next: sent
  sent:
    say: "{partner} has your case. Your reference is {reference}."
  bye:
    say: Nothing was sent.
"""


def referring_engine(tmp_path_factory: pytest.TempPathFactory, seen: list[Case]) -> Engine:
    folder = tmp_path_factory.mktemp("flows")
    (folder / "refer.yaml").write_text(REFERRING, encoding="utf-8")
    clinic = Partner("vets-clinic", "Veterans Clinic", frozenset({"legal"}))

    def matcher(case: Case) -> Match | None:
        seen.append(case)
        return Match(clinic, 10, ("works with deported veterans",))

    return Engine(load_flows(folder), "refer", Translators(), matcher=matcher)


def test_consent_names_the_matched_partner_and_refer_asks_for_the_referral(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    seen: list[Case] = []
    engine = referring_engine(tmp_path_factory, seen)
    state = play(engine, "hi", "Texas")
    turn = engine.step(state, message("yes"))
    assert [(c.tags, c.state, c.urgent) for c in seen] == [(frozenset({"veteran"}), "TX", False)]
    assert seen[0].key
    assert turn.outbound[-1].text == "May we send your answers to Veterans Clinic?"
    sent = engine.step(turn.state, message("yes"))
    (requested,) = [e for e in sent.effects if isinstance(e, ReferralRequested)]
    assert requested.partner_id == "vets-clinic"
    assert requested.reference.startswith("HW-") and len(requested.reference) == 9
    assert sent.outbound[0].text == (
        f"Veterans Clinic has your case. Your reference is {requested.reference}."
    )
    again = engine.step(turn.state, message("yes"))
    assert again.effects == sent.effects  # pure: the same turn, the same referral id


def test_no_consent_no_referral(tmp_path_factory: pytest.TempPathFactory) -> None:
    engine = referring_engine(tmp_path_factory, [])
    turn = engine.step(play(engine, "hi", "CA", "no"), message("no"))
    assert not any(isinstance(e, ReferralRequested) for e in turn.effects)
    assert turn.outbound[0].text == "Nothing was sent."


SWITCHING = """\
spec: 1
id: switch
title: A flow that sets the language from an answer
start: pick
nodes:
  pick:
    ask: Which one?
    type: choice
    choices:
      - id: es
        label: Spanish
      - id: xx
        label: One Homeward does not offer
    next: apply
  apply:
    do: set_language
    with: {from_answer: pick}
    next: name
  name:
    ask: Your first name?
    type: text
"""


@pytest.mark.parametrize(("reply", "locale"), [("1", "es"), ("2", "en")])
def test_a_flow_can_set_the_language_from_an_answer(
    reply: str, locale: str, tmp_path: Path
) -> None:
    import gettext

    (tmp_path / "switch.yaml").write_text(SWITCHING, encoding="utf-8")
    translators = Translators({"es": gettext.NullTranslations()})
    engine = Engine(load_flows(tmp_path), "switch", translators)
    engine_state = engine.step(State(status="active"), message("hi")).state
    turn = engine.step(engine_state, message(reply))
    assert turn.state.locale == locale
    assert (LanguageChanged("es") in turn.effects) == (locale == "es")
    assert turn.outbound[-1].question == "name"


def test_a_button_after_the_end_says_so_and_begins_nothing(engine: Engine) -> None:
    done = play(engine, "hi", "1", "Mexico", "no", "2010", "20", "10", "CA", "skip")
    assert done.status == "done"
    turn = engine.step(done, press("served", "no"))
    assert [reply.text for reply in turn.outbound] == [
        "This conversation has ended. Send START to begin again."
    ]
    assert turn.state == done.evolve(updated_at=NOW) and turn.effects == ()
    again = engine.step(turn.state, message("START"))  # a command still begins again
    assert again.state.status == "active" and again.state.started_at == NOW


def two_clinics(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, set[str]]:
    """The referring flow over two clinics; the first is preferred while it can receive."""
    folder = tmp_path_factory.mktemp("flows")
    (folder / "refer.yaml").write_text(REFERRING, encoding="utf-8")
    first = Partner("first", "First Clinic", frozenset({"legal"}))
    second = Partner("second", "Second Clinic", frozenset({"legal"}))
    gone: set[str] = set()

    def matcher(case: Case) -> Match | None:
        able = [p for p in (first, second) if p.id not in gone and case.state != "CA"]
        return Match(able[0], 10, ("fits",)) if able else None

    return Engine(load_flows(folder), "refer", Translators(), matcher=matcher), gone


def test_refer_checks_the_partner_again_and_names_the_one_that_receives(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    engine, gone = two_clinics(tmp_path_factory)
    consent = play(engine, "hi", "Texas", "yes")
    assert consent.referral["partner_id"] == "first"
    gone.add("first")  # its webhook answered 410 Gone while the person read the question
    turn = engine.step(consent, message("yes"), receiving=lambda pid: pid not in gone)
    (requested,) = [e for e in turn.effects if isinstance(e, ReferralRequested)]
    assert requested.partner_id == "second"
    assert [reply.text for reply in turn.outbound] == [
        "First Clinic cannot receive answers right now.",
        f"Second Clinic has your case. Your reference is {requested.reference}.",
    ]
    gone.add("second")
    nobody = engine.step(consent, message("yes"), receiving=lambda pid: pid not in gone)
    assert not any(isinstance(e, ReferralRequested) for e in nobody.effects)
    assert nobody.state.referral == {}


def test_one_run_makes_one_referral_whatever_back_and_a_new_match_do(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    engine, _ = two_clinics(tmp_path_factory)
    sent = engine.step(play(engine, "hi", "Texas", "yes"), message("yes"))
    (requested,) = [e for e in sent.effects if isinstance(e, ReferralRequested)]
    # Back to the state, where matching would now find nobody (California), and agree again.
    later = NOW + timedelta(minutes=1)
    state = sent.state
    for text in ("back", "back", "back", "California", "yes"):
        state = engine.step(state, message(text, at=later)).state
    assert state.referral["referral_id"] == requested.referral_id
    again = engine.step(state, message("yes", at=later))
    assert not any(isinstance(e, ReferralRequested) for e in again.effects)
    assert again.outbound[-1].text.endswith(f"Your reference is {requested.reference}.")

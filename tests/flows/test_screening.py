"""The screening flow: valid, short, never advice, everything after consent optional, and
complete runs through the engine that end in a referral only when the person agrees."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.core.effects import ConversationEnded, ReferralRequested
from bot.core.engine import Engine, Turn
from bot.core.flow import Flow
from bot.core.i18n import Translators
from bot.core.messages import Address, Inbound
from bot.core.partners import Case, Match, Partner
from bot.core.sms import segments
from bot.core.state import State
from bot.flows.loader import FLOWS_DIR, load_flows, read_flow
from bot.partners.directory import load_directory

PATH = FLOWS_DIR / "screening.yaml"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WHO = Address("memory", "someone")
CLINIC = Partner("vets-clinic", "Veterans Clinic", frozenset({"legal"}))

# Words that would give advice, judge a case, or talk about going to the U.S. (section 3.4).
FORBIDDEN = re.compile(
    r"qualif|eligib|should file|re-?enter|come back to the u|return to the u", re.IGNORECASE
)
A_NUMBER = re.compile(r"a-?\s?number|alien (registration )?number|\ba#", re.IGNORECASE)
NEGATION = re.compile(r"\b(never|not|don't)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def flow() -> Flow:
    loaded, _ = read_flow(PATH)
    assert loaded is not None
    return loaded


def person_texts(flow: Flow) -> list[tuple[str, str]]:
    """Every text a person can see: node texts, choice labels and hints, by where they are."""
    found = []
    for node in flow.nodes.values():
        found.append((node.id, node.text))
        if node.question is not None:
            found += [(f"{node.id}.{o.id}", o.label) for o in node.question.options]
            found.append((f"{node.id}.hint", node.question.hint))
    return [(where, text) for where, text in found if text]


def engine_with(seen: list[Case]) -> Engine:
    def matcher(case: Case) -> Match | None:
        seen.append(case)
        return Match(CLINIC, 100, ("works with deported veterans",))

    return Engine(load_flows(), "screening", Translators(), matcher=matcher)


def play(engine: Engine, *texts: str, state: State | None = None) -> tuple[State, list[Turn]]:
    state = state or State()
    turns = []
    for text in texts:
        turn = engine.step(state, Inbound(WHO, text, NOW))
        state = turn.state
        turns.append(turn)
    return state, turns


def said(turns: list[Turn]) -> list[str]:
    return [message.text for turn in turns for message in turn.outbound]


def referrals(turns: list[Turn]) -> list[ReferralRequested]:
    return [e for turn in turns for e in turn.effects if isinstance(e, ReferralRequested)]


# The start: "hi", then a family member writes and agrees to the questions.
FAMILY_AGREES = ("hi", "2", "yes")

# A family member of a deported veteran whose conviction was vacated, up to the summary.
VETERAN_FAMILY = (
    *FAMILY_AGREES,
    "no",  # urgent: nobody in danger
    "Mexico",  # country
    "2019",  # year_removed
    "1",  # times_removed: once
    "1",  # removal_kind: went to court before a judge (no hearing question after it)
    "yes",  # lawyer
    "no",  # pending
    "Texas",  # state_lived
    "TX",  # court_state
    "20",  # years_in_us
    "8",  # age_at_arrival
    "yes",  # military
    "yes",  # conviction
    "1",  # conviction_status: vacated
    "yes",  # us_family
    "no",  # petition
    "no",  # fear
    "1",  # contact_how: this chat
    "3",  # contact_when: evening
)

# Written from the domain rules, not read from a run:
# family -> answered-by-family; served -> veteran; a conviction -> criminal-legal-system, and
# vacated -> conviction-relief; a U.S.-citizen spouse, child or parent -> us-citizen-family;
# 20 years -> long-residence; arrived at 8 -> arrived-as-child; arrived at 8 in 1999 (2019 - 20)
# and removed once in 2019, so in the U.S. from 2007 to 2012 -> daca-era. Went to court
# with a lawyer: no procedural-defect. No pending case, petition, fear or urgency.
VETERAN_FAMILY_TAGS = {
    "answered-by-family",
    "veteran",
    "criminal-legal-system",
    "conviction-relief",
    "us-citizen-family",
    "long-residence",
    "arrived-as-child",
    "daca-era",
}


def test_the_flow_loads_with_no_errors_and_no_warnings() -> None:
    loaded, issues = read_flow(PATH)
    assert loaded is not None and loaded.id == "screening"
    assert issues == []


def test_no_text_judges_advises_or_talks_of_going_to_the_us(flow: Flow) -> None:
    for where, text in person_texts(flow):
        assert not FORBIDDEN.search(text), where
        for sentence in re.split(r"(?<=[.?!:])\s+", text):
            if A_NUMBER.search(sentence):
                assert NEGATION.search(sentence), f"{where} asks for an A-number"


def test_an_a_number_is_only_ever_mentioned_to_say_do_not_send_it(flow: Flow) -> None:
    mentions = [where for where, text in person_texts(flow) if A_NUMBER.search(text)]
    assert mentions == ["intro"]


def test_texts_are_plain_ascii(flow: Flow) -> None:
    for where, text in person_texts(flow):
        assert text.isascii(), where


def test_every_question_after_consent_is_optional(flow: Flow) -> None:
    consent = flow.nodes["consent"]
    after: set[str] = set()
    todo = [route.to for route in consent.routes]
    while todo:
        node_id = todo.pop()
        if node_id not in after:
            after.add(node_id)
            todo += [route.to for route in flow.nodes[node_id].routes]
    questions = {n.id for n in flow.nodes.values() if n.question is not None}
    assert questions - after == {"who", "consent"}
    for node_id in sorted(questions & after):
        question = flow.nodes[node_id].question
        assert question is not None and question.optional, node_id


@pytest.mark.parametrize("node_id", ["share", "sent"])
def test_messages_naming_any_coalition_partner_stay_within_two_segments(
    flow: Flow, node_id: str
) -> None:
    names = [partner.name for partner in load_directory().partners]
    assert names
    for name in names:
        # Some names have letters outside GSM-7 (UCS-2: 70 characters a segment), so the
        # messages that show a name are short.
        text = flow.nodes[node_id].text.replace("{partner}", name)
        text = text.replace("{reference}", "HW-7K3P9Q")
        if node_id == "share":
            text += "\n1. Yes\n2. No\n3. Prefer not to say"
        assert segments(text).count <= 2, name


def test_a_family_member_of_a_veteran_with_a_vacated_conviction_is_referred(
    flow: Flow,
) -> None:
    seen: list[Case] = []
    engine = engine_with(seen)
    state, turns = play(engine, *VETERAN_FAMILY)
    assert said(turns[-1:]) == [
        "Please check.\nNow in: Mexico\nLast deported: 2019\nLived in: Texas\n"
        "Military service: Yes\nContact: In this chat, Evening\nIs this right?"
    ]
    assert state.answers["removal_kind"] == "court" and "hearing" not in state.answers
    assert flow.tags_for(state.answers) == VETERAN_FAMILY_TAGS
    (case,) = seen
    assert case.tags == VETERAN_FAMILY_TAGS
    assert (case.state, case.country, case.urgent) == ("TX", "MX", False)

    state, turns = play(engine, "1", state=state)
    assert said(turns)[-1] == (
        "May we send your answers, and how to reach you in this chat, to Veterans Clinic?"
    )
    assert referrals(turns) == []

    state, turns = play(engine, "yes", state=state)
    (requested,) = referrals(turns)
    assert requested.partner_id == "vets-clinic" and requested.flow_id == "screening"
    sent, after = said(turns)
    assert sent == (
        f"Sent. Veterans Clinic has your case. Your reference code is {requested.reference}."
    )
    assert "within two weeks" in after and "not a lawyer" in after
    assert ConversationEnded("screening") in turns[-1].effects
    assert state.status == "done"


def test_no_to_the_first_consent_asks_nothing_and_sends_nothing() -> None:
    seen: list[Case] = []
    engine = engine_with(seen)
    state, turns = play(engine, "hi", "1", "no")
    assert said(turns[-1:]) == [
        "OK. We will not ask anything, and nothing is sent to anyone. If you change your mind, "
        "send any message to start again. Send DELETE to erase this chat."
    ]
    assert ConversationEnded("screening") in turns[-1].effects
    assert referrals(turns) == [] and seen == []
    assert state.status == "done" and state.referral == {}
    _, turns = play(engine, "hello", state=state)
    assert said(turns)[0].startswith("Welcome to Homeward")


def test_no_to_naming_the_partner_sends_nothing() -> None:
    engine = engine_with([])
    state, turns = play(engine, *VETERAN_FAMILY, "1", "no")
    assert referrals(turns) == []
    assert said(turns[-1:]) == [
        "OK, nothing was sent. If you change your mind, send any message to start again. "
        "Send DELETE to erase your answers."
    ]
    assert state.status == "done" and "referral_id" not in state.referral


def test_prefer_not_to_say_to_naming_the_partner_sends_nothing() -> None:
    engine = engine_with([])
    _, turns = play(engine, *VETERAN_FAMILY, "1", "3")
    assert referrals(turns) == []
    assert said(turns[-1:])[0].startswith("OK, nothing was sent.")


def test_an_urgent_answer_shows_where_to_get_help_at_once_and_sets_urgent() -> None:
    seen: list[Case] = []
    engine = engine_with(seen)
    state, turns = play(engine, *FAMILY_AGREES, "yes")
    help_text, question = said(turns[-1:])
    assert help_text.startswith("If someone is in danger now, call the emergency number")
    assert "treat it as urgent" in help_text
    assert question == "In which country is the deported person living now?"
    flow = engine.flows["screening"]
    assert "urgent" in flow.tags_for(state.answers)
    state, _ = play(engine, *VETERAN_FAMILY[4:], state=state)
    assert seen[-1].urgent


def test_fear_of_harm_shows_help_and_raises_priority() -> None:
    engine = engine_with([])
    fearful = (*VETERAN_FAMILY[:-3], "yes")
    state, turns = play(engine, *fearful)
    help_text, question = said(turns[-1:])
    assert help_text.startswith("If anyone is in danger now")
    assert question.startswith("How should the partner group contact you?")
    tags = engine.flows["screening"].tags_for(state.answers)
    assert {"fear-of-harm", "urgent"} <= tags


def test_everything_skipped_still_reaches_the_named_consent() -> None:
    seen: list[Case] = []
    engine = engine_with(seen)
    skips = ["skip"] * 19
    state, turns = play(engine, "hi", "1", "yes", *skips)
    assert state.node_id == "summary"
    assert "Now in: not given" in said(turns)[-1]
    (case,) = seen
    assert case.tags == {"answered-by-self"}
    assert (case.state, case.country) == (None, None)
    # Skipped: no removal kind, so a hearing, a court state and a petition were asked too.
    assert {"hearing", "court_state", "petition"} <= state.answers.keys()
    assert "conviction_status" not in state.answers


def test_change_something_asks_again_and_an_old_answer_sets_no_tag() -> None:
    engine = engine_with([])
    state, turns = play(engine, *VETERAN_FAMILY, "2")
    assert said(turns)[-1].startswith("Is anyone in danger right now")
    assert state.node_id == "urgent"
    # Second pass: no conviction this time; the old "vacated" answer must not count.
    second = list(VETERAN_FAMILY[3:])
    assert second[12:14] == ["yes", "1"]  # conviction, conviction_status
    second[12:14] = ["no"]  # no conviction, so its status is not asked
    state, turns = play(engine, *second, state=state)
    assert state.node_id == "summary"
    assert state.answers["conviction"] == "no"
    assert state.answers["conviction_status"] == "vacated"  # left over from the first pass
    tags = engine.flows["screening"].tags_for(state.answers)
    assert tags == VETERAN_FAMILY_TAGS - {"criminal-legal-system", "conviction-relief"}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("2", {"in-absentia", "procedural-defect"}),
        ("3", {"expedited-removal"}),
        ("4", {"stipulated-removal", "procedural-defect"}),
        ("5", {"reinstatement", "multiple-removals"}),
        ("6", set()),
        ("7", {"procedural-defect"}),
    ],
)
def test_removal_kinds_are_tags_for_a_lawyer_to_look_at(kind: str, expected: set[str]) -> None:
    engine = engine_with([])
    # A self-answerer, removed once in 2015 after 3 years, who arrived at 30.
    state, _ = play(engine, "hi", "1", "yes", "no", "Haiti", "2015", "1", kind)
    asked_hearing = state.node_id == "hearing"
    assert asked_hearing == (kind != "2")
    if asked_hearing:
        state, _ = play(engine, "no", state=state)  # no hearing
    state, _ = play(engine, "no", "no", "Florida", state=state)  # lawyer, pending, state
    if kind != "3":
        state, _ = play(engine, "skip", state=state)  # court_state, not asked after the border
    state, _ = play(engine, "3", "30", "no", "no", "no", "no", state=state)
    assert state.node_id == "contact_how"
    tags = engine.flows["screening"].tags_for(state.answers)
    assert tags == {"answered-by-self", *expected}


@pytest.mark.parametrize(
    ("year", "years", "age", "times", "daca"),
    [
        ("2019", "12", "10", "1", True),  # arrived 2007 at 10, removed once in 2019
        ("2019", "11", "10", "1", False),  # arrived 2008: not in the U.S. since 2007
        ("2011", "20", "5", "1", False),  # removed before 2012
        ("2019", "20", "16", "1", False),  # arrived at 16
        ("2019", "20", "5", "2", False),  # removed twice: the years may not be one stay
        ("2019", "20", "5", "4", True),  # "not sure" how many times
    ],
)
def test_daca_years_are_derived_only_from_what_was_answered(
    year: str, years: str, age: str, times: str, daca: bool
) -> None:
    engine = engine_with([])
    answers = ("no", "Mexico", year, times, "1", "no", "no", "California", "skip", years, age)
    state, _ = play(engine, *FAMILY_AGREES, *answers)
    assert state.node_id == "military"
    assert ("daca-era" in engine.flows["screening"].tags_for(state.answers)) == daca

"""The screening, second version: valid, honest, never advice, consent first, the urgent exits,
nothing kept of a removal for someone inside the U.S., the facts a lawyer needs as tags, one
answer changed from the summary, and a referral only when a group can receive it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from bot.core.effects import ReferralRequested
from bot.core.engine import Engine, Turn
from bot.core.flow import Flow
from bot.core.flow_check import check_flow
from bot.core.i18n import Translators
from bot.core.messages import Address, Inbound, Outbound
from bot.core.partners import Case, Match, Partner
from bot.core.state import State
from bot.flows.loader import FLOWS_DIR, load_flows, read_flow

PATH = FLOWS_DIR / "screening.yaml"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WHO = Address("memory", "someone")
CLINIC = Partner("vets-clinic", "Veterans Clinic", frozenset({"legal"}))
INTAKE = "Coalition Intake Desk"

# Words that would give advice, judge a case, or talk about going to the U.S. (section 3.4).
FORBIDDEN = re.compile(
    r"qualif|eligib|should file|re-?enter|come back to the u|return to the u", re.IGNORECASE
)
# Promises nobody made: a group that has the case, a time to hear back, urgent handling.
PROMISES = re.compile(
    r"has your case|have your case|within|two weeks|days to|will (contact|call|help) you|"
    r"treat it as urgent|mark your case urgent",
    re.IGNORECASE,
)
A_NUMBER = re.compile(r"a-?\s?number|alien (registration )?number|\ba#", re.IGNORECASE)


@pytest.fixture(scope="module")
def flow() -> Flow:
    loaded, issues = read_flow(PATH)
    assert loaded is not None and issues == []
    return loaded


def person_texts(flow: Flow) -> list[tuple[str, str]]:
    """Every text a person can see: node texts (both wordings), labels and hints."""
    found = []
    for node in flow.nodes.values():
        found += [(node.id, node.text), (f"{node.id}@self", node.self_text)]
        if node.question is not None:
            found += [(f"{node.id}.{o.id}", o.label) for o in node.question.options]
            found.append((f"{node.id}.hint", node.question.hint))
    return [(where, text) for where, text in found if text]


def engine_with(seen: list[Case], *, partner: Partner | None = CLINIC) -> Engine:
    def matcher(case: Case) -> Match | None:
        seen.append(case)
        return Match(partner, 100, ("works with deported veterans",)) if partner else None

    facts = {"general_intake": INTAKE, "coalition_contact": "+1 555 0100"}
    return Engine(load_flows(), "screening", Translators(), matcher=matcher, facts=facts)


def run(engine: Engine, answers: Mapping[str, str], state: State | None = None) -> Run:
    """Say "hi", then answer each question asked from `answers` until one is not there."""
    result = Run(state or State())
    text: str | None = "hi" if state is None else None
    if text is None:
        text = answers.get(result.state.node_id or "")
    while text is not None and len(result.turns) < 80:
        turn = engine.step(result.state, Inbound(WHO, text, NOW))
        result.add(turn)
        asked = turn.outbound[-1].question if turn.outbound else None
        text = answers.get(asked) if asked else None
        if asked and result.asked.count(asked) > 3:
            break  # a question asked again and again: the answer was not understood
    return result


class Run:
    """What a scripted conversation saw."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.turns: list[Turn] = []
        self.asked: list[str] = []

    def add(self, turn: Turn) -> None:
        self.state = turn.state
        self.turns.append(turn)
        self.asked += [m.question for m in turn.outbound if m.question]

    @property
    def messages(self) -> list[Outbound]:
        return [message for turn in self.turns for message in turn.outbound]

    @property
    def said(self) -> str:
        return "\n".join(message.text for message in self.messages)

    @property
    def referrals(self) -> list[ReferralRequested]:
        found = (e for turn in self.turns for e in turn.effects)
        return [e for e in found if isinstance(e, ReferralRequested)]


# A daughter writes for her father, a deported veteran whose conviction was vacated.
VETERAN = {
    "consent": "yes",
    "who": "I'm his daughter",
    "urgent_now": "3",  # neither
    "country": "Mexico",
    "year_removed": "2019",
    "times_removed": "1",
    "removal_kind": "1",  # a judge, at a hearing
    "lawyer": "yes",
    "pending": "no",
    "state_lived": "Texas",
    "court_state": "TX",
    "years_in_us": "20",
    "age_at_arrival": "8",
    "prior_status": "1",  # green card
    "citizen_parent": "no",
    "military": "yes",
    "discharge": "1",  # honorable
    "va_help": "yes",
    "conviction": "yes",
    "conviction_state": "Texas",
    "conviction_reason": "yes",
    "plea_warning": "no",
    "conviction_status": "1",  # vacated
    "us_family": "yes",
    "petition": "not sure",
    "harmed": "4",  # neither
    "fear": "no",
    "contact_how": "2",  # a phone call
    "voicemail": "no",
    "contact_when": "3",  # evening
    "summary": "1",  # that is right
    "first_name": "Ana",
    "share": "yes",
}

# Written from the domain rules, not read from a run: a daughter -> answered-by-family;
# served -> veteran, and needs VA help -> va-benefits; a conviction -> criminal-legal-system,
# the reason for the removal -> conviction-caused-removal, no warning before the plea ->
# no-plea-warning, vacated -> conviction-relief; a green card before -> lawful-status-before;
# citizen family -> us-citizen-family; 20 years -> long-residence; arrived at 8 -> arrived-as-
# child. Arrived in 1999 (2019 - 20), under 16, aged 8 + 13 = 21 in 2012, removed in 2019 ->
# daca-era. A hearing with a judge: no defect tag.
VETERAN_TAGS = {
    "answered-by-family",
    "veteran",
    "va-benefits",
    "criminal-legal-system",
    "conviction-caused-removal",
    "no-plea-warning",
    "conviction-relief",
    "lawful-status-before",
    "us-citizen-family",
    "long-residence",
    "arrived-as-child",
    "daca-era",
}


def test_the_flow_is_valid_and_every_message_fits_the_sms_budget(flow: Flow) -> None:
    assert check_flow(flow) == []


def test_no_text_gives_advice_or_talks_about_going_to_the_us(flow: Flow) -> None:
    for where, text in person_texts(flow):
        assert not FORBIDDEN.search(text), where


def test_no_text_promises_what_the_coalition_has_not_promised(flow: Flow) -> None:
    for where, text in person_texts(flow):
        assert not PROMISES.search(text), (where, text)


def test_an_a_number_is_only_ever_mentioned_to_say_do_not_send_it(flow: Flow) -> None:
    for where, text in person_texts(flow):
        for found in A_NUMBER.finditer(text):
            before = text[max(0, found.start() - 30) : found.start()].lower()
            assert "never send" in before, where


def test_consent_is_the_first_question_and_names_everyone(flow: Flow) -> None:
    result = run(engine_with([]), {})
    assert result.asked == ["consent"]
    said = result.said
    assert "not lawyers" in said
    assert re.search(r"About \d+ short questions", said)
    assert INTAKE in said  # the general intake, named, gets the answers if the group can't
    # The carriers and platforms by name (screening-domain: what the person must be told).
    assert all(
        name in said for name in ("Phone companies", "Twilio", "WhatsApp (Meta)", "Telegram")
    )
    assert "30 days" in said and "90 days" in said


@pytest.mark.parametrize("question", ["consent", "summary", "share", "urgent_now", "who"])
def test_consent_the_check_and_the_share_question_cannot_be_skipped(
    flow: Flow, question: str
) -> None:
    node = flow.nodes[question].question
    assert node is not None and not node.optional


def test_a_veterans_daughter_in_her_own_words_is_referred_with_the_facts_a_lawyer_needs(
    flow: Flow,
) -> None:
    seen: list[Case] = []
    result = run(engine_with(seen), VETERAN)
    assert result.state.answers["who"] == "family"
    assert flow.tags_for(result.state.answers) == VETERAN_TAGS
    (case,) = seen
    assert (case.state, case.court_state, case.conviction_state) == ("TX", "TX", "TX")
    assert case.country == "MX" and case.abroad and not case.urgent
    (requested,) = result.referrals
    assert requested.partner_id == CLINIC.id
    # The first name travels in the referral alone; the conversation does not keep it.
    assert requested.private == {"first_name": "Ana"}
    assert "first_name" not in result.state.answers
    assert result.state.answers["petition"] == "not_sure"
    assert result.state.answers["voicemail"] == "no"
    assert f"Sent to {CLINIC.name}" in result.said
    assert "does not mean they can take the case" in result.said
    # Questions speak of the deported person, not the daughter.
    assert "Is the deported person afraid" in result.said
    assert "Are you afraid" not in result.said


def test_the_deported_person_writing_is_asked_about_themselves() -> None:
    result = run(engine_with([]), {**VETERAN, "who": "1"})
    assert "Are you afraid of being harmed" in result.said
    assert "deported person" not in result.said.split("Who is writing")[-1]


@pytest.mark.parametrize("country", ["USA", "United States", "estados unidos", "EEUU"])
def test_someone_back_in_the_us_is_told_to_stop_and_nothing_of_a_removal_is_kept(
    country: str,
) -> None:
    answers = {**VETERAN, "country": country}
    result = run(engine_with(seen := []), answers)
    assert "do not send more details" in result.said
    assert "immigration lawyer" in result.said
    removal = {"year_removed", "times_removed", "removal_kind", "hearing", "court_state"}
    assert not removal & set(result.asked)
    assert set(result.state.answers) == {"consent", "who", "urgent_now"}
    assert result.state.status == "done" and result.referrals == [] and seen == []


@pytest.mark.parametrize(("country", "number"), [("Mexico", "911"), ("Haiti", "114")])
def test_danger_now_shows_the_emergency_number_of_the_country(country: str, number: str) -> None:
    result = run(engine_with([]), {**VETERAN, "urgent_now": "1", "country": country})
    assert f"call {number}" in result.said
    assert "urgent" in flow_tags(result)


def test_danger_where_the_country_is_not_given_names_the_local_emergency_number() -> None:
    result = run(engine_with([]), {**VETERAN, "urgent_now": "1", "country": "skip"})
    assert "call the local emergency number" in result.said


def flow_tags(result: Run) -> frozenset[str]:
    return load_flows()["screening"].tags_for(result.state.answers)


def test_a_detained_husband_takes_a_short_path_flagged_urgent() -> None:
    seen: list[Case] = []
    answers = {
        "consent": "yes",
        "who": "my husband",
        "urgent_now": "2",  # detained or about to be deported
        "detained_state": "Arizona",
        "contact_how": "1",
        "summary_detained": "1",
        "first_name": "skip",
        "share": "yes",
    }
    result = run(engine_with(seen), answers)
    assert len(result.asked) <= 8  # consent, who, the urgent question, state, contact, ...
    assert "locator.ice.gov" in result.said
    assert {"detained-now", "urgent"} <= flow_tags(result)
    (case,) = seen
    assert case.state == "AZ" and not case.abroad and case.urgent
    assert len(result.referrals) == 1


@pytest.mark.parametrize(
    ("year_removed", "years_in_us", "age_at_arrival", "extra", "tagged"),
    [
        ("2015", "15", "5", {}, True),  # arrived 2000 at 5: 17 in 2012, in the U.S. then
        ("2015", "40", "5", {}, False),  # arrived 1975: 42 in 2012, over the age limit
        ("2012", "10", "5", {"removed_2012": "1"}, False),  # removed before 15 June 2012
        ("2012", "10", "5", {"removed_2012": "2"}, True),  # removed after 15 June 2012
        ("2015", "5", "5", {}, False),  # arrived 2010: not in the U.S. since 2007
        ("2015", "15", "17", {}, False),  # arrived at 17
        ("2015", "15", "5", {"times_removed": "2"}, False),  # removed twice: not one stay
    ],
)
def test_daca_era_checks_both_dates_from_the_years_answered(
    year_removed: str, years_in_us: str, age_at_arrival: str, extra: dict[str, str], tagged: bool
) -> None:
    answers = {
        **VETERAN,
        "year_removed": year_removed,
        "years_in_us": years_in_us,
        "age_at_arrival": age_at_arrival,
        **extra,
    }
    result = run(engine_with([]), answers)
    assert ("daca-era" in flow_tags(result)) is tagged


@pytest.mark.parametrize(
    ("kind", "extra", "expected", "absent"),
    [
        ("2", {"notice": "no"}, {"in-absentia", "notice-problem", "procedural-defect"}, set()),
        ("2", {"notice": "yes", "custody_day": "yes"}, {"custody-at-hearing"}, set()),
        ("3", {}, {"stipulated-removal", "procedural-defect"}, set()),
        ("5", {}, {"border-return"}, {"procedural-defect", "stipulated-removal"}),
        ("7", {}, {"voluntary-departure"}, {"procedural-defect"}),
    ],
)
def test_how_they_were_removed_sets_tags_for_a_lawyer_to_look_at(
    kind: str, extra: dict[str, str], expected: set[str], absent: set[str]
) -> None:
    answers = {
        **VETERAN,
        "removal_kind": kind,
        "hearing": "yes",
        "notice": "yes",
        "custody_day": "no",
        **extra,
    }
    tags = flow_tags(run(engine_with([]), answers))
    assert expected <= tags and not absent & tags


def test_the_petition_is_asked_whatever_the_family_answer() -> None:
    result = run(engine_with([]), {**VETERAN, "us_family": "no", "petition": "yes"})
    assert "petition" in result.asked
    assert "pathway-to-status" in flow_tags(result)


def test_an_expunged_record_is_not_conviction_relief() -> None:
    tags = flow_tags(run(engine_with([]), {**VETERAN, "conviction_status": "4"}))
    assert "conviction-record-changed" in tags and "conviction-relief" not in tags


def test_years_ago_and_in_words_answer_the_year_question() -> None:
    result = run(engine_with([]), {**VETERAN, "year_removed": "5 years ago"})
    assert result.state.answers["year_removed"] == NOW.year - 5


def test_change_something_picks_one_answer_and_comes_back_to_the_summary() -> None:
    first = run(engine_with([]), {k: v for k, v in VETERAN.items() if k != "summary"})
    assert first.asked[-1] == "summary"
    changed = run(
        engine_with([]),
        {"summary": "2", "change_which": "2", "year_removed": "2010"},
        state=first.state,
    )
    # Nothing else is asked again between the changed answer and the summary.
    assert changed.asked[:3] == ["change_which", "year_removed", "summary"]
    assert changed.state.answers["year_removed"] == 2010
    assert "Last deported: 2010" in changed.messages[2].text


def test_changing_the_country_to_the_us_forgets_the_removal_history() -> None:
    first = run(engine_with([]), {k: v for k, v in VETERAN.items() if k != "summary"})
    changed = run(
        engine_with([]),
        {"summary": "2", "change_which": "1", "country": "USA"},
        state=first.state,
    )
    assert "do not send more details" in changed.said
    assert set(changed.state.answers) == {"consent", "who", "urgent_now"}


def test_no_group_to_receive_says_so_and_never_says_sent() -> None:
    result = run(engine_with([], partner=None), VETERAN)
    assert result.referrals == []
    assert "nothing was sent" in result.said and "+1 555 0100" in result.said
    assert "Sent" not in result.said


def test_no_to_the_first_consent_asks_nothing_and_sends_nothing() -> None:
    result = run(engine_with([]), {"consent": "no"})
    assert result.asked == ["consent"] and result.referrals == []
    assert result.state.answers == {"consent": "no"}


def test_no_to_sharing_sends_nothing_and_keeps_no_first_name() -> None:
    result = run(engine_with([]), {**VETERAN, "share": "no"})
    assert result.referrals == [] and "nothing was sent" in result.said
    assert "first_name" not in result.state.answers


def test_the_common_path_stays_near_what_the_consent_says(flow: Flow) -> None:
    result = run(engine_with([]), {**VETERAN, "military": "no", "conviction": "no"})
    said = re.search(r"About (\d+) short questions", result.said)
    assert said is not None
    assert abs(len(set(result.asked)) - int(said[1])) <= 3


def test_an_answer_left_from_a_path_no_longer_taken_is_not_on_the_path(flow: Flow) -> None:
    absent = {**VETERAN, "removal_kind": "2", "notice": "no", "custody_day": "no"}
    first = run(engine_with([]), {k: v for k, v in absent.items() if k != "summary"})
    assert "notice-problem" in flow.tags_for(flow.on_path(first.state.answers))
    changed = run(
        engine_with([]),
        {"summary": "2", "change_which": "3", "removal_kind": "1"},
        state=first.state,
    )
    assert "notice" in changed.state.answers  # still in the conversation...
    on_path = flow.on_path(changed.state.answers)
    assert "notice" not in on_path and "removal_kind" in on_path  # ...but not on its path
    assert not {"notice-problem", "in-absentia"} & flow.tags_for(on_path)


@pytest.mark.parametrize(
    ("reply", "locale", "expected"),
    [
        ("soy su hija", "es", "family"),
        ("hija", "es", "family"),
        ("mi papá", "es", "family"),
        ("my dad", "en", "family"),
        ("daughter", "en", "family"),
        ("mwen se sè li", "ht", "family"),
        ("我是他女儿", "zh_Hans", "family"),
        ("I was deported myself", "en", "self"),
        ("yo", "es", "self"),
    ],
)
def test_who_is_writing_in_their_own_words(
    flow: Flow, reply: str, locale: str, expected: str
) -> None:
    from bot.core import answers

    question = flow.nodes["who"].question
    assert question is not None
    assert answers.parse(question, reply, locale, 2026) == answers.Accepted(expected)


@pytest.mark.parametrize(
    ("reply", "locale", "year"),
    [
        ("5 years ago", "en", 2021),
        ("hace 5 años", "es", 2021),
        ("en 2019", "es", 2019),
        ("in 2019", "en", 2019),
        ("il y a 3 ans", "fr", 2023),
        ("5年前", "zh_Hans", 2021),
    ],
)
def test_a_year_as_people_say_it(flow: Flow, reply: str, locale: str, year: int) -> None:
    from bot.core import answers

    question = flow.nodes["year_removed"].question
    assert question is not None
    assert answers.parse(question, reply, locale, 2026) == answers.Accepted(year)


def test_docs_list_the_number_of_questions_on_each_path() -> None:
    """docs/screening.md's table, from scripted runs of the real flow."""
    docs = (FLOWS_DIR.parents[1] / "docs" / "screening.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| (.+?) \| (\d+) \|$", docs, flags=re.MULTILINE))
    common = {**VETERAN, "military": "no", "conviction": "no", "contact_how": "1"}
    absent = {**common, "removal_kind": "2", "notice": "no", "custody_day": "no"}
    detained = {
        "consent": "yes",
        "who": "2",
        "urgent_now": "2",
        "detained_state": "AZ",
        "contact_how": "1",
        "summary_detained": "1",
        "first_name": "skip",
        "share": "yes",
    }
    paths = {
        "common: a relative writes, a hearing with a judge, no service, no conviction": common,
        "removal while absent (notice, custody)": absent,
        "a veteran with a conviction who asks for a call": VETERAN,
        "a relative detained now": detained,
        "the deported person is in the U.S. now": {**VETERAN, "country": "USA"},
    }
    counted = {
        name: str(len(run(engine_with([]), answers).asked)) for name, answers in paths.items()
    }
    assert table == counted

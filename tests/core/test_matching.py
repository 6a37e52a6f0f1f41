"""Matching partners to a screening: filters, weights, reasons, fair spreading, the fallback."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

import pytest

from bot.core.matching import (
    INTERPRETER_REASON,
    NATIONAL_REASON,
    NO_MATCH_REASON,
    ROOM_REASON,
    TAG_PHRASES,
    choose,
    rank,
)
from bot.core.partners import Case, Intake, Match, Partner
from bot.core.tags import TAGS

BASE = Partner(
    id="base",
    name="Base",
    services=frozenset({"legal"}),
    national=True,
    languages=frozenset({"en", "es"}),
    takes_deported=True,
    weekly_capacity=10,
    intake=Intake(email="intake@example.org"),
)


def org(id: str, **changes: object) -> Partner:
    """A partner that can take any case unless `changes` say otherwise."""
    return replace(BASE, id=id, name=id.title(), **changes)  # type: ignore[arg-type]


def case(*tags: str, **changes: object) -> Case:
    """A Spanish-speaking person who lived in California and is now in Mexico."""
    base = Case(tags=frozenset(tags), language="es", state="CA", country="MX")
    return replace(base, **changes)  # type: ignore[arg-type]


def ids(matches: Sequence[Match]) -> list[str]:
    return [match.partner.id for match in matches]


FALLBACK = org("coalition-intake", general_intake=True)


@pytest.mark.parametrize(
    ("the_case", "partners", "expected"),
    [
        pytest.param(
            case("veteran"),
            [org("california", national=False, states=frozenset({"CA"})),
             org("vets", specialties=frozenset({"veteran"}))],
            ["vets", "california"],
            id="specialty-beats-geography",
        ),
        pytest.param(
            case("veteran"),
            [org("vets-english", languages=frozenset({"en"}), specialties=frozenset({"veteran"})),
             org("california", national=False, states=frozenset({"CA"}),
                 countries=frozenset({"MX"}))],
            ["vets-english", "california"],
            id="specialty-beats-language-and-geography",
        ),
        pytest.param(
            case("in-absentia", "procedural-defect"),
            [org("one", specialties=frozenset({"in-absentia"})),
             org("two", specialties=frozenset({"in-absentia", "procedural-defect"}))],
            ["two", "one"],
            id="each-matching-tag-adds",
        ),
        pytest.param(
            case(),
            [org("english", languages=frozenset({"en"})),
             org("bilingual", languages=frozenset({"en", "es"}))],
            ["bilingual", "english"],
            id="language-preferred-english-kept-with-interpreter",
        ),
        pytest.param(
            case(),
            [org("english-in-state", languages=frozenset({"en"}), national=False,
                 states=frozenset({"CA"})),
             org("spanish-national")],
            ["spanish-national", "english-in-state"],
            id="language-beats-geography",
        ),
        pytest.param(
            case(language="ht"),
            [org("spanish-only", languages=frozenset({"es"})),
             org("creole", languages=frozenset({"ht", "fr"})),
             org("english", languages=frozenset({"en"}))],
            ["creole", "english"],
            id="neither-the-language-nor-english-excluded",
        ),
        pytest.param(
            case(language="en"),
            [org("spanish-only", languages=frozenset({"es"})), org("english")],
            ["english"],
            id="english-speaker-needs-english",
        ),
        pytest.param(
            case(language="pt-BR"),
            [org("english", languages=frozenset({"en"})),
             org("portuguese", languages=frozenset({"pt_BR"}))],
            ["portuguese", "english"],
            id="regional-locale-matches-language",
        ),
        pytest.param(
            case(),
            [org("national"),
             org("california", national=False, states=frozenset({"CA", "NV"})),
             org("texas", national=False, states=frozenset({"TX"}))],
            ["california", "national"],
            id="state-above-national-other-state-excluded",
        ),
        pytest.param(
            case(state=None),
            [org("california", national=False, states=frozenset({"CA"})), org("national")],
            ["national"],
            id="unknown-state-national-only",
        ),
        pytest.param(
            case(),
            [org("nowhere", national=False), org("national")],
            ["national"],
            id="neither-national-nor-states-excluded",
        ),
        pytest.param(
            case(),
            [org("anywhere"),
             org("mexico", countries=frozenset({"MX", "GT"})),
             org("haiti", countries=frozenset({"HT"}))],
            ["mexico", "anywhere"],
            id="country-restriction",
        ),
        pytest.param(
            case(country=None),
            [org("mexico", countries=frozenset({"MX"})), org("anywhere")],
            ["anywhere"],
            id="unknown-country-restricted-excluded",
        ),
        pytest.param(
            case(),
            [org("before-removal-only", takes_deported=False), org("ok")],
            ["ok"],
            id="takes-deported-false-excluded",
        ),
        pytest.param(
            case(),
            [org("advocacy", services=frozenset({"advocacy", "organizing"})), org("ok")],
            ["ok"],
            id="non-legal-excluded",
        ),
        pytest.param(
            case(),
            [org("no-intake", intake=None),
             org("unsigned-webhook", intake=Intake(webhook_url="https://example.org/hook")),
             org("webhook",
                 intake=Intake(webhook_url="https://example.org/h", webhook_secret="s"))],
            ["webhook"],
            id="no-reachable-intake-excluded",
        ),
        pytest.param(
            case(),
            [org("no-capacity", weekly_capacity=0), org("ok")],
            ["ok"],
            id="zero-capacity-excluded",
        ),
        pytest.param(
            case(),
            [FALLBACK, org("ok")],
            ["ok"],
            id="general-intake-not-ranked",
        ),
    ],
)  # fmt: skip
def test_rank_filters_and_orders(
    the_case: Case, partners: list[Partner], expected: list[str]
) -> None:
    assert ids(rank(the_case, partners, spread_key="ref-0")) == expected


@pytest.mark.parametrize(
    ("load", "expected"),
    [
        ({}, ["a", "b"]),
        ({"a": 9}, ["a", "b"]),
        ({"a": 10}, ["b"]),
        ({"a": 12, "b": 10}, []),
    ],
    ids=["empty", "one-left", "at-capacity", "over-capacity"],
)
def test_full_partners_do_not_appear(load: Mapping[str, int], expected: list[str]) -> None:
    # "a" is the better match, so it leads as long as it has any room.
    partners = [org("a", specialties=frozenset({"veteran"})), org("b")]
    assert ids(rank(case("veteran"), partners, load)) == expected


@pytest.mark.parametrize(
    ("urgent", "partners", "load", "expected", "room_for"),
    [
        pytest.param(
            True,
            [org("busy", weekly_capacity=10), org("roomy", weekly_capacity=10)],
            {"busy": 6, "roomy": 1},
            ["roomy", "busy"],
            {"roomy"},
            id="urgent-prefers-spare-capacity",
        ),
        pytest.param(
            False,
            [org("busy", weekly_capacity=10), org("roomy", weekly_capacity=10)],
            {"busy": 6, "roomy": 1},
            ["roomy", "busy"],
            set(),
            id="not-urgent-no-room-reason",
        ),
        pytest.param(
            True,
            [org("big", weekly_capacity=100), org("small", weekly_capacity=2)],
            {"big": 60, "small": 0},
            ["small", "big"],
            {"small"},
            id="room-is-a-share-of-capacity",
        ),
        pytest.param(
            True,
            [org("roomy-national"),
             org("busy-california", national=False, states=frozenset({"CA"}))],
            {"busy-california": 9},
            ["busy-california", "roomy-national"],
            {"roomy-national"},
            id="room-never-outweighs-geography",
        ),
    ],
)  # fmt: skip
def test_urgent_cases_prefer_room(
    urgent: bool,
    partners: list[Partner],
    load: Mapping[str, int],
    expected: list[str],
    room_for: set[str],
) -> None:
    ranked = rank(case(urgent=urgent), partners, load, spread_key="ref-1")
    assert ids(ranked) == expected
    assert {m.partner.id for m in ranked if ROOM_REASON in m.reasons} == room_for


@pytest.mark.parametrize(
    ("the_case", "partner", "reasons"),
    [
        pytest.param(
            case("veteran", "fear-of-harm", "answered-by-family"),
            org("vets", specialties=frozenset({"veteran", "in-absentia"})),
            ("works with deported veterans", "speaks Spanish", NATIONAL_REASON),
            id="specialty-language-national",
        ),
        pytest.param(
            case(language="ht"),
            org("california", languages=frozenset({"en"}), national=False,
                states=frozenset({"CA"}), countries=frozenset({"MX"})),
            (INTERPRETER_REASON, "serves people who lived in California",
             "works with people now in Mexico"),
            id="interpreter-state-country",
        ),
        pytest.param(
            case(language="ht", urgent=True),
            org("creole", languages=frozenset({"ht"})),
            ("speaks Haitian Creole", NATIONAL_REASON, ROOM_REASON),
            id="urgent-room",
        ),
    ],
)  # fmt: skip
def test_reasons(the_case: Case, partner: Partner, reasons: tuple[str, ...]) -> None:
    (match,) = rank(the_case, [partner])
    assert match.reasons == reasons


def test_score_weights_follow_the_documented_table() -> None:
    # 2 specialties x 100 + language 40 + state 20 + country 10 + room 5.
    partner = org(
        "all",
        specialties=frozenset({"veteran", "in-absentia"}),
        national=False,
        states=frozenset({"CA"}),
        countries=frozenset({"MX"}),
    )
    (match,) = rank(case("veteran", "in-absentia", "urgent", urgent=True), [partner])
    assert match.score == 275
    (national,) = rank(case(language="vi"), [org("national")])
    assert national.score == 10


def simulate(
    partners: Sequence[Partner], cases: int, *, feed_back: bool = True, weekly: bool = False
) -> Counter[str]:
    """Choose a partner for `cases` referrals in turn; with `weekly`, a case that finds
    everybody full starts a new week (an empty load)."""
    load: Counter[str] = Counter()
    chosen: Counter[str] = Counter()
    for n in range(cases):
        key = f"ref-{n}"
        found = choose(case(), partners, load, spread_key=key, fallback=FALLBACK)
        assert found is not None
        if weekly and found.partner is FALLBACK:
            load.clear()
            found = choose(case(), partners, load, spread_key=key, fallback=FALLBACK)
            assert found is not None
        chosen[found.partner.id] += 1
        if feed_back:
            load[found.partner.id] += 1
    return chosen


@pytest.mark.parametrize(
    ("capacities", "feed_back", "weekly", "expected"),
    [
        pytest.param((1000, 1000), True, False, (500, 500), id="equal-alternate"),
        pytest.param((3000, 1000), True, False, (750, 250), id="load-follows-capacity"),
        pytest.param((3, 1), True, True, (750, 250), id="small-capacities-week-by-week"),
        pytest.param((1000, 1000), False, False, (500, 500), id="equal-load-spread-by-hash"),
    ],
)
def test_equals_share_the_load_fairly(
    capacities: tuple[int, int], feed_back: bool, weekly: bool, expected: tuple[int, int]
) -> None:
    partners = [org("a", weekly_capacity=capacities[0]), org("b", weekly_capacity=capacities[1])]
    chosen = simulate(partners, 1000, feed_back=feed_back, weekly=weekly)
    assert sum(chosen.values()) == 1000
    # Fed-back load keeps the split within a case or two; a hash alone within 5 %.
    tolerance = 2 if feed_back else 50
    assert abs(chosen["a"] - expected[0]) <= tolerance
    assert abs(chosen["b"] - expected[1]) <= tolerance


def test_equal_partners_alternate_with_the_referral() -> None:
    partners = [org("a"), org("b")]
    firsts = {ids(rank(case(), partners, spread_key=f"ref-{n}"))[0] for n in range(20)}
    assert firsts == {"a", "b"}


@pytest.mark.parametrize(
    ("partners", "fallback", "expected"),
    [
        pytest.param([org("before-removal-only", takes_deported=False)], FALLBACK,
                     Match(FALLBACK, 0, (NO_MATCH_REASON,)), id="no-match-general-intake"),
        pytest.param([], FALLBACK, Match(FALLBACK, 0, (NO_MATCH_REASON,)), id="empty-directory"),
        pytest.param([org("texas", national=False, states=frozenset({"TX"}))], None, None,
                     id="no-fallback-none"),
        pytest.param([], replace(FALLBACK, intake=None), None, id="unreachable-fallback-none"),
        pytest.param([org("full", weekly_capacity=1)], FALLBACK,
                     Match(FALLBACK, 0, (NO_MATCH_REASON,)), id="everyone-full"),
    ],
)  # fmt: skip
def test_choose_falls_back_to_the_general_intake(
    partners: list[Partner], fallback: Partner | None, expected: Match | None
) -> None:
    assert choose(case(), partners, {"full": 1}, spread_key="r", fallback=fallback) == expected


def test_choose_takes_the_best_match() -> None:
    partners = [org("plain"), org("vets", specialties=frozenset({"veteran"}))]
    found = choose(case("veteran"), partners, spread_key="r", fallback=FALLBACK)
    assert found is not None
    assert found.partner.id == "vets"


def test_rank_is_deterministic() -> None:
    vets = frozenset({"veteran"})
    partners = [org(f"p{n}", specialties=vets if n % 3 else frozenset()) for n in range(9)]
    load = {"p1": 3, "p2": 3, "p4": 1}
    first = rank(case("veteran"), partners, load, spread_key="ref-42")
    assert rank(case("veteran"), partners, load, spread_key="ref-42") == first
    assert rank(case("veteran"), partners[::-1], load, spread_key="ref-42") == first


def test_every_tag_has_a_phrase() -> None:
    assert set(TAG_PHRASES) == set(TAGS)


def test_reasons_never_judge_the_person() -> None:
    partners = [
        org("all-tags", specialties=frozenset(TAGS), countries=frozenset({"MX"})),
        org("state", national=False, states=frozenset({"CA"}), languages=frozenset({"en"})),
    ]
    cases = [case(*TAGS, urgent=True), case(language="km"), case(language="en")]
    reasons = [r for c in cases for m in rank(c, partners) for r in m.reasons]
    reasons += [NO_MATCH_REASON, *TAG_PHRASES.values()]
    assert reasons
    for reason in reasons:
        assert "qualif" not in reason.lower()
        assert "eligib" not in reason.lower()
        assert "you" not in reason.lower().split()
        assert reason == reason.strip() and reason[0].islower()


def test_case_tags_the_partner_lacks_add_nothing() -> None:
    many = rank(case(*itertools.islice(TAGS, 5)), [org("plain")])
    none = rank(case(), [org("plain")])
    assert [m.score for m in many] == [m.score for m in none]

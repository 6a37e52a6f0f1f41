"""Rank the coalition's partners for a finished screening, with reasons a person can read."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from babel import Locale

from bot.core.geo import country_name, us_state_name
from bot.core.partners import Case, Match, Partner

__all__ = [
    "COUNTRY_POINTS",
    "INTERPRETER_REASON",
    "LANGUAGE_POINTS",
    "NATIONAL_POINTS",
    "NATIONAL_REASON",
    "NO_MATCH_REASON",
    "ROOM_POINTS",
    "ROOM_REASON",
    "SPECIALTY_POINTS",
    "STATE_POINTS",
    "TAG_PHRASES",
    "choose",
    "rank",
]

# Scoring. A partner is first filtered, then scored by adding these points:
#
#   what                                                    points  reason shown
#   each case tag that is one of the partner's specialties    100   TAG_PHRASES[tag]
#   speaks the person's language (English for English)         40   "speaks Spanish"
#   English only, for a person answering in another language    0   INTERPRETER_REASON
#   serves people who lived in the case's U.S. state           20   "serves people who lived in…"
#   national organization (serves people from every state)     10   "national organization"
#   works only with people now in the person's country         10   "works with people now in…"
#   urgent case, and under half of this week's capacity used    5   "has room this week"
#
# One matching specialty (100) outweighs everything below it together (40 + 20 + 10 + 5), and
# language (40) outweighs all of geography and capacity (35): the order is specialties, then
# language, then geography, then room for urgent cases. A state partner scores above a
# national one: it knows the local courts and the circuit law that applies. Room (5) is below
# every geography step, so it only separates partners that are otherwise equal, where the
# share-of-capacity tie-break already puts the roomier one first; it says so to the person.
SPECIALTY_POINTS = 100
LANGUAGE_POINTS = 40
STATE_POINTS = 20
NATIONAL_POINTS = 10
COUNTRY_POINTS = 10
ROOM_POINTS = 5

ENGLISH = "en"

# What a partner's specialty means, said of the partner: never a finding about the person.
TAG_PHRASES: Mapping[str, str] = {
    "answered-by-self": "talks directly with deported people",
    "answered-by-family": "works with families of deported people",
    "answered-by-advocate": "works with advocates and lawyers",
    "urgent": "responds to urgent cases",
    "veteran": "works with deported veterans",
    "daca-eligible": "works with people who grew up in the U.S. in the DACA years",
    "criminal-legal-system": "works on deportations that followed a criminal case",
    "conviction-relief": "works on vacated, pardoned or pending convictions",
    "pathway-to-status": "works on paths to status through family or past status",
    "procedural-defect": "looks at removals without a hearing, a lawyer or notice",
    "in-absentia": "works on removal orders given while a person was absent",
    "expedited-removal": "works on removals by officers at the border or an airport",
    "stipulated-removal": "works on removals agreed to on paper",
    "reinstatement": "works on old removal orders used again",
    "multiple-removals": "works with people removed more than once",
    "pending-case": "works on appeals and pending cases",
    "fear-of-harm": "works with people who fear harm where they are",
    "us-citizen-family": "works with families of U.S. citizens and residents",
    "long-residence": "works with people who lived in the U.S. a long time",
    "arrived-as-child": "works with people who came to the U.S. as children",
}
# For a tag added to bot/core/tags.py before it gets a phrase here (a test watches for it).
_ANY_TAG_PHRASE = "works on cases like this one"

INTERPRETER_REASON = "works in English; an interpreter may be needed"
NATIONAL_REASON = "national organization"
ROOM_REASON = "has room this week"
NO_MATCH_REASON = "no partner matched every need; the coalition's general intake will find one"


@dataclass(frozen=True, slots=True)
class _Points:
    """Part of a partner's score, and the reasons that earned it."""

    points: int
    reasons: tuple[str, ...] = ()


def rank(
    case: Case,
    partners: Sequence[Partner],
    load: Mapping[str, int] | None = None,
    *,
    spread_key: str = "",
) -> tuple[Match, ...]:
    """The partners that may take `case`, best first, each with its score and reasons.

    A partner is left out unless it can receive referrals at all (legal, reachable intake,
    some capacity), is not the general intake, takes cases of people already deported, has
    room this week (`load`: partner id -> referrals already sent this week), works in the
    person's language or in English, and serves where the person lived and where they are now.
    Among equal scores the partner with the smallest share of its capacity used comes first,
    then a stable hash of (`spread_key`, partner id) decides, so that equal partners take
    turns across cases (the caller passes the referral id).
    """
    load = load or {}
    ranked: list[tuple[tuple[int, Fraction, bytes, str], Match]] = []
    for partner in partners:
        if partner.general_intake or not partner.can_receive or not partner.takes_deported:
            continue
        used = max(load.get(partner.id, 0), 0)
        if used >= partner.weekly_capacity:
            continue
        language = _language(case.language, partner)
        geography = _geography(case, partner)
        if language is None or geography is None:
            continue
        scored = [_specialties(case, partner), language, geography]
        if case.urgent and 2 * used < partner.weekly_capacity:
            scored.append(_Points(ROOM_POINTS, (ROOM_REASON,)))
        score = sum(part.points for part in scored)
        reasons = tuple(reason for part in scored for reason in part.reasons)
        share = Fraction(used, partner.weekly_capacity)
        key = (-score, share, _spread(spread_key, partner.id), partner.id)
        ranked.append((key, Match(partner=partner, score=score, reasons=reasons)))
    ranked.sort(key=lambda item: item[0])
    return tuple(match for _, match in ranked)


def choose(
    case: Case,
    partners: Sequence[Partner],
    load: Mapping[str, int] | None = None,
    *,
    spread_key: str = "",
    fallback: Partner | None,
) -> Match | None:
    """The best partner for `case`; else the coalition's general intake; else None.

    The general intake (`fallback`) is the last resort: it takes a case whatever its load, so
    nobody is turned away, but only if it has an intake that can be delivered to.
    """
    ranked = rank(case, partners, load, spread_key=spread_key)
    if ranked:
        return ranked[0]
    if fallback is None or fallback.intake is None or not fallback.intake.reachable:
        return None
    return Match(partner=fallback, score=0, reasons=(NO_MATCH_REASON,))


def _specialties(case: Case, partner: Partner) -> _Points:
    """Points and phrases for the case's tags the partner is known for, in a stable order."""
    shared = sorted(case.tags & partner.specialties)
    phrases = tuple(dict.fromkeys(TAG_PHRASES.get(tag, _ANY_TAG_PHRASE) for tag in shared))
    return _Points(SPECIALTY_POINTS * len(shared), phrases)


def _language(language: str, partner: Partner) -> _Points | None:
    """Whether the partner can work in the person's language, or in English with help.

    Languages match on their primary subtag: a partner listing pt_BR serves a person writing
    in pt or pt-BR. A partner that does not speak the person's language but works in English
    is kept, with no language points: most U.S. legal services take such a case with an
    interpreter, and excluding them would leave speakers of smaller languages with nobody.
    A partner that speaks neither is left out.
    """
    wanted = _primary(language)
    spoken = {_primary(code) for code in partner.languages}
    if wanted in spoken:
        return _Points(LANGUAGE_POINTS, (f"speaks {_language_name(wanted)}",))
    if ENGLISH in spoken:
        return _Points(0, (INTERPRETER_REASON,))
    return None


def _geography(case: Case, partner: Partner) -> _Points | None:
    """Whether the partner serves where the person lived in the U.S. and where they are now.

    A national partner serves people who lived in any state; a state partner only people who
    lived in one of its states, so an unknown state leaves only national partners. A partner
    that is neither serves nobody: an organization abroad that helps people from every state
    is entered as national. A partner with countries serves only people now in one of them
    (an unknown country leaves it out); one without serves people anywhere.
    """
    state = (case.state or "").strip().upper()
    country = (case.country or "").strip().upper()
    reasons: list[str] = []
    points = 0
    if state and state in partner.states:
        points += STATE_POINTS
        reasons.append(f"serves people who lived in {us_state_name(state)}")
    elif partner.national:
        points += NATIONAL_POINTS
        reasons.append(NATIONAL_REASON)
    else:
        return None
    if partner.countries:
        if country not in partner.countries:
            return None
        points += COUNTRY_POINTS
        reasons.append(f"works with people now in {country_name(country)}")
    return _Points(points, tuple(reasons))


def _spread(spread_key: str, partner_id: str) -> bytes:
    """A stable pseudo-random order of partners that changes from one case to the next."""
    return hashlib.sha256(f"{spread_key}\x1f{partner_id}".encode()).digest()


def _primary(language: str) -> str:
    """The primary language subtag of a locale code: "pt_BR" and "pt-br" -> "pt"."""
    return language.strip().replace("-", "_").split("_")[0].lower()


@lru_cache(maxsize=64)
def _language_name(code: str) -> str:
    """The English name of a language code ("ht" -> "Haitian Creole"), or the code."""
    return Locale("en").languages.get(code) or code

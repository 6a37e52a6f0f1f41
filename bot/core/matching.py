"""Rank the coalition's partners for a finished screening, with reasons a person can read."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Literal

from babel import Locale

from bot.core.geo import country_name, us_state_name
from bot.core.partners import Case, Match, Partner
from bot.core.tags import tags_of_kind

__all__ = [
    "CONTEXT_POINTS",
    "CONVICTION_TAGS",
    "CORE_POINTS",
    "COUNTRY_POINTS",
    "INTERPRETER_REASON",
    "LANGUAGE_POINTS",
    "LEGAL_POINTS",
    "NATIONAL_POINTS",
    "NATIONAL_REASON",
    "NO_MATCH_REASON",
    "REOPENING_TAGS",
    "ROOM_POINTS",
    "ROOM_REASON",
    "STATE_POINTS",
    "TAG_PHRASES",
    "Place",
    "choose",
    "governing_place",
    "rank",
]

# Scoring. A partner is first filtered, then scored by adding these points:
#
#   what                                                     points  reason shown
#   each core need of the case among its specialties         10000  TAG_PHRASES[tag]
#   each legal fact of the case among its specialties          400  TAG_PHRASES[tag]
#   serves the state the case belongs to (see below)            200  "serves people who lived
#                                                                    in Texas" (or the court's,
#                                                                    or the conviction's state)
#   national organization (serves people from every state)     100  "national organization"
#   works only with people now in the person's country          40  "works with people now in…"
#   speaks the person's language (English for English)          20  "speaks Spanish"
#   English only, for a person answering in another language     0  INTERPRETER_REASON
#   urgent case, and under half of this week's capacity used    10  "has room this week"
#   each context tag of the case among its specialties            1  TAG_PHRASES[tag]
#   a priority tag (fear of harm, urgent) among its specialties   0  nothing
#
# Each line outweighs every line below it together (a test computes it from the tag
# vocabulary), so the order is strict: the legal needs that decide the specialist, then the
# facts that narrow the specialty, then where the case belongs, then the person's country,
# language, room for an urgent case, and last the context (who is writing, long residence,
# U.S.-citizen family), which only breaks ties. Fear of harm and urgency make a case more
# pressing, never a partner a better fit: they earn the room bonus and the referral's
# `urgent` flag, and a partner listing `fear-of-harm` gets nothing for it (people abroad
# cannot apply for asylum; a veteran who fears harm still needs a veterans' lawyer).
CORE_POINTS = 10_000
LEGAL_POINTS = 400
STATE_POINTS = 200
NATIONAL_POINTS = 100
COUNTRY_POINTS = 40
LANGUAGE_POINTS = 20
ROOM_POINTS = 10
CONTEXT_POINTS = 1

CORE = tags_of_kind("core")
LEGAL = tags_of_kind("legal")
CONTEXT = tags_of_kind("context")
PRIORITY = tags_of_kind("priority")

# Where a case belongs. Reopening is asked of the immigration court that ordered the removal,
# under the law of its circuit: the court's state. Post-conviction relief is state law, asked
# of the court that convicted: the conviction's state. Anything else: where the person lived.
REOPENING_TAGS = frozenset(
    {
        "in-absentia",
        "procedural-defect",
        "stipulated-removal",
        "notice-problem",
        "custody-at-hearing",
        "pending-case",
    }
)
CONVICTION_TAGS = frozenset(
    {
        "conviction-relief",
        "conviction-caused-removal",
        "no-plea-warning",
        "conviction-record-changed",
    }
)
# Specialties that only help where the partner can act: a court in another state cannot vacate
# a conviction, and a detained person needs someone who can reach the detention center. For
# these a partner's specialty counts only if it serves that state or is national.
_DETAINED = frozenset({"detained-now"})

ENGLISH = "en"

# What a partner's specialty means, said of the partner: never a finding about the person.
TAG_PHRASES: Mapping[str, str] = {
    # context
    "answered-by-self": "talks directly with deported people",
    "answered-by-family": "works with families of deported people",
    "answered-by-advocate": "works with advocates and lawyers",
    "us-citizen-family": "works with families of U.S. citizens and residents",
    "long-residence": "works with people who lived in the U.S. a long time",
    "arrived-as-child": "works with people who came to the U.S. as children",
    # core
    "veteran": "works with deported veterans",
    "daca-era": "works with people who grew up in the U.S. in the DACA years",
    "conviction-relief": "works on convictions vacated, pardoned or still in court",
    "in-absentia": "works on removal orders given while a person was absent",
    "stipulated-removal": "works on removals agreed to on paper",
    "procedural-defect": "looks at removals without a hearing, notice or a chance to attend",
    "pathway-to-status": "works on paths to status through family or past status",
    "possible-citizen": "works on U.S. citizenship through a parent",
    "detained-now": "works with people in immigration detention",
    # legal
    "criminal-legal-system": "works on deportations that followed a criminal case",
    "conviction-caused-removal": "works on removals that followed a conviction",
    "no-plea-warning": "works on guilty pleas taken without a warning about deportation",
    "conviction-record-changed": "works on expunged and sealed records",
    "notice-problem": "works on hearing notices that did not reach people",
    "custody-at-hearing": "works on hearings missed in custody or in hospital",
    "expedited-removal": "works on removals by officers at the border or an airport",
    "border-return": "works on returns at the border",
    "voluntary-departure": "works on voluntary departure",
    "reinstatement": "works on old removal orders used again",
    "multiple-removals": "works with people removed more than once",
    "pending-case": "works on appeals and pending cases",
    "lawful-status-before": "works with people who held papers before removal",
    "crime-victim": "works with victims of crime",
    "family-abuse": "works with survivors of abuse in the family",
    "va-benefits": "works on VA benefits and health care",
    # priority: never shown as a reason (they earn no points), kept for completeness
    "fear-of-harm": "works with people who fear harm where they are",
    "urgent": "responds to urgent cases",
}
# For a tag added to bot/core/tags.py before it gets a phrase here (a test watches for it).
_ANY_TAG_PHRASE = "works on cases like this one"

INTERPRETER_REASON = "works in English; an interpreter may be needed"
NATIONAL_REASON = "national organization"
ROOM_REASON = "has room this week"
NO_MATCH_REASON = "no partner matched every need; the coalition's general intake will find one"

Basis = Literal["lived", "court", "conviction"]


@dataclass(frozen=True, slots=True)
class Place:
    """The U.S. state a case belongs to (None: not known), and why that one."""

    state: str | None
    basis: Basis


@dataclass(frozen=True, slots=True)
class _Points:
    """Part of a partner's score, and the reasons that earned it."""

    points: int
    reasons: tuple[str, ...] = ()


def governing_place(case: Case) -> Place:
    """The state whose partners know the case best.

    Core needs before legal facts; at each level post-conviction relief before reopening,
    because only the convicting state's courts can give the first, while any lawyer can ask
    an immigration court to reopen. A known state of the court or the conviction is needed;
    otherwise where the person lived.
    """
    conviction = _state(case.conviction_state)
    court = _state(case.court_state)
    for level in (CORE, LEGAL):
        if conviction and case.tags & CONVICTION_TAGS & level:
            return Place(conviction, "conviction")
        if court and case.tags & REOPENING_TAGS & level:
            return Place(court, "court")
    return Place(_state(case.state), "lived")


def rank(
    case: Case,
    partners: Sequence[Partner],
    load: Mapping[str, int] | None = None,
    *,
    spread_key: str = "",
    exclude: Collection[str] = frozenset(),
) -> tuple[Match, ...]:
    """The partners that may take `case`, best first, each with its score and reasons.

    A partner is left out unless it can receive referrals at all (legal, reachable intake,
    some capacity), is not the general intake nor in `exclude` (partners already tried), has
    room this week (`load`: partner id -> referrals already sent this week), works in the
    person's language or in English, works with people now in the person's country (when it
    names countries), and takes cases of people already deported when the person is abroad
    (a relative detained in the U.S. is not). It must also fit the place or the need: serve
    the state the case belongs to (or every state), or share a core need of the case. So a
    veterans' specialist in another state is kept, a generalist in another state is not.

    Among equal scores the partner with the smallest share of its capacity used comes first,
    then a stable hash of (`spread_key`, partner id) decides, so that equal partners take
    turns across cases (the caller passes the referral id).
    """
    load = load or {}
    place = governing_place(case)
    urgent = case.urgent or bool(case.tags & PRIORITY)
    ranked: list[tuple[tuple[int, Fraction, bytes, str], Match]] = []
    for partner in partners:
        if partner.general_intake or not partner.can_receive or partner.id in exclude:
            continue
        if case.abroad and not partner.takes_deported:
            continue
        used = max(load.get(partner.id, 0), 0)
        if used >= partner.weekly_capacity:
            continue
        language = _language(case.language, partner)
        country = _country(case, partner)
        if language is None or country is None:
            continue
        core, legal, context = _specialties(case, partner)
        geography = _geography(place, partner)
        if geography is None and not core.points:
            continue
        scored = [core, legal, geography or _Points(0), country, language]
        if urgent and 2 * used < partner.weekly_capacity:
            scored.append(_Points(ROOM_POINTS, (ROOM_REASON,)))
        scored.append(context)
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
    exclude: Collection[str] = frozenset(),
) -> Match | None:
    """The best partner for `case`; else the coalition's general intake; else None.

    The general intake (`fallback`) is the last resort: it takes a case whatever its load, so
    nobody is turned away, but only if it has an intake that can be delivered to and is not
    in `exclude`.
    """
    ranked = rank(case, partners, load, spread_key=spread_key, exclude=exclude)
    if ranked:
        return ranked[0]
    if fallback is None or fallback.intake is None or not fallback.intake.reachable:
        return None
    if fallback.id in exclude:
        return None
    return Match(partner=fallback, score=0, reasons=(NO_MATCH_REASON,))


def _specialties(case: Case, partner: Partner) -> tuple[_Points, _Points, _Points]:
    """Points and phrases for the case's core, legal and context tags the partner is known for.

    A specialty that only helps in one place (post-conviction relief, detention) counts only
    when the partner serves that place. Priority tags are never a specialty here.
    """
    shared = case.tags & partner.specialties
    conviction_state = _state(case.conviction_state) or _state(case.state)
    if not _serves(partner, conviction_state):
        shared -= CONVICTION_TAGS
    if not _serves(partner, _state(case.state)):
        shared -= _DETAINED
    return (
        _tag_points(shared & CORE, CORE_POINTS),
        _tag_points(shared & LEGAL, LEGAL_POINTS),
        _tag_points(shared & CONTEXT, CONTEXT_POINTS),
    )


def _tag_points(tags: frozenset[str], each: int) -> _Points:
    phrases = tuple(dict.fromkeys(TAG_PHRASES.get(tag, _ANY_TAG_PHRASE) for tag in sorted(tags)))
    return _Points(each * len(tags), phrases)


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


def _geography(place: Place, partner: Partner) -> _Points | None:
    """Points for serving the state the case belongs to, or every state; None for neither.

    A partner that is neither national nor lists the state may still take the case as a
    specialist in one of its core needs (`rank` decides); an unknown state leaves only
    national partners and specialists.
    """
    if place.state and place.state in partner.states:
        name = us_state_name(place.state)
        reason = {
            "lived": f"serves people who lived in {name}",
            "court": f"works in {name}, where the immigration court was",
            "conviction": f"works in {name}, where the conviction was",
        }[place.basis]
        return _Points(STATE_POINTS, (reason,))
    if partner.national:
        return _Points(NATIONAL_POINTS, (NATIONAL_REASON,))
    return None


def _country(case: Case, partner: Partner) -> _Points | None:
    """A partner with countries serves only people now in one of them (an unknown country
    leaves it out); one without serves people anywhere, for no points."""
    if not partner.countries:
        return _Points(0)
    country = (case.country or "").strip().upper()
    if country not in partner.countries:
        return None
    return _Points(COUNTRY_POINTS, (f"works with people now in {country_name(country)}",))


def _serves(partner: Partner, state: str | None) -> bool:
    """Whether the partner serves people from `state` (a national one serves every state)."""
    return partner.national or (state is not None and state in partner.states)


def _state(code: str | None) -> str | None:
    """A USPS code as the directory writes it, or None."""
    cleaned = (code or "").strip().upper()
    return cleaned or None


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

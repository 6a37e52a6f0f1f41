"""Global commands, recognised before any flow so they are never taken as answers, and the
answer words (yes, no, skip) of every locale. The words come from bot/core/languages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum

from bot.core.geo import normalize
from bot.core.languages import LEXICONS
from bot.core.lexicon import Lexicon


class Keyword(StrEnum):
    """A command a person can send at any point of a conversation."""

    STOP = "stop"
    START = "start"
    HELP = "help"
    BACK = "back"
    RESTART = "restart"
    LANGUAGE = "language"
    DELETE = "delete"


def _normalized(spellings: Iterable[str]) -> frozenset[str]:
    return frozenset(said for said in map(normalize, spellings) if said)


def _table(read: Callable[[Lexicon], Iterable[str]]) -> Mapping[str, frozenset[str]]:
    return {code: _normalized(read(lexicon)) for code, lexicon in LEXICONS.items()}


# Per locale, the whole messages (after `normalize`) that mean each command. English is always
# checked too, because carriers and help texts use English words.
KEYWORDS: Mapping[str, Mapping[Keyword, frozenset[str]]] = {
    code: {keyword: _normalized(lexicon.commands.get(keyword.value, ())) for keyword in Keyword}
    for code, lexicon in LEXICONS.items()
}

# LANGUAGE must work for someone who cannot read the current language, and STOP for anyone who
# wants no more messages, so their words in every shipped language work in every conversation.
LANGUAGE_EVERYWHERE = frozenset().union(*(t[Keyword.LANGUAGE] for t in KEYWORDS.values()))
STOP_EVERYWHERE = frozenset().union(*(t[Keyword.STOP] for t in KEYWORDS.values()))

# While opted out, Twilio also treats YES as opting back in; so do we, and only then.
OPT_IN_WHILE_STOPPED = frozenset({"start", "unstop", "yes"})

# Answer words: yes, no, and "prefer not to say" for optional questions.
YES = _table(lambda lexicon: lexicon.yes)
NO = _table(lambda lexicon: lexicon.no)
SKIP = _table(lambda lexicon: lexicon.skip)
UNSURE = _table(lambda lexicon: lexicon.unsure)
# Words that make a number of years a time ago: "hace 5 años", "5 years ago".
AGO_BEFORE = _table(lambda lexicon: lexicon.ago_before)
AGO_AFTER = _table(lambda lexicon: lexicon.ago_after)
# Words around a number that do not change it: "about 20", "20 years old".
APPROXIMATELY = _table(lambda lexicon: lexicon.approximately)
NUMBER_UNITS = _table(lambda lexicon: lexicon.number_units)
# What people call each language ("español", "spanish"), so a name answers the language menu.
LANGUAGE_NAMES = _table(lambda lexicon: lexicon.language_names)


def words(table: Mapping[str, frozenset[str]], locales: Iterable[str]) -> frozenset[str]:
    """The union of a word table over `locales` and English."""
    found: set[str] = set(table.get("en", ()))
    for locale in locales:
        found |= table.get(locale, frozenset())
    return frozenset(found)


def match_keyword(text: str, locales: Iterable[str]) -> Keyword | None:
    """The command `text` is, if the whole message is one; otherwise None.

    Only a whole message counts: "stop" is a command, "please stop asking" is an answer.
    """
    said = normalize(text)
    if not said or len(said) > 40:
        return None
    if said in LANGUAGE_EVERYWHERE:
        return Keyword.LANGUAGE
    if said in STOP_EVERYWHERE:
        return Keyword.STOP
    for locale in ["en", *locales]:
        for keyword, spellings in KEYWORDS.get(locale, {}).items():
            if said in spellings:
                return keyword
    return None

"""Global commands, recognised before any flow so they are never taken as answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from bot.core.geo import normalize


class Keyword(StrEnum):
    """A command a person can send at any point of a conversation."""

    STOP = "stop"
    START = "start"
    HELP = "help"
    BACK = "back"
    RESTART = "restart"
    LANGUAGE = "language"
    DELETE = "delete"


# Per locale, the whole messages (after `normalize`) that mean each command. English is always
# checked too, because carriers and help texts use English words. The opt-out words follow
# the single-word keywords that Twilio itself intercepts on long codes, so the bot and the
# carrier agree on who has opted out.
KEYWORDS: Mapping[str, Mapping[Keyword, frozenset[str]]] = {
    "en": {
        Keyword.STOP: frozenset(
            {
                "stop",
                "stopall",
                "unsubscribe",
                "cancel",
                "end",
                "quit",
                "revoke",
                "optout",
                "opt out",
            }
        ),
        Keyword.START: frozenset({"start", "unstop"}),
        Keyword.HELP: frozenset({"help", "info"}),
        Keyword.BACK: frozenset({"back", "go back"}),
        Keyword.RESTART: frozenset({"restart", "start over"}),
        Keyword.LANGUAGE: frozenset({"language", "languages"}),
        Keyword.DELETE: frozenset({"delete", "erase", "delete my data"}),
    },
}

# LANGUAGE must work for someone who cannot read the current language, so its words in every
# language Homeward plans to offer are recognised whatever the conversation's locale.
LANGUAGE_EVERYWHERE = frozenset(
    {"language", "lang", "idioma", "langue", "lingua", "ngon ngu", "语言", "語言", "ភាសា"}
)

# While opted out, Twilio also treats YES as opting back in; so do we, and only then.
OPT_IN_WHILE_STOPPED = frozenset({"start", "unstop", "yes"})

# Answer words: yes, no, and "prefer not to say" for optional questions.
YES: Mapping[str, frozenset[str]] = {
    "en": frozenset(
        {
            "yes",
            "y",
            "yeah",
            "yea",
            "yep",
            "yup",
            "yes i do",
            "i do",
            "yes i did",
            "i did",
            "yes i was",
            "i was",
            "yes i have",
            "correct",
            "true",
        }
    ),
}
NO: Mapping[str, frozenset[str]] = {
    "en": frozenset(
        {
            "no",
            "n",
            "nope",
            "nah",
            "no i don t",
            "i don t",
            "no i didn t",
            "i didn t",
            "no i wasn t",
            "i wasn t",
            "no i haven t",
            "never",
            "false",
        }
    ),
}
# Words around a number that do not change it: "about 20", "20 years old".
APPROXIMATELY: Mapping[str, frozenset[str]] = {
    "en": frozenset({"about", "around", "approximately", "approx", "roughly", "maybe", "like"}),
}
NUMBER_UNITS: Mapping[str, frozenset[str]] = {
    "en": frozenset({"years", "year", "yrs", "yr", "years old", "year old", "old", "y o"}),
}
SKIP: Mapping[str, frozenset[str]] = {
    "en": frozenset({"skip", "pass", "prefer not to say", "rather not say", "i d rather not"}),
}


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
    wanted = ["en", *locales]
    for locale in wanted:
        for keyword, spellings in KEYWORDS.get(locale, {}).items():
            if said in spellings:
                return keyword
    return None

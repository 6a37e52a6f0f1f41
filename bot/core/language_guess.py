"""Which language a first message is written in, when it says so plainly.

Only clear cases count: a greeting of one language ("hola", "bonjou", "xin chào"), a script
only one offered language uses (Khmer, Chinese characters, Vietnamese letters), or several
words typical of one language and no other ("necesito ayuda con mi hijo"). Anything less
clear is left to the language menu.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from bot.core.geo import normalize
from bot.core.languages import LEXICONS

# Letters only Vietnamese uses among the shipped languages: ă, đ, ơ, ư and the vowels with a
# dot below or a hook above (Unicode's Latin Extended Additional, U+1EA0 to U+1EF9).
_VIETNAMESE_ONLY = frozenset("ăđơưĂĐƠƯ") | frozenset(chr(c) for c in range(0x1EA0, 0x1EFA))
_KHMER = range(0x1780, 0x1800)
_HAN = range(0x4E00, 0xA000)
# A greeting may open a longer first message: "hola, necesito ayuda".
_GREETING_WORDS = 3
# Words typical of one language needed to decide a message of three words or more.
_ENOUGH_WORDS = 2


def guess_locale(text: str, offered: Iterable[str]) -> str | None:
    """The offered locale `text` is plainly written in, or None when it is not plain."""
    choices = tuple(offered)
    # The script first: Vietnamese "ơi" would otherwise read as the Portuguese greeting "oi".
    return _by_script(text, choices) or _by_greeting(text, choices) or _by_words(text, choices)


def _by_greeting(text: str, offered: tuple[str, ...]) -> str | None:
    words = normalize(text).split()
    greetings = _greetings()
    for size in range(min(_GREETING_WORDS, len(words)), 0, -1):
        found = greetings.get(" ".join(words[:size]))
        if found is not None:
            return found if found in offered else None
    return None


def _by_script(text: str, offered: tuple[str, ...]) -> str | None:
    for char in text:
        code = ord(char)
        if code in _KHMER and "km" in offered:
            return "km"
        if code in _HAN and "zh_Hans" in offered:
            return "zh_Hans"
        if char in _VIETNAMESE_ONLY and "vi" in offered:
            return "vi"
    return None


def _by_words(text: str, offered: tuple[str, ...]) -> str | None:
    words = normalize(text).split()
    if not words or len(words) > 200:
        return None
    marks = _marks()
    counts: dict[str, int] = {}
    for word in words:
        owner = marks.get(word)
        if owner is not None and owner in offered:
            counts[owner] = counts.get(owner, 0) + 1
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    # One typical word settles a one- or two-word message ("ayuda", "mwen bezwen"); longer
    # messages need two, and twice as many as any other language has.
    needed = 1 if len(words) <= 2 else _ENOUGH_WORDS
    return best if score >= needed and score >= 2 * runner_up and score > runner_up else None


@lru_cache(maxsize=1)
def _greetings() -> Mapping[str, str]:
    """Normalized greeting -> its one locale; a greeting of two languages is nobody's."""
    return _owned({code: lexicon.greetings for code, lexicon in LEXICONS.items()})


@lru_cache(maxsize=1)
def _marks() -> Mapping[str, str]:
    """Normalized word -> the one locale it is typical of (commands and greetings count too)."""
    sets: dict[str, set[str]] = {}
    for code, lexicon in LEXICONS.items():
        words = set(lexicon.common_words) | set(lexicon.greetings) | set(lexicon.language_names)
        for spellings in lexicon.commands.values():
            words |= spellings
        sets[code] = {part for word in words for part in normalize(word).split()}
    return _owned(sets)


def _owned(sets: Mapping[str, Iterable[str]]) -> Mapping[str, str]:
    owners: dict[str, set[str]] = {}
    for code, words in sets.items():
        for word in words:
            said = normalize(word)
            if said:
                owners.setdefault(said, set()).add(code)
    return {word: codes.pop() for word, codes in owners.items() if len(codes) == 1}

"""Every locale Homeward ships words for, in the order the language menu lists them."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.languages import en, es, fr, ht, km, pt_BR, vi, zh_Hans
from bot.core.lexicon import Lexicon

LEXICONS: Mapping[str, Lexicon] = {
    module.LEXICON.locale: module.LEXICON for module in (en, es, ht, pt_BR, fr, vi, km, zh_Hans)
}

# The menu's order: English, then the languages of the countries most people are deported
# to, then the rest. A locale with a catalog but no lexicon comes last, alphabetically.
ORDER: tuple[str, ...] = tuple(LEXICONS)

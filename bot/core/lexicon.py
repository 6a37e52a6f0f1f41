"""The words of one language that are not sentences to translate: commands, yes and no,
greetings, and the names people give places. One `Lexicon` per locale, in bot/core/languages.

Words are written as people type them, with accents and in any case: every table is read
through `geo.normalize`, so "Sí", "si" and "SI" are one word, and so are "Không" and "khong".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Lexicon:
    """One locale's words.

    - `commands`: for each command (bot.core.keywords.Keyword: stop, start, help, back,
      restart, language, delete), whole messages that mean it ("ayuda", "aide").
    - `yes`, `no`: whole replies that answer a yes/no question.
    - `skip`: whole replies that mean "prefer not to say" to an optional question.
    - `approximately`, `number_units`: words around a number that do not change it
      ("about 20", "20 years old").
    - `greetings`: whole first messages that greet in this language and in no other
      ("hola", "bonjou"); they pick the language at once.
    - `common_words`: frequent words of this language, for telling which language a first
      message is written in ("necesito ayuda"). Words shared with another lexicon count for
      neither.
    - `language_names`: what people call this language, in it and in English ("español",
      "spanish"), so "español" answers the language menu.
    - `countries`: ISO 3166 alpha-2 code to names people use in this language beyond the
      standard ones (the standard names come from Babel's CLDR data).
    - `us_states`: USPS code to the state's names in this language; the first is shown back.
    - `unsure`: whole replies that mean "not sure" to a yes/no question that offers it.
    - `ago_before`, `ago_after`: words around a number of years that make it a time ago
      ("hace 5 años", "5 years ago"), so a year question takes "5 years ago".
    - `countries_shown`: the first of `countries` is the name shown back, ahead of Babel's
      (for a language whose CLDR data is thin or missing in some Babel releases).
    - `name_fallbacks`: locales whose country names stand in, in order, where this one has
      none (Haitian Creole falls back to French before English).
    """

    locale: str
    commands: Mapping[str, frozenset[str]]
    yes: frozenset[str]
    no: frozenset[str]
    skip: frozenset[str]
    approximately: frozenset[str] = frozenset()
    number_units: frozenset[str] = frozenset()
    greetings: frozenset[str] = frozenset()
    common_words: frozenset[str] = frozenset()
    language_names: frozenset[str] = frozenset()
    countries: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    us_states: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unsure: frozenset[str] = frozenset()
    ago_before: frozenset[str] = frozenset()
    ago_after: frozenset[str] = frozenset()
    countries_shown: bool = False
    name_fallbacks: tuple[str, ...] = ()

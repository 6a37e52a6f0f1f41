"""Translators bound to one locale, and the choice of a locale from what a channel knows."""

from __future__ import annotations

import gettext
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from string import Formatter

from babel import Locale, UnknownLocaleError

from bot.core.languages import ORDER

SOURCE_LOCALE = "en"


@dataclass(frozen=True, slots=True)
class Text:
    """A person-visible text of the engine itself: gettext context plus English source."""

    context: str
    source: str


class Translator:
    """Translates the source texts of one locale; passed in explicitly, never installed."""

    __slots__ = ("_catalog", "locale")

    def __init__(self, locale: str, catalog: gettext.NullTranslations | None = None) -> None:
        self.locale = locale
        self._catalog = catalog or gettext.NullTranslations()

    def pgettext(self, context: str, source: str) -> str:
        """The translation of `source` in `context`, or `source` when there is none."""
        return self._catalog.pgettext(context, source)

    def text(self, text: Text, **values: object) -> str:
        """Translate an engine text and fill its `{placeholders}`."""
        return fill(self.pgettext(text.context, text.source), values)


def menu_order(codes: Iterable[str]) -> tuple[str, ...]:
    """English first, then `codes` in the language menu's order; unknown ones last, sorted."""
    given = set(codes) - {SOURCE_LOCALE}
    rest = sorted(given - set(ORDER))
    return (SOURCE_LOCALE, *(code for code in ORDER if code in given), *rest)


def placeholders(template: str) -> frozenset[str]:
    """The `{names}` a template expects."""
    try:
        return frozenset(name for _, name, _, _ in Formatter().parse(template) if name)
    except ValueError:
        return frozenset()


def fill(template: str, values: Mapping[str, object]) -> str:
    """Fill `{name}` placeholders; an unknown or broken placeholder is left as written.

    A translation with a typo in a placeholder must not crash a conversation.
    """
    try:
        return template.format_map(_Lenient(values))
    except (ValueError, IndexError, AttributeError):
        return template


class _Lenient(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True, slots=True)
class Translators:
    """The translators of every locale a person can choose; English is always present."""

    catalogs: Mapping[str, gettext.NullTranslations] = field(default_factory=dict)

    @property
    def locales(self) -> tuple[str, ...]:
        """The locales a person can choose, in the menu's order."""
        return menu_order(self.catalogs)

    def get(self, locale: str) -> Translator:
        """The translator for `locale`, or for English when the locale is not offered."""
        if locale in self.catalogs:
            return Translator(locale, self.catalogs[locale])
        return Translator(SOURCE_LOCALE)

    def negotiate(self, preferred: Iterable[str]) -> str | None:
        """The first offered locale that matches one of `preferred` ("pt-br" -> "pt_BR")."""
        wanted = [tag.replace("_", "-") for tag in preferred if tag]
        available = [code.replace("_", "-") for code in self.locales]
        found = Locale.negotiate(wanted, available, sep="-")
        return str(found) if found else None


def native_name(locale: str) -> str:
    """The language's name written in itself, without the region ("Español", "Português", "中文").

    A menu offers one variant of each language, so "português (Brasil)" is just "Português".
    """
    try:
        parsed = Locale.parse(locale)
    except (ValueError, UnknownLocaleError):
        return locale
    name = parsed.languages.get(parsed.language) or parsed.get_display_name(parsed) or locale
    return name[:1].upper() + name[1:]

"""Gettext catalogs, read from the .po files at start-up (no compile step)."""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations as BabelTranslations

from bot.core.i18n import SOURCE_LOCALE, Translators, menu_order

LOCALES_DIR = Path(__file__).resolve().parent
DOMAIN = "messages"


def load_catalog(po_file: Path) -> gettext.NullTranslations:
    """One .po file as a gettext catalog (compiled in memory; fuzzy entries are left out)."""
    with po_file.open("rb") as handle:
        catalog = read_po(handle)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return BabelTranslations(fp=buffer, domain=DOMAIN)


def shipped_locales(directory: Path = LOCALES_DIR) -> tuple[str, ...]:
    """English and every locale that has a catalog, in the language menu's order."""
    return menu_order(po.parent.parent.name for po in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def load_translators(
    directory: Path = LOCALES_DIR, only: Iterable[str] | None = None
) -> Translators:
    """A translator for every locale that has a catalog (or for those of `only`), plus English
    (the source language)."""
    wanted = None if only is None else set(only)
    catalogs: dict[str, gettext.NullTranslations] = {SOURCE_LOCALE: gettext.NullTranslations()}
    for po_file in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        locale = po_file.parent.parent.name
        if wanted is None or locale in wanted:
            catalogs[locale] = load_catalog(po_file)
    return Translators(catalogs)

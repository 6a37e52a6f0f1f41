"""Gettext catalogs, read from the .po files at start-up (no compile step)."""

from __future__ import annotations

import gettext
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations as BabelTranslations

from bot.core.i18n import SOURCE_LOCALE, Translators

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


def load_translators(directory: Path = LOCALES_DIR) -> Translators:
    """A translator for every locale that has a catalog, plus English (the source language)."""
    catalogs: dict[str, gettext.NullTranslations] = {SOURCE_LOCALE: gettext.NullTranslations()}
    for po_file in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        catalogs[po_file.parent.parent.name] = load_catalog(po_file)
    return Translators(catalogs)

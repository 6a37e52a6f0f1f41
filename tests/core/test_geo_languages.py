"""Countries and U.S. states as people write them in each language, with small typos."""

from __future__ import annotations

import pytest

from bot.core.geo import country_name, parse_country, parse_us_state, us_state_name


@pytest.mark.parametrize(
    ("locale", "text", "code"),
    [
        ("es", "Estados Unidos", "US"),
        ("es", "méjico", "MX"),
        ("es", "Guatemala", "GT"),
        ("es", "Hondura", "HN"),  # a letter short
        ("ht", "Ayiti", "HT"),
        ("ht", "Meksik", "MX"),
        ("ht", "Etazini", "US"),
        ("ht", "Dominikani", "DO"),
        ("fr", "Mexique", "MX"),
        ("fr", "le Mexique", "MX"),
        ("fr", "Mexiqe", "MX"),  # a typo
        ("fr", "Haïti", "HT"),
        ("pt_BR", "México", "MX"),
        ("pt_BR", "Brasil", "BR"),
        ("pt_BR", "Guatemla", "GT"),  # a typo
        ("vi", "Việt Nam", "VN"),
        ("vi", "Mỹ", "US"),
        ("vi", "Campuchia", "KH"),
        ("km", "កម្ពុជា", "KH"),
        ("km", "ម៉ិកស៊ិក", "MX"),
        ("km", "អាមេរិក", "US"),
        ("zh_Hans", "墨西哥", "MX"),
        ("zh_Hans", "美国", "US"),
        ("zh_Hans", "中国", "CN"),
        ("zh_Hans", "危地马拉", "GT"),
    ],
)
def test_countries_in_each_language(locale: str, text: str, code: str) -> None:
    assert parse_country(text, locale) == code


@pytest.mark.parametrize(
    ("locale", "text", "code"),
    [
        ("es", "Nuevo México", "NM"),
        ("es", "Carolina del Norte", "NC"),
        ("fr", "Californie", "CA"),
        ("fr", "Califonie", "CA"),
        ("fr", "Floride", "FL"),
        ("fr", "Caroline du Nord", "NC"),
        ("pt_BR", "Califórnia", "CA"),
        ("pt_BR", "Nova York", "NY"),
        ("ht", "Florid", "FL"),
        ("ht", "Nouyòk", "NY"),
        ("vi", "Ca-li", "CA"),
        ("zh_Hans", "加州", "CA"),
        ("zh_Hans", "德克萨斯州", "TX"),
        ("zh_Hans", "纽约", "NY"),
        ("km", "កាលីហ្វ័រញ៉ា", "CA"),
        ("fr", "Texas", "TX"),  # the English name works in every language
        ("zh_Hans", "CA", "CA"),
    ],
)
def test_us_states_in_each_language(locale: str, text: str, code: str) -> None:
    assert parse_us_state(text, locale) == code


def test_names_are_shown_back_in_the_conversation_language() -> None:
    assert country_name("MX", "fr") == "Mexique"
    assert country_name("MX", "zh_Hans") == "墨西哥"
    assert us_state_name("CA", "fr") == "Californie"
    assert us_state_name("CA", "zh_Hans").startswith("加利福尼亚")
    assert us_state_name("TX", "en") == "Texas"


def test_another_languages_names_do_not_take_over_english_codes() -> None:
    # "Nga" is Russia in Vietnamese, and NGA is Nigeria's code; "my" is Malaysia's code.
    assert parse_country("NGA", "en") == "NG"
    assert parse_country("Nga", "vi") == "RU"
    assert parse_country("MY", "en") == "MY"


def _shipped_locales() -> list[str]:
    from bot.core.languages import LEXICONS

    return sorted(LEXICONS)


@pytest.mark.parametrize("locale", _shipped_locales())
def test_every_shipped_locale_names_every_country_it_accepts(locale: str) -> None:
    """Names come from data that is really there, whatever Babel release is installed:
    a locale's own chain (lexicon, Babel, fallback locales) names every country, English
    aside. Babel 2.19 has no Creole territory names at all; the chain must not need them."""
    from bot.core.geo import _countries, country_names

    chain = country_names(locale, english=False)
    missing = sorted(code for code in _countries() if not any(names.get(code) for names in chain))
    assert missing == []


@pytest.mark.parametrize(
    ("locale", "code", "expected"),
    [
        ("ht", "HT", "Ayiti"),  # the lexicon's own Creole name, not English "Haiti"
        ("ht", "MX", "Meksik"),
        ("ht", "JP", "Japon"),  # no Creole name in the lexicon: the French one
        ("es", "MX", "México"),
        ("fr", "US", "États-Unis"),
    ],
)
def test_country_names_follow_the_locale_chain(locale: str, code: str, expected: str) -> None:
    assert country_name(code, locale) == expected

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

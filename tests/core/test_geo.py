"""Reading countries and U.S. states from what people type, and the shared normalizer."""

from __future__ import annotations

import time
from collections.abc import Mapping

import pytest
from babel.core import get_global

from bot.core.geo import country_name, normalize, parse_country, parse_us_state, us_state_name

# The 50 states, DC and the five inhabited territories.
# fmt: off
US_CODES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY", "DC", "PR", "GU", "VI", "AS", "MP",
)
# fmt: on

# The Americas, where most people deported from the U.S. are sent.
AMERICAS_ALPHA3 = {
    "ARG": "AR",
    "BHS": "BS",
    "BRB": "BB",
    "BLZ": "BZ",
    "BOL": "BO",
    "BRA": "BR",
    "CAN": "CA",
    "CHL": "CL",
    "COL": "CO",
    "CRI": "CR",
    "CUB": "CU",
    "DMA": "DM",
    "DOM": "DO",
    "ECU": "EC",
    "SLV": "SV",
    "GRD": "GD",
    "GTM": "GT",
    "GUY": "GY",
    "HTI": "HT",
    "HND": "HN",
    "JAM": "JM",
    "MEX": "MX",
    "NIC": "NI",
    "PAN": "PA",
    "PRY": "PY",
    "PER": "PE",
    "KNA": "KN",
    "LCA": "LC",
    "VCT": "VC",
    "SUR": "SR",
    "TTO": "TT",
    "USA": "US",
    "URY": "UY",
    "VEN": "VE",
    "PRI": "PR",
}

JUNK = [
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
    pytest.param("12345", id="digits"),
    pytest.param("🙂🙂🙂", id="emoji"),
    pytest.param("❤️", id="emoji-with-variation-selector"),
    pytest.param("👨‍👧‍👦", id="emoji-zwj-sequence"),
    pytest.param("?!...", id="punctuation"),
    pytest.param("مرحبا كيف حالك", id="arabic-rtl"),
    pytest.param("שלום", id="hebrew-rtl"),
    pytest.param("北京", id="chinese"),
    pytest.param("Atlantis", id="made-up"),
    pytest.param("Narnia", id="made-up-2"),
    pytest.param("what is this", id="sentence"),
    pytest.param("mexico " * 1500, id="10000-chars"),
    pytest.param("x" * 10_000, id="10000-x"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  México!! ", "mexico"),
        ("MEXICO", "mexico"),
        ("  el   salvador\n", "el salvador"),
        ("Côte d’Ivoire", "cote d ivoire"),
        ("I'd rather not", "i d rather not"),
        ("E.E.U.U.", "e e u u"),
        ("Straße", "strasse"),
        ("Ngôn ngữ", "ngon ngu"),
        ("ＭＥＸＩＣＯ", "mexico"),
        ("语言", "语言"),
        ("ភាសា", "ភាសា"),
        ("مرحبا!", "مرحبا"),
        ("🙂 ❤️ 👨‍👧‍👦", ""),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Names, with and without accents, in any case, with punctuation and spacing.
        ("Mexico", "MX"),
        ("méxico", "MX"),
        ("MEXICO!", "MX"),
        ("  el  salvador ", "SV"),
        ("El Salvador", "SV"),
        ("elsalvador", "SV"),
        ("Guatemala", "GT"),
        ("Honduras", "HN"),
        ("Haïti", "HT"),
        ("Haiti", "HT"),
        ("Jamaica", "JM"),
        ("Dominican Republic", "DO"),
        ("República Dominicana", "DO"),
        ("Dominica", "DM"),
        ("Costa Rica", "CR"),
        ("costarica", "CR"),
        ("Colombia", "CO"),
        ("Brasil", "BR"),
        ("Alemania", "DE"),
        ("Kosovo", "XK"),
        ("Georgia", "GE"),
        ("Puerto Rico", "PR"),
        ("Niger", "NE"),
        ("Nigeria", "NG"),
        ("Guinea-Bissau", "GW"),
        ("Türkiye", "TR"),
        ("Trinidad and Tobago", "TT"),
        ("Trinidad & Tobago", "TT"),
        ("Trinidad y Tobago", "TT"),
        ("Bosnia and Herzegovina", "BA"),
        ("Saint Lucia", "LC"),
        ("St. Lucia", "LC"),
        ("Myanmar", "MM"),
        ("Côte d'Ivoire", "CI"),
        # Leading articles.
        ("the Bahamas", "BS"),
        ("The Gambia", "GM"),
        ("the Netherlands", "NL"),
        ("la republica dominicana", "DO"),
        ("La República Dominicana", "DO"),
        ("the UK", "GB"),
        # Codes.
        ("MX", "MX"),
        ("mx", "MX"),
        ("M.X.", "MX"),
        ("SV", "SV"),
        ("XK", "XK"),
        ("NO", "NO"),
        ("SI", "SI"),
        ("MEX", "MX"),
        ("mex", "MX"),
        ("gtm", "GT"),
        ("HND", "HN"),
        ("SLV", "SV"),
        ("PHL", "PH"),
        ("IND", "IN"),
        # Aliases.
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("US", "US"),
        ("United States of America", "US"),
        ("America", "US"),
        ("EEUU", "US"),
        ("EE.UU.", "US"),
        ("Estados Unidos", "US"),
        ("DR", "DO"),
        ("Republica Dominicana", "DO"),
        ("Salvador", "SV"),
        ("Viet Nam", "VN"),
        ("Burma", "MM"),
        ("Ivory Coast", "CI"),
        ("Holland", "NL"),
        ("UK", "GB"),
        ("Britain", "GB"),
        ("South Korea", "KR"),
        ("Korea", "KR"),
        ("North Korea", "KP"),
        ("Turkey", "TR"),
        ("Czech Republic", "CZ"),
        ("DRC", "CD"),
        ("Ayiti", "HT"),
        # Small typos.
        ("Guatemla", "GT"),
        ("Guatamala", "GT"),
        ("Hondura", "HN"),
        ("Mexic", "MX"),
        ("Mexcio", "MX"),
        ("Jamiaca", "JM"),
        ("Domincan Republic", "DO"),
        ("Salvadro", "SV"),
        ("Columbia", "CO"),
        ("Venezula", "VE"),
        ("Phillipines", "PH"),
    ],
)
def test_parse_country_in_english(text: str, expected: str) -> None:
    assert parse_country(text) == expected


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("Alemania", "es", "DE"),
        ("Estados Unidos", "es", "US"),
        ("Irak", "es", "IQ"),
        ("Mexique", "fr", "MX"),
        ("Allemagne", "fr_CA", "DE"),
        ("Allemagne", "fr-CA", "DE"),
        ("المكسيك", "ar", "MX"),
        ("墨西哥", "zh", "MX"),
        ("Великобритания", "ru", "GB"),
        ("Mexico", "fr", "MX"),
        ("Mexico", "not-a-locale", "MX"),
        ("Mexico", "", "MX"),
    ],
)
def test_parse_country_in_other_locales(text: str, locale: str, expected: str) -> None:
    assert parse_country(text, locale) == expected


@pytest.mark.parametrize(
    "text",
    [
        *JUNK,
        pytest.param("Nigera", id="typo-between-niger-and-nigeria"),
        pytest.param("Dominicna", id="typo-between-dominica-and-dominicana"),
        pytest.param("Congo", id="either-congo"),
        pytest.param("Virgin Islands", id="either-virgin-islands"),
        pytest.param("no", id="no-is-not-norway"),
        pytest.param("sí", id="si-is-not-slovenia"),
        pytest.param("EU", id="not-a-country"),
        pytest.param("ZZ", id="unknown-region"),
        pytest.param("UN", id="united-nations"),
        pytest.param("Canary Islands", id="not-iso-3166-1"),
        pytest.param("Mexco City", id="not-a-country-name"),
        pytest.param("the", id="article-only"),
    ],
)
def test_parse_country_rejects(text: str) -> None:
    assert parse_country(text) is None


@pytest.mark.parametrize(("three", "two"), AMERICAS_ALPHA3.items())
def test_every_alpha3_of_the_americas(three: str, two: str) -> None:
    assert parse_country(three) == two
    assert parse_country(three.lower()) == two


def test_alpha3_codes_agree_with_babel() -> None:
    aliases: Mapping[str, list[str]] = get_global("territory_aliases")
    checked = 0
    for three, targets in aliases.items():
        if len(three) == 3 and three.isalpha() and len(targets) == 1:
            found = parse_country(three)
            if found is not None:
                assert found == targets[0], three
                checked += 1
    assert checked >= 240


def test_junk_is_rejected_quickly() -> None:
    parse_country("warm the caches")
    parse_us_state("warm the caches")
    started = time.perf_counter()
    for _ in range(20):
        assert parse_country("Mexico " * 1500) is None
        assert parse_country("qzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzqz") is None
        assert parse_us_state("x" * 10_000) is None
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("code", "locale", "expected"),
    [
        ("MX", "en", "Mexico"),
        ("MX", "es", "México"),
        ("US", "en", "United States"),
        ("US", "es", "Estados Unidos"),
        ("DO", "es", "República Dominicana"),
        ("DE", "es_MX", "Alemania"),
        ("sv", "en", "El Salvador"),
        ("XK", "es", "Kosovo"),
        ("GB", "fr", "Royaume-Uni"),
        ("DE", "not-a-locale", "Germany"),
        ("QQ", "en", "QQ"),
    ],
)
def test_country_name(code: str, locale: str, expected: str) -> None:
    assert country_name(code, locale) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Codes.
        ("CA", "CA"),
        ("ca", "CA"),
        ("C.A.", "CA"),
        ("tx", "TX"),
        ("N.Y.", "NY"),
        ("D.C.", "DC"),
        ("OK", "OK"),
        ("HI", "HI"),
        # English names.
        ("California", "CA"),
        ("new york", "NY"),
        ("Washington", "WA"),
        ("Georgia", "GA"),
        ("West Virginia", "WV"),
        ("District of Columbia", "DC"),
        ("Guam", "GU"),
        ("U.S. Virgin Islands", "VI"),
        ("American Samoa", "AS"),
        ("Northern Mariana Islands", "MP"),
        ("Puerto Rico", "PR"),
        # Abbreviations and wrappers.
        ("Calif.", "CA"),
        ("Calif", "CA"),
        ("Mass", "MA"),
        ("Penn", "PA"),
        ("Wash.", "WA"),
        ("W. Va.", "WV"),
        ("New York State", "NY"),
        ("Washington State", "WA"),
        ("Washington DC", "DC"),
        ("Washington, D.C.", "DC"),
        ("the state of Texas", "TX"),
        ("estado de Texas", "TX"),
        # Spanish names, with and without accents.
        ("Nuevo México", "NM"),
        ("nuevo mexico", "NM"),
        ("Carolina del Norte", "NC"),
        ("Carolina del Sur", "SC"),
        ("Dakota del Norte", "ND"),
        ("Dakota del Sur", "SD"),
        ("Pensilvania", "PA"),
        ("Luisiana", "LA"),
        ("Misisipi", "MS"),
        ("Virginia Occidental", "WV"),
        ("Hawái", "HI"),
        ("Nueva York", "NY"),
        ("Nueva Jersey", "NJ"),
        ("Nuevo Hampshire", "NH"),
        ("Tejas", "TX"),
        # Typos.
        ("Califronia", "CA"),
        ("Texsa", "TX"),
        ("Floirda", "FL"),
        ("Ilinois", "IL"),
        ("Tennesee", "TN"),
        ("Massachusets", "MA"),
        ("Conneticut", "CT"),
        ("Pensylvania", "PA"),
        ("Virgina", "VA"),
    ],
)
def test_parse_us_state(text: str, expected: str) -> None:
    assert parse_us_state(text) == expected
    assert parse_us_state(text, "es") == expected


@pytest.mark.parametrize(
    "text",
    [
        *JUNK,
        pytest.param("Akansas", id="typo-between-arkansas-and-kansas"),
        pytest.param("Carolina", id="either-carolina"),
        pytest.param("Dakota", id="either-dakota"),
        pytest.param("NYC", id="a-city"),
        pytest.param("ok", id="ok-is-not-oklahoma"),
        pytest.param("hi", id="hi-is-not-hawaii"),
        pytest.param("Mexico", id="a-country"),
        pytest.param("ZZ", id="not-a-code"),
    ],
)
def test_parse_us_state_rejects(text: str) -> None:
    assert parse_us_state(text) is None


@pytest.mark.parametrize("code", US_CODES)
def test_us_codes_round_trip(code: str) -> None:
    name = us_state_name(code)
    assert name != code
    assert parse_us_state(name) == code
    assert parse_us_state(code) == code
    assert us_state_name(code.lower()) == name


def test_us_state_name() -> None:
    assert len(set(US_CODES)) == 56
    assert us_state_name("CA") == "California"
    assert us_state_name("dc") == "District of Columbia"
    assert us_state_name("ZZ") == "ZZ"

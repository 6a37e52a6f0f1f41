"""Countries and U.S. states read from what people type, and the shared text normalizer."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from bot.core.languages import LEXICONS

__all__ = [
    "country_name",
    "country_names",
    "normalize",
    "parse_country",
    "parse_us_state",
    "us_state_name",
]

# Longer replies are sentences, not a place name; refusing them keeps matching cheap.
MAX_INPUT = 100
# Typo tolerance: difflib similarity a near miss must reach, and the shortest name it applies to.
FUZZY_CUTOFF = 0.85
FUZZY_MIN_LENGTH = 5

# Two-letter territory codes in CLDR that are not countries, or not ISO 3166-1 assignments.
_NOT_COUNTRIES = frozenset(
    {"ZZ", "EU", "UN", "EZ", "QO", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
)

# ISO 3166-1 alpha-3 to alpha-2, for every country Babel names (Kosovo has no ISO alpha-3;
# XKX is the code the EU, IMF and World Bank use).
_ALPHA3_TABLE = """
AND=AD ARE=AE AFG=AF ATG=AG AIA=AI ALB=AL ARM=AM AGO=AO ATA=AQ ARG=AR ASM=AS AUT=AT
AUS=AU ABW=AW ALA=AX AZE=AZ BIH=BA BRB=BB BGD=BD BEL=BE BFA=BF BGR=BG BHR=BH BDI=BI
BEN=BJ BLM=BL BMU=BM BRN=BN BOL=BO BES=BQ BRA=BR BHS=BS BTN=BT BVT=BV BWA=BW BLR=BY
BLZ=BZ CAN=CA CCK=CC COD=CD CAF=CF COG=CG CHE=CH CIV=CI COK=CK CHL=CL CMR=CM CHN=CN
COL=CO CRI=CR CUB=CU CPV=CV CUW=CW CXR=CX CYP=CY CZE=CZ DEU=DE DJI=DJ DNK=DK DMA=DM
DOM=DO DZA=DZ ECU=EC EST=EE EGY=EG ESH=EH ERI=ER ESP=ES ETH=ET FIN=FI FJI=FJ FLK=FK
FSM=FM FRO=FO FRA=FR GAB=GA GBR=GB GRD=GD GEO=GE GUF=GF GGY=GG GHA=GH GIB=GI GRL=GL
GMB=GM GIN=GN GLP=GP GNQ=GQ GRC=GR SGS=GS GTM=GT GUM=GU GNB=GW GUY=GY HKG=HK HMD=HM
HND=HN HRV=HR HTI=HT HUN=HU IDN=ID IRL=IE ISR=IL IMN=IM IND=IN IOT=IO IRQ=IQ IRN=IR
ISL=IS ITA=IT JEY=JE JAM=JM JOR=JO JPN=JP KEN=KE KGZ=KG KHM=KH KIR=KI COM=KM KNA=KN
PRK=KP KOR=KR KWT=KW CYM=KY KAZ=KZ LAO=LA LBN=LB LCA=LC LIE=LI LKA=LK LBR=LR LSO=LS
LTU=LT LUX=LU LVA=LV LBY=LY MAR=MA MCO=MC MDA=MD MNE=ME MAF=MF MDG=MG MHL=MH MKD=MK
MLI=ML MMR=MM MNG=MN MAC=MO MNP=MP MTQ=MQ MRT=MR MSR=MS MLT=MT MUS=MU MDV=MV MWI=MW
MEX=MX MYS=MY MOZ=MZ NAM=NA NCL=NC NER=NE NFK=NF NGA=NG NIC=NI NLD=NL NOR=NO NPL=NP
NRU=NR NIU=NU NZL=NZ OMN=OM PAN=PA PER=PE PYF=PF PNG=PG PHL=PH PAK=PK POL=PL SPM=PM
PCN=PN PRI=PR PSE=PS PRT=PT PLW=PW PRY=PY QAT=QA REU=RE ROU=RO SRB=RS RUS=RU RWA=RW
SAU=SA SLB=SB SYC=SC SDN=SD SWE=SE SGP=SG SHN=SH SVN=SI SJM=SJ SVK=SK SLE=SL SMR=SM
SEN=SN SOM=SO SUR=SR SSD=SS STP=ST SLV=SV SXM=SX SYR=SY SWZ=SZ TCA=TC TCD=TD ATF=TF
TGO=TG THA=TH TJK=TJ TKL=TK TLS=TL TKM=TM TUN=TN TON=TO TUR=TR TTO=TT TUV=TV TWN=TW
TZA=TZ UKR=UA UGA=UG UMI=UM USA=US URY=UY UZB=UZ VAT=VA VCT=VC VEN=VE VGB=VG VIR=VI
VNM=VN VUT=VU WLF=WF WSM=WS XKX=XK YEM=YE MYT=YT ZAF=ZA ZMB=ZM ZWE=ZW
"""

# What people call countries besides Babel's English, Spanish and conversation-locale names.
_COUNTRY_ALIASES: Mapping[str, tuple[str, ...]] = {
    "US": (
        "USA",
        "US",
        "United States of America",
        "America",
        "the States",
        "EEUU",
        "EUA",
        "Estados Unidos",
        "Estados Unidos de America",
    ),
    "DO": (
        "DR",
        "RD",
        "Republica Dominicana",
        "Rep Dominicana",
        "Dominican Rep",
        "Dominicana",
    ),
    "SV": ("Salvador",),
    "GT": ("Guate",),
    "MX": ("Mejico", "Estados Unidos Mexicanos"),
    "HT": ("Ayiti",),
    "VN": ("Viet Nam",),
    "MM": ("Burma",),
    "CI": ("Ivory Coast", "Cote d'Ivoire", "Cote dIvoire", "Costa de Marfil"),
    "NL": ("Holland", "Holanda"),
    "GB": (
        "UK",
        "United Kingdom",
        "Britain",
        "Great Britain",
        "England",
        "Scotland",
        "Wales",
        "Northern Ireland",
        "Gran Bretana",
        "Inglaterra",
        "Escocia",
    ),
    "KR": ("South Korea", "Korea", "Republic of Korea", "Corea", "Corea del Sur"),
    "KP": ("North Korea", "DPRK", "Corea del Norte"),
    "CD": ("DRC", "DR Congo", "Democratic Republic of the Congo", "Congo Kinshasa", "Zaire"),
    "CG": ("Republic of the Congo", "Congo Brazzaville"),
    "CN": ("PRC", "People's Republic of China"),
    "CZ": ("Czech Republic",),
    "TR": ("Turkey",),
    "MK": ("Macedonia",),
    "SZ": ("Swaziland",),
    "TL": ("East Timor",),
    "CV": ("Cabo Verde",),
    "VA": ("Vatican", "Holy See"),
    "RU": ("Russian Federation",),
    "LA": ("Lao",),
    "AE": ("UAE", "Emirates"),
    "SA": ("Saudi",),
    "BA": ("Bosnia",),
    "TT": ("Trinidad",),
    "AG": ("Antigua",),
    "KN": ("St Kitts",),
    "VC": ("St Vincent",),
    "HK": ("Hong Kong",),
    "MO": ("Macao", "Macau"),
    "PS": ("Palestine", "Palestina"),
    "ST": ("Sao Tome",),
    "VI": ("USVI", "US Virgin Islands"),
}

# Names people use for more than one country: never guessed at.
_AMBIGUOUS_COUNTRIES = ("Congo", "Virgin Islands")

_PARENTHESISED = re.compile(r"\(([^()]*)\)")

# Leading words to look past in a country reply ("the Bahamas", "la República Dominicana").
_ARTICLES = frozenset({"the", "el", "la", "los", "las", "le", "les", "l", "o", "os", "a", "as"})

# Codes that are also everyday one-word replies ("no", "sí", "ok", "hi"): only taken as codes
# when typed in capitals, so a "no" is never read as Norway.
_COUNTRY_WORD_CODES = frozenset({"no", "si"})
_STATE_WORD_CODES = frozenset({"ok", "hi", "oh"})

_US_STATES: Mapping[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "DC": "District of Columbia",
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "U.S. Virgin Islands",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}

# Abbreviations in common use and Spanish names. Only unmistakable ones: "NYC" names a city,
# and "Carolina" or "Dakota" alone could be either state.
_STATE_ALIASES: Mapping[str, tuple[str, ...]] = {
    "AL": ("Ala",),
    "AZ": ("Ariz",),
    "AR": ("Ark",),
    "CA": ("Calif", "Cali"),
    "CO": ("Colo",),
    "CT": ("Conn",),
    "FL": ("Fla",),
    "HI": ("Hawai", "Hawái"),
    "IL": ("Ill",),
    "IN": ("Ind",),
    "KS": ("Kan", "Kans"),
    "LA": ("Luisiana",),
    "MA": ("Mass",),
    "MI": ("Mich",),
    "MN": ("Minn",),
    "MS": ("Miss", "Misisipi"),
    "MO": ("Misuri",),
    "MT": ("Mont",),
    "NE": ("Neb", "Nebr"),
    "NV": ("Nev",),
    "NH": ("Nuevo Hampshire", "Nueva Hampshire"),
    "NJ": ("Nueva Jersey",),
    "NM": ("Nuevo México", "Nuevo Méjico", "N Mex"),
    "NY": ("New York State", "Nueva York"),
    "NC": ("Carolina del Norte", "N Carolina"),
    "ND": ("Dakota del Norte", "N Dakota"),
    "OK": ("Okla",),
    "OR": ("Ore", "Oreg"),
    "PA": ("Penn", "Penna", "Pensilvania"),
    "SC": ("Carolina del Sur", "S Carolina"),
    "SD": ("Dakota del Sur", "S Dakota"),
    "TN": ("Tenn",),
    "TX": ("Tex", "Tejas"),
    "WA": ("Wash", "Washington State"),
    "WV": ("W Va", "W Virginia", "Virginia Occidental", "Virginia del Oeste"),
    "WI": ("Wis", "Wisc"),
    "WY": ("Wyo",),
    "DC": ("Washington DC", "Distrito de Columbia", "Washington Distrito de Columbia"),
    "VI": ("US Virgin Islands", "USVI", "Virgin Islands", "Islas Virgenes"),
    "AS": ("Samoa Americana",),
    "MP": ("Northern Marianas", "Islas Marianas del Norte"),
}

# Words around a state's name to look past ("the state of Texas", "estado de Texas").
_STATE_PREFIXES = (
    ("the", "state", "of"),
    ("state", "of"),
    ("el", "estado", "de"),
    ("estado", "de"),
    ("the",),
    ("el",),
    ("la",),
)
_STATE_SUFFIXES = (("state",), ("estado",))


def normalize(text: str) -> str:
    """`text` casefolded, without accents, punctuation or symbols, single-spaced.

    Letters and digits of every script are kept; everything else becomes a space. Combining
    accents are dropped ("México" -> "mexico"), as is any mark left without a letter to carry
    it (an emoji's variation selector), so an emoji-only message normalizes to "". Marks after
    a digit go too, so a keycap emoji ("2️⃣") reads as its digit.
    """
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", text.casefold()):
        if unicodedata.combining(char):
            continue
        kind = unicodedata.category(char)[0]
        carried = kept and unicodedata.category(kept[-1])[0] in "LM"
        if kind in "LN" or (kind == "M" and carried):
            kept.append(char)
        else:
            kept.append(" ")
    return " ".join("".join(kept).split())


def parse_country(text: str, locale: str = "en") -> str | None:
    """The ISO 3166-1 alpha-2 code of the country `text` names, or None.

    Accepts country names in English, Spanish and `locale`, alpha-2 and alpha-3 codes and
    common aliases, ignoring case, accents, punctuation and a leading article, and forgiving
    a small typo when only one country is that close.
    """
    key = _key(text)
    if key is None or _is_word_not_code(key, text, _COUNTRY_WORD_CODES):
        return None
    index = _country_index(locale)
    candidates = list(_without_leading(key, [(article,) for article in _ARTICLES], ()))
    return index.match(candidates)


def country_name(code: str, locale: str = "en") -> str:
    """The name of the territory `code` in `locale`, down its fallback chain, else the code.

    The chain (`country_names`): the lexicon's own names where it shows them, Babel's names
    in `locale`, in the lexicon's fallback locales, then in English.
    """
    code = code.strip().upper()
    for names in country_names(locale):
        name = names.get(code)
        if name:
            return name
    return code


def country_names(locale: str, *, english: bool = True) -> tuple[Mapping[str, str], ...]:
    """The tables of country names shown to a person writing in `locale`, first one first.

    `english=False` leaves out the last resort, for checking that a locale has names of its own.
    """
    return _name_chain(locale, english)


@lru_cache(maxsize=64)
def _name_chain(locale: str, english: bool) -> tuple[Mapping[str, str], ...]:
    lexicon = LEXICONS.get(locale)
    chain: list[Mapping[str, str]] = []
    if lexicon is not None and lexicon.countries_shown:
        chain.append({code: names[0] for code, names in lexicon.countries.items() if names})
    locale_ids = _own_locale_ids(locale)
    if not english and locale.split("_")[0] != "en":
        # A locale Babel does not know reads as "en": that would be English, not its own.
        locale_ids = [locale_id for locale_id in locale_ids if locale_id != "en"]
    if english:
        locale_ids.append("en")
    chain += [_territories(locale_id) for locale_id in dict.fromkeys(locale_ids)]
    return tuple(chain)


def parse_us_state(text: str, locale: str = "en") -> str | None:
    """The USPS code of the U.S. state, DC or inhabited territory `text` names, or None.

    Accepts USPS codes ("ca", "C.A."), English and Spanish names and common abbreviations,
    ignoring case, accents and punctuation, and forgiving a small typo when only one state is
    that close. English and Spanish are always accepted, and so are the names `locale`
    gives the states (its lexicon in bot/core/languages).
    """
    key = _key(text)
    if key is None or _is_word_not_code(key, text, _STATE_WORD_CODES):
        return None
    candidates = list(_without_leading(key, _STATE_PREFIXES, _STATE_SUFFIXES))
    return _state_index(locale if locale in LEXICONS else "en").match(candidates)


def us_state_name(code: str, locale: str = "en") -> str:
    """The name of the USPS code `code` in `locale` (else in English), or the code itself."""
    code = code.strip().upper()
    lexicon = LEXICONS.get(locale)
    names = lexicon.us_states.get(code) if lexicon is not None else None
    return names[0] if names else _US_STATES.get(code, code)


# --- matching -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Index:
    """Spellings (as `_key` makes them) of places, and how to find one from a reply.

    A spelling mapped to "" names more than one place, and is never taken for any of them.
    """

    exact: Mapping[str, str]
    compact: Mapping[str, str]
    fuzzy: tuple[str, ...]

    def match(self, candidates: list[str]) -> str | None:
        """The code the first readable candidate spells, trying exact spellings before typos."""
        for candidate in candidates:
            found = self.exact.get(candidate) or self.compact.get(candidate.replace(" ", ""))
            if found:
                return found
        for candidate in candidates:
            found = self._near(candidate)
            if found:
                return found
        return None

    def _near(self, key: str) -> str | None:
        """The one code whose spellings are a small typo away from `key`, if only one is."""
        if len(key) < FUZZY_MIN_LENGTH:
            return None
        close = difflib.get_close_matches(key, self.fuzzy, n=10, cutoff=FUZZY_CUTOFF)
        codes = {self.exact[spelling] for spelling in close}
        for i in range(len(key) - 1):  # Swapped neighbours ("texsa") score low in difflib.
            swapped = key[:i] + key[i + 1] + key[i] + key[i + 2 :]
            if swapped != key and len(swapped) >= FUZZY_MIN_LENGTH and swapped in self.exact:
                codes.add(self.exact[swapped])
        return (codes.pop() or None) if len(codes) == 1 else None


def _build_index(tiers: Iterable[Iterable[tuple[str, str]]], codes: Iterable[str]) -> _Index:
    """An index of (spelling, code) pairs; an earlier tier wins a spelling two tiers share.

    A spelling claimed by two codes within one tier is dropped as ambiguous. `codes` are
    matched exactly only, never as near misses of longer names.
    """
    exact: dict[str, str] = {}
    for tier in tiers:
        claims: dict[str, set[str]] = {}
        for spelling, code in tier:
            key = _spelling_key(spelling)
            if key and key not in exact:
                claims.setdefault(key, set()).add(code)
        exact.update((key, owners.pop()) for key, owners in claims.items() if len(owners) == 1)
    names = tuple(key for key in exact if len(key) >= FUZZY_MIN_LENGTH)
    for code in codes:
        exact.setdefault(code.lower(), code)
    compact_claims: dict[str, set[str]] = {}
    for key, code in exact.items():
        compact_claims.setdefault(key.replace(" ", ""), set()).add(code)
    compact = {key: owners.pop() for key, owners in compact_claims.items() if len(owners) == 1}
    return _Index(exact=exact, compact=compact, fuzzy=names)


@lru_cache(maxsize=32)
def _country_index(locale: str) -> _Index:
    """Country spellings for conversations in `locale`: aliases and the names people use in
    it (its lexicon), then Babel's names in it, in English and in Spanish.

    Other languages' names are left out: "Nga" is Russia in Vietnamese and Nigeria's code.
    """
    countries = sorted(_countries())
    own_locales = _own_locale_ids(locale)
    sources = [_territories(source) for source in dict.fromkeys([*own_locales, "en", "es"])]
    own = LEXICONS.get(locale)
    tiers = [[(name, "") for name in _AMBIGUOUS_COUNTRIES], _pairs(_COUNTRY_ALIASES)]
    tiers.append(_pairs(own.countries) if own is not None else [])
    tiers += [[(names[code], code) for code in countries if code in names] for names in sources]
    # "Myanmar (Burma)" is also "Myanmar" and "Burma", unless a whole name is spelled so.
    tiers.append(
        [(part, code) for names in sources for code in countries for part in _parts(names, code)]
    )
    tiers.append([(three, two) for three, two in _alpha3().items() if two in countries])
    return _build_index(tiers, countries)


@lru_cache(maxsize=16)
def _state_index(locale: str) -> _Index:
    """U.S. state spellings: English names, aliases and Spanish names, then the names
    `locale` gives them."""
    names = [(name, code) for code, name in _US_STATES.items()]
    own = _pairs(LEXICONS[locale].us_states)
    return _build_index([names, _pairs(_STATE_ALIASES), own], _US_STATES)


def _pairs(aliases: Mapping[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    return [(alias, code) for code, spellings in aliases.items() for alias in spellings]


def _parts(names: Mapping[str, str], code: str) -> Iterator[str]:
    """Babel's name for `code` without, and then only, its parenthesised part, if it has one."""
    name = names.get(code, "")
    if "(" in name:
        yield _PARENTHESISED.sub(" ", name)
        yield from _PARENTHESISED.findall(name)


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    """Every two-letter code Babel names a country or territory with."""
    return frozenset(
        code
        for code in _territories("en")
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


@lru_cache(maxsize=1)
def _alpha3() -> Mapping[str, str]:
    pairs = (entry.partition("=") for entry in _ALPHA3_TABLE.split())
    return {three: two for three, _, two in pairs}


@lru_cache(maxsize=32)
def _territories(locale_id: str) -> Mapping[str, str]:
    return dict(Locale.parse(locale_id).territories)


def _own_locale_ids(locale: str) -> list[str]:
    """Babel's ids of `locale` and of the locales whose names stand in for its own."""
    lexicon = LEXICONS.get(locale)
    fallbacks = lexicon.name_fallbacks if lexicon is not None else ()
    return [_locale_id(locale), *(_locale_id(other) for other in fallbacks)]


@lru_cache(maxsize=64)
def _locale_id(locale: str) -> str:
    """`locale` as Babel spells it ("es-MX" -> "es_MX"), or "en" if Babel does not know it."""
    try:
        return str(Locale.parse(locale.strip().replace("-", "_")))
    except (ValueError, TypeError, UnknownLocaleError):
        return "en"


def _key(text: str) -> str | None:
    """The matching key of a reply, or None if it is empty or too long to be a place."""
    text = text.strip()
    if not text or len(text) > MAX_INPUT:
        return None
    return _spelling_key(text) or None


def _spelling_key(text: str) -> str:
    """`normalize`d, with "and" dropped and "saint" shortened, as Babel writes them."""
    words = ("st" if word == "saint" else word for word in normalize(text).split())
    return " ".join(word for word in words if word != "and")


def _is_word_not_code(key: str, text: str, word_codes: frozenset[str]) -> bool:
    """Whether `text` is an everyday word that is also a code, not typed in capitals."""
    return key.replace(" ", "") in word_codes and not all(
        char.isupper() for char in text if char.isalpha()
    )


def _without_leading(
    key: str, prefixes: Iterable[tuple[str, ...]], suffixes: Iterable[tuple[str, ...]]
) -> Iterator[str]:
    """`key`, then `key` without one leading and/or one trailing filler phrase."""
    yield key
    words = tuple(key.split())
    heads = [len(p) for p in prefixes if words[: len(p)] == p and len(words) > len(p)]
    tails = [len(s) for s in suffixes if words[len(words) - len(s) :] == s and len(words) > len(s)]
    head = max(heads, default=0)
    tail = max(tails, default=0)
    for start, end in ((head, len(words)), (0, len(words) - tail), (head, len(words) - tail)):
        if (start, end) != (0, len(words)) and start < end:
            yield " ".join(words[start:end])

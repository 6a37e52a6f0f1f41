"""SMS encoding rules: which alphabet a text needs and how many segments it is billed as."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum, auto
from functools import lru_cache
from itertools import chain
from typing import Final, Literal

# The GSM 03.38 default alphabet in code order, 0x00 to 0x7F, so each row can be checked
# against the published table. 0x1B is not a character: it escapes into the extension table.
# 0x09 is "Ç" (capital) in the spec; many handsets draw it as "ç", but only "Ç" is sent as
# GSM-7 here, so a text with "ç" goes out as UCS-2 and renders correctly on every phone.
# The Greek capitals are the Greek code points (U+0394, U+03A9), not their math look-alikes
# (increment U+2206, ohm sign U+2126).
_GSM7_ESCAPE: Final = "\x1b"
_GSM7_TABLE: Final = (
    "@£$¥èéùìòÇ\nØø\rÅå"  # 0x00
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"  # 0x10
    " !\"#¤%&'()*+,-./"  # 0x20
    "0123456789:;<=>?"  # 0x30
    "¡ABCDEFGHIJKLMNO"  # 0x40
    "PQRSTUVWXYZÄÖÑÜ§"  # 0x50
    "¿abcdefghijklmno"  # 0x60
    "pqrstuvwxyzäöñüà"  # 0x70
)

GSM7_BASIC: Final = frozenset(_GSM7_TABLE) - {_GSM7_ESCAPE}
"""The 127 characters that cost one septet."""

GSM7_EXTENSION: Final = frozenset("\f^{}\\[~]|€")
"""Characters sent as ESC + code, so they cost two septets and a pair is never split."""

GSM7_SINGLE: Final = 160
GSM7_PER_PART: Final = 153  # 7 septets of each part go to the concatenation header
UCS2_SINGLE: Final = 70
UCS2_PER_PART: Final = 67  # 3 UTF-16 units of each part go to the concatenation header

_REPORTED_CHARACTERS: Final = 5

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True, slots=True)
class Segments:
    """How a text will be sent as SMS.

    `units` counts the text itself (septets for GSM-7, UTF-16 code units for UCS-2), not the
    headers or padding of a concatenated message. `ucs2_characters` names the first few
    distinct characters, in order of appearance, that kept the text out of GSM-7; it is empty
    for GSM-7.
    """

    encoding: Encoding
    units: int
    count: int
    ucs2_characters: tuple[str, ...] = ()


def is_gsm7(text: str) -> bool:
    """Whether every character of `text` is in the GSM-7 alphabet or its extension table."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def segments(text: str) -> Segments:
    """Encoding, length and segment count of `text`, as a carrier would bill it.

    An empty text is one segment: SMS sends an empty message as one. A concatenated message
    never splits an escape pair (GSM-7) or a grapheme cluster (UCS-2) between two parts.
    """
    offending = _non_gsm7(text)
    if not offending:
        costs = [2 if char in GSM7_EXTENSION else 1 for char in text]
        return Segments("GSM-7", sum(costs), _count(costs, GSM7_SINGLE, GSM7_PER_PART))
    costs = _cluster_costs(text)
    return Segments("UCS-2", sum(costs), _count(costs, UCS2_SINGLE, UCS2_PER_PART), offending)


def _non_gsm7(text: str) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for char in text:
        if char not in GSM7_BASIC and char not in GSM7_EXTENSION:
            found[char] = None
            if len(found) == _REPORTED_CHARACTERS:
                break
    return tuple(found)


def _utf16_units(text: str) -> int:
    # Outside the Basic Multilingual Plane a code point is a surrogate pair: two units.
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)


def _cluster_costs(text: str) -> list[int]:
    """UTF-16 units of each grapheme cluster, the pieces a UCS-2 message is split between.

    Twilio's segment calculator never splits what a reader sees as one character: a Khmer
    syllable or an emoji with its skin tone that would straddle two parts opens the next one.
    A cluster longer than a part (a letter under dozens of accents) cannot stay whole; it is
    split between its code points, surrogate pairs still kept whole.
    """
    costs: list[int] = []
    for cluster in grapheme_clusters(text):
        units = _utf16_units(cluster)
        if units <= UCS2_PER_PART:
            costs.append(units)
        else:
            costs.extend(_utf16_units(char) for char in cluster)
    return costs


def _count(costs: list[int], single: int, per_part: int) -> int:
    """Parts needed when no piece (escape pair, grapheme cluster) may straddle two parts."""
    if sum(costs) <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > per_part:
            parts, used = parts + 1, 0
        used += cost
    return parts


# Extended grapheme clusters (Unicode's UAX #29), with each character's Grapheme_Cluster_Break
# property approximated from its general category, as Python's unicodedata does not carry it.
# It is close for the scripts Homeward writes and reads (Latin with combining marks, Khmer,
# Chinese, Hangul, emoji). Where it errs (a symbol that is no emoji after a ZWJ, a mark newer
# than Python's Unicode tables), a cluster is cut in two or two are joined, which moves a part
# boundary by a few units at most.
class _Break(Enum):
    CR = auto()
    LF = auto()
    CONTROL = auto()
    EXTEND = auto()  # combining marks, variation selectors, emoji skin tones
    ZWJ = auto()
    SPACING_MARK = auto()  # vowel signs drawn beside their consonant
    PREPEND = auto()
    REGIONAL_INDICATOR = auto()  # two make a flag
    L = auto()  # Hangul leading consonant jamo
    V = auto()  # Hangul vowel jamo
    T = auto()  # Hangul trailing consonant jamo
    LV = auto()  # Hangul syllable without a trailing consonant
    LVT = auto()  # Hangul syllable with one
    PICTOGRAPHIC = auto()  # what emoji ZWJ sequences join
    OTHER = auto()


_ZWJ: Final = 0x200D
_PREPENDS: Final = frozenset(
    [*range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x0D4E, 0x110BD, 0x110CD]
)
# Spacing marks (Mc) that UAX #29 leaves unjoined (Myanmar, Tai Tham, Tai Viet, Ahom).
_MC_OTHER: Final = frozenset(
    chain(
        (0x102B, 0x102C, 0x1038, 0x1083, 0x108F, 0x1A61, 0x1A63, 0x1A64, 0xAA7B, 0xAA7D),
        (0x11720, 0x11721),
        range(0x1062, 0x1065),
        range(0x1067, 0x106E),
        range(0x1087, 0x108D),
        range(0x109A, 0x109D),
    )
)
# Letters that UAX #29 joins as spacing marks: Thai and Lao sara am.
_LO_SPACING_MARKS: Final = frozenset([0x0E33, 0x0EB3])
_PICTOGRAPHS_OUTSIDE_BLOCKS: Final = frozenset(
    [0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D, 0x3297, 0x3299]
)
# A virama-like sign that stacks the next consonant on the one before, so both are one
# cluster (UAX #29 rule GB9c); the next consonant must be of the same script (the same
# 128-code-point block). UAX #29 names only six Indic viramas; Khmer's coeng is added because
# a Khmer reader sees a consonant with its subscript as one letter. A strict UAX #29 splitter,
# like the grapheme-splitter in Twilio's published calculator, breaks after the coeng: where
# a part boundary falls just there, this counts one part more than it, never fewer.
_LINKERS: Final = frozenset([0x094D, 0x09CD, 0x0ACD, 0x0B4D, 0x0C4D, 0x0D4D, 0x17D2])


@lru_cache(maxsize=4096)
def _break(char: str) -> _Break:
    code = ord(char)
    if code == 0x0D:
        return _Break.CR
    if code == 0x0A:
        return _Break.LF
    if code == _ZWJ:
        return _Break.ZWJ
    if code in _PREPENDS:
        return _Break.PREPEND
    if 0x1F1E6 <= code <= 0x1F1FF:
        return _Break.REGIONAL_INDICATOR
    if (
        0x1F3FB <= code <= 0x1F3FF  # emoji modifiers (skin tones)
        or 0xE0020 <= code <= 0xE007F  # tags, as in the flags of England or Scotland
        or code in (0x200C, 0xFF9E, 0xFF9F)  # zero-width non-joiner, halfwidth kana marks
    ):
        return _Break.EXTEND
    hangul = _hangul(code)
    if hangul is not None:
        return hangul
    category = unicodedata.category(char)
    if category in ("Mn", "Me"):
        return _Break.EXTEND
    if category == "Mc":
        return _Break.OTHER if code in _MC_OTHER else _Break.SPACING_MARK
    if code in _LO_SPACING_MARKS:
        return _Break.SPACING_MARK
    if category in ("Cc", "Cf", "Cs", "Zl", "Zp"):
        return _Break.CONTROL
    if (
        0x1F000 <= code <= 0x1FFFD
        or code in _PICTOGRAPHS_OUTSIDE_BLOCKS
        or (0x2190 <= code <= 0x2BFF and category in ("So", "Sm"))
    ):
        return _Break.PICTOGRAPHIC
    return _Break.OTHER


def _hangul(code: int) -> _Break | None:
    if 0xAC00 <= code <= 0xD7A3:  # precomposed syllables, 28 to each leading-vowel pair
        return _Break.LV if (code - 0xAC00) % 28 == 0 else _Break.LVT
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return _Break.L
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return _Break.V
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return _Break.T
    return None


_HANGUL_JOINS: Final = frozenset(
    [(_Break.L, after) for after in (_Break.L, _Break.V, _Break.LV, _Break.LVT)]
    + [(before, after) for before in (_Break.LV, _Break.V) for after in (_Break.V, _Break.T)]
    + [(_Break.LVT, _Break.T), (_Break.T, _Break.T)]
)


def grapheme_clusters(text: str) -> list[str]:
    """`text` cut into what a reader sees as single characters (extended grapheme clusters).

    A letter with its accents, a Khmer syllable with its subscripts and vowel signs, an emoji
    with its skin tone or a whole ZWJ family, a flag, CR LF: each is one cluster.
    """
    clusters: list[str] = []
    start = 0
    before = _Break.CONTROL  # as if after a break, so the first character opens a cluster
    regional_run = 0  # regional indicators just before: an odd count waits for its pair
    after_pictograph = False  # a pictograph then only extenders: a ZWJ may join the next
    joined_pictograph = False  # that, then a ZWJ: a pictograph here joins
    consonant_block = -1  # the script block of the last letter, while only marks follow it
    linker_block = -1  # the same, once a linker follows it: a letter of that block joins
    for index, char in enumerate(text):
        kind, code = _break(char), ord(char)
        letter_block = code >> 7 if unicodedata.category(char) == "Lo" else -2
        joins = (before is _Break.CR and kind is _Break.LF) or (
            before not in (_Break.CONTROL, _Break.CR, _Break.LF)
            and kind not in (_Break.CONTROL, _Break.CR, _Break.LF)
            and (
                (before, kind) in _HANGUL_JOINS
                or kind in (_Break.EXTEND, _Break.ZWJ, _Break.SPACING_MARK)
                or before is _Break.PREPEND
                or letter_block == linker_block
                or (joined_pictograph and kind is _Break.PICTOGRAPHIC)
                or (regional_run % 2 == 1 and kind is _Break.REGIONAL_INDICATOR)
            )
        )
        if not joins and index:
            clusters.append(text[start:index])
            start = index
        # What this character leaves for the next one to join.
        joined_pictograph = kind is _Break.ZWJ and after_pictograph
        if kind is _Break.PICTOGRAPHIC:
            after_pictograph = True
        elif kind is not _Break.EXTEND:
            after_pictograph = False
        regional_run = regional_run + 1 if kind is _Break.REGIONAL_INDICATOR else 0
        if code in _LINKERS and consonant_block == code >> 7:
            linker_block = consonant_block
        elif letter_block >= 0:
            consonant_block, linker_block = letter_block, -1
        elif kind not in (_Break.EXTEND, _Break.ZWJ):
            consonant_block = linker_block = -1
        before = kind
    if text:
        clusters.append(text[start:])
    return clusters


# Typographic look-alikes that Twilio's Smart Encoding also swaps. Only swaps a reader would
# not notice: accented letters are left alone, and so is the ideographic space U+3000, which
# is visibly wider in the Chinese and Japanese text it belongs to.
_LOOK_ALIKES: Final = str.maketrans(
    {
        "\u2018": "'",  # ‘ left single quotation mark
        "\u2019": "'",  # ’ right single quotation mark, the curly apostrophe
        "\u201a": "'",  # ‚ single low-9 quotation mark
        "\u201b": "'",  # ‛ single high-reversed-9 quotation mark
        "\u201c": '"',  # “ left double quotation mark
        "\u201d": '"',  # ” right double quotation mark
        "\u201e": '"',  # „ double low-9 quotation mark
        "\u201f": '"',  # ‟ double high-reversed-9 quotation mark
        "\u2010": "-",  # ‐ hyphen
        "\u2011": "-",  # ‑ non-breaking hyphen
        "\u2012": "-",  # ‒ figure dash
        "\u2013": "-",  # – en dash
        "\u2014": "-",  # — em dash
        "\u2015": "-",  # ― horizontal bar
        "\u2026": "...",  # … horizontal ellipsis
        "\u00a0": " ",  # no-break space
        **{chr(code): " " for code in range(0x2000, 0x200B)},  # en quad to hair space
        "\u202f": " ",  # narrow no-break space
        "\u205f": " ",  # medium mathematical space
        "\u00ad": None,  # soft hyphen: invisible unless a line breaks there
        "\u200b": None,  # zero-width space
        "\u2060": None,  # word joiner
        "\ufeff": None,  # zero-width no-break space (a stray byte-order mark)
    }
)

# Zero-width (non-)joiners shape Arabic-script words and build emoji sequences (woman, ZWJ,
# staff of Aesculapius: a health worker), so they are only dropped between GSM-7 characters,
# where they change nothing a reader can see.
_JOINERS: Final = re.compile("[\u200c\u200d]+")


def smart_fold(text: str) -> str:
    """Rewrite typographic look-alikes so that text which looks like GSM-7 is sent as GSM-7.

    Curly quotes become straight, dashes become "-", "…" becomes "...", unusual spaces become
    a plain space, and invisible characters are removed. The text is also put in Unicode NFC,
    so an "é" typed as "e" plus a combining accent becomes the GSM-7 "é". Accented letters
    that GSM-7 lacks, such as "á" or "ç", are kept: replacing them would change the words.
    """
    folded = unicodedata.normalize("NFC", text.translate(_LOOK_ALIKES))

    def drop_if_between_gsm7(run: re.Match[str]) -> str:
        neighbours = folded[run.start() - 1 : run.start()] + folded[run.end() : run.end() + 1]
        return "" if is_gsm7(neighbours) else run.group()

    return _JOINERS.sub(drop_if_between_gsm7, folded)


# Letters GSM-7 lacks that do not decompose into a base letter and accents.
_FOLD_EXTRA: Final = str.maketrans(
    {"đ": "d", "Đ": "D", "ç": "c", "œ": "oe", "Œ": "OE", "«": '"', "»": '"', "ı": "i"}
)


def fold_accents(text: str) -> str:
    """`text` with the accents GSM-7 lacks taken off ("á" -> "a", "ã" -> "a", "ê" -> "e").

    For operators who prefer cost to spelling, on SMS only: a message that needed UCS-2 (70
    characters a segment) for one "ó" goes as GSM-7 (160). Letters GSM-7 has ("é", "è", "ñ",
    "ò") are kept, as is every character that has no GSM-7 base letter (Khmer, Chinese).
    """
    folded = smart_fold(text).translate(_FOLD_EXTRA)
    kept: list[str] = []
    for char in folded:
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            kept.append(char)
            continue
        base = "".join(
            part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
        )
        kept.append(base if base and is_gsm7(base) else char)
    return "".join(kept)

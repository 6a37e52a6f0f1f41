"""SMS encoding rules: which alphabet a text needs and how many segments it is billed as."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
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

    An empty text is one segment: SMS sends an empty message as one.
    """
    offending = _non_gsm7(text)
    if not offending:
        costs = [2 if char in GSM7_EXTENSION else 1 for char in text]
        return Segments("GSM-7", sum(costs), _count(costs, GSM7_SINGLE, GSM7_PER_PART))
    # Outside the Basic Multilingual Plane a code point is a surrogate pair: two units.
    costs = [2 if ord(char) > 0xFFFF else 1 for char in text]
    return Segments("UCS-2", sum(costs), _count(costs, UCS2_SINGLE, UCS2_PER_PART), offending)


def _non_gsm7(text: str) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for char in text:
        if char not in GSM7_BASIC and char not in GSM7_EXTENSION:
            found[char] = None
            if len(found) == _REPORTED_CHARACTERS:
                break
    return tuple(found)


def _count(costs: list[int], single: int, per_part: int) -> int:
    """Parts needed when no character (escape pair, surrogate pair) may straddle two parts."""
    if sum(costs) <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > per_part:
            parts, used = parts + 1, 0
        used += cost
    return parts


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

"""What every webhook checks before anything reaches storage: JSON shape, ids, numbers, text.

A request that passed its signature check can still be hostile (a leaked token, a bug at the
provider, a replay with edited fields). Each channel reads the provider's payload through these
helpers and turns anything it cannot trust into `InvalidPayload`, whose `code` is what the logs
carry: never the value that was refused.
"""

from __future__ import annotations

import json
import re
from typing import NoReturn

from bot.channels.base import InvalidPayload

# The longest text a person's message may carry into a turn. Telegram's own limit; an SMS or a
# WhatsApp message through Twilio is shorter still (1600). Longer texts are cut, with a note.
MAX_TEXT = 4096
# Real updates nest a dozen levels at most (a callback's message's keyboard's rows' buttons).
# Python's json module recurses per level and would raise RecursionError near a thousand.
MAX_JSON_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# E.164: a plus, a country code that does not start with 0, at most 15 digits in all. ASCII
# digits only: `\d` would also take Arabic-Indic and other Unicode digits.
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# A language tag as providers send it ("en", "pt-br", "zh-hans", "pt_BR"); 35 is BCP 47's bound.
_LOCALE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}")
_MAX_LOCALE_TAG = 35
# Every C0 and C1 control character but tab and newline, and lone surrogates (which JSON's
# \ud800 escapes can produce and no database driver can encode).
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# The bytes that can change JSON's nesting depth: brackets, and what starts or ends a string.
_JSON_SPECIAL = re.compile(rb'[\[\]{}"\\]')
_OPENING, _CLOSING, _QUOTE, _BACKSLASH = frozenset(b"[{"), frozenset(b"]}"), ord('"'), ord("\\")


def refuse(code: str, reason: str, status: int = 400) -> NoReturn:
    """Raise `InvalidPayload`; `code` goes to the logs, `reason` to the provider."""
    raise InvalidPayload(reason, code=code, status=status)


def clean_text(text: str) -> tuple[str, bool]:
    """`text` without control characters, cut to MAX_TEXT; and whether it was cut.

    Control characters are dropped, not refused: a NUL that a phone inserted must not cost the
    person their message. Line breaks stay (a carriage return becomes one).
    """
    text = _UNWANTED.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) <= MAX_TEXT:
        return text, False
    return text[:MAX_TEXT], True


def has_control(text: str) -> bool:
    """Whether `text` holds a control character or a lone surrogate (tab and newline too)."""
    return bool(_UNWANTED.search(text)) or "\t" in text or "\n" in text


def locale_hint(value: object) -> str | None:
    """A provider's language code if it looks like one ("pt-br"), else None (no hint)."""
    if isinstance(value, str) and len(value) <= _MAX_LOCALE_TAG and _LOCALE_TAG.fullmatch(value):
        return value
    return None


def integer(value: object, low: int, high: int) -> int | None:
    """`value` if it is an integer (not a bool, not a float) from `low` to `high`, else None."""
    if type(value) is int and low <= value <= high:
        return value
    return None


def read_json(body: bytes) -> object:
    """The JSON document in `body`, refused (InvalidPayload) when it is not one we can trust.

    Deep nesting is refused before parsing, so no document can make the parser recurse until
    Python gives up. NaN and Infinity, which Python's json accepts and JSON does not, are refused.
    """
    if _too_deep(body):
        refuse("json-too-deep", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError):
        # ValueError also covers integers of more digits than Python converts (4300).
        refuse("json-unreadable", "the body is not UTF-8 JSON")


def _too_deep(body: bytes) -> bool:
    """Whether `body`'s brackets nest deeper than MAX_JSON_DEPTH, brackets in strings aside.

    Linear in the length of `body` (a regular expression for whole JSON strings would
    backtrack quadratically on some bodies).
    """
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False  # cannot nest that deep: the usual case, decided without a loop
    depth = 0
    in_string = False
    escaped_at = -1
    for special in _JSON_SPECIAL.finditer(body):
        at = special.start()
        if at == escaped_at:
            continue  # the character after a backslash in a string: \" or \\
        char = body[at]
        if in_string:
            if char == _BACKSLASH:
                escaped_at = at + 1
            elif char == _QUOTE:
                in_string = False
        elif char == _QUOTE:
            in_string = True
        elif char in _OPENING:
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif char in _CLOSING:
            depth -= 1
    return False


def _no_constant(name: str) -> NoReturn:
    raise ValueError("not JSON")  # NaN, Infinity, -Infinity

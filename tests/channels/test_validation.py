"""The edge's checks alone: text cleaning and cutting, JSON depth and constants, ids, tags."""

from __future__ import annotations

import json

import pytest

from bot.channels.base import InvalidPayload
from bot.channels.validation import (
    E164,
    MAX_JSON_DEPTH,
    MAX_TEXT,
    clean_text,
    has_control,
    integer,
    locale_hint,
    read_json,
)


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("Hola\x00", "Hola"),
        ("\x07\x1b[31mrojo\x1b[0m", "[31mrojo[0m"),  # the escape goes, the visible rest stays
        ("línea 1\r\nlínea 2\rlínea 3", "línea 1\nlínea 2\nlínea 3"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("C1\x85\x9fend", "C1end"),
        ("lone \ud800 surrogate \udfff", "lone  surrogate "),
        ("👨\u200d👩\u200d👧 São Tomé", "👨\u200d👩\u200d👧 São Tomé"),  # joiners are not controls
    ],
)
def test_control_characters_are_stripped_from_text_not_refused(sent: str, read: str) -> None:
    assert clean_text(sent) == (read, False)
    read.encode("utf-8")  # whatever is left, every database can store


def test_a_text_longer_than_the_limit_is_cut_and_says_so() -> None:
    assert clean_text("a" * MAX_TEXT) == ("a" * MAX_TEXT, False)
    assert clean_text("é" * (MAX_TEXT + 1)) == ("é" * MAX_TEXT, True)
    # Stripping comes first: controls do not count against the limit.
    assert clean_text("\x00" * 10 + "a" * MAX_TEXT) == ("a" * MAX_TEXT, False)


def nested(depth: int) -> bytes:
    return b'{"a": ' * depth + b"1" + b"}" * depth


def test_json_up_to_the_depth_limit_is_read() -> None:
    assert read_json(nested(MAX_JSON_DEPTH)) == json.loads(nested(MAX_JSON_DEPTH))


@pytest.mark.parametrize(
    "body",
    [
        nested(MAX_JSON_DEPTH + 1),
        b"[" * 100_000,  # json.loads alone would raise RecursionError here
        b'["ok", ' + b"[" * 40 + b"]" * 40 + b"]",
        b'{"s": "\\"", "deep": ' + b"[" * 40 + b"]" * 40 + b"}",  # an escaped quote is no end
    ],
)
def test_json_nested_deeper_than_the_limit_is_refused_before_parsing(body: bytes) -> None:
    with pytest.raises(InvalidPayload) as refused:
        read_json(body)
    assert refused.value.code == "json-too-deep"


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = "[" * 100 + "{" * 100 + '\\"' + "]" * 3
    assert read_json(json.dumps({"text": text}).encode()) == {"text": text}


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b'{"update_id": NaN}',
        b'{"update_id": Infinity}',
        b'{"update_id": -Infinity}',
        b'{"update_id": ' + b"9" * 5000 + b"}",  # more digits than Python converts
        b'{"text": "\xff\xfe"}',  # not UTF-8
    ],
)
def test_what_is_not_json_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidPayload) as refused:
        read_json(body)
    assert refused.value.code == "json-unreadable" and refused.value.status == 400


def test_a_refusal_never_carries_the_value_it_refused() -> None:
    with pytest.raises(InvalidPayload) as refused:
        read_json(b'{"phone": "+525555550123", "x": NaN}')
    assert "+525555550123" not in str(refused.value) + refused.value.reason + refused.value.code


@pytest.mark.parametrize(
    ("value", "low", "high", "read"),
    [
        (5, 0, 10, 5),
        (0, 0, 10, 0),
        (11, 0, 10, None),
        (10**200, 0, 2**63, None),
        (True, 0, 10, None),  # a bool is an int to Python, not to JSON
        (5.0, 0, 10, None),
        ("5", 0, 10, None),
        (None, 0, 10, None),
        ([-1, {}, None], 0, 10, None),
    ],
)
def test_integers_are_read_only_in_range(value: object, low: int, high: int, read: object) -> None:
    assert integer(value, low, high) == read


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("es", "es"),
        ("pt-br", "pt-br"),
        ("zh-hans", "zh-hans"),
        ("pt_BR", "pt_BR"),
        ("", None),
        ("e", None),
        ("es\x00", None),
        ("es;DROP", None),
        ("x" * 40, None),
        (5, None),
        (None, None),
    ],
)
def test_a_language_hint_is_taken_only_if_it_looks_like_a_tag(value: object, hint: object) -> None:
    assert locale_hint(value) == hint


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("+525555550123", True),
        ("+50955550188", True),
        ("+1234567", True),
        ("+123456789012345", True),
        ("+123456", False),  # too short
        ("+1234567890123456", False),  # more than 15 digits
        ("+0525555550123", False),  # no country code starts with 0
        ("525555550123", False),
        ("+52 55 5555 0123", False),
        ("+52555\x00550123", False),
        ("+٥٢٥٥٥٥٥٥٠١٢٣", False),  # Arabic-Indic digits, which \d would take
        ("+525555550123\n", False),
    ],
)
def test_e164_numbers(number: str, valid: bool) -> None:
    assert bool(E164.fullmatch(number)) is valid


def test_identifiers_with_control_characters_are_told_apart() -> None:
    assert not has_control("who:family") and not has_control("pt_BR:é")
    for bad in ("who:\x00", "a\tb", "a\nb", "\x7f", "\x85", "\ud800"):
        assert has_control(bad), repr(bad)

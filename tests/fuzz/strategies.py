"""Hypothesis strategies for what providers (and anyone holding their secret) may send.

Each request is mostly real-looking, so conversations move forward and meet the flow's later
questions, with hostile parts mixed in: random Unicode and control characters, huge and
missing fields, wrong JSON types, huge numbers, deep nesting, raw bytes that are not JSON.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# A few people, so that several messages reach one conversation and move it along.
PHONES = ["+525555550123", "+50955550188", "+15035550100"]
TELEGRAM_CHATS = [5550001001, 5550002002, -4055500010]  # the last is a group
WEB_ADDRESSES = ["web-1a2b3c4d", "web-5e6f7a8b"]
# Answers the screening understands in some language, and its commands.
PLAUSIBLE = [
    "hola", "hi", "/start", "1", "2", "3", "4", "5", "10", "yes", "no", "sí", "oui", "wi",
    "skip", "STOP", "PARAR", "START", "HELP", "BACK", "RESTART", "LANGUAGE", "DELETE",
    "BORRAR", "2011", "hace 5 años", "20", "México", "Haiti", "Guatemala", "California",
    "Texas", "English", "Español", "Kreyòl", "continue", "", " ",
]  # fmt: skip

_ANY_CHARACTER = st.characters(exclude_categories=["Cs"])  # forms cannot carry surrogates
_CONTROL = st.characters(categories=["Cc"])  # NUL, escape, DEL, the C1 controls ...


def _long(characters: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A text around and over the channels' 4096-character limit."""
    return st.builds(lambda c, n: c * n, characters, st.integers(4000, 5000))


def texts(*, surrogates: bool = False) -> st.SearchStrategy[str]:
    """What a person might type, and what nobody would."""
    characters = st.characters() if surrogates else _ANY_CHARACTER
    return st.one_of(
        st.sampled_from(PLAUSIBLE),
        st.text(characters, max_size=40),
        st.text(st.one_of(_CONTROL, st.sampled_from("1aé ")), max_size=12),
        st.builds(lambda t, c: t + c, st.sampled_from(PLAUSIBLE), st.text(_CONTROL, max_size=3)),
        _long(characters),
    )


def junk_json() -> st.SearchStrategy[Any]:
    """Any JSON value, of any type, with numbers far outside every range Telegram uses."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([0, -1, 2**63, -(2**63) - 1, 10**20, 10**200, 10**300]),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(st.characters(), max_size=20),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=6,
    )


# Values that broke the edge once, or would break a weaker one.
KNOWN_HOSTILE = [
    "\x00", "+52555\x00550123", "SM" + "\x00" * 32, "None", "[-1, {}, None]", "True", "-1",
    "5255550123", "+٥٢٥٥٥٥٥٥٠١٢٣", "whatsapp:", "whatsapp:5255550123", "messenger:12345678",
    "+525555550123\n", " +525555550123", "+0525555550123", "%00", "\u0000", "'; DROP TABLE",
]  # fmt: skip


def _junk_string() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(KNOWN_HOSTILE),
        st.text(_ANY_CHARACTER, max_size=30),
        st.text(_CONTROL, max_size=5),
    )


# -- Twilio ------------------------------------------------------------------------------------


def _sid() -> st.SearchStrategy[str]:
    fresh = st.binary(min_size=16, max_size=16).map(lambda b: "SM" + b.hex())
    return st.one_of(fresh, fresh, fresh, _junk_string())


def _twilio_sender() -> st.SearchStrategy[str]:
    phone = st.sampled_from(PHONES)
    return st.one_of(phone, phone.map(lambda p: "whatsapp:" + p), _junk_string())


@st.composite
def twilio_messages(draw: st.DrawFn) -> dict[str, str]:
    """A message webhook's form: From, Body, MessageSid and friends, some missing or junk."""
    form = {
        "From": draw(_twilio_sender()),
        "To": draw(st.sampled_from(["+15005550006", "whatsapp:+14155238886"])),
        "Body": draw(texts()),
        "MessageSid": draw(_sid()),
        "AccountSid": "AC" + "3f" * 16,
        "NumMedia": draw(st.sampled_from(["0", "1", "-1", "x"])),
    }
    optional = {
        "OptOutType": st.one_of(st.sampled_from(["STOP", "START", "HELP"]), _junk_string()),
        "ButtonText": texts(),
        "ProfileName": _junk_string(),
        "WaId": _junk_string(),
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            form[name] = draw(strategy)
    for name in draw(st.lists(st.sampled_from(sorted(form)), max_size=2)):
        form.pop(name, None)  # missing fields
    extra = draw(st.dictionaries(_junk_string(), _junk_string(), max_size=2))
    return {**extra, **form}


@st.composite
def twilio_statuses(draw: st.DrawFn) -> dict[str, str]:
    """A status callback's form."""
    statuses = ["queued", "sent", "delivered", "undelivered", "failed", "read", "canceled"]
    form = {
        "MessageSid": draw(_sid()),
        "MessageStatus": draw(st.one_of(st.sampled_from(statuses), _junk_string())),
        "To": draw(_twilio_sender()),
        "ErrorCode": draw(st.one_of(st.sampled_from(["21610", "30003", ""]), _junk_string())),
    }
    for name in draw(st.lists(st.sampled_from(sorted(form)), max_size=2)):
        form.pop(name, None)
    return form


# -- Telegram ----------------------------------------------------------------------------------


def _chat_id() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(TELEGRAM_CHATS), st.sampled_from(TELEGRAM_CHATS), junk_json())


@st.composite
def _telegram_update(draw: st.DrawFn) -> dict[str, Any]:
    chat_id = draw(_chat_id())
    user = {
        "id": chat_id,
        "is_bot": False,
        "first_name": draw(_junk_string()),
        "language_code": draw(
            st.one_of(st.sampled_from(["es", "en", "pt-br", "ht"]), junk_json())
        ),
    }
    chat = {"id": chat_id, "type": draw(st.sampled_from(["private", "private", "group"]))}
    date = draw(st.one_of(st.integers(1_700_000_000, 1_800_000_000), junk_json()))
    update_id = draw(st.one_of(st.integers(0, 2**31), st.integers(0, 20), junk_json()))
    kind = draw(st.sampled_from(["message", "message", "callback_query", "edited_message", "?"]))
    if kind == "callback_query":
        question = draw(st.sampled_from(["who", "language", "resume", "served", "x"]))
        key = draw(
            st.one_of(st.sampled_from(["self", "family", "yes", "no", "es", "en"]), texts())
        )
        body: dict[str, Any] = {
            "id": draw(st.one_of(st.integers(0, 10**19).map(str), junk_json())),
            "from": user,
            "message": {"message_id": 3, "date": date, "chat": chat, "text": "?"},
            "data": draw(st.one_of(st.just(f"{question}:{key}"), junk_json())),
        }
    else:
        text = draw(st.one_of(texts(surrogates=True), texts(), junk_json()))
        body = {"message_id": 11, "from": user, "chat": chat, "date": date, "text": text}
    return {"update_id": update_id, kind: body}


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside `value` that a mutation may replace or remove."""
    places: list[tuple[Any, ...]] = []
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        places.append((*path, key))
        places.extend(_paths(child, (*path, key)))
    return places


@st.composite
def _mutated(draw: st.DrawFn, base: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """`base` with a few of its fields replaced by junk or removed."""
    value = draw(base)
    for _ in range(draw(st.integers(0, 2))):
        places = _paths(value)
        if not places:
            break
        *parents, last = draw(st.sampled_from(places))
        target: Any = value
        for key in parents:
            target = target[key]
        if isinstance(target, dict) and draw(st.booleans()):
            del target[last]
        else:
            target[last] = draw(junk_json())
    return value


def _raw_bodies() -> st.SearchStrategy[bytes]:
    """Bodies that are not JSON, or JSON no reader should trust."""
    depth = st.integers(30, 5000)
    return st.one_of(
        st.binary(max_size=64),
        depth.map(lambda n: b"[" * n + b"]" * n),
        depth.map(lambda n: b'{"update_id": 1, "message": ' + b"[" * n + b"]" * n + b"}"),
        st.sampled_from(
            [
                b'{"update_id": NaN}',
                b'{"update_id": 1e999}',
                b'{"update_id": ' + b"9" * 5000 + b"}",
            ]
        ),
        st.just(b'{"update_id": 1, "message": {"text": "' + b"x" * 200_000 + b'"}}'),
    )


def _encoded(value: Any) -> bytes:
    return json.dumps(value).encode()  # ensure_ascii: lone surrogates travel as \ud800


def telegram_bodies() -> st.SearchStrategy[bytes]:
    """A Telegram webhook body: an update, a mutated one, or raw bytes."""
    return st.one_of(
        _telegram_update().map(_encoded),
        _mutated(_telegram_update()).map(_encoded),
        junk_json().map(_encoded),
        _raw_bodies(),
    )


# -- the simulator -----------------------------------------------------------------------------


@st.composite
def _simulator_message(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "address": draw(st.one_of(st.sampled_from(WEB_ADDRESSES), junk_json())),
        "text": draw(st.one_of(texts(surrogates=True), junk_json())),
        "lang": draw(st.one_of(st.sampled_from(["es", "fr", "pt-br"]), junk_json())),
    }


def simulator_bodies() -> st.SearchStrategy[bytes]:
    """A simulator request body: a message, a mutated one, or raw bytes."""
    return st.one_of(
        _simulator_message().map(_encoded),
        _mutated(_simulator_message()).map(_encoded),
        junk_json().map(_encoded),
        _raw_bodies(),
    )

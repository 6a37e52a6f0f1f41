"""Reading a person's reply as an answer of the question's type, or saying what was expected."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core import geo, keywords, texts
from bot.core.flow import Option, Question
from bot.core.i18n import Text, Translator
from bot.core.state import Answer

# Longer replies are never a valid choice, number, country or state; reading them is wasted work.
MAX_SHORT_REPLY = 200
# A whole number, plain ("1998") or grouped by thousands ("1,998", "1 998"); "1,5" is neither.
_NUMBER = re.compile(r"^[+-]?(?:\d{1,9}|\d{1,3}(?:[, .]\d{3}){1,2})$")
# A number written against its words, as Chinese and Khmer do ("20岁", "大约20", "២០ឆ្នាំ").
_DIGITS_AGAINST_LETTERS = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
_SHORT_YEAR = re.compile(r"^['‘’]?(\d{2})$")
# Scripts written without spaces between words: Chinese, Japanese kana, Khmer, Thai, Lao.
_UNSPACED = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u1780-\u17ff\u0e00-\u0eff]")


@dataclass(frozen=True, slots=True)
class Accepted:
    """The reply is a valid answer (`value` is None when the person skipped)."""

    value: Answer


@dataclass(frozen=True, slots=True)
class Rejected:
    """The reply is not a valid answer; `hint` says what is expected."""

    hint: Text
    values: Mapping[str, object] = field(default_factory=dict)


Parsed = Accepted | Rejected


# The answer "not sure" to a yes/no question that offers it.
NOT_SURE = "not_sure"
# Longest reply read for a choice named inside it ("soy su hija" picks "family").
MAX_WORDS_AROUND_CHOICE = 12


def yes_no_options(*, not_sure: bool = False) -> tuple[Option, ...]:
    """The options of a yes/no question (labels are engine texts), with "Not sure" if offered."""
    found = (Option("yes", texts.YES.source), Option("no", texts.NO.source))
    return (*found, Option(NOT_SURE, texts.NOT_SURE.source)) if not_sure else found


def parse(question: Question, reply: str, locale: str, year_now: int) -> Parsed:
    """Read `reply` as an answer to `question` in a conversation held in `locale`."""
    said = reply.strip()
    short = len(said) <= MAX_SHORT_REPLY
    words = geo.normalize(said) if short else ""
    if short and question.optional and words in keywords.words(keywords.SKIP, [locale]):
        return Accepted(None)
    if question.type == "text":
        if len(said) > question.max_length:
            return Rejected(texts.TOO_LONG, {"limit": question.max_length})
        return Accepted(said)
    if not short:
        return _reject(question, year_now)
    value = _read(question, said, words, locale, year_now)
    return Accepted(value) if value is not None else _reject(question, year_now)


def _read(question: Question, said: str, words: str, locale: str, year_now: int) -> Answer:
    match question.type:
        case "choice":
            if said[:1] in "+-" and said[1:2].isdecimal():
                return None  # "-1" is not choice 1
            return _read_option(question.options, words, locale)
        case "yes_no":
            if words in keywords.words(keywords.YES, [locale]) or words == "1":
                return "yes"
            if words in keywords.words(keywords.NO, [locale]) or words == "2":
                return "no"
            if question.not_sure and (
                words == "3"
                or words in keywords.words(keywords.UNSURE, [locale])
                or words == geo.normalize(texts.NOT_SURE.source)
            ):
                return NOT_SURE
            return None
        case "number" | "year":
            return _read_number(question, said, year_now, locale)
        case "country":
            return geo.parse_country(said, locale)
        case "us_state":
            return geo.parse_us_state(said, locale)
    return None


def _read_option(options: tuple[Option, ...], words: str, locale: str) -> str | None:
    """An option by its number, its label, its id or one of its keywords."""
    if words.isdecimal():  # not isdigit(): "፪" is a digit that int() refuses
        number = int(words) if len(words) < 4 else 0
        return options[number - 1].id if 1 <= number <= len(options) else None
    for option in options:
        spellings = {geo.normalize(option.label), geo.normalize(option.id)}
        spellings |= {geo.normalize(w) for w in keywords.words(option.keywords, [locale])}
        if words in spellings:
            return option.id
    return _option_within(options, words, locale)


def _option_within(options: tuple[Option, ...], words: str, locale: str) -> str | None:
    """The option one of whose keywords the reply says among other words ("soy su hija").

    The longest keyword found wins (most words, then most letters); a tie between two
    options, or no keyword at all, picks nothing, so the person is asked again.
    """
    unspaced = _UNSPACED.search(words) is not None
    if not (1 < len(words.split()) <= MAX_WORDS_AROUND_CHOICE or (unspaced and len(words) > 1)):
        return None
    padded, joined = f" {words} ", words.replace(" ", "")
    best: dict[tuple[int, int], set[str]] = {}
    for option in options:
        for keyword in keywords.words(option.keywords, [locale]):
            phrase = geo.normalize(keyword)
            # Chinese and Khmer write a sentence without spaces: a keyword in those scripts
            # is found anywhere in it ("我是他女儿" says 女儿, daughter).
            inside = _UNSPACED.search(phrase) is not None and phrase.replace(" ", "") in joined
            if phrase and (f" {phrase} " in padded or inside):
                best.setdefault((len(phrase.split()), len(phrase)), set()).add(option.id)
    if not best:
        return None
    winners = best[max(best)]
    return next(iter(winners)) if len(winners) == 1 else None


def _read_number(question: Question, said: str, year_now: int, locale: str) -> int | None:
    """A number as people write it: "20", "about 20", "20 years", "1,998"; a year also as "'98"."""
    words = _DIGITS_AGAINST_LETTERS.sub(" ", said.strip().rstrip(".")).split()
    approx = keywords.words(keywords.APPROXIMATELY, [locale])
    units = keywords.words(keywords.NUMBER_UNITS, [locale])
    ago = False
    if question.type == "year":  # "hace 5 años", "5 years ago", "5年前": years ago
        words, ago = _without_ago(words, locale)
    # Leading "about" words, one phrase of up to three words at a time ("cerca de", "mais ou
    # menos"), then one trailing unit phrase ("years", "anos de idade").
    stripped = True
    while stripped:
        stripped = False
        for size in (3, 2, 1):
            if len(words) > size and geo.normalize(" ".join(words[:size])) in approx:
                words, stripped = words[size:], True
                break
    for size in (3, 2, 1):
        if len(words) > size and geo.normalize(" ".join(words[-size:])) in units:
            words = words[:-size]
            break
    cleaned = " ".join(words)
    short_year = _SHORT_YEAR.match(cleaned) if question.type == "year" and not ago else None
    if ago:
        if not _NUMBER.match(cleaned) or not 0 <= int(re.sub(r"[, .]", "", cleaned)) <= 150:
            return None
        value = year_now - int(re.sub(r"[, .]", "", cleaned))
    elif short_year is not None:
        value = year_now // 100 * 100 + int(short_year[1])
        value = value - 100 if value > year_now else value
    elif _NUMBER.match(cleaned):
        value = int(re.sub(r"[, .]", "", cleaned))
    else:
        return None
    low, high = _bounds(question, year_now)
    if low is not None and value < low:
        return None
    if high is not None and value > high:
        return None
    return value


def _without_ago(words: list[str], locale: str) -> tuple[list[str], bool]:
    """`words` without a leading or trailing "ago" phrase, and whether there was one."""
    before = keywords.words(keywords.AGO_BEFORE, [locale])
    after = keywords.words(keywords.AGO_AFTER, [locale])
    for size in (3, 2, 1):
        if len(words) > size and geo.normalize(" ".join(words[:size])) in before:
            return words[size:], True
    for size in (3, 2, 1):
        if len(words) > size and geo.normalize(" ".join(words[-size:])) in after:
            return words[:-size], True
    return words, False


def _bounds(question: Question, year_now: int) -> tuple[int | None, int | None]:
    if question.type == "year":
        return question.minimum, question.maximum if question.maximum is not None else year_now
    return question.minimum, question.maximum


def _reject(question: Question, year_now: int) -> Rejected:
    low, high = _bounds(question, year_now)
    match question.type:
        case "choice":
            return Rejected(texts.PICK_NUMBER)
        case "yes_no":
            return Rejected(texts.YES_OR_NO)
        case "year":
            return Rejected(texts.YEAR_RANGE, {"minimum": low, "maximum": high})
        case "number" if high is None:
            return Rejected(texts.NUMBER_AT_LEAST, {"minimum": low if low is not None else 0})
        case "number":
            return Rejected(
                texts.NUMBER_RANGE, {"minimum": low if low is not None else 0, "maximum": high}
            )
        case "country":
            return Rejected(texts.COUNTRY)
        case "us_state":
            return Rejected(texts.US_STATE)
    return Rejected(texts.NOT_UNDERSTOOD)


def display(question: Question, value: Answer, translate: Translator, context: str) -> str:
    """An answer as the person would read it back, in their language."""
    if value is None:
        return translate.text(texts.NOT_GIVEN)
    match question.type:
        case "choice":
            option = question.option(value)
            if option is not None:
                return translate.pgettext(f"{context}.{option.id}", option.label)
        case "yes_no" if value == NOT_SURE:
            return translate.text(texts.NOT_SURE)
        case "yes_no":
            return translate.text(texts.YES if value == "yes" else texts.NO)
        case "country":
            return geo.country_name(str(value), translate.locale)
        case "us_state":
            return geo.us_state_name(str(value), translate.locale)
    return str(value)

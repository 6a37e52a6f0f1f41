"""Choosing a language: a greeting picks it, a phone number suggests it, the menu names each
language in itself, LANGUAGE in any language switches, and answers work in every locale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core import answers, texts
from bot.core.effects import LanguageChanged
from bot.core.engine import Engine, Turn
from bot.core.flow import Question
from bot.core.keywords import Keyword, match_keyword
from bot.core.messages import Address, Inbound
from bot.core.phones import locale_for_phone
from bot.core.state import State
from bot.flows.loader import load_flows
from bot.locales import load_translators

START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TRANSLATORS = load_translators()
ENGINE = Engine(load_flows(), "screening", TRANSLATORS)

# Each language as its speakers write its name, in the menu's order: typed here by hand.
MENU = ["English", "Español", "Kreyòl ayisyen", "Português", "Français", "Tiếng Việt", "ខ្មែរ"]
MENU.append("中文")


def said(text: str, hint: str | None = None, minute: int = 0) -> Inbound:
    return Inbound(
        Address("sms", "+10000000001"), text, START + timedelta(minutes=minute), None, hint
    )


def talk(*messages: str, hint: str | None = None) -> tuple[State, list[Turn]]:
    state, turns = State(), []
    for minute, text in enumerate(messages):
        turn = ENGINE.step(state, said(text, hint, minute))
        state = turn.state
        turns.append(turn)
    return state, turns


def translated(locale: str, context: str, source: str) -> str:
    return TRANSLATORS.get(locale).pgettext(context, source)


WELCOME = ENGINE.flows["screening"].nodes["welcome"].text
COUNTRY = ENGINE.flows["screening"].nodes["country"].text


@pytest.mark.parametrize(
    ("greeting", "locale"),
    [
        ("hola", "es"),
        ("Hola!", "es"),
        ("bonjou", "ht"),
        ("olá", "pt_BR"),
        ("Ola", "pt_BR"),
        ("bonjour", "fr"),
        ("xin chào", "vi"),
        ("Xin chao", "vi"),
        ("សួស្តី", "km"),
        ("你好", "zh_Hans"),
        ("Hi", "en"),
        ("Hola, necesito ayuda con mi hermano", "es"),
        ("Mwen bezwen èd pou pitit mwen", "ht"),
        ("Preciso de ajuda com meu filho", "pt_BR"),
        ("我需要帮助", "zh_Hans"),
    ],
)
def test_a_greeting_picks_the_language_at_once_confirmed_in_one_line(
    greeting: str, locale: str
) -> None:
    state, (turn,) = talk(greeting)
    assert state.locale == locale
    confirmation, welcome, *_, first_question = turn.outbound
    assert "\n" not in confirmation.text
    assert confirmation.text == TRANSLATORS.get(locale).text(texts.LANGUAGE_SET)
    assert welcome.text == translated(locale, "screening.welcome", WELCOME)
    assert first_question.question == "consent"  # consent is the first question
    if locale != "en":
        assert LanguageChanged(locale) in turn.effects
        assert welcome.text != WELCOME


def test_a_first_message_in_no_plain_language_offers_every_language_named_in_itself() -> None:
    state, (turn,) = talk("Haiti")
    (menu,) = turn.outbound
    assert menu.question == "language"
    assert [choice.label.casefold() for choice in menu.choices] == [n.casefold() for n in MENU]
    # The menu is the whole first reply: nothing is asked before the language is known.
    assert state.pending == "language" and state.node_id is None


@pytest.mark.parametrize(
    ("reply", "locale"),
    [
        ("2", "es"),
        ("Español", "es"),
        ("espanol", "es"),
        ("spanish", "es"),
        ("3", "ht"),
        ("kreyol", "ht"),
        ("中文", "zh_Hans"),
        ("8", "zh_Hans"),
        ("Tieng Viet", "vi"),
    ],
)
def test_the_menu_takes_a_number_or_a_name(reply: str, locale: str) -> None:
    state, (_, turn) = talk("Haiti", reply)
    assert state.locale == locale
    assert turn.outbound[0].text == TRANSLATORS.get(locale).text(texts.LANGUAGE_SET)
    assert turn.outbound[-1].question == "consent"


@pytest.mark.parametrize(
    ("number", "locale"),
    [
        ("+525512345678", "es"),
        ("+50212345678", "es"),
        ("+50412345678", "es"),
        ("+50312345678", "es"),
        ("+18095551234", "es"),
        ("+50937123456", "ht"),
        ("+5511987654321", "pt_BR"),
        ("+85512345678", "km"),
        ("+84901234567", "vi"),
        ("+8613800138000", "zh_Hans"),
        ("+33612345678", "fr"),
        ("+12125551234", None),
        ("12125551234", None),
    ],
)
def test_a_country_code_suggests_a_language(number: str, locale: str | None) -> None:
    assert locale_for_phone(number) == locale


def test_the_suggested_language_asks_first_and_is_listed_first() -> None:
    state, (turn,) = talk("Haiti", hint=locale_for_phone("+525512345678"))
    (menu,) = turn.outbound
    assert menu.text == TRANSLATORS.get("es").text(texts.CHOOSE_LANGUAGE)
    assert menu.text != texts.CHOOSE_LANGUAGE.source
    assert menu.choices[0].label == "Español"
    assert state.locale == "es"
    state, (_, picked) = talk("Haiti", "1", hint="es")
    assert state.locale == "es" and picked.outbound[-1].question == "consent"


def test_a_telegram_language_code_is_a_hint_too() -> None:
    state, _ = talk("/start", hint="pt-BR")
    assert state.locale == "pt_BR"


def test_a_greeting_wins_over_the_country_code() -> None:
    state, _ = talk("bonjour", hint="es")  # a French speaker on a Mexican number
    assert state.locale == "fr"


def at_the_country_question(locale: str) -> State:
    greeting = {"en": "hello", "es": "hola", "fr": "bonjour", "ht": "bonjou"}[locale]
    yes = {"en": "yes", "es": "sí", "fr": "oui", "ht": "wi"}[locale]
    state, turns = talk(greeting, yes, "2", "3")  # consent, a relative, no emergency
    assert turns[-1].outbound[-1].question == "country"
    return state


@pytest.mark.parametrize(
    "word",
    [
        *("LANGUAGE", "idioma", "IDIOMA", "lang", "Langue", "língua"),
        *("NGÔN NGỮ", "ngon ngu", "ភាសា", "语言"),
    ],
)
def test_the_language_word_of_any_language_opens_the_menu_anywhere(word: str) -> None:
    state = at_the_country_question("en")
    turn = ENGINE.step(state, said(word, minute=10))
    assert turn.state.pending == "language"
    assert turn.outbound[-1].question == "language"


def test_switching_midway_asks_the_current_question_again_in_the_new_language() -> None:
    state = at_the_country_question("es")
    answered = dict(state.answers)
    menu = ENGINE.step(state, said("LANGUE", minute=10))
    labels = [choice.label for choice in menu.outbound[-1].choices]
    switched = ENGINE.step(menu.state, said(str(labels.index("Français") + 1), minute=11))
    assert switched.state.locale == "fr"
    assert LanguageChanged("fr") in switched.effects
    assert switched.outbound[0].text == TRANSLATORS.get("fr").text(texts.LANGUAGE_SET)
    again = switched.outbound[-1]
    assert again.question == "country"
    assert again.text == translated("fr", "screening.country", COUNTRY) != COUNTRY
    assert dict(switched.state.answers) == answered  # nothing answered is lost
    # And the answer is read in the new language's words.
    went_on = ENGINE.step(switched.state, said("Mexique", minute=12))
    assert went_on.state.answers["country"] == "MX"


@pytest.mark.parametrize(
    ("locale", "reply", "value"),
    [
        ("en", "YES", "yes"),
        ("es", "sí", "yes"),
        ("es", "SI", "yes"),
        ("es", "Sí.", "yes"),
        ("es", "no", "no"),
        ("ht", "wi", "yes"),
        ("ht", "WI", "yes"),
        ("ht", "non", "no"),
        ("fr", "oui", "yes"),
        ("fr", "Non", "no"),
        ("pt_BR", "sim", "yes"),
        ("pt_BR", "não", "no"),
        ("pt_BR", "NAO", "no"),
        ("vi", "có", "yes"),
        ("vi", "co", "yes"),
        ("vi", "không", "no"),
        ("vi", "khong", "no"),
        ("km", "បាទ", "yes"),
        ("km", "ចាស", "yes"),
        ("km", "ទេ", "no"),
        ("zh_Hans", "是", "yes"),
        ("zh_Hans", "是的", "yes"),
        ("zh_Hans", "不是", "no"),
    ],
)
def test_yes_and_no_in_every_language_whatever_the_case_and_accents(
    locale: str, reply: str, value: str
) -> None:
    parsed = answers.parse(Question("yes_no"), reply, locale, 2026)
    assert parsed == answers.Accepted(value)


@pytest.mark.parametrize(
    ("locale", "reply", "keyword"),
    [
        ("es", "AYUDA", Keyword.HELP),
        ("es", "atrás", Keyword.BACK),
        ("es", "atras", Keyword.BACK),
        ("es", "borrar", Keyword.DELETE),
        ("ht", "EDE", Keyword.HELP),
        ("ht", "efase", Keyword.DELETE),
        ("pt_BR", "ajuda", Keyword.HELP),
        ("pt_BR", "voltar", Keyword.BACK),
        ("fr", "aide", Keyword.HELP),
        ("fr", "RETOUR", Keyword.BACK),
        ("vi", "giúp", Keyword.HELP),
        ("vi", "quay lai", Keyword.BACK),
        ("km", "ជួយ", Keyword.HELP),
        ("zh_Hans", "帮助", Keyword.HELP),
        ("zh_Hans", "删除", Keyword.DELETE),
        # STOP works in every conversation, in every language: an opt-out is never missed.
        ("en", "ALTO", Keyword.STOP),
        ("en", "sispann", Keyword.STOP),
        ("es", "arrêt", Keyword.STOP),
        ("fr", "停止", Keyword.STOP),
        ("zh_Hans", "STOP", Keyword.STOP),
    ],
)
def test_commands_in_each_language(locale: str, reply: str, keyword: Keyword) -> None:
    assert match_keyword(reply, [locale]) == keyword


def test_a_command_of_another_language_is_an_answer_there() -> None:
    # "aide" is help in French; in a Spanish conversation it is just a word.
    assert match_keyword("ayuda", ["fr"]) is None
    assert match_keyword("ayuda", ["es"]) is Keyword.HELP


@pytest.mark.parametrize(
    ("locale", "reply", "value"),
    [
        ("es", "unos 20 años", 20),
        ("pt_BR", "cerca de 20 anos de idade", 20),
        ("fr", "environ 20 ans", 20),
        ("zh_Hans", "大约20岁", 20),
        ("km", "២០ឆ្នាំ", 20),
        ("km", "ប្រហែល ២០ ឆ្នាំ", 20),
    ],
)
def test_numbers_with_the_words_around_them(locale: str, reply: str, value: int) -> None:
    parsed = answers.parse(Question("number", maximum=120), reply, locale, 2026)
    assert parsed == answers.Accepted(value)


def test_a_choice_is_picked_by_its_label_in_the_conversation_language() -> None:
    state, _ = talk("hola", "sí")
    label = translated("es", "screening.who.family", "A family member")
    assert label != "A family member"
    turn = ENGINE.step(state, said(label.upper(), minute=5))
    assert turn.state.answers["who"] == "family"

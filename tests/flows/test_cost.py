"""`homeward flows cost`: what the screening costs over SMS in each language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.core.engine import Engine
from bot.flows import cost
from bot.flows.loader import load_flows
from bot.locales import load_translators

README = Path(__file__).resolve().parents[2] / "README.md"
TRANSLATORS = load_translators()
ENGINE = Engine(load_flows(), "screening", TRANSLATORS)
LATIN_SCRIPT = ("es", "ht", "pt_BR", "fr", "vi")


@pytest.fixture(scope="module")
def costs() -> dict[str, cost.ConversationCost]:
    return {locale: cost.conversation_cost(ENGINE, locale) for locale in TRANSLATORS.locales}


@pytest.mark.parametrize("locale", TRANSLATORS.locales)
def test_the_typical_screening_is_played_to_the_end_in_each_language(locale: str) -> None:
    first = cost.greeting(locale)
    replies = cost.play(ENGINE, first, cost.TYPICAL_SCREENING, cost.sample_matcher())
    asked = [reply.question for reply in replies if reply.question]
    assert asked[0] == "consent" and asked[-1] == "share"  # no language menu, consent first
    assert len(asked) == len(set(asked))  # every answer was understood the first time
    assert "language" not in asked


def test_english_and_haitian_creole_never_need_ucs2(
    costs: dict[str, cost.ConversationCost],
) -> None:
    assert costs["en"].ucs2_messages == 0
    assert costs["ht"].ucs2_messages == 0


def test_with_accents_folded_no_latin_script_language_costs_over_1_3_times_english(
    costs: dict[str, cost.ConversationCost],
) -> None:
    english = costs["en"].segments
    for locale in LATIN_SCRIPT:
        assert costs[locale].folded_ucs2_messages == 0, locale
        assert costs[locale].folded_segments <= 1.3 * english, locale


def test_the_readme_reports_the_figures_of_this_checkout(
    costs: dict[str, cost.ConversationCost],
) -> None:
    rows = re.findall(
        r"^\| `(\w+)` \| (\d+) \| [\d.]+ \| (\d+) \| [\d.]+ \|$",
        README.read_text(),
        flags=re.MULTILINE,
    )
    reported = {locale: (int(plain), int(folded)) for locale, plain, folded in rows}
    measured = {code: (row.segments, row.folded_segments) for code, row in costs.items()}
    assert reported == measured


def test_the_command_prints_each_message_and_the_typical_screening() -> None:
    result = CliRunner().invoke(main, ["flows", "cost", "--locale", "es", "--locale", "km"])
    assert result.exit_code == 0, result.output
    welcome = [line.split() for line in result.output.splitlines() if "screening.welcome" in line]
    assert [line[1] for line in welcome] == ["UCS-2", "UCS-2"]  # Spanish accents, Khmer
    table = {line.split()[0]: line.split() for line in result.output.splitlines()[-2:]}
    assert set(table) == {"es", "km"}


def test_an_unknown_locale_is_refused_by_name() -> None:
    result = CliRunner().invoke(main, ["flows", "cost", "--locale", "xx"])
    assert result.exit_code != 0
    assert "xx" in result.output

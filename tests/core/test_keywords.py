"""Global commands are whole messages, in any case, with or without accents and punctuation."""

from __future__ import annotations

import pytest

from bot.core.keywords import Keyword, match_keyword


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", Keyword.STOP),
        ("  stop. ", Keyword.STOP),
        ("Unsubscribe", Keyword.STOP),
        ("start", Keyword.START),
        ("help!", Keyword.HELP),
        ("Back", Keyword.BACK),
        ("start over", Keyword.RESTART),
        ("RESTART", Keyword.RESTART),
        ("language", Keyword.LANGUAGE),
        ("Idioma", Keyword.LANGUAGE),
        ("ngôn ngữ", Keyword.LANGUAGE),
        ("DELETE", Keyword.DELETE),
        ("stop please", None),
        ("I want to go back home", None),
        ("", None),
        ("🙂", None),
        ("stop " * 2000, None),
    ],
)
def test_match_keyword(text: str, expected: Keyword | None) -> None:
    assert match_keyword(text, ["en"]) == expected

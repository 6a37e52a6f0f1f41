"""Words of locale zh_Hans (to be filled in)."""

from bot.core.lexicon import Lexicon

LEXICON = Lexicon(
    locale="zh_Hans",
    commands={},
    yes=frozenset(),
    no=frozenset(),
    skip=frozenset(),
)

"""Words of locale ht (to be filled in)."""

from bot.core.lexicon import Lexicon

LEXICON = Lexicon(
    locale="ht",
    commands={},
    yes=frozenset(),
    no=frozenset(),
    skip=frozenset(),
)

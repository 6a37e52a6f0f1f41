"""Words of locale km (to be filled in)."""

from bot.core.lexicon import Lexicon

LEXICON = Lexicon(
    locale="km",
    commands={},
    yes=frozenset(),
    no=frozenset(),
    skip=frozenset(),
)

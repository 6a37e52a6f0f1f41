"""Words of locale vi (to be filled in)."""

from bot.core.lexicon import Lexicon

LEXICON = Lexicon(
    locale="vi",
    commands={},
    yes=frozenset(),
    no=frozenset(),
    skip=frozenset(),
)

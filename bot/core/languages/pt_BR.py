"""Words of locale pt_BR (to be filled in)."""

from bot.core.lexicon import Lexicon

LEXICON = Lexicon(
    locale="pt_BR",
    commands={},
    yes=frozenset(),
    no=frozenset(),
    skip=frozenset(),
)

"""Words of locale es (to be filled in)."""

from bot.core.lexicon import Lexicon

LEXICON = Lexicon(
    locale="es",
    commands={},
    yes=frozenset(),
    no=frozenset(),
    skip=frozenset(),
)

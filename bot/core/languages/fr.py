"""Words of locale fr (to be filled in)."""

from bot.core.lexicon import Lexicon

LEXICON = Lexicon(
    locale="fr",
    commands={},
    yes=frozenset(),
    no=frozenset(),
    skip=frozenset(),
)

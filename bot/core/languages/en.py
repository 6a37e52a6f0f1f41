"""English words. The opt-out words follow the single-word keywords that Twilio itself
intercepts on long codes, so the bot and the carrier agree on who has opted out."""

from bot.core.lexicon import Lexicon

LEXICON = Lexicon(
    locale="en",
    commands={
        "stop": frozenset(
            {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
            | {"opt out"}
        ),
        "start": frozenset({"start", "unstop"}),
        "help": frozenset({"help", "info"}),
        "back": frozenset({"back", "go back"}),
        "restart": frozenset({"restart", "start over"}),
        "language": frozenset({"language", "languages", "lang"}),
        "delete": frozenset({"delete", "erase", "delete my data"}),
    },
    yes=frozenset(
        {"yes", "y", "yeah", "yea", "yep", "yup", "yes i do", "i do", "yes i did", "i did"}
        | {"yes i was", "i was", "yes i have", "correct", "true"}
    ),
    no=frozenset(
        {"no", "n", "nope", "nah", "no i don't", "i don't", "no i didn't", "i didn't"}
        | {"no i wasn't", "i wasn't", "no i haven't", "never", "false"}
    ),
    skip=frozenset({"skip", "pass", "prefer not to say", "rather not say", "i'd rather not"}),
    approximately=frozenset({"in", "in the year"})
    | frozenset({"about", "around", "approximately", "approx", "roughly", "maybe", "like"}),
    number_units=frozenset({"years", "year", "yrs", "yr", "years old", "year old", "old", "y.o."}),
    greetings=frozenset(
        {"hi", "hello", "hey", "hi there", "hello there", "good morning", "good afternoon"}
        | {"good evening", "howdy"}
    ),
    common_words=frozenset(
        {"the", "i", "my", "need", "help", "is", "was", "and", "with", "please", "want"}
        | {"deported", "brother", "son", "husband", "father", "lawyer", "what", "how"}
    ),
    language_names=frozenset({"english", "inglés", "anglais", "anglè", "inglês"}),
    unsure=frozenset(
        {
            "don't know",
            "dont know",
            "i am not sure",
            "i don't know",
            "i dont know",
            "i'm not sure",
            "idk",
            "im not sure",
            "no idea",
            "not sure",
            "unsure",
        }
    ),
    ago_before=frozenset(),
    ago_after=frozenset({"ago"}),
)

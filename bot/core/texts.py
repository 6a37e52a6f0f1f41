"""Every person-visible text of the engine itself, as gettext context plus English source."""

from __future__ import annotations

from bot.core.i18n import Text

EMPTY = Text("engine.empty", "I got an empty message.")
TRUNCATED = Text("engine.truncated", "Your message was very long: I read only the beginning.")
TOO_LONG = Text(
    "engine.too-long", "That is too long. Please answer in {limit} characters or fewer."
)
NOT_UNDERSTOOD = Text("engine.not-understood", "Sorry, I did not understand.")
PICK_NUMBER = Text("engine.pick-number", "Please reply with the number of your answer.")
YES_OR_NO = Text("engine.yes-or-no", "Please reply YES or NO.")
NUMBER_RANGE = Text(
    "engine.number-range", "Please reply with a number from {minimum} to {maximum}."
)
NUMBER_AT_LEAST = Text(
    "engine.number-at-least", "Please reply with a number of {minimum} or more."
)
YEAR_RANGE = Text("engine.year-range", "Please reply with a year from {minimum} to {maximum}.")
COUNTRY = Text("engine.country", "Please write the name of the country.")
US_STATE = Text("engine.us-state", "Please write the name of the U.S. state.")
OR_SKIP = Text("engine.or-skip", "You can also reply SKIP.")
OFFER_HELP = Text("engine.offer-help", "Reply HELP for help.")
HELP = Text(
    "engine.help",
    "Homeward is free and is not a lawyer. Commands: BACK (previous question), RESTART, "
    "LANGUAGE, STOP (no more messages), DELETE (erase your answers).",
)
OLD_BUTTON = Text("engine.old-button", "That button was for an earlier question.")
FIRST_QUESTION = Text("engine.first-question", "This is the first question.")
OPTED_IN = Text("engine.opted-in", "Welcome back. You will get messages from Homeward again.")
DELETE_CONFIRM = Text(
    "engine.delete-confirm",
    "Delete everything you told Homeward? If a group received your answers, it will be asked "
    "to delete them too. This cannot be undone.",
)
DELETE_YES = Text("engine.delete-yes", "Yes, delete everything")
DELETE_NO = Text("engine.delete-no", "No, keep my answers")
DELETE_KEPT = Text("engine.delete-kept", "Nothing was deleted.")
DELETED = Text(
    "engine.deleted",
    "Everything you told Homeward has been deleted. Send any message to start again.",
)
CHOOSE_LANGUAGE = Text("engine.choose-language", "Choose your language:")
LANGUAGE_SET = Text("engine.language-set", "Language: English.")
RESUME = Text("engine.resume", "Welcome back. Do you want to continue where you left off?")
RESUME_CONTINUE = Text("engine.resume-continue", "Continue")
RESUME_RESTART = Text("engine.resume-restart", "Start over")
YES = Text("engine.yes", "Yes")
NO = Text("engine.no", "No")
SKIP = Text("engine.skip", "Prefer not to say")
NOT_SURE = Text("engine.not-sure", "Not sure")
NOT_GIVEN = Text("engine.not-given", "not given")
LOCAL_EMERGENCY = Text("engine.local-emergency", "the local emergency number")
STOPPED = Text(
    "engine.stopped",
    "You will get no more messages from Homeward. Send START to come back, DELETE to erase "
    "your answers.",
)
RESTARTED = Text("engine.restarted", "Your answers were cleared. Starting again.")
REMINDER = Text(
    "engine.reminder",
    "Your Homeward questions are waiting. Reply to go on, or send STOP for no more messages.",
)
HALTED = Text(
    "engine.halted",
    "Sorry, something went wrong on our side. Send RESTART to begin again.",
)
ENDED = Text("engine.ended", "This conversation has ended. Send START to begin again.")
PARTNER_UNAVAILABLE = Text(
    "engine.partner-unavailable", "{partner} cannot receive answers right now."
)
ALREADY_SENT = Text(
    "engine.already-sent",
    "Your answers went to {partner} before. Changes made since were not sent: quote your code "
    "{reference} to tell them.",
)
# Said once to someone who writes faster than the rate limit allows (bot/limits.py); the
# messages after it in the same window are dropped unread.
TOO_MANY_MESSAGES = Text(
    "limits.too-many-messages",
    "Too many messages at once. Please wait a minute, then write again: messages sent before "
    "then are not read.",
)

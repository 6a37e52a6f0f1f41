"""The language a phone number's country suggests, for someone who has not chosen one yet."""

from __future__ import annotations

from collections.abc import Mapping

# Country calling code -> the shipped locale most people there read. Only clear cases: a
# country of several languages is left out, and so is +1 (the U.S. and Canada, but also the
# Dominican Republic and Jamaica, which are listed by their area codes).
CALLING_CODES: Mapping[str, str] = {
    **dict.fromkeys(("52", "502", "503", "504", "505", "506", "507", "53", "54", "56"), "es"),
    **dict.fromkeys(("57", "58", "51", "591", "593", "595", "598", "34", "240"), "es"),
    **dict.fromkeys(("1809", "1829", "1849"), "es"),  # the Dominican Republic
    "509": "ht",
    **dict.fromkeys(("55", "351", "244", "258", "238", "245", "239"), "pt_BR"),
    **dict.fromkeys(("33", "221", "223", "224", "225", "226", "227", "228", "229"), "fr"),
    **dict.fromkeys(("235", "236", "241", "242", "243", "261", "262", "590", "596"), "fr"),
    "84": "vi",
    "855": "km",
    "86": "zh_Hans",
}
_LONGEST = max(map(len, CALLING_CODES))


def locale_for_phone(number: str) -> str | None:
    """The locale `number`'s country suggests ("+52 55 ..." -> "es"), or None."""
    digits = number.strip()
    if not digits.startswith("+"):
        return None
    digits = "".join(char for char in digits[1:] if char.isascii() and char.isdigit())
    for size in range(min(_LONGEST, len(digits)), 0, -1):
        found = CALLING_CODES.get(digits[:size])
        if found is not None:
            return found
    return None

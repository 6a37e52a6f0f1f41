"""Emergency telephone numbers by country, for the safety message shown to someone in danger.

The number people dial for the police or an ambulance where they are now. Only countries
whose number is widely published are listed; for the rest the message names "the local
emergency number" rather than guess. The coalition should check this table before launch
(docs/screening.md says so); a wrong number here is worse than none.
"""

from __future__ import annotations

from collections.abc import Mapping

EMERGENCY_NUMBERS: Mapping[str, str] = {
    # North and Central America and the Caribbean.
    "US": "911",
    "CA": "911",
    "MX": "911",
    "GT": "110",
    "BZ": "911",
    "SV": "911",
    "HN": "911",
    "NI": "118",
    "CR": "911",
    "PA": "911",
    "DO": "911",
    "HT": "114",
    "JM": "119",
    "CU": "106",
    # South America.
    "CO": "123",
    "EC": "911",
    "PE": "105",
    "VE": "911",
    "BR": "190",
    "AR": "911",
    "CL": "133",
    "BO": "110",
    # Asia.
    "KH": "117",
    "VN": "113",
    "LA": "191",
    "CN": "110",
    "PH": "911",
    "IN": "112",
    # Europe (112 across the European Union).
    "GB": "999",
    "IE": "112",
    "ES": "112",
    "PT": "112",
    "FR": "112",
    "DE": "112",
    "IT": "112",
    "NL": "112",
    "PL": "112",
}


def emergency_number(country: str | None) -> str | None:
    """The emergency number of `country` (an ISO code), or None when it is not listed."""
    return EMERGENCY_NUMBERS.get((country or "").strip().upper())

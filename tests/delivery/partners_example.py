"""The example referral of docs/partners.md, made by running the shipped screening.

A Spanish-speaking son screens his deported father through the real `screening` flow, its
real translations, real matching and the real `build`; the document and the email summary
that come out are the examples partners read. tests/delivery/test_partners_example.py fails
while the page and this script disagree. After a change to the screening, its texts or the
document, regenerate the page's examples:

    .venv/bin/python -m tests.delivery.partners_example --write

(without --write it prints them). If the screening asks something new, update REPLIES.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.effects import ReferralRequested
from bot.core.engine import Engine
from bot.core.i18n import Translators
from bot.core.matching import choose
from bot.core.messages import Address, Inbound
from bot.core.partners import Case, Intake, Match, Partner
from bot.core.referral import Referral
from bot.core.state import State
from bot.delivery import email
from bot.delivery.referrals import build
from bot.flows.loader import load_flows
from bot.locales import load_translators

DOC = Path(__file__).resolve().parents[2] / "docs" / "partners.md"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SON = Address("whatsapp", "+52 55 1234 5678")
CLINIC = Partner(
    id="example-clinic",
    name="Example Immigration Clinic",
    services=frozenset({"legal"}),
    specialties=frozenset({"veteran", "in-absentia"}),
    national=True,
    languages=frozenset({"en", "es"}),
    takes_deported=True,
    weekly_capacity=5,
    intake=Intake(email="intake@clinic.example"),
)

# The conversation, one message at a time: (the question the screening is waiting on when
# the message arrives, the message). None: nothing asked yet. The one list to update when the
# screening changes; the run stops at the first question it did not expect.
REPLIES: tuple[tuple[str | None, str], ...] = (
    (None, "hola"),  # a Spanish greeting: the conversation goes on in Spanish
    ("consent", "sí"),
    ("who", "2"),  # a family member
    ("urgent_now", "3"),  # neither danger nor detention now
    ("country", "México"),
    ("year_removed", "2019"),
    ("times_removed", "1"),  # once
    ("removal_kind", "2"),  # a judge, in the person's absence
    ("notice", "no"),
    ("custody_day", "no"),
    ("lawyer", "no"),
    ("pending", "no"),
    ("state_lived", "Texas"),
    ("court_state", "Texas"),
    ("years_in_us", "22"),
    ("age_at_arrival", "9"),
    ("prior_status", "6"),  # none
    ("citizen_parent", "no"),
    ("military", "sí"),
    ("discharge", "1"),  # honorable
    ("va_help", "sí"),
    ("conviction", "PASAR"),  # prefers not to say
    ("us_family", "sí"),
    ("petition", "no"),
    ("harmed", "4"),  # neither
    ("fear", "no"),
    ("contact_how", "3"),  # WhatsApp
    ("summary", "1"),  # that is right
    ("first_name", "Juan"),  # travels in the referral alone
    ("share", "sí"),
)


def referral() -> Referral:
    """The referral the scripted conversation ends in."""
    translators = load_translators()
    engine = Engine(load_flows(), "screening", translators, matcher=_match)
    state = State()
    requested: list[ReferralRequested] = []
    for expected, text in REPLIES:
        waiting = state.pending or state.node_id
        if waiting != expected:
            raise SystemExit(
                f"the screening waits on {waiting!r} where REPLIES expects {expected!r}: "
                f"update REPLIES in {__name__}"
            )
        turn = engine.step(state, Inbound(SON, text, NOW))
        state = turn.state
        requested += [e for e in turn.effects if isinstance(e, ReferralRequested)]
    if len(requested) != 1:
        raise SystemExit(f"the conversation made {len(requested)} referrals, not one")
    flow = engine.flows[requested[0].flow_id]
    return build(requested[0], state, flow, SON, CLINIC, NOW, translators)


def _match(case: Case) -> Match | None:
    return choose(case, (CLINIC,), {}, spread_key=case.key, fallback=None)


def document_example(made: Referral) -> str:
    """The document as the page shows it: spaced out, keys sorted like the real body."""
    document: dict[str, Any] = made.to_document()
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def email_example(made: Referral) -> str:
    """The email summary an intake reading English gets."""
    return email.summary(made, Translators().get("en"))


# Each example sits in the first fenced block after its marker comment.
MARKERS = {
    "document": "<!-- example: referral document -->",
    "email": "<!-- example: referral email -->",
}
_BLOCK = r"({marker}\n(?:<!--.*?-->\n|\n)*```[a-z]*\n)(.*?)(```)"


def examples() -> dict[str, str]:
    """Each example's text, by the name of its marker."""
    made = referral()
    return {"document": document_example(made), "email": email_example(made)}


def on_page(page: str) -> dict[str, str]:
    """The examples as the page has them now."""
    found = {}
    for name, marker in MARKERS.items():
        block = re.search(_BLOCK.format(marker=re.escape(marker)), page, re.S)
        if block is None:
            raise SystemExit(f"{DOC} has no fenced block after {marker}")
        found[name] = block[2]
    return found


def rewritten(page: str, made: dict[str, str]) -> str:
    """The page with its examples replaced by `made`."""
    for name, marker in MARKERS.items():
        pattern = _BLOCK.format(marker=re.escape(marker))
        page = re.sub(pattern, lambda m, n=name: m[1] + made[n] + m[3], page, count=1, flags=re.S)
    return page


def main(arguments: list[str]) -> None:
    made = examples()
    if arguments == ["--write"]:
        page = DOC.read_text(encoding="utf-8")
        DOC.write_text(rewritten(page, made), encoding="utf-8")
        print(f"Wrote the examples in {DOC}")
        return
    for name, text in made.items():
        print(f"{MARKERS[name]}\n{text}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Where representative cases go with the shipped directory: the table in docs/matching.md.

Every legal organization is given an intake (tests/partners/every_legal_intake.yaml), as if
the whole coalition were connected, so the table shows what the attributes in
bot/partners/coalition.yaml decide. Regenerate both files from the repository root:

    .venv/bin/python -m tests.partners.matching_table > docs/matching.md
    .venv/bin/python -m tests.partners.matching_table --override \
        > tests/partners/every_legal_intake.yaml

tests/partners/test_matching_table.py fails when either file differs from what this prints.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bot.core.matching import (
    CONTEXT_POINTS,
    CORE_POINTS,
    COUNTRY_POINTS,
    LANGUAGE_POINTS,
    LEGAL_POINTS,
    NATIONAL_POINTS,
    ROOM_POINTS,
    STATE_POINTS,
    choose,
    governing_place,
)
from bot.core.partners import Case, Match
from bot.core.tags import TagKind, tags_of_kind
from bot.partners import SHIPPED, Directory, load_directory

HERE = Path(__file__).resolve().parent
OVERRIDE = HERE / "every_legal_intake.yaml"
DOC = HERE.parents[1] / "docs" / "matching.md"
GENERAL_INTAKE = "nijc"  # the convener, as in docs/directory.md's example


@dataclass(frozen=True, slots=True)
class Example:
    """One representative case, as the screening's `match` action would build it."""

    label: str
    case: Case


def example(label: str, *tags: str, language: str = "en", **places: object) -> Example:
    """A case with these tags; `places` are Case's state, country, court_state, ... fields."""
    urgent = "urgent" in tags
    fields = {"country": "MX", **places}
    return Example(
        label,
        Case(tags=frozenset(tags), language=language, urgent=urgent, key=label, **fields),  # type: ignore[arg-type]
    )


EXAMPLES = (
    example(
        "Veteran from Texas who fears harm",
        "answered-by-self", "veteran", "va-benefits", "lawful-status-before", "long-residence",
        "fear-of-harm", "urgent",
        language="es", state="TX",
    ),
    example(
        "Ordered removed in absence, notice never came; Haitian Creole, lived in Florida",
        "answered-by-family", "in-absentia", "notice-problem", "procedural-defect",
        language="ht", state="FL", court_state="FL", country="HT",
    ),
    example(
        "Arrived at 6, DACA years; lived in California",
        "answered-by-self", "daca-era", "arrived-as-child", "long-residence",
        language="es", state="CA",
    ),
    example(
        "Conviction vacated in New York; lived in New Jersey",
        "answered-by-self", "conviction-relief", "criminal-legal-system",
        "conviction-caused-removal", "lawful-status-before", "long-residence",
        state="NJ", conviction_state="NY", court_state="NJ", country="JM",
    ),
    example(
        "Signed a stipulated removal in detention in Arizona; lived in Arizona",
        "answered-by-self", "stipulated-removal", "procedural-defect",
        language="es", state="AZ", court_state="AZ",
    ),
    example(
        "Husband detained now in Arizona (his wife writes)",
        "answered-by-family", "detained-now", "urgent", "us-citizen-family",
        language="es", state="AZ", country="US", abroad=False,
    ),
    example(
        "Cambodian refugee, conviction in California caused the removal; Khmer",
        "answered-by-family", "criminal-legal-system", "conviction-caused-removal",
        "no-plea-warning", "lawful-status-before", "arrived-as-child", "long-residence",
        language="km", state="CA", conviction_state="CA", country="KH",
    ),
    example(
        "Mother naturalized before he turned 18: possibly a citizen; lived in Illinois",
        "answered-by-self", "possible-citizen", "arrived-as-child", "long-residence",
        language="es", state="IL",
    ),
    example(
        "Victim of a crime in the U.S. and of abuse by a citizen spouse; lived in Washington",
        "answered-by-self", "crime-victim", "family-abuse", "us-citizen-family",
        language="es", state="WA", country="GT",
    ),
    example(
        "Pending family petition, appeal still open; Portuguese, lived in Massachusetts",
        "answered-by-self", "pathway-to-status", "pending-case", "us-citizen-family",
        language="pt_BR", state="MA", court_state="MA", country="BR",
    ),
    example("No tags at all; lived in New York, now in the Dominican Republic",
            language="es", state="NY", country="DO"),
    example(
        "Only context: long residence, citizen children; lived in Texas",
        "answered-by-family", "us-citizen-family", "long-residence", "arrived-as-child",
        language="es", state="TX",
    ),
)  # fmt: skip


def directory() -> Directory:
    """The shipped directory with every legal organization given an intake."""
    return load_directory(SHIPPED, OVERRIDE)


def override_yaml() -> str:
    """tests/partners/every_legal_intake.yaml: an email intake for every legal organization."""
    lines = [
        "# Generated by `python -m tests.partners.matching_table --override`: every legal",
        "# organization of bot/partners/coalition.yaml gets an intake (an address that does not",
        "# exist), and NIJC, the convener, is the general intake. Only for docs/matching.md.",
        "partners:",
    ]
    for partner in load_directory(SHIPPED).partners:
        if not partner.legal:
            continue
        lines.append(f"  - id: {partner.id}")
        if partner.id == GENERAL_INTAKE:
            lines.append("    general_intake: true")
        lines.append(f"    intake: {{email: {partner.id}@intake.example}}")
    return "\n".join(lines) + "\n"


def where(example: Example, partners: Directory) -> tuple[Match, Match | None]:
    """The partner a case goes to, and the one it goes to next if that one cannot take it."""
    fallback = partners.general_intake
    first = choose(example.case, partners.partners, spread_key=example.label, fallback=fallback)
    assert first is not None
    then = choose(
        example.case,
        partners.partners,
        spread_key=example.label,
        fallback=fallback,
        exclude={first.partner.id},
    )
    return first, then


def describe(case: Case) -> str:
    """The case's facts as matching reads them, for the table."""
    place = governing_place(case)
    facts = [f"`{case.language}`"]
    if case.state:
        facts.append(f"lived in {case.state}")
    if case.court_state:
        facts.append(f"court {case.court_state}")
    if case.conviction_state:
        facts.append(f"conviction {case.conviction_state}")
    if case.country:
        facts.append("in the U.S." if not case.abroad else f"now in {case.country}")
    facts.append(f"**place: {place.state or 'unknown'}** ({place.basis})")
    tags = ", ".join(f"`{tag}`" for tag in sorted(case.tags)) or "none"
    return f"{tags}<br>{'; '.join(facts)}"


def render() -> str:
    """docs/matching.md."""
    partners = directory()
    rows = []
    for number, item in enumerate(EXAMPLES, 1):
        first, then = where(item, partners)
        reasons = "; ".join(first.reasons)
        following = then.partner.id if then is not None else "nobody"
        rows.append(
            f"| {number} | {item.label} | {describe(item.case)} | **{first.partner.id}** "
            f"({first.score}) | {reasons} | {following} |"
        )
    return _DOC.format(weights=weights(), rows="\n".join(rows))


def weights() -> str:
    """The rows of the weights table, from the matcher's own constants and tag kinds."""

    def tags(kind: TagKind) -> str:
        return ", ".join(f"`{tag}`" for tag in sorted(tags_of_kind(kind)))

    rows = [
        (f"each core need of the case the partner is known for: {tags('core')}", CORE_POINTS),
        (f"each legal fact the partner is known for: {tags('legal')}", LEGAL_POINTS),
        ("serves the state the case belongs to", STATE_POINTS),
        ("national (serves every state)", NATIONAL_POINTS),
        ("works only with people now in the person's country", COUNTRY_POINTS),
        ("speaks the person's language", LANGUAGE_POINTS),
        (
            f"an urgent case ({tags('priority')}), under half of the week's capacity used",
            ROOM_POINTS,
        ),
        (f"each context tag the partner is known for: {tags('context')}", CONTEXT_POINTS),
        (f"a priority tag the partner is known for: {tags('priority')}", 0),
    ]
    return "\n".join(f"| {what} | {points} |" for what, points in rows)


_DOC = """\
# Where cases go: matching

This page is generated from the real matcher. After changing matching, the directory or the
cases below (`tests/partners/matching_table.py`), rewrite it from the repository root with

```sh
.venv/bin/python -m tests.partners.matching_table > docs/matching.md
```

`tests/partners/test_matching_table.py` fails while it is out of date.

When a person finishes the screening, `bot/core/matching.py` picks the partner organization
that fits the case best, and the consent question names it. This page says how, and shows
where a dozen representative cases go with the shipped directory.

## How a partner is chosen

A partner is **left out** unless:

- it offers legal services, has an intake that works and some weekly capacity left, and is not
  the general intake (which takes what nobody else fits) or a partner already tried;
- it works in the person's language, or in English (an interpreter may be needed);
- when it names countries, the person is in one of them now;
- when the person is abroad, it takes cases of people already deported (`takes_deported`;
  `false` also means "not known"). A relative detained in the U.S. is not abroad;
- it serves the state the case belongs to, or every state (`national`), **or** it is a
  specialist in one of the case's core needs. A veterans' group in another state is kept; a
  generalist in another state is not.

The state a case belongs to: the **conviction's state** for post-conviction relief (tags
`conviction-relief`, `conviction-caused-removal`, `no-plea-warning`,
`conviction-record-changed`: only that state's courts can vacate it), the **immigration
court's state** for reopening (`in-absentia`, `procedural-defect`, `stipulated-removal`,
`notice-problem`, `custody-at-hearing`, `pending-case`: its circuit's law applies), and
otherwise **where the person lived**. Core needs decide before legal facts; at the same level,
the conviction before the court. A post-conviction or detention specialty counts only when the
partner serves that state.

Each partner left is **scored**; every line outweighs all the lines below it together:

| what | points |
| --- | --- |
{weights}

Fear of harm and urgency make a case more pressing, never a partner a better fit: they raise
the referral's `urgent` flag and earn the room bonus, and a partner that lists `fear-of-harm`
gets nothing for it (people abroad cannot apply for asylum). Equal scores go first to the
partner with the smallest share of its capacity used, then take turns from case to case.
The reasons shown are phrases about the partner, never findings about the person. When
nobody is left, the coalition's general intake takes the case.

## When the partner cannot take it

If every delivery to the partner gives up (days of retries, or a webhook that answers 410
Gone), or the operator records that it declined (`homeward referrals decline HW-XXXXXX`, until
the partner portal exists), `bot/delivery/failover.py` matches the same case again, as it was
kept on the referral, leaving out every partner already tried: the next-best partner gets the
referral with the same id and reference code, and the general intake only when nobody else
fits. The family is told the new partner's name in their language, on the channel they wrote
from. The last column below is that next partner.

## Representative cases

With `bot/partners/coalition.yaml` and `tests/partners/every_legal_intake.yaml`, which gives
every legal organization an intake and makes `nijc` the general intake, with no load this week.
The score is in parentheses. The shipped attributes are unverified guesses, and most legal
organizations say `takes_deported: false` (not known), which is why so few receive cases of
people abroad: a deployment that confirms them changes this table.

| # | case | tags and places | goes to | why | then |
| --- | --- | --- | --- | --- | --- |
{rows}
"""


if __name__ == "__main__":
    sys.stdout.write(override_yaml() if sys.argv[1:] == ["--override"] else render())

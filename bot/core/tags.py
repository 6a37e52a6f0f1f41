"""The routing tags a flow may set; the partner matcher reads them. They are never findings.

Each tag has a kind, which is all matching needs to know of it:

- `core`: a legal need that decides which specialist a case goes to (a deported veteran, a
  removal ordered while the person was absent). Matching weighs these far above the rest.
- `legal`: a fact a lawyer will want to look at that narrows the specialty (the conviction
  caused the removal, a pending appeal), worth less than a core need.
- `context`: who is writing and facts that only break ties between fitting partners (long
  residence, U.S.-citizen family). Language is context too, in matching itself.
- `priority`: raises how soon a case should be read (fear of harm, urgency); never makes a
  partner a better fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

TagKind = Literal["core", "legal", "context", "priority"]


@dataclass(frozen=True, slots=True)
class Tag:
    """What a tag says a lawyer will want to look at, and how matching weighs it."""

    kind: TagKind
    meaning: str


# Each tag names something a lawyer will want to look at, not a conclusion about the person.
TAG_INFO: Mapping[str, Tag] = {
    # Who is writing.
    "answered-by-self": Tag("context", "the deported person is answering"),
    "answered-by-family": Tag("context", "a family member is answering for them"),
    "answered-by-advocate": Tag("context", "an advocate or lawyer is answering for them"),
    # Core needs: the coalition's five groups and the facts that point to a specialist.
    "veteran": Tag("core", "served in the U.S. military"),
    "daca-era": Tag(
        "core",
        "arrived under 16, was under 31 and in the U.S. on 15 June 2012: a lawyer should look",
    ),
    "conviction-relief": Tag("core", "a conviction was vacated, pardoned or has a case open"),
    "in-absentia": Tag("core", "ordered removed by a judge while absent from court"),
    "stipulated-removal": Tag("core", "signed papers that became a removal order, no judge"),
    "procedural-defect": Tag(
        "core", "removal without a hearing, notice or the chance to attend: possible defect"
    ),
    "pathway-to-status": Tag(
        "core", "a petition or application was filed for them, or they held status before"
    ),
    "possible-citizen": Tag(
        "core", "a parent was or became a U.S. citizen before they turned 18: may be a citizen"
    ),
    "detained-now": Tag("core", "a relative is detained now or about to be deported"),
    # Legal facts that narrow the specialty.
    "criminal-legal-system": Tag(
        "legal", "removal followed contact with the criminal legal system"
    ),
    "conviction-caused-removal": Tag("legal", "the conviction was the reason for the removal"),
    "no-plea-warning": Tag(
        "legal", "nobody said before a guilty plea that it could lead to deportation"
    ),
    "conviction-record-changed": Tag(
        "legal", "the record was expunged or sealed (not the same as vacated): a lawyer checks"
    ),
    "notice-problem": Tag("legal", "the hearing notice may not have reached the right address"),
    "custody-at-hearing": Tag("legal", "was in custody or in hospital on the hearing day"),
    "expedited-removal": Tag("legal", "removed by an officer at the border or an airport"),
    "border-return": Tag("legal", "turned back at the border without an order (voluntary return)"),
    "voluntary-departure": Tag("legal", "left by a deadline a judge or officer gave"),
    "reinstatement": Tag("legal", "removed again on an old order"),
    "multiple-removals": Tag("legal", "removed more than once"),
    "pending-case": Tag("legal", "an appeal or other immigration case is still open"),
    "lawful-status-before": Tag("legal", "held a green card, DACA, TPS or a visa before removal"),
    "crime-victim": Tag("legal", "was the victim of a crime in the U.S."),
    "family-abuse": Tag("legal", "was abused by a family member with U.S. papers"),
    "va-benefits": Tag("legal", "a veteran who needs help with VA benefits or health care"),
    # Context: breaks ties only.
    "us-citizen-family": Tag(
        "context", "has a U.S.-citizen or permanent-resident spouse, child or parent"
    ),
    "long-residence": Tag("context", "lived in the U.S. for ten years or more"),
    "arrived-as-child": Tag("context", "arrived in the U.S. before age 16"),
    # Priority: read sooner, never a better fit.
    "fear-of-harm": Tag("priority", "fears harm where they are now"),
    "urgent": Tag("priority", "a relative is detained, or someone fears harm: read it first"),
}

TAGS: Mapping[str, str] = {name: tag.meaning for name, tag in TAG_INFO.items()}


def tags_of_kind(kind: TagKind) -> frozenset[str]:
    """The names of every tag of one kind."""
    return frozenset(name for name, tag in TAG_INFO.items() if tag.kind == kind)

"""The routing tags a flow may set; the partner matcher reads them. They are never findings."""

from __future__ import annotations

from collections.abc import Mapping

# Each tag names something a lawyer will want to look at, not a conclusion about the person.
TAGS: Mapping[str, str] = {
    "answered-by-self": "the deported person is answering",
    "answered-by-family": "a family member is answering for them",
    "answered-by-advocate": "an advocate or lawyer is answering for them",
    "urgent": "danger now, a detained relative or an emergency: raise priority",
    "veteran": "served in the U.S. military",
    "daca-eligible": "arrived young and lived in the U.S. in the DACA years: a lawyer should look",
    "criminal-legal-system": "removal followed contact with the criminal legal system",
    "conviction-relief": "a conviction was vacated, pardoned or has a case pending",
    "pathway-to-status": "had a possible path to status (family petition, prior status)",
    "procedural-defect": "removal without a hearing, a lawyer or notice: possible defect",
    "in-absentia": "ordered removed while absent from court",
    "expedited-removal": "removed by an officer at the border or an airport",
    "stipulated-removal": "signed papers agreeing to removal",
    "reinstatement": "removed again on an old order after coming back",
    "multiple-removals": "removed more than once",
    "pending-case": "an appeal or other case is still pending",
    "fear-of-harm": "fears harm where they are now",
    "us-citizen-family": "has a U.S.-citizen or permanent-resident spouse, child or parent",
    "long-residence": "lived in the U.S. for ten years or more",
    "arrived-as-child": "arrived in the U.S. before age 16",
}

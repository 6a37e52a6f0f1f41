"""docs/matching.md and its override fixture are what the real matcher says today."""

from __future__ import annotations

from bot.partners import SHIPPED, load_directory
from tests.partners.matching_table import (
    DOC,
    EXAMPLES,
    OVERRIDE,
    directory,
    override_yaml,
    render,
    where,
)

REGENERATE = ".venv/bin/python -m tests.partners.matching_table"


def test_the_override_gives_every_legal_organization_an_intake() -> None:
    assert OVERRIDE.read_text(encoding="utf-8") == override_yaml(), (
        f"regenerate: {REGENERATE} --override > tests/partners/every_legal_intake.yaml"
    )
    connected = directory()
    legal = [p for p in load_directory(SHIPPED).partners if p.legal]
    assert all(connected.get(p.id) is not None for p in legal)
    assert {p.id for p in connected.partners if p.can_receive} == {p.id for p in legal}
    general = connected.general_intake
    assert general is not None and general.can_receive


def test_the_doc_shows_what_matching_does() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        f"docs/matching.md is out of date; regenerate: {REGENERATE} > docs/matching.md"
    )


def test_the_table_covers_the_cases_the_issue_names() -> None:
    partners = directory()
    went = {item.label.split(";")[0].split(",")[0]: where(item, partners) for item in EXAMPLES}
    assert len(went) == 12
    first = {label: found.partner.id for label, (found, _) in went.items()}
    # A veteran goes to the veterans' specialist, never to a group without veteran work, and
    # the in-absentia case to a specialist, not the general intake (ASAP and CLINIC, the
    # in-absentia groups, say takes_deported: false in the shipped file).
    veteran = load_directory(SHIPPED, OVERRIDE).get(first["Veteran from Texas who fears harm"])
    assert veteran is not None and "veteran" in veteran.specialties
    assert first["Ordered removed in absence"] != "nijc"
    assert first["Husband detained now in Arizona (his wife writes)"] == "florence-project"
    # Nothing that is not legal ever receives a case.
    assert all(
        found.partner.legal and (then is None or then.partner.legal)
        for found, then in went.values()
    )

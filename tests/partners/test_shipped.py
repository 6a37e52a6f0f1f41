"""The shipped coalition directory: exactly the coalition, nothing invented, nothing verified."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.partners import SERVICES
from bot.core.tags import TAGS
from bot.partners import LANGUAGES, SHIPPED, Directory, load_directory

# The coalition's list of signers, one name a line as signed (a copy kept with the tests, so a
# fresh clone alone can check the directory against it).
COALITION = Path(__file__).resolve().parent / "coalition.txt"

# Services that never make an organization a legal-services provider by themselves.
NOT_LEGAL = SERVICES - {"legal"}


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory()


def coalition_names() -> list[str]:
    lines = COALITION.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_the_shipped_file_is_the_coalition_exactly(directory: Directory) -> None:
    expected = coalition_names()
    shipped = [partner.name for partner in directory.partners]
    assert len(expected) == 87
    assert sorted(set(expected) - set(shipped)) == []  # missing from coalition.yaml
    assert sorted(set(shipped) - set(expected)) == []  # not in the coalition
    assert len(shipped) == len(set(shipped)) == 87
    assert shipped == expected  # the same order, so a reviewer can read them side by side


def test_no_shipped_organization_has_intake_so_none_can_receive(directory: Directory) -> None:
    assert [p.id for p in directory.partners if p.intake is not None] == []
    assert directory.receiving == ()
    assert directory.general_intake is None
    # No address, URL or secret anywhere in the data (the header's example uses example.org).
    data = [
        line
        for line in SHIPPED.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    ]
    for line in data:
        for invented in ("intake", "@", "://", "whsec_"):
            assert invented not in line


def test_every_shipped_organization_is_unverified(directory: Directory) -> None:
    assert [p.id for p in directory.partners if p.verified] == []
    # Written out for every entry, not left to the default, so a reader sees it.
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    assert sum(line.strip() == "verified: false" for line in lines) == 87


def test_non_legal_organizations_have_no_capacity_and_no_intake(directory: Directory) -> None:
    for partner in directory.partners:
        if not partner.legal:
            assert (partner.id, partner.weekly_capacity, partner.intake) == (partner.id, 0, None)
            assert partner.services <= NOT_LEGAL


def test_ids_are_readable_slugs_and_attributes_use_the_vocabularies(
    directory: Directory,
) -> None:
    assert directory.get("nijc") is not None
    assert directory.get("deported-veterans-support-house") is not None
    for partner in directory.partners:
        assert partner.services and partner.services <= SERVICES
        assert partner.specialties <= set(TAGS)
        assert partner.languages and partner.languages <= LANGUAGES
        assert not (partner.national and partner.states)
        assert partner.weekly_capacity >= 0


@pytest.mark.parametrize(
    ("partner_id", "specialties", "countries", "languages"),
    [
        ("deported-veterans-support-house", {"veteran"}, {"MX"}, set()),
        (
            "immigrant-defense-project",
            {"criminal-legal-system", "conviction-relief"},
            set(),
            set(),
        ),
        ("otros-dreams-en-accion", {"daca-era", "arrived-as-child"}, {"MX"}, set()),
        ("haitian-bridge-alliance", set(), set(), {"ht"}),
        ("searac", set(), {"KH", "LA", "VN"}, {"vi", "km"}),
    ],
)
def test_what_organizations_are_publicly_known_for(
    directory: Directory,
    partner_id: str,
    specialties: set[str],
    countries: set[str],
    languages: set[str],
) -> None:
    partner = directory.get(partner_id)
    assert partner is not None
    assert specialties <= partner.specialties
    assert countries <= partner.countries
    assert languages <= partner.languages


def test_law_school_clinics_offer_legal_services_in_their_state(directory: Directory) -> None:
    clinics = [p for p in directory.partners if "Clinic" in p.name]
    assert len(clinics) >= 8
    for clinic in clinics:
        assert clinic.legal, clinic.id
        assert len(clinic.states) == 1 and not clinic.national, clinic.id


def test_advocacy_faith_and_professional_groups_never_offer_legal(directory: Directory) -> None:
    for partner_id in (
        "we-are-home",
        "deported-veterans-support-house",
        "otros-dreams-en-accion",
        "searac",
        "detention-watch-network",
        "nasw",
        "church-world-service",
        "union-for-reform-judaism",
        "lcwr",
        "human-rights-watch",
        "clasp",
        "ilrc",
    ):
        partner = directory.get(partner_id)
        assert partner is not None and not partner.legal, partner_id

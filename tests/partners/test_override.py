"""The operator's override file merged over the shipped directory, and the demo partner."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from bot.core.partners import Intake
from bot.partners import (
    DEMO_PARTNER_ID,
    LANGUAGES,
    Directory,
    DirectoryError,
    demo_partner_file,
    load_directory,
)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the Standard Webhooks example secret


def override(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "partners.yaml"
    path.write_text(dedent(text), encoding="utf-8")
    return path


def load(tmp_path: Path, text: str) -> Directory:
    return load_directory(override=override(tmp_path, text))


def test_intake_added_to_a_legal_organization_lets_it_receive(tmp_path: Path) -> None:
    directory = load(
        tmp_path,
        f"""\
        partners:
          - id: nijc
            intake:
              email: intake@example.org
              webhook: {{url: "https://example.org/homeward", secret: "{SECRET}"}}
              notice_only: true
              language: es
        """,
    )
    nijc = directory.get("nijc")
    assert nijc is not None
    assert nijc.intake == Intake(
        email="intake@example.org",
        webhook_url="https://example.org/homeward",
        webhook_secret=SECRET,
        notice_only=True,
        language="es",
    )
    assert SECRET not in repr(nijc)
    assert directory.receiving == (nijc,)
    # Everything the override does not name is kept from the shipped file.
    assert nijc.name == "National Immigrant Justice Center"
    assert nijc.weekly_capacity == 2 and not nijc.verified


def test_an_attribute_is_corrected_and_lists_are_replaced(tmp_path: Path) -> None:
    shipped = load_directory().get("raices")
    directory = load(
        tmp_path,
        """\
        partners:
          - id: raices
            languages: [es]
            specialties: []
            weekly_capacity: 7
            verified: true
        """,
    )
    raices = directory.get("raices")
    assert shipped is not None and raices is not None
    assert (raices.languages, raices.specialties) == (frozenset({"es"}), frozenset())
    assert (raices.weekly_capacity, raices.verified) == (7, True)
    assert (raices.states, raices.services) == (shipped.states, shipped.services)
    assert len(directory.partners) == 87


def test_the_demo_partner_is_added_and_is_the_general_intake(tmp_path: Path) -> None:
    path = demo_partner_file(tmp_path / "var")
    assert path.parent == tmp_path / "var"
    directory = load_directory(override=path)
    demo = directory.get(DEMO_PARTNER_ID)
    assert demo is not None
    assert demo.name == "Homeward demo clinic (not real)"
    assert demo.legal and demo.national and demo.takes_deported
    assert demo.languages == LANGUAGES
    assert demo.weekly_capacity == 50
    assert demo.intake == Intake(email="intake@demo-clinic.invalid")
    assert directory.general_intake == demo
    assert directory.receiving == (demo,)
    assert directory.partners[-1] == demo  # added organizations come after the shipped ones
    assert len(directory.partners) == 88


def test_a_shipped_organization_is_marked_as_the_general_intake(tmp_path: Path) -> None:
    directory = load(
        tmp_path,
        """\
        partners:
          - id: nijc
            general_intake: true
            intake: {email: intake@example.org}
        """,
    )
    assert directory.general_intake is not None
    assert directory.general_intake.id == "nijc"
    assert directory.general_intake.can_receive


def test_a_loopback_webhook_may_use_plain_http(tmp_path: Path) -> None:
    directory = load(
        tmp_path,
        f"""\
        partners:
          - id: immigrant-defense-project
            intake:
              webhook: {{url: "http://127.0.0.1:8025/hook", secret: "{SECRET}"}}
        """,
    )
    partner = directory.get("immigrant-defense-project")
    assert partner is not None and partner.can_receive


def test_no_override_file_and_an_empty_one_change_nothing(tmp_path: Path) -> None:
    assert load(tmp_path, "partners: []\n") == load_directory()


def test_a_missing_override_file_is_reported_with_its_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(DirectoryError) as caught:
        load_directory(override=missing)
    assert [str(issue) for issue in caught.value.issues] == [
        f"{missing}:1: error: cannot read the file (FileNotFoundError) [file]"
    ]

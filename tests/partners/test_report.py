"""What `homeward partners check` tells the operator: who can receive which kinds of case."""

from __future__ import annotations

from pathlib import Path

from bot.partners import check_report, demo_partner_file, load_directory

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def section(report: list[str], title: str) -> list[str]:
    """The indented lines under the line that starts with `title`."""
    start = next(i for i, line in enumerate(report) if line.startswith(title))
    lines = []
    for line in report[start + 1 :]:
        if not line.startswith("  "):
            break
        lines.append(line.strip())
    return lines


def test_the_shipped_report_lists_every_legal_organization_without_intake() -> None:
    directory = load_directory()
    report = directory.report()
    legal = [p for p in directory.partners if p.legal]
    assert report[0].startswith(f"87 organizations, {len(legal)} offering legal services, 0 able")
    missing = section(report, f"Legal organizations without intake ({len(legal)})")
    assert missing == [f"{p.id}: {p.name}" for p in legal]
    assert "nijc: National Immigrant Justice Center" in missing
    assert not any(line.startswith("searac") for line in missing)  # advocacy: never receives
    assert "Can receive referrals: nobody." in report
    assert any(line.startswith("General intake: none.") for line in report)
    assert any("87 organization(s) not verified" in line for line in report)


def test_the_report_says_who_receives_each_kind_of_case(tmp_path: Path) -> None:
    override = tmp_path / "partners.yaml"
    override.write_text(
        "partners:\n"
        "  - id: immigrant-defense-project\n"
        "    intake:\n"
        f"      webhook: {{url: 'https://example.org/hook', secret: {SECRET}}}\n"
        "  - id: aclu-southern-california\n"
        "    intake: {email: intake@example.org, notice_only: true}\n"
        "    weekly_capacity: 0\n",
        encoding="utf-8",
    )
    problems, report = check_report(override=override)
    assert problems == []
    assert section(report, "Can receive referrals:") == [
        "immigrant-defense-project: webhook; 1 a week; NY; en, es; does not say it takes "
        "people already deported; not verified"
    ]
    kinds = section(report, "Kinds of case")
    assert any(
        line.startswith("criminal-legal-system: immigrant-defense-project (known for it")
        for line in kinds
    )
    assert any(line.startswith("conviction-relief: immigrant-defense-project (") for line in kinds)
    assert (
        "veteran: no specialist (known for it but cannot receive: aclu-southern-california)"
        in (kinds)
    )
    assert "reinstatement: no specialist" in kinds
    assert any(
        line.startswith(
            "people already deported: no specialist (known for it but cannot "
            "receive: nijc, aclu-southern-california,"
        )
        for line in kinds
    )
    assert not any(line.startswith("answered-by") for line in kinds)
    languages = section(report, "Languages:")
    assert "es: immigrant-defense-project" in languages and "ht: nobody" in languages
    assert (
        "Warning: aclu-southern-california has intake but weekly_capacity 0: receives nothing."
        in report
    )
    missing = section(report, "Legal organizations without intake")
    assert not any(line.startswith("immigrant-defense-project") for line in missing)
    assert not any(line.startswith("aclu-southern-california") for line in missing)


def test_the_demo_partner_is_reported_as_the_general_intake(tmp_path: Path) -> None:
    problems, report = check_report(override=demo_partner_file(tmp_path))
    assert problems == []
    assert "General intake: demo-legal-clinic (Homeward demo clinic (not real))." in report
    assert section(report, "Can receive referrals:") == [
        "demo-legal-clinic: email; 50 a week; national; en, es, fr, ht, km, pt_BR, vi, zh_Hans; "
        "takes people already deported; not verified"
    ]


def test_a_general_intake_that_cannot_receive_is_called_out(tmp_path: Path) -> None:
    override = tmp_path / "partners.yaml"
    override.write_text("partners:\n  - id: nijc\n    general_intake: true\n", encoding="utf-8")
    _, report = check_report(override=override)
    assert any(line.startswith("General intake: nijc, but it cannot receive") for line in report)


def test_problems_come_instead_of_a_report(tmp_path: Path) -> None:
    override = tmp_path / "partners.yaml"
    override.write_text("partners:\n  - id: nijc\n    languages: [klingon]\n", encoding="utf-8")
    problems, report = check_report(override=override)
    assert report == []
    assert problems == [f"{override}:3: error: unknown language 'klingon' [unknown-language]"]

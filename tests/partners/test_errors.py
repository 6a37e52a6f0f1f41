"""Each kind of mistake in a directory file is reported with its file, line and a stable code."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import HomewardError
from bot.partners import DirectoryError, check_report, load_directory

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def problems(tmp_path: Path, lines: list[str]) -> list[tuple[int, str]]:
    path = tmp_path / "partners.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DirectoryError) as caught:
        load_directory(override=path)
    assert all(issue.source == str(path) for issue in caught.value.issues)
    return [(issue.line, issue.code) for issue in caught.value.issues]


CASES = [
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    colour: blue",
        ],
        [(3, "unknown-key")],
        id="unknown-key",
    ),
    pytest.param(
        [
            "partners: []",
            "owners: [me]",
        ],
        [(2, "unknown-key")],
        id="unknown-top-key",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    intake: {email: a@example.org, fax: '555'}",
        ],
        [(3, "unknown-key")],
        id="unknown-intake-key",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    services: [lawyering]",
        ],
        [(3, "unknown-service")],
        id="unknown-service",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    specialties:",
            "      - veteran",
            "      - veterans",
        ],
        [(5, "unknown-tag")],
        id="unknown-tag",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    states: [IL, ZZ]",
        ],
        [(3, "unknown-state")],
        id="unknown-state",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    countries: [MX, XX]",
        ],
        [(3, "unknown-country")],
        id="unknown-country",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    countries: [NO]",
        ],
        [(3, "unknown-country")],
        id="unquoted-norway",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    languages: [en, pt]",
        ],
        [(3, "unknown-language")],
        id="unknown-language",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    intake: {email: a@example.org, language: klingon}",
        ],
        [(3, "unknown-language")],
        id="unknown-intake-language",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: demo",
            "    name: A new clinic",
            "    services: [legal]",
            "    national: true",
            "  - id: demo",
            "    name: A new clinic",
            "    services: [legal]",
            "    national: true",
        ],
        [(6, "duplicate-id")],
        id="duplicate-id",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: no-such-org",
            "    weekly_capacity: 3",
        ],
        [(2, "unknown-id")],
        id="unknown-id",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: new-clinic",
            "    name: A new clinic",
        ],
        [(2, "unknown-id")],
        id="new-without-services",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: searac",
            "    intake: {email: a@example.org}",
        ],
        [(3, "intake-not-legal")],
        id="intake-on-non-legal",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: searac",
            "    weekly_capacity: 5",
        ],
        [(3, "capacity-not-legal")],
        id="capacity-on-non-legal",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: searac",
            "    general_intake: true",
        ],
        [(3, "general-intake-not-legal")],
        id="general-intake-on-non-legal",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    general_intake: true",
            "  - id: raices",
            "    general_intake: true",
        ],
        [(3, "general-intake-twice"), (5, "general-intake-twice")],
        id="two-general-intakes",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    intake: {email: nobody}",
        ],
        [(3, "bad-email")],
        id="bad-email",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    intake: {email: 'a@b@example.org'}",
        ],
        [(3, "bad-email")],
        id="two-at-signs",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    intake:",
            "      webhook:",
            "        url: http://example.org/hook",
            f"        secret: {SECRET}",
        ],
        [(5, "webhook-not-https")],
        id="webhook-not-https",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    intake:",
            f"      webhook: {{url: 'https://u:p@example.org/', secret: {SECRET}}}",
        ],
        [(4, "bad-url")],
        id="webhook-with-credentials",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    intake:",
            "      webhook:",
            "        url: https://example.org/hook",
            "        secret: not-a-secret",
        ],
        [(6, "bad-secret")],
        id="malformed-secret",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    intake:",
            "      webhook:",
            "        url: https://example.org/hook",
            "        secret: whsec_c2hvcnQ=",
        ],
        [(6, "bad-secret")],
        id="secret-too-short",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    intake:",
            "      webhook: {url: 'https://example.org/hook'}",
        ],
        [(4, "missing-key")],
        id="webhook-without-secret",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    intake: {language: es}",
        ],
        [(3, "intake-empty")],
        id="intake-empty",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    intake:",
            f"      webhook: {{url: 'https://example.org/', secret: {SECRET}}}",
            "      notice_only: true",
        ],
        [(5, "notice-without-email")],
        id="notice-without-email",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    weekly_capacity: -1",
        ],
        [(3, "negative-capacity")],
        id="negative-capacity",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    weekly_capacity: many",
        ],
        [(3, "bad-type")],
        id="capacity-not-a-number",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    national: maybe",
        ],
        [(3, "bad-type")],
        id="flag-not-a-boolean",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: NIJC!",
        ],
        [(2, "bad-id")],
        id="bad-id",
    ),
    pytest.param(
        [
            "partners:",
            "  - name: Nobody",
        ],
        [(2, "missing-key")],
        id="entry-without-id",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: new-clinic",
            "    name: RAICES",
            "    services: [legal]",
        ],
        [(3, "duplicate-name")],
        id="duplicate-name",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    states: [IL, IL]",
        ],
        [(3, "duplicate-code")],
        id="duplicate-code",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "  - id: nijc",
        ],
        [(3, "duplicate-id")],
        id="duplicate-override-id",
    ),
    pytest.param(
        [
            "partners:",
            "  - id: nijc",
            "    id: raices",
        ],
        [(3, "yaml")],
        id="duplicate-key",
    ),
    pytest.param(
        [
            "partners:",
            "  - &a {id: nijc}",
            "  - *a",
        ],
        [(2, "yaml")],
        id="alias",
    ),
    pytest.param(
        [
            "partners: [",
        ],
        [(2, "yaml")],
        id="not-yaml",
    ),
    pytest.param(
        [
            "- id: nijc",
        ],
        [(1, "shape")],
        id="not-a-mapping",
    ),
    pytest.param(
        [
            "partners: {id: nijc}",
        ],
        [(1, "shape")],
        id="partners-not-a-list",
    ),
]


@pytest.mark.parametrize(("lines", "expected"), CASES)
def test_each_mistake_is_reported_at_its_line(
    tmp_path: Path, lines: list[str], expected: list[tuple[int, str]]
) -> None:
    assert problems(tmp_path, lines) == expected


def test_a_near_miss_gets_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "partners.yaml"
    path.write_text("partners:\n  - id: nijc\n    specialties: [veterans]\n", encoding="utf-8")
    problems_, _ = check_report(override=path)
    assert problems_ == [
        f"{path}:3: error: unknown tag 'veterans' (did you mean 'veteran'?) [unknown-tag]"
    ]


def test_a_problem_in_the_shipped_file_points_at_the_shipped_file(tmp_path: Path) -> None:
    override = tmp_path / "partners.yaml"
    override.write_text("partners:\n  - id: nijc\n    services: [advocacy]\n", encoding="utf-8")
    with pytest.raises(DirectoryError) as caught:
        load_directory(override=override)
    (issue,) = caught.value.issues
    assert issue.code == "capacity-not-legal"
    assert issue.source.endswith("coalition.yaml") and issue.line > 40


def test_every_problem_of_both_files_is_reported_at_once(tmp_path: Path) -> None:
    shipped = tmp_path / "shipped.yaml"
    shipped.write_text("partners:\n  - id: one\n    name: One\n  - id: two\n", encoding="utf-8")
    override = tmp_path / "override.yaml"
    override.write_text(
        "partners:\n  - id: one\n    services: [legal]\n    intake: {email: nope}\n",
        encoding="utf-8",
    )
    with pytest.raises(DirectoryError) as caught:
        load_directory(shipped, override)
    error = caught.value
    assert isinstance(error, HomewardError)
    assert [(issue.source, issue.line, issue.code) for issue in error.issues] == [
        (str(shipped), 2, "missing-key"),  # one has no services in the shipped file
        (str(shipped), 4, "missing-key"),  # two has no name...
        (str(shipped), 4, "missing-key"),  # ...and no services
        (str(override), 4, "bad-email"),
    ]
    assert str(error).startswith("4 problem(s) in the partner directory:\n")
    assert f"{override}:4: error: 'email' must be one address" in str(error)


def test_secrets_and_urls_never_appear_in_messages(tmp_path: Path) -> None:
    secret = "whsec_" + "x" * 10
    found = check_report(
        override=_write(
            tmp_path,
            "partners:\n  - id: nijc\n    intake:\n      webhook:\n"
            f"        url: ftp://token123@example.org/\n        secret: {secret}\n",
        )
    )
    problems_, report = found
    assert report == []
    assert len(problems_) == 2
    assert not any(secret in line or "token123" in line for line in problems_)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "partners.yaml"
    path.write_text(text, encoding="utf-8")
    return path

"""A webhook production delivery refuses is no way to reach a partner: matching, the report and
`homeward partners check` all say so (plain http, loopback, private and link-local addresses)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import build_services
from bot.cli import main
from bot.core.errors import ConfigError
from bot.core.matching import choose
from bot.core.partners import Case, Intake
from bot.delivery import webhook
from bot.delivery.worker import PermanentFailure
from bot.partners import check_report, load_directory
from bot.settings import Settings
from bot.storage.outbox import OutboxItem

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the Standard Webhooks example secret
PRODUCTION = partial(webhook.refused_because, allow_private=False)


def clinic(partner_id: str, intake: str, *, general: bool = False) -> str:
    return (
        f"  - id: {partner_id}\n"
        f"    name: {partner_id.replace('-', ' ').title()}\n"
        "    services: [legal]\n"
        "    specialties: [veteran]\n"
        "    national: true\n"
        "    languages: [en, es]\n"
        "    takes_deported: true\n"
        "    weekly_capacity: 5\n"
        f"    general_intake: {'true' if general else 'false'}\n"
        f"    intake: {intake}\n"
    )


def webhook_at(url: str) -> str:
    return f"{{webhook: {{url: '{url}', secret: {SECRET}}}}}"


LOOPBACK = clinic("loopback-clinic", webhook_at("http://127.0.0.1:9000/hook"))
PRIVATE = clinic("private-clinic", webhook_at("https://10.1.2.3/hook"))
BOTH = clinic(
    "mixed-clinic",
    f"{{email: mixed@example.org, webhook: {{url: 'http://localhost/h', secret: {SECRET}}}}}",
)
PUBLIC = clinic("public-clinic", webhook_at("https://intake.example.org/hook"))
GENERAL = clinic("general-clinic", "{email: general@example.org}", general=True)


def written(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "partners.yaml"
    path.write_text("partners:\n" + "".join(entries), encoding="utf-8")
    return path


# -- The rule is the webhook sender's ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.0.0.1:9000/hook", webhook.INSECURE),
        ("http://partner.example/hook", webhook.INSECURE),
        ("https://127.0.0.1/hook", webhook.BLOCKED),
        ("https://localhost:8443/hook", webhook.BLOCKED),
        ("https://intake.localhost/hook", webhook.BLOCKED),
        ("https://[::1]/hook", webhook.BLOCKED),
        ("https://10.1.2.3/hook", webhook.BLOCKED),
        ("https://192.168.0.10/hook", webhook.BLOCKED),
        ("https://169.254.169.254/latest", webhook.BLOCKED),  # cloud metadata: link-local
        ("https://[fe80::1]/hook", webhook.BLOCKED),
        ("ftp://intake.example.org/hook", webhook.INVALID),
        ("https://intake.example.org/hook", None),  # a name: the sender resolves it each try
        ("https://93.184.215.14/hook", None),
    ],
)
def test_production_refuses_what_the_sender_refuses(url: str, code: str | None) -> None:
    assert webhook.refusal(url) == code
    assert webhook.refusal(url, allow_private=True) == (
        webhook.INVALID if code == webhook.INVALID else None
    )


def test_the_sender_refuses_a_private_address_written_in_the_url_without_resolving() -> None:
    def resolver(host: str, port: int) -> list[webhook.IpAddress]:
        raise AssertionError("no DNS lookup for an address written in the URL")

    intake = Intake(webhook_url="https://169.254.169.254/latest", webhook_secret=SECRET)
    sender = webhook.WebhookSender({"p": intake}.get, resolver=resolver)
    item = OutboxItem(1, webhook.KIND, "k", {"partner_id": "p", "document": "{}"}, 1)
    try:
        with pytest.raises(PermanentFailure) as refused:
            sender.send(item)
    finally:
        sender.close()
    assert refused.value.code == webhook.BLOCKED


# -- The directory as this deployment can deliver to it --------------------------------------


def test_a_partner_reachable_only_through_a_refused_webhook_cannot_receive(
    tmp_path: Path,
) -> None:
    loaded = load_directory(override=written(tmp_path, LOOPBACK, PRIVATE, BOTH, PUBLIC, GENERAL))

    production = loaded.deliverable(PRODUCTION)
    development = loaded.deliverable(partial(webhook.refused_because, allow_private=True))

    assert [p.id for p in production.receiving] == [
        "mixed-clinic",
        "public-clinic",
        "general-clinic",
    ]
    mixed = production.get("mixed-clinic")
    assert mixed is not None and mixed.intake is not None
    assert (mixed.intake.email, mixed.intake.webhook_url) == ("mixed@example.org", None)
    assert [(r.partner_id, r.reason) for r in production.refused] == [
        ("loopback-clinic", webhook.REFUSED_BECAUSE[webhook.INSECURE]),
        ("private-clinic", webhook.REFUSED_BECAUSE[webhook.BLOCKED]),
        ("mixed-clinic", webhook.REFUSED_BECAUSE[webhook.INSECURE]),
    ]
    assert development == loaded  # a development machine delivers to loopback receivers
    assert len(development.receiving) == 5


def test_matching_in_production_never_picks_a_partner_it_cannot_deliver_to(
    settings: Settings, tmp_path: Path
) -> None:
    partners = written(tmp_path, LOOPBACK, PRIVATE, GENERAL)
    production = replace(
        settings, environment="production", start_flow="screening", partners_file=partners
    )
    development = replace(production, environment="development")
    case = Case(tags=frozenset({"veteran"}), language="es", state="TX", country="MX")

    chosen = []
    for configured in (production, development):
        services = build_services(configured)
        try:
            # What the conversations' matcher ranks: the services' directory, as built.
            assert services.conversations.directory is services.directory
            match = choose(
                case, services.directory.partners, {}, fallback=services.conversations.fallback
            )
        finally:
            services.database.dispose()
        chosen.append(match.partner.id if match else None)

    assert chosen[0] == "general-clinic"  # never "Sent" to a referral that could only die
    assert chosen[1] in ("loopback-clinic", "private-clinic")


def test_a_general_intake_production_cannot_deliver_to_stops_start_up(
    settings: Settings, tmp_path: Path
) -> None:
    only_loopback = clinic("loopback-clinic", webhook_at("http://127.0.0.1:9/h"), general=True)
    configured = replace(
        settings,
        environment="production",
        start_flow="screening",
        partners_file=written(tmp_path, only_loopback),
    )

    with pytest.raises(ConfigError) as stopped:
        build_services(configured)

    assert "general intake 'loopback-clinic' cannot receive" in str(stopped.value)
    assert "plain http" in str(stopped.value)
    assert "127.0.0.1" not in str(stopped.value)  # a URL may carry a token: never shown


# -- What the operator reads -----------------------------------------------------------------


def test_the_check_makes_a_refused_webhook_an_error_in_production(tmp_path: Path) -> None:
    path = written(tmp_path, GENERAL, LOOPBACK, BOTH)

    problems, report = check_report(override=path, refusal=PRODUCTION, production=True)

    assert problems == [
        f"{path}:21: error: production delivery refuses the webhook of 'loopback-clinic': "
        f"{webhook.REFUSED_BECAUSE[webhook.INSECURE]} [webhook-refused]",
        f"{path}:31: error: production delivery refuses the webhook of 'mixed-clinic': "
        f"{webhook.REFUSED_BECAUSE[webhook.INSECURE]} [webhook-refused]",
    ]
    receiving = report[report.index("Can receive referrals:") + 1 :]
    assert receiving[0].startswith("  general-clinic: email;")
    assert receiving[1].startswith("  mixed-clinic: email;")  # the webhook is not counted
    assert not any(line.startswith("  loopback-clinic") for line in receiving[:3])
    assert "Webhooks refused here (2): not counted above; " in " ".join(report)
    assert not any(SECRET in line or "127.0.0.1" in line for line in problems + report)


def test_the_check_warns_in_development_where_the_webhook_is_delivered(tmp_path: Path) -> None:
    path = written(tmp_path, GENERAL, LOOPBACK)

    problems, report = check_report(override=path, refusal=PRODUCTION, production=False)

    assert problems == []
    assert report[0] == (
        f"{path}:21: warning: production delivery refuses the webhook of 'loopback-clinic': "
        f"{webhook.REFUSED_BECAUSE[webhook.INSECURE]} [webhook-refused]"
    )
    assert "  loopback-clinic: webhook; 5 a week" in " ".join(report)  # receives here


@pytest.fixture
def runner(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", database_url)
    monkeypatch.delenv("HOMEWARD_SMTP_URL", raising=False)
    monkeypatch.setenv("HOMEWARD_PARTNERS_FILE", str(written(tmp_path, GENERAL, LOOPBACK)))
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_partners_check_fails_in_production_and_warns_in_development(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOMEWARD_ENV", "production")
    production = runner.invoke(main, ["partners", "check"])
    monkeypatch.setenv("HOMEWARD_ENV", "development")
    development = runner.invoke(main, ["partners", "check"])

    assert production.exit_code == 1
    assert ": error: production delivery refuses the webhook of 'loopback-clinic'" in (
        production.output
    )
    assert "1 problem(s) in the partner directory" in production.output
    assert "Warning: HOMEWARD_SMTP_URL is not set: referral emails to general-clinic" in (
        production.output
    )
    assert development.exit_code == 0, development.output
    assert ": warning: production delivery refuses the webhook of 'loopback-clinic'" in (
        development.output
    )
    assert "read them at /dev/referrals" in development.output

"""`homeward referrals`: what the operator records for a partner until the partner portal does."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from bot.app import Services
from bot.delivery.failover import Failover


def failover_for(services: Services) -> Failover:
    """Passing referrals on over this deployment's directory, general intake and languages."""
    return Failover(
        services.directory.partners,
        services.conversations.fallback,
        services.engine.translators,
        services.settings.sms_fold_accents,
    )


@click.group("referrals")
def referrals_group() -> None:
    """Referrals: record a partner's answer (until the partner portal exists)."""


@referrals_group.command("decline")
@click.argument("reference")
def referrals_decline(reference: str) -> None:
    """The partner cannot take the case REFERENCE (e.g. HW-7K3P9Q): send it to the next-best
    partner, or the general intake, and tell the family who has it now."""
    # Imported here: bot.cli registers this group, so it cannot be imported at the top.
    from bot.cli import _running, _settings

    with _running(_settings()) as services, services.sessions.begin() as session:
        passed = failover_for(services).decline(session, reference, datetime.now(UTC))
    if passed is None:
        raise click.ClickException(f"no referral has the reference {reference.strip().upper()}")
    if passed.partner is None:
        raise click.ClickException(
            f"{passed.reference}: declined by {passed.previous}; no other partner can take it "
            "(its status is now 'declined')"
        )
    click.echo(
        f"{passed.reference}: declined by {passed.previous}; passed on to {passed.partner.id} "
        f"({passed.partner.name})."
    )

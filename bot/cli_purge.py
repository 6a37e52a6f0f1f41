"""`homeward purge`: erase what has outlived the retention limits (the worker does it too)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from bot.storage import retention


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be erased; change nothing.")
def purge_command(dry_run: bool) -> None:
    """Erase people, referral documents, dedup ids and sent messages past their limits."""
    # Imported here: bot.cli registers this command, so it cannot be imported at the top.
    from bot.cli import _running, _settings

    settings = _settings()
    with _running(settings) as services, services.sessions.begin() as session:
        purged = retention.purge(session, datetime.now(UTC), settings.retention, dry_run=dry_run)
    verb = "Would erase" if dry_run else "Erased"
    click.echo(
        f"{verb}: {purged.people} people, {purged.referral_documents} referral documents, "
        f"{purged.dedup_ids} dedup ids, {purged.outbox_rows} sent or abandoned messages "
        f"(limits: unfinished {settings.retain_unfinished_days} days, referrals "
        f"{settings.retain_referral_days} days, logs {settings.retain_log_days} days)."
    )

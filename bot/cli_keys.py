"""`homeward keys`: make the keys that encrypt personal data, and rotate them."""

from __future__ import annotations

import sys

import click

from bot.app import keyring_for
from bot.storage import database, rotation
from bot.storage.crypto import Keyring


@click.group("keys")
def keys_group() -> None:
    """The keys that encrypt personal data at rest."""


@keys_group.command("generate")
def keys_generate() -> None:
    """Print a new key pair as HOMEWARD_* lines (for a new deployment or a rotation)."""
    fresh = Keyring.generate()
    click.echo(f"HOMEWARD_SECRET_KEYS={fresh.secret_keys[0]}")
    click.echo(f"HOMEWARD_HASH_KEY={fresh.hash_key}")
    click.echo(
        "# To rotate: put the new secret key first in HOMEWARD_SECRET_KEYS, keep the old ones "
        "after it, run `homeward keys rotate`, then remove the old ones. Keep the hash key: "
        "it finds people and messages again.",
        err=True,
    )


@keys_group.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt everything under the first key of HOMEWARD_SECRET_KEYS (safe to re-run)."""
    # Imported here: bot.cli registers this group, so it cannot be imported at the top.
    from bot.cli import _one_line_errors, _settings

    settings = _settings()
    with _one_line_errors():
        keyring = keyring_for(settings)
        engine = database.make_engine(settings.database_url, keyring)
    try:
        with _one_line_errors():
            total = rotation.count_values(engine)
            with click.progressbar(length=total, label="Re-encrypting", file=sys.stderr) as bar:
                changed = rotation.rotate(engine, keyring, bar.update)
    finally:
        engine.dispose()
    click.echo(f"{changed} of {total} value(s) re-encrypted; all are now under the first key.")

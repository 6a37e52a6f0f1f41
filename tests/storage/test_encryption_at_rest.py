"""Encryption at rest: what a stolen database file or dump shows of the people in it."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy import select

from bot.app import Services, build_services, keyring_for
from bot.cli import main
from bot.core.errors import ConfigError
from bot.settings import Settings
from bot.storage import rotation
from bot.storage.crypto import Keyring
from bot.storage.database import make_engine
from bot.storage.models import Contact, Referral
from tests.conftest import Clock
from tests.keys import TEST_KEYRING
from tests.people import Person, screen

EVERY_LEGAL_INTAKE = Path(__file__).parents[1] / "partners" / "every_legal_intake.yaml"


@pytest.fixture
def coalition(settings: Settings) -> Iterator[Services]:
    """The real screening over the shipped directory, every legal organization reachable."""
    configured = replace(
        settings, start_flow="screening", languages=None, partners_file=EVERY_LEGAL_INTAKE
    )
    services = build_services(configured)
    yield services
    services.database.dispose()


def raw_dump(engine: sa.Engine) -> str:
    """Every value of every table as the database returns it, with no decryption."""
    with engine.connect() as connection:
        tables = sa.inspect(connection).get_table_names()
        return "\n".join(
            repr(tuple(row))
            for table in tables
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"'))
        )


def raw_files(url: str) -> bytes:
    """A SQLite database's file and its write-ahead log, byte for byte."""
    path = Path(sa.make_url(url).database or "")
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def screened(coalition: Services, clock: Clock) -> list[Person]:
    people = [
        Person("sms", "+5215550001234", "Xochiquetzal"),
        Person("telegram", "987654321012", "Itzpapalotl"),
    ]
    for person in people:
        screen(coalition, clock, person)
    return people


def test_no_personal_value_is_stored_in_clear(coalition: Services, clock: Clock) -> None:
    people = screened(coalition, clock)
    with coalition.sessions() as session:
        documents = [r.document for r in session.scalars(select(Referral))]
        addresses = sorted(c.address for c in session.scalars(select(Contact)))
    # The application reads everything back: two referrals naming each person.
    names = sorted(d["answers"]["first_name"]["value"] for d in documents if d is not None)
    assert names == sorted(p.first_name for p in people)
    assert addresses == sorted(p.address for p in people)

    dump = raw_dump(coalition.database)
    raw = b""
    if coalition.database.dialect.name == "sqlite":
        raw = raw_files(coalition.settings.database_url)
        assert len(raw) > 10_000  # the file really was read
    for person in people:
        for value in person.values:
            assert value not in dump
            assert value.encode("utf-8") not in raw
    assert "Texas" not in dump and "México" not in dump  # answers too


def test_keys_rotate_resumably_and_the_old_key_can_then_go(
    coalition: Services, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    screened(coalition, clock)
    new = Keyring(
        (Keyring.generate().secret_keys[0], *TEST_KEYRING.secret_keys), TEST_KEYRING.hash_key
    )
    engine = make_engine(coalition.settings.database_url, new)
    try:
        total = rotation.count_values(engine)
        monkeypatch.setattr(rotation, "BATCH", 3)
        seen: list[int] = []

        def interrupted(n: int) -> None:
            seen.append(n)
            if len(seen) == 2:
                raise KeyboardInterrupt  # the operator's Ctrl-C, half-way

        with pytest.raises(KeyboardInterrupt):
            rotation.rotate(engine, new, interrupted)
        rest = rotation.rotate(engine, new)
        assert 0 < rest < total  # the first run's batches were kept, and not done again
        assert rotation.rotate(engine, new) == 0
    finally:
        engine.dispose()

    only_new = Keyring(new.secret_keys[:1], new.hash_key)
    reopened = build_services(replace(coalition.settings, secret_keys=only_new.secret_keys))
    try:
        with reopened.sessions() as session:
            assert all(r.document for r in session.scalars(select(Referral)))
            assert len(session.scalars(select(Contact)).all()) == 2
    finally:
        reopened.database.dispose()


def test_the_rotate_command_shows_progress_and_what_it_did(
    coalition: Services, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    screened(coalition, clock)
    fresh = Keyring.generate().secret_keys[0]
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", coalition.settings.database_url)
    monkeypatch.setenv("HOMEWARD_SECRET_KEYS", f"{fresh},{TEST_KEYRING.secret_keys[0]}")
    monkeypatch.setenv("HOMEWARD_HASH_KEY", TEST_KEYRING.hash_key)

    first = CliRunner().invoke(main, ["keys", "rotate"])
    again = CliRunner().invoke(main, ["keys", "rotate"])

    assert first.exit_code == 0 and "Re-encrypting" in first.stderr
    changed, _, total = first.stdout.split(" value")[0].partition(" of ")
    assert int(changed) == int(total) > 0
    assert again.stdout.startswith(f"0 of {total} ")
    assert fresh not in first.output and TEST_KEYRING.hash_key not in first.output


def test_development_makes_a_key_file_only_its_owner_reads(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    keyless = replace(settings, secret_keys=(), hash_key="", key_file=tmp_path / "var" / "k")
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        first = keyring_for(keyless)
    assert stat.S_IMODE(os.stat(keyless.key_file).st_mode) == 0o600
    assert "created the key file" in caplog.text
    assert keyring_for(keyless) == first  # and it is the same keys next time

    os.chmod(keyless.key_file, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        keyring_for(keyless)


def test_production_refuses_to_start_without_keys(settings: Settings, tmp_path: Path) -> None:
    keyless = replace(
        settings, environment="production", secret_keys=(), hash_key="", key_file=tmp_path / "k"
    )
    with pytest.raises(ConfigError, match="HOMEWARD_SECRET_KEYS and HOMEWARD_HASH_KEY"):
        build_services(keyless)
    assert not keyless.key_file.exists()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"HOMEWARD_SECRET_KEYS": "not-a-key", "HOMEWARD_HASH_KEY": "x" * 44}, "key 1"),
        ({"HOMEWARD_SECRET_KEYS": TEST_KEYRING.secret_keys[0]}, "HOMEWARD_HASH_KEY"),
        (
            {"HOMEWARD_SECRET_KEYS": TEST_KEYRING.secret_keys[0], "HOMEWARD_HASH_KEY": "c2hvcnQ="},
            "32 bytes",
        ),
    ],
)
def test_a_wrong_key_setting_names_the_variable_and_never_the_key(
    env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=named) as raised:
        Settings.from_env(env)
    assert all(value not in str(raised.value) for value in env.values())

"""Settings come from HOMEWARD_* variables; a wrong one names itself."""

from __future__ import annotations

import pytest

from bot.core.errors import ConfigError
from bot.settings import DEFAULT_DATABASE_URL, Settings


def test_defaults_serve_the_embedded_database_on_localhost() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert not settings.development


def test_host_port_and_mode_are_read() -> None:
    settings = Settings.from_env(
        {"HOMEWARD_HOST": "0.0.0.0", "HOMEWARD_PORT": "9000", "HOMEWARD_ENV": "development"}
    )
    assert (settings.host, settings.port, settings.development) == ("0.0.0.0", 9000, True)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"HOMEWARD_PORT": "99999"}, "HOMEWARD_PORT"),
        ({"HOMEWARD_PORT": "http"}, "HOMEWARD_PORT"),
        ({"HOMEWARD_ENV": "staging"}, "HOMEWARD_ENV"),
        ({"HOMEWARD_RUN_WORKER": "perhaps"}, "HOMEWARD_RUN_WORKER"),
        ({"HOMEWARD_FLOWS_DIR": "/no/such/dir"}, "HOMEWARD_FLOWS_DIR"),
    ],
)
def test_a_wrong_value_names_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)

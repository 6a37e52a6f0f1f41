"""The keys of the test deployment: one keyring for every test of a session."""

from __future__ import annotations

from bot.storage.crypto import Keyring

# Tests of the keys themselves make their own.
TEST_KEYRING = Keyring.generate()

# The same keys as HOMEWARD_* variables (commands in a subprocess) and as Settings fields.
TEST_KEY_ENV = {
    "HOMEWARD_SECRET_KEYS": ",".join(TEST_KEYRING.secret_keys),
    "HOMEWARD_HASH_KEY": TEST_KEYRING.hash_key,
}
TEST_KEY_SETTINGS = {"secret_keys": TEST_KEYRING.secret_keys, "hash_key": TEST_KEYRING.hash_key}

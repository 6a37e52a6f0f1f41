"""Field encryption and keyed fingerprints: the only place that holds the keys.

Personal values are stored as Fernet tokens (AES-128-CBC with HMAC-SHA256) under a MultiFernet:
the first key encrypts, every key decrypts, so keys rotate without downtime (`homeward keys
rotate` re-encrypts old rows). Values that must be found again (a phone number, a provider's
message id) are stored as an HMAC-SHA256 fingerprint under a separate hash key, so the database
can be searched without holding the value.

Column types (`bot.storage.models`) read the keyring from the engine's dialect, where
`attach` put it once at start-up; the core and the channels never see ciphertext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Dialect, Engine

from bot.core.errors import ConfigError, StorageError

FINGERPRINT_LENGTH = 64  # hex characters of HMAC-SHA256
_ATTRIBUTE = "homeward_keyring"


class UnreadableValue(StorageError):
    """A stored value cannot be decrypted with any configured key (a key was retired too soon)."""


@dataclass(frozen=True, slots=True)
class Keyring:
    """The secret keys (the first encrypts) and the hash key of one deployment."""

    secret_keys: tuple[str, ...] = field(repr=False)
    hash_key: str = field(repr=False)
    _fernet: MultiFernet = field(init=False, repr=False, compare=False)
    _primary: Fernet = field(init=False, repr=False, compare=False)
    _hash: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.secret_keys:
            raise ConfigError("HOMEWARD_SECRET_KEYS must hold at least one key")
        fernets = []
        for position, key in enumerate(self.secret_keys, start=1):
            try:
                fernets.append(Fernet(key.encode("ascii")))
            except (ValueError, UnicodeEncodeError):
                # Never echo a key: say which one.
                raise ConfigError(
                    f"HOMEWARD_SECRET_KEYS: key {position} is not a Fernet key "
                    "(generate one with `homeward keys generate`)"
                ) from None
        hash_key = _decoded(self.hash_key)
        if hash_key is None or len(hash_key) < 32:
            raise ConfigError(
                "HOMEWARD_HASH_KEY must be 32 bytes or more, URL-safe base64 "
                "(generate one with `homeward keys generate`)"
            )
        object.__setattr__(self, "_fernet", MultiFernet(fernets))
        object.__setattr__(self, "_primary", fernets[0])
        object.__setattr__(self, "_hash", hash_key)

    @classmethod
    def generate(cls) -> Keyring:
        """A new keyring with one fresh secret key and a fresh hash key."""
        return cls((Fernet.generate_key().decode("ascii"),), _new_hash_key())

    def encrypt(self, value: bytes) -> str:
        """A token for `value` under the first key."""
        return self._fernet.encrypt(value).decode("ascii")

    def decrypt(self, token: str) -> bytes:
        """The value of a token made under any configured key."""
        try:
            return self._fernet.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise UnreadableValue(
                "a stored value cannot be decrypted with HOMEWARD_SECRET_KEYS "
                "(was a key removed before `homeward keys rotate` finished?)"
            ) from None

    def is_current(self, token: str) -> bool:
        """Whether `token` is already under the first key (rotation can skip it)."""
        try:
            self._primary.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            return False
        return True

    def rotate(self, token: str) -> str:
        """The same value, encrypted again under the first key."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeEncodeError):
            raise UnreadableValue("a stored value cannot be decrypted for rotation") from None

    def fingerprint(self, value: str) -> str:
        """A keyed hash of `value`: equal values match, the value cannot be read back."""
        digest = hmac.new(self._hash, value.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return digest.hexdigest()

    def derive(self, purpose: str) -> bytes:
        """A key for another use of the hash key (rate-limit counters), distinct per purpose."""
        return hmac.new(
            self._hash, b"homeward:" + purpose.encode("ascii"), hashlib.sha256
        ).digest()


def _new_hash_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def _decoded(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None


def parse_secret_keys(value: str) -> tuple[str, ...]:
    """HOMEWARD_SECRET_KEYS as a tuple: comma-separated, the first one encrypts."""
    return tuple(key.strip() for key in value.split(",") if key.strip())


# --- the key file of the embedded default ------------------------------------------------------


def load_or_create_key_file(path: Path) -> tuple[Keyring, bool]:
    """The keyring kept in `path` (created, mode 600, when missing); True when it was created.

    Only for the embedded default (development): production takes its keys from the
    environment, so that the database and its keys are not in the same place.
    """
    created = False
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        keyring = Keyring.generate()
        content = json.dumps(
            {"secret_keys": list(keyring.secret_keys), "hash_key": keyring.hash_key}, indent=2
        )
        # O_EXCL: two processes starting at once must not both write a different key.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(content + "\n")
            created = True
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"the key file {path} must be readable by its owner alone (chmod 600)")
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        keys: Sequence[Any] = data["secret_keys"]
        hash_key = data["hash_key"]
    except (ValueError, KeyError, TypeError):
        raise ConfigError(f"the key file {path} is not a Homeward key file") from None
    if not isinstance(hash_key, str) or not all(isinstance(k, str) for k in keys):
        raise ConfigError(f"the key file {path} is not a Homeward key file")
    return Keyring(tuple(keys), hash_key), created


# --- engines carry their keyring -----------------------------------------------------------------


def attach(engine: Engine, keyring: Keyring) -> Engine:
    """Give `engine` the keyring its encrypted columns use; returns the engine."""
    setattr(engine.dialect, _ATTRIBUTE, keyring)
    return engine


def keyring_of(dialect: Dialect) -> Keyring:
    """The keyring `attach` gave this dialect's engine."""
    keyring = getattr(dialect, _ATTRIBUTE, None)
    if not isinstance(keyring, Keyring):
        raise StorageError("this database engine has no keyring: create it with make_engine(...)")
    return keyring

"""One error hierarchy for the whole project; each error carries data, never personal text."""

from __future__ import annotations


class HomewardError(Exception):
    """Base of every error Homeward raises on purpose."""


class ConfigError(HomewardError):
    """A setting is missing or wrong; the message names the variable."""


class StorageError(HomewardError):
    """The database refused an operation in a way the caller can report."""

"""The coalition directory: who the partner organizations are and how they receive referrals."""

from __future__ import annotations

from bot.partners.directory import (
    DEMO_PARTNER_ID,
    DEMO_PARTNER_YAML,
    SHIPPED,
    Directory,
    Refused,
    WebhookRefusal,
    check_report,
    demo_partner_file,
    load_directory,
)
from bot.partners.reader import LANGUAGES, DirectoryError

__all__ = [
    "DEMO_PARTNER_ID",
    "DEMO_PARTNER_YAML",
    "LANGUAGES",
    "SHIPPED",
    "Directory",
    "DirectoryError",
    "Refused",
    "WebhookRefusal",
    "check_report",
    "demo_partner_file",
    "load_directory",
]

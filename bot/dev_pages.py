"""Development-only pages: the referrals and the outbox, as a partner or operator sees them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Blueprint, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.i18n import native_name
from bot.core.referral import Referral, from_document
from bot.storage import models, outbox

ANSWERED_BY = {
    "self": "the deported person",
    "family": "a family member",
    "advocate": "an advocate",
}


@dataclass(frozen=True, slots=True)
class Shown:
    """One stored referral as the page shows it: read as a partner reads it, and raw.

    `referral` is None when the stored document cannot be read (the raw JSON still shows).
    """

    stored: models.Referral
    referral: Referral | None
    raw: str

    @property
    def language(self) -> str:
        """The person's language by its own name, and its code ("Español (es)")."""
        code = self.referral.language if self.referral else ""
        return f"{native_name(code)} ({code})" if code else ""

    @property
    def answered_by(self) -> str:
        """Who answered the screening, in words."""
        code = self.referral.answered_by if self.referral else ""
        return ANSWERED_BY.get(code, code)


def dev_blueprint(sessions: sessionmaker[Session]) -> Blueprint:
    """GET /dev/referrals: every referral as a partner reads it, and the outbox rows' status."""
    blueprint = Blueprint(
        "dev",
        __name__,
        template_folder="templates",
        static_folder="static/dev",
        static_url_path="/dev/static",
    )

    @blueprint.get("/dev/referrals")
    def referrals() -> str:
        with sessions() as session:
            stored = list(
                session.scalars(
                    select(models.Referral).order_by(models.Referral.created_at.desc()).limit(50)
                )
            )
            rows = outbox.rows(session, ("pending", "in_flight", "failed", "dead", "sent"))
        shown = [_shown(referral) for referral in stored]
        return render_template("dev/referrals.html", referrals=shown, rows=rows)

    return blueprint


def _shown(stored: models.Referral) -> Shown:
    raw = json.dumps(stored.document, indent=2, ensure_ascii=False, sort_keys=True)
    try:
        referral = from_document(stored.document) if stored.document is not None else None
    except ValueError:
        referral = None  # an unreadable document is still shown, raw
    return Shown(stored, referral, raw)

"""Development-only pages: the referrals and the outbox, as a partner or operator sees them."""

from __future__ import annotations

import json

from flask import Blueprint, render_template_string
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage import outbox
from bot.storage.models import Referral


def dev_blueprint(sessions: sessionmaker[Session]) -> Blueprint:
    """GET /dev/referrals: every referral with its document, and the outbox rows' status."""
    blueprint = Blueprint("dev", __name__)

    @blueprint.get("/dev/referrals")
    def referrals() -> str:
        with sessions() as session:
            stored = list(
                session.scalars(select(Referral).order_by(Referral.created_at.desc()).limit(50))
            )
            rows = outbox.rows(session, ("pending", "in_flight", "failed", "dead", "sent"))
        shown = [
            (r, json.dumps(r.document, indent=2, ensure_ascii=False, sort_keys=True))
            for r in stored
        ]
        return render_template_string(_PAGE, referrals=shown, rows=rows)

    return blueprint


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Homeward: referrals (development)</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
pre { background: #f4f1ea; padding: 1rem; overflow-x: auto; white-space: pre-wrap; }
table { border-collapse: collapse; } td, th { padding: 0.2rem 0.6rem; text-align: left; }
</style></head>
<body>
<h1>Referrals (development)</h1>
<p>What partners receive. On a development machine the demo clinic is not real: its
referrals wait here instead of reaching a mailbox.</p>
{% for referral, document in referrals %}
<section>
<h2>{{ referral.reference }}: {{ referral.partner_id }} ({{ referral.status }})</h2>
<pre>{{ document }}</pre>
</section>
{% else %}
<p>No referral yet. Finish a screening in the <a href="/simulator">simulator</a>.</p>
{% endfor %}
<h2>Outbox</h2>
<table><tr><th>id</th><th>kind</th><th>status</th><th>tries</th><th>error</th></tr>
{% for row in rows %}
<tr><td>{{ row.id }}</td><td>{{ row.kind }}</td><td>{{ row.status }}</td>
<td>{{ row.attempts }}</td><td>{{ row.last_error or "" }}</td></tr>
{% endfor %}
</table>
</body></html>
"""

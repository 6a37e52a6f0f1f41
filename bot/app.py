"""The composition root: `create_app(settings)` wires storage, flows, engine and channels."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from flask import Flask, Response, jsonify, render_template_string
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot import headers, limits, logs
from bot.channels.telegram import telegram_blueprint
from bot.channels.twilio import twilio_blueprint
from bot.channels.web import simulator_blueprint
from bot.conversations import Conversations
from bot.core.engine import Engine
from bot.core.errors import ConfigError
from bot.delivery import email, webhook
from bot.delivery.health import delivery_health
from bot.dev_pages import dev_blueprint
from bot.flows.loader import FLOWS_DIR, load_flows
from bot.locales import load_translators
from bot.partners import SHIPPED, Directory, load_directory
from bot.settings import Settings
from bot.storage.crypto import Keyring, keyring_of, load_or_create_key_file
from bot.storage.database import make_engine, make_session_factory
from bot.web_errors import install_error_handling

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Services:
    """What the app is built from; `app.extensions["homeward"]` holds it for commands, tests."""

    settings: Settings
    database: DatabaseEngine
    sessions: sessionmaker[Session]
    engine: Engine
    conversations: Conversations
    directory: Directory


def build_services(settings: Settings) -> Services:
    """Everything Homeward runs on, without the web app (the CLI chat and the worker use it)."""
    flows = load_flows(settings.flows_dir or FLOWS_DIR)
    if settings.start_flow not in flows:
        raise ConfigError(
            f"HOMEWARD_START_FLOW names '{settings.start_flow}', which is not a flow "
            f"(flows: {', '.join(sorted(flows)) or 'none'})"
        )
    # A webhook this deployment's sender refuses (production: plain http, a private address)
    # is no way to reach a partner: matching must not count it (`partners check` says so).
    refusal = partial(webhook.refused_because, allow_private=settings.development)
    directory = load_directory(SHIPPED, settings.partners_file).deliverable(refusal)
    fallback = directory.general_intake
    if settings.fallback_partner is not None:
        fallback = directory.get(settings.fallback_partner)
        if fallback is None:
            raise ConfigError(
                f"HOMEWARD_FALLBACK_PARTNER names '{settings.fallback_partner}', which is not "
                "in the partner directory"
            )
    if fallback is not None and not fallback.can_receive:
        refused = next((r.reason for r in directory.refused if r.partner_id == fallback.id), "")
        fix = "give it intake and capacity in HOMEWARD_PARTNERS_FILE"
        if refused:
            fix = f"its webhook is refused ({refused}); give it another intake or {fix}"
        raise ConfigError(
            f"the coalition's general intake '{fallback.id}' cannot receive referrals: {fix}"
        )
    start = flows[settings.start_flow]
    matches = any(n.action is not None and n.action.name == "match" for n in start.nodes.values())
    if matches and fallback is None:
        # Otherwise a case that fits nobody would be told "not given" instead of a partner.
        raise ConfigError(
            f"the flow '{start.id}' refers people to partners, but the directory has no general "
            "intake: set HOMEWARD_PARTNERS_FILE (`homeward partners demo` writes a demo one)"
        )
    shows_contact = any("{coalition_contact}" in node.text for node in start.nodes.values())
    if shows_contact and not settings.coalition_contact and not settings.development:
        logger.warning("HOMEWARD_COALITION_CONTACT is not set: texts name the general intake")
    facts = {
        # The consent text states the real retention limits.
        "unfinished_days": str(settings.retain_unfinished_days),
        "referral_days": str(settings.retain_referral_days),
        "general_intake": fallback.name if fallback is not None else "",
        "coalition_contact": settings.coalition_contact
        or (fallback.name if fallback is not None else ""),
    }
    translators = load_translators(only=settings.languages)
    engine = Engine(flows, settings.start_flow, translators, facts=facts)
    silent = [p for p in directory.partners if p.legal and not p.can_receive]
    if silent:
        # Never a surprise: organizations without intake receive nothing (see `partners check`).
        logger.warning("%d legal organization(s) have no intake and receive nothing", len(silent))
    database = make_engine(settings.database_url, keyring_for(settings))
    sessions = make_session_factory(database)
    conversations = Conversations(
        sessions,
        engine,
        directory,
        fallback,
        sms_fold_accents=settings.sms_fold_accents,
        delete_provider_copies=settings.delete_provider_copies,
    )
    return Services(settings, database, sessions, engine, conversations, directory)


def keyring_for(settings: Settings) -> Keyring:
    """The keys from the settings; in development without them, the key file in var/."""
    if settings.secret_keys:
        return Keyring(settings.secret_keys, settings.hash_key)
    if not settings.development:
        raise ConfigError(
            "HOMEWARD_SECRET_KEYS and HOMEWARD_HASH_KEY are required in production "
            "(`homeward keys generate` makes them)"
        )
    keyring, created = load_or_create_key_file(settings.key_file)
    if created:
        logger.warning(
            "created the key file %s: it encrypts the embedded database; keep it with the "
            "database, and set HOMEWARD_SECRET_KEYS and HOMEWARD_HASH_KEY in production",
            settings.key_file,
        )
    return keyring


def check_email_intakes(settings: Settings, directory: Directory) -> None:
    """In production an email intake needs a mail server, or its referrals would go nowhere.

    Checked where referrals are made (the web app) and sent (the worker); the operator's
    tools (chat, outbox, referrals) still start. A development machine keeps such emails in
    its development inbox, read at /dev/referrals.
    """
    if settings.smtp_url is not None or settings.development:
        return
    by_email = [p.id for p in directory.receiving if p.intake is not None and p.intake.email]
    if by_email:
        raise ConfigError(
            f"{email.SMTP_URL_VARIABLE} is not set, but partner(s) {', '.join(by_email)} "
            f"receive referrals by email: set {email.SMTP_URL_VARIABLE}, or give them a webhook "
            "instead of an email intake in HOMEWARD_PARTNERS_FILE"
        )


def create_app(settings: Settings, services: Services | None = None) -> Flask:
    """A Flask app over `settings`. Start no thread here: `homeward serve` runs the worker."""
    services = services or build_services(settings)
    check_email_intakes(settings, services.directory)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1_000_000
    app.extensions["homeward"] = services
    install_error_handling(app)
    # Senders are counted under a keyed hash: the same key in every process, so processes
    # that share Redis count together, and no number is stored in clear.
    sender_key = keyring_of(services.database.dialect).derive("rate-limits")
    limits.install(app, settings, services.engine.translators, secret=sender_key)
    headers.install(app, settings.public_url)

    @app.get("/")
    def index() -> str:
        return render_template_string(_INDEX, development=settings.development)

    @app.get("/healthz")
    def health() -> tuple[Response, int]:
        # 503 when nothing would be sent: no worker beat lately, or the database is down.
        # `homeward serve` runs a worker in-process; with HOMEWARD_RUN_WORKER=false the
        # separate `homeward worker` processes must be running (docs/reliability.md).
        try:
            report = delivery_health(
                services.sessions, datetime.now(UTC), settings.worker_stale_after
            )
        except SQLAlchemyError as exc:
            logger.error("health check: database error (%s)", type(exc).__name__)
            return jsonify(status="database-unavailable", database="unavailable"), 503
        return jsonify(report.as_json()), 200 if report.ok else 503

    if settings.development:
        app.register_blueprint(simulator_blueprint(services.conversations.handle))
        app.register_blueprint(dev_blueprint(services.sessions))
    # A channel with no settings is off: its routes do not exist and answer 404.
    if settings.twilio is not None and settings.public_url is not None:
        app.register_blueprint(
            twilio_blueprint(
                settings.twilio, settings.public_url, services.conversations, services.sessions
            )
        )
    if settings.telegram is not None:
        app.register_blueprint(telegram_blueprint(settings.telegram, services.conversations))
    return app


def create_app_from_env() -> Flask:
    """For WSGI servers: `gunicorn 'bot.app:create_app_from_env()'` (settings from HOMEWARD_*)."""
    settings = Settings.from_env()
    logs.configure(json_lines=not settings.development)  # the process's start-up
    return create_app(settings)


_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Homeward</title>
<link rel="stylesheet" href="{{ url_for('static', filename='index.css') }}"></head>
<body>
<h1>Homeward</h1>
<p>A chat and SMS assistant that connects people deported from the United States, and their
families, with the coalition's lawyers and advocates.</p>
<ul>
{% if development %}
<li><a href="/simulator">Simulator</a>: talk to the bot in the browser</li>
<li><a href="/dev/referrals">Referrals</a>: what partners receive (development only)</li>
{% endif %}
<li><a href="/healthz">Health check</a></li>
</ul>
</body></html>
"""

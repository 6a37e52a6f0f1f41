"""The composition root: `create_app(settings)` wires storage, flows, engine and channels."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from flask import Flask, Response, jsonify, render_template_string
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.telegram import telegram_blueprint
from bot.channels.twilio import twilio_blueprint
from bot.channels.web import simulator_blueprint
from bot.conversations import Conversations
from bot.core.engine import Engine
from bot.core.errors import ConfigError
from bot.delivery import webhook
from bot.dev_pages import dev_blueprint
from bot.flows.loader import FLOWS_DIR, load_flows
from bot.locales import load_translators
from bot.partners import SHIPPED, Directory, load_directory
from bot.settings import Settings
from bot.storage.crypto import Keyring, load_or_create_key_file
from bot.storage.database import make_engine, make_session_factory

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


def create_app(settings: Settings, services: Services | None = None) -> Flask:
    """A Flask app over `settings`. Start no thread here: `homeward serve` runs the worker."""
    services = services or build_services(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1_000_000
    app.extensions["homeward"] = services

    @app.get("/")
    def index() -> str:
        return render_template_string(_INDEX, development=settings.development)

    @app.get("/healthz")
    def health() -> Response:
        with services.database.connect() as connection:
            connection.execute(text("SELECT 1"))
        return jsonify(status="ok")

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
    return create_app(Settings.from_env())


_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Homeward</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto">
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

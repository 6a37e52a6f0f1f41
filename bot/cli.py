"""The `homeward` command: serve, worker, chat, db, flows, i18n."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import click
import waitress
from sqlalchemy.exc import OperationalError

from bot import logs
from bot.app import Services, build_services, check_email_intakes, create_app, keyring_for
from bot.cli_keys import keys_group
from bot.cli_purge import purge_command
from bot.cli_referrals import failover_for, referrals_group
from bot.core.engine import Engine
from bot.core.errors import HomewardError
from bot.core.flow import Flow
from bot.core.i18n import SOURCE_LOCALE
from bot.delivery import webhook
from bot.delivery.senders import build_senders, close_senders
from bot.delivery.telegram_sender import set_webhook
from bot.delivery.worker import Worker
from bot.flows import cost, graph
from bot.flows.loader import FLOWS_DIR, check_files, flow_files
from bot.locales import LOCALES_DIR, load_translators
from bot.locales import catalogs as i18n_catalogs
from bot.partners import SHIPPED, check_report, demo_partner_file, load_directory
from bot.settings import Settings
from bot.storage import database, outbox, referrals, retention


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except HomewardError as error:
        raise click.ClickException(str(error)) from error


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """Our errors and an unreachable database become one clear line and exit status 1."""
    try:
        yield
    except HomewardError as error:
        raise click.ClickException(str(error)) from error
    except OperationalError as error:
        # The driver's message can hold the host or user; the class name is enough here.
        raise click.ClickException(
            f"cannot use the database ({type(error.orig).__name__}); "
            "check HOMEWARD_DATABASE_URL and that the server is running"
        ) from error


@contextmanager
def _running(settings: Settings) -> Iterator[Services]:
    """Homeward's services for one command; the database pool is closed afterwards."""
    with _one_line_errors():
        if settings.database_url.startswith("sqlite"):
            # The embedded database migrates itself; PostgreSQL is migrated as a release step.
            database.upgrade(settings.database_url, keyring=keyring_for(settings))
        services = build_services(settings)
    try:
        with _one_line_errors():
            yield services
    finally:
        services.database.dispose()


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log more (never message text or numbers).")
def main(verbose: bool) -> None:
    """Homeward: a chat and SMS assistant that routes deported people to lawyers."""
    # Once, for every command: JSON lines for a log collector in production, text to read
    # in development. Client libraries stay at WARNING even with -v (bot/logs.py says why).
    logs.configure(verbose=verbose, json_lines=logs.structured(os.environ))


@main.command()
@click.option("--host", help="Overrides HOMEWARD_HOST.")
@click.option("--port", type=int, help="Overrides HOMEWARD_PORT.")
def serve(host: str | None, port: int | None) -> None:
    """Serve the web app (webhooks, simulator) with the outbox worker in-process."""
    settings = _settings()
    host, port = host or settings.host, port or settings.port
    with _running(settings) as services:
        try:
            server = waitress.create_server(
                create_app(settings, services), host=host, port=port, threads=8
            )
        except OSError as error:
            raise click.ClickException(
                f"cannot listen on {host}:{port} ({error.strerror}); "
                "set HOMEWARD_PORT to a free port"
            ) from error
        stop = threading.Event()
        worker = ExitStack()
        if settings.run_worker:
            thread = threading.Thread(
                target=worker.enter_context(_worker(services)).run_forever,
                args=(stop, settings.worker_idle_seconds),
                name="outbox-worker",
                daemon=True,
            )
            thread.start()
        base = f"http://{host}:{port}"
        click.echo(f"Homeward is running on {base}/")
        if settings.development:
            click.echo(f"  Simulator (talk to the bot): {base}/simulator")
            click.echo(f"  Referrals partners receive:  {base}/dev/referrals")
        click.echo(f"  Health check:                {base}/healthz")
        state = "running" if settings.run_worker else "off (HOMEWARD_RUN_WORKER=false)"
        click.echo(f"  Outbox worker:               {state}")
        click.echo("Press Ctrl-C to stop.")
        # Process managers stop services with SIGTERM: stop as cleanly as on Ctrl-C.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.run()  # returns on Ctrl-C (Waitress handles the interrupt itself)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            server.close()
            if settings.run_worker:
                thread.join(timeout=30)
            worker.close()
        click.echo("Stopped.")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def _worker(services: Services) -> Iterator[Worker]:
    """An outbox worker with the senders of the configured channels, closed afterwards."""
    check_email_intakes(services.settings, services.directory)
    senders = build_senders(services.settings, services.sessions, services.directory)
    try:
        yield Worker(
            services.sessions,
            senders,
            lambda: datetime.now(UTC),
            lease=services.settings.worker_lease,
            on_referral_failed=failover_for(services),
            housekeeping=partial(retention.housekeeping, limits=services.settings.retention),
        )
    finally:
        close_senders(senders)


@main.command()
def worker() -> None:
    """Run the outbox worker until interrupted (run several on PostgreSQL).

    The first SIGTERM or Ctrl-C lets the send in progress finish, gives the rest of the batch
    back and clears the heartbeat; a second one stops at once.
    """
    settings = _settings()
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    with _running(settings) as services, _worker(services) as worker:
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        click.echo("Outbox worker running. Press Ctrl-C to stop.")
        try:
            worker.run_forever(stop, settings.worker_idle_seconds)
        except KeyboardInterrupt:
            click.echo("Outbox worker interrupted.")
            return
    click.echo("Outbox worker stopped.")


@main.command()
@click.option(
    "--address",
    default="console-1",
    show_default=True,
    help="Who you are; use the same one again to continue a conversation.",
)
@click.option("--lang", default=None, help="Your language, e.g. en (used for a new conversation).")
def chat(address: str, lang: str | None) -> None:
    """Talk to Homeward in the terminal (or pipe one message a line)."""
    from bot.channels.console import chat as console_chat

    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger().setLevel(logging.WARNING)  # keep the terminal for the conversation
    with _running(_settings()) as services:
        console_chat(
            services.conversations.handle,
            address,
            sys.stdin,
            sys.stdout,
            interactive=sys.stdin.isatty(),
            locale_hint=lang,
        )


@main.group()
def db() -> None:
    """The database: migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database to the newest schema."""
    settings = _settings()
    with _one_line_errors():
        # Migrating an empty database needs no keys; rows written before need them.
        has_keys = bool(settings.secret_keys) or settings.development
        keyring = keyring_for(settings) if has_keys else None
        database.upgrade(settings.database_url, revision, keyring=keyring)
    click.echo(f"Database is at {revision}.")


@main.group()
def flows() -> None:
    """Flow files: check them, draw them."""


@flows.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def flows_check(files: tuple[Path, ...]) -> None:
    """Check flow files (all shipped flows when none is named); exit 1 on any error."""
    paths = list(files) or flow_files(_settings().flows_dir or FLOWS_DIR)
    loaded, issues = check_files(paths)
    for issue in issues:
        click.echo(str(issue))
    errors = sum(1 for issue in issues if issue.severity == "error")
    warnings = len(issues) - errors
    click.echo(
        f"{len(paths)} file(s), {len(loaded)} flow(s) valid, "
        f"{errors} error(s), {warnings} warning(s)."
    )
    if errors:
        sys.exit(1)


@flows.command("cost")
@click.argument("flow_id", required=False)
@click.option("--locale", "locales", multiple=True, help="Only this locale (repeatable).")
@click.option("--summary", is_flag=True, help="Only the typical conversation, not each message.")
def flows_cost(flow_id: str | None, locales: tuple[str, ...], summary: bool) -> None:
    """SMS cost per locale: each message's encoding and segments, and a typical screening's."""
    settings = _settings()
    loaded, _ = check_files(flow_files(settings.flows_dir or FLOWS_DIR))
    flow_id = flow_id or settings.start_flow
    if flow_id not in loaded:
        raise click.ClickException(f"no valid flow '{flow_id}' (valid: {', '.join(loaded)})")
    translators = load_translators()
    unknown = [code for code in locales if code not in translators.locales]
    if unknown:
        raise click.ClickException(
            f"no catalog for {', '.join(unknown)} (locales: {', '.join(translators.locales)})"
        )
    engine = Engine(loaded, flow_id, translators)
    english = cost.conversation_cost(engine, SOURCE_LOCALE)
    rows = []
    for locale in locales or translators.locales:
        if not summary:
            click.echo(f"\n{locale}: each message as SMS sends it (segments; folded: accents off)")
            budget = loaded[flow_id].sms_budget
            for message in cost.message_costs(loaded[flow_id], translators, locale):
                over = f"  over the flow's budget of {budget}" if message.segments > budget else ""
                click.echo(
                    f"  {message.name:<40} {message.encoding:<6} {message.characters:>5} chars"
                    f" {message.segments:>3} seg  folded {message.folded_segments:>3}{over}"
                )
        rows.append(cost.conversation_cost(engine, locale))
    click.echo(
        f"\nA typical complete {flow_id} over SMS (a family member, every question answered):"
    )
    click.echo(
        f"  {'locale':<8} {'messages':>8} {'UCS-2':>6} {'segments':>8} {'x en':>5}"
        f" {'folded':>7} {'x en':>5} {'UCS-2':>6}"
    )
    for row in rows:
        click.echo(
            f"  {row.locale:<8} {row.messages:>8} {row.ucs2_messages:>6} {row.segments:>8}"
            f" {row.segments / english.segments:>5.2f} {row.folded_segments:>7}"
            f" {row.folded_segments / english.segments:>5.2f} {row.folded_ucs2_messages:>6}"
        )


@flows.command("graph")
@click.argument("flow_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write (default: var/graphs/FLOW.mmd and .svg).",
)
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg"]), default=None)
def flows_graph(flow_id: str, output: Path | None, fmt: str | None) -> None:
    """Draw a flow: Mermaid text, and SVG where Graphviz is installed."""
    settings = _settings()
    loaded, _ = check_files(flow_files(settings.flows_dir or FLOWS_DIR))
    if flow_id not in loaded:
        raise click.ClickException(f"no valid flow '{flow_id}' (valid: {', '.join(loaded)})")
    flow = loaded[flow_id]
    if output is not None or fmt is not None:
        fmt = fmt or {".svg": "svg", ".dot": "dot", ".gv": "dot"}.get(
            output.suffix if output else "", "mermaid"
        )
        text = _render(flow, fmt)
        if output is None:
            click.echo(text, nl=False)
        else:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
            click.echo(f"Wrote {output}")
        return
    folder = Path("var") / "graphs"
    folder.mkdir(parents=True, exist_ok=True)
    mermaid = folder / f"{flow_id}.mmd"
    mermaid.write_text(graph.to_mermaid(flow), encoding="utf-8")
    click.echo(f"Wrote {mermaid}")
    if graph.graphviz_available():
        svg = folder / f"{flow_id}.svg"
        svg.write_text(graph.to_svg(flow), encoding="utf-8")
        click.echo(f"Wrote {svg}")
    else:
        click.echo("Graphviz is not installed: no SVG (install the 'graphviz' package).")


def _render(flow: Flow, fmt: str) -> str:
    if fmt == "svg":
        if not graph.graphviz_available():
            raise click.ClickException("SVG needs Graphviz's 'dot' (install 'graphviz')")
        return graph.to_svg(flow)
    return graph.to_dot(flow) if fmt == "dot" else graph.to_mermaid(flow)


@main.group()
def telegram() -> None:
    """The Telegram bot: register where Telegram sends updates."""


@telegram.command("set-webhook")
def telegram_set_webhook() -> None:
    """Tell Telegram to send updates to HOMEWARD_PUBLIC_URL/hooks/telegram, with the secret."""
    settings = _settings()
    if settings.telegram is None or settings.public_url is None:
        raise click.ClickException(
            "Telegram is off: set HOMEWARD_TELEGRAM_TOKEN, HOMEWARD_TELEGRAM_SECRET and "
            "HOMEWARD_PUBLIC_URL"
        )
    with _one_line_errors():
        url = set_webhook(settings.telegram, settings.public_url)
    click.echo(f"Telegram now sends updates to {url}")


@main.command("outbox")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(["pending", "in_flight", "failed", "dead", "sent"]),
    help="Rows to list (default: pending, in_flight, failed, dead).",
)
@click.option("--limit", default=50, show_default=True)
def outbox_command(statuses: tuple[str, ...], limit: int) -> None:
    """What waits to be sent, what failed and what gave up (never the messages themselves)."""
    settings = _settings()
    wanted = statuses or ("pending", "in_flight", "failed", "dead")
    with _running(settings) as services, services.sessions() as session:
        totals = outbox.counts(session)
        listed = outbox.rows(session, wanted, limit)
    click.echo("  ".join(f"{status}: {number}" for status, number in totals.items()))
    if not listed:
        click.echo("Nothing to show.")
        return
    click.echo(
        f"{'id':>7}  {'kind':<18} {'status':<9} {'tries':>5}  {'next try (UTC)':<19}  error"
    )
    for row in listed:
        error = row.last_error or row.delivery_error or ""
        when = row.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S")
        click.echo(
            f"{row.id:>7}  {row.kind:<18} {row.status:<9} {row.attempts:>5}  {when:<19}  {error}"
        )


@main.group()
def i18n() -> None:
    """Translations: the template and the catalogs of each locale."""


@i18n.command("check")
@click.option(
    "--locales",
    "locales_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=LOCALES_DIR,
    help="Folder with <locale>/LC_MESSAGES/messages.po catalogs.",
)
@click.option(
    "--template",
    "template_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=i18n_catalogs.TEMPLATE_FILE,
    help="The messages.pot to compare with the sources.",
)
def i18n_check(locales_dir: Path, template_file: Path) -> None:
    """Exit 1 if messages.pot is out of date or a catalog has a missing, empty or fuzzy entry,
    or placeholders that differ from the source."""
    with _one_line_errors():
        report = i18n_catalogs.check(locales_dir, template_file)
    for line in (*report.problems, *report.summary):
        click.echo(line)
    if report.problems:
        raise click.ClickException(f"{len(report.problems)} translation problem(s)")


@main.group()
def partners() -> None:
    """The coalition directory: who receives which cases."""


@partners.command("check")
def partners_check() -> None:
    """Validate the directory and HOMEWARD_PARTNERS_FILE; say who can receive which cases.

    What production delivery would refuse (a plain http or private webhook) is an error with
    HOMEWARD_ENV=production and a warning in development, where it is delivered.
    """
    settings = _settings()
    production = not settings.development
    problems, report = check_report(
        SHIPPED, settings.partners_file, refusal=webhook.refused_because, production=production
    )
    for line in (*problems, *report):
        click.echo(line)
    if report:
        click.echo(_email_line(settings))
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the partner directory")


def _email_line(settings: Settings) -> str:
    """Where referral emails go with these settings: no mail server means no email."""
    if settings.smtp_url is not None:
        return "Referral emails go through HOMEWARD_SMTP_URL."
    if settings.development:
        return (
            "Referral emails stay on this machine (development, no HOMEWARD_SMTP_URL): "
            "read them at /dev/referrals."
        )
    directory = load_directory(SHIPPED, settings.partners_file)
    waiting = [p.id for p in directory.receiving if p.intake is not None and p.intake.email]
    if not waiting:
        return "No HOMEWARD_SMTP_URL, and nobody receives referrals by email."
    return (
        f"Warning: HOMEWARD_SMTP_URL is not set: referral emails to {', '.join(waiting)} "
        "cannot be sent, and `homeward serve` and `homeward worker` refuse to start until it is."
    )


@partners.command("demo")
@click.option("--folder", type=click.Path(path_type=Path), default=Path("var"), show_default=True)
def partners_demo(folder: Path) -> None:
    """Write the demo partner's override file (a fake clinic for development) and say where."""
    click.echo(str(demo_partner_file(folder)))


@partners.command("enable-webhook")
@click.argument("partner_id")
def partners_enable_webhook(partner_id: str) -> None:
    """Send to a partner's webhook again after it answered 410 Gone (once they fixed it)."""
    with _running(_settings()) as services, services.sessions.begin() as session:
        enabled = referrals.enable_webhook(session, partner_id)
    click.echo(f"{partner_id}: webhook " + ("enabled again." if enabled else "was not disabled."))


main.add_command(referrals_group)
main.add_command(keys_group)
main.add_command(purge_command)

"""The `homeward` command as a newcomer uses it: chat, flows check, flows graph, db upgrade."""

from __future__ import annotations

import io
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.flows.graph import graphviz_available
from bot.flows.loader import FLOWS_DIR
from bot.storage import database as db
from bot.storage import outbox, referrals
from tests.keys import TEST_KEY_ENV, TEST_KEYRING


@pytest.fixture
def runner(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", database_url)
    monkeypatch.setenv("HOMEWARD_START_FLOW", "placeholder")
    for name, value in TEST_KEY_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def chat(runner: CliRunner, lines: str, *args: str) -> list[str]:
    result = runner.invoke(main, ["chat", *args], input=lines)
    assert result.exit_code == 0, result.output
    return [line.removeprefix("bot> ") for line in result.output.splitlines()]


def test_piped_chat_prints_each_reply(runner: CliRunner) -> None:
    output = chat(runner, "hi\n1\n", "--address", "alice")
    assert output[0] == "Language: English."  # "hi" is English: no language menu
    assert output[1].startswith("Welcome to Homeward")
    assert output[2:6] == [
        "Who is writing?",
        "1. I was deported",
        "2. A family member",
        "3. An advocate or lawyer",
    ]
    assert output[-1] == "In which country are you now?"


def test_a_chat_goes_on_where_it_stopped(runner: CliRunner) -> None:
    chat(runner, "hi\n1\n", "--address", "bob")
    again = chat(runner, "Haiti\n", "--address", "bob")
    assert again[0] == "Did you serve in the U.S. military?"
    other = chat(runner, "Haiti\n", "--address", "carol")
    assert other[0] == "Choose your language:"  # a first message in no plain language
    assert "2. Español" in other


def test_interactive_chat_prompts_and_says_how_to_leave() -> None:
    from bot.channels.console import chat as console_chat
    from bot.core.messages import Outbound

    seen: list[str] = []

    def handler(inbound):  # type: ignore[no-untyped-def]
        seen.append(inbound.text)
        return (Outbound("echo: " + inbound.text),)

    out = io.StringIO()
    sent = console_chat(handler, "x", io.StringIO("hola\n\n"), out, interactive=True)
    assert sent == 2 and seen == ["hola", ""]
    assert "Ctrl-D" in out.getvalue() and "you> " in out.getvalue()
    assert "bot> echo: hola" in out.getvalue()


def test_flows_check_passes_on_the_shipped_flows(runner: CliRunner) -> None:
    result = runner.invoke(main, ["flows", "check"])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_flows_check_fails_with_file_and_line(runner: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("spec: 1\nnodes:\n  a:\n    say: Hi\n    next: b\n", encoding="utf-8")
    result = runner.invoke(main, ["flows", "check", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:5: error: node 'a' goes to 'b', which is not a node [dangling-next]" in (
        result.output
    )


def test_flows_graph_writes_mermaid_and_svg_when_graphviz_is_there(runner: CliRunner) -> None:
    result = runner.invoke(main, ["flows", "graph", "placeholder"])
    assert result.exit_code == 0, result.output
    mermaid = Path("var/graphs/placeholder.mmd").read_text(encoding="utf-8")
    assert mermaid.startswith("flowchart TD")
    assert 'n_state -- "tag veteran" --> n_thanks_veteran' in mermaid
    svg = Path("var/graphs/placeholder.svg")
    if graphviz_available():
        assert svg.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
    else:
        assert not svg.exists() and "Graphviz is not installed" in result.output


def test_flows_graph_dot_to_stdout(runner: CliRunner) -> None:
    result = runner.invoke(main, ["flows", "graph", "placeholder", "--format", "dot"])
    assert result.exit_code == 0
    assert result.output.startswith('digraph "placeholder"')
    assert '"served" -> "year_removed"' in result.output


def test_flows_graph_of_an_unknown_flow_is_a_clear_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["flows", "graph", "nope"])
    assert result.exit_code == 1 and "no valid flow 'nope'" in result.output


def test_a_bad_setting_stops_with_the_variable_named(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOMEWARD_PORT", "eighty")
    result = runner.invoke(main, ["chat"], input="hi\n")
    assert result.exit_code == 1 and "HOMEWARD_PORT" in result.output


def test_db_upgrade_on_a_new_sqlite_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", f"sqlite:///{tmp_path}/new/homeward.db")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "homeward.db").stat().st_size > 0


def test_an_invalid_flow_directory_stops_start_up_with_its_errors(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    shutil.copy(FLOWS_DIR / "placeholder.yaml", flows)
    (flows / "bad.yaml").write_text("spec: 1\nnodes:\n  a:\n    do: fly\n", encoding="utf-8")
    monkeypatch.setenv("HOMEWARD_FLOWS_DIR", str(flows))
    result = runner.invoke(main, ["chat"], input="hi\n")
    assert result.exit_code == 1
    assert "bad.yaml:3" in result.output and "unknown-action" in result.output


@pytest.mark.parametrize(
    "url", ["bogus", "postgresql+psycopg://nobody:secret-pw@127.0.0.1:9/none"]
)
def test_a_database_that_cannot_be_used_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", url)
    monkeypatch.setenv("HOMEWARD_START_FLOW", "placeholder")
    for name, value in TEST_KEY_ENV.items():
        monkeypatch.setenv(name, value)
    for command in (["db", "upgrade"], ["chat"]):
        result = CliRunner().invoke(main, command, input="hi\n")
        assert result.exit_code == 1
        assert "HOMEWARD_DATABASE_URL" in result.output
        assert "Traceback" not in result.output and "secret-pw" not in result.output


def test_interactive_chat_in_a_real_terminal(database_url: str, tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    env = {
        **os.environ,
        "HOMEWARD_DATABASE_URL": database_url,
        "HOMEWARD_START_FLOW": "placeholder",
        **TEST_KEY_ENV,
    }
    chat = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import main; main()", "chat", "--address", "tty"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=tmp_path,
    )
    os.close(follower)
    seen = b""

    def read_until(marker: bytes) -> None:
        nonlocal seen
        deadline = time.monotonic() + 20
        while marker not in seen and time.monotonic() < deadline:
            if select.select([leader], [], [], 0.2)[0]:
                try:
                    seen += os.read(leader, 4096)
                except OSError:
                    break

    read_until(b"you> ")
    assert b"Ctrl-D" in seen
    os.write(leader, b"hi\n")
    read_until(b"1. I was deported")  # "hi" chose English: the first question follows
    os.write(leader, b"\x04")  # Ctrl-D
    assert chat.wait(timeout=20) == 0
    os.close(leader)
    assert b"bot> Welcome to Homeward" in seen


def test_outbox_lists_what_waits_and_what_failed_without_the_messages(
    runner: CliRunner, database_url: str
) -> None:
    engine = db.make_engine(database_url, TEST_KEYRING)
    sessions = db.make_session_factory(engine)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    with sessions.begin() as session:
        outbox.enqueue(session, "sms", "k1", {"text": "private words"}, now)
        outbox.enqueue(session, "telegram", "k2", {"text": "more private words"}, now)
        claimed = outbox.claim(session, now, 1, timedelta(minutes=5))
        outbox.mark_dead(session, claimed[0].id, "twilio-21211")
    engine.dispose()
    result = runner.invoke(main, ["outbox"])
    assert result.exit_code == 0, result.output
    assert "pending: 1" in result.output and "dead: 1" in result.output
    assert "twilio-21211" in result.output
    assert "private" not in result.output
    only_dead = runner.invoke(main, ["outbox", "--status", "dead"])
    assert "telegram" not in only_dead.output and "sms" in only_dead.output


def test_partners_check_reports_who_can_receive(runner: CliRunner) -> None:
    result = runner.invoke(main, ["partners", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("87 organizations")
    assert "General intake: none" in result.output


def test_partners_check_fails_on_a_bad_override_with_its_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    override = tmp_path / "partners.yaml"
    override.write_text("partners:\n  - id: nijc\n    intake: {email: bad}\n", encoding="utf-8")
    monkeypatch.setenv("HOMEWARD_PARTNERS_FILE", str(override))
    result = runner.invoke(main, ["partners", "check"])
    assert result.exit_code == 1
    assert f"{override}:3:" in result.output


def test_the_demo_partner_is_the_general_intake(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = runner.invoke(main, ["partners", "demo"])
    assert demo.exit_code == 0
    monkeypatch.setenv("HOMEWARD_PARTNERS_FILE", demo.output.strip())
    result = runner.invoke(main, ["partners", "check"])
    assert "General intake: demo-legal-clinic" in result.output, result.output


def test_the_screening_refuses_to_start_without_a_general_intake(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOMEWARD_START_FLOW", "screening")
    result = runner.invoke(main, ["chat"], input="hi\n")
    assert result.exit_code == 1 and "general intake" in result.output
    demo = runner.invoke(main, ["partners", "demo"]).output.strip()
    monkeypatch.setenv("HOMEWARD_PARTNERS_FILE", demo)
    started = runner.invoke(main, ["chat"], input="hi\n")
    assert started.exit_code == 0 and "Homeward" in started.output


def test_a_gone_webhook_is_enabled_again_by_the_operator(
    runner: CliRunner, database_url: str
) -> None:
    engine = db.make_engine(database_url, TEST_KEYRING)
    sessions = db.make_session_factory(engine)
    with sessions.begin() as session:
        referrals.disable_webhook(session, "nijc", datetime(2026, 11, 23, tzinfo=UTC))
    first = runner.invoke(main, ["partners", "enable-webhook", "nijc"])
    again = runner.invoke(main, ["partners", "enable-webhook", "nijc"])
    with sessions() as session:
        assert not referrals.webhook_disabled(session, "nijc")
    engine.dispose()
    assert "enabled again" in first.output and "was not disabled" in again.output

"""`homeward serve` as `make run` starts it: a real process on a loopback port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

COMMAND = [sys.executable, "-c", "from bot.cli import main; main()", "serve"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, seconds: float = 20.0) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return bytes(answer.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def environment(database_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    yield {
        **os.environ,
        "HOMEWARD_DATABASE_URL": database_url,
        "HOMEWARD_ENV": "development",
        "HOMEWARD_START_FLOW": "placeholder",
        "HOMEWARD_PORT": str(free_port()),
    }


def start(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        COMMAND,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_serve_answers_prints_its_urls_and_stops_cleanly(
    environment: dict[str, str], tmp_path: Path
) -> None:
    server = start(environment, tmp_path)
    base = f"http://127.0.0.1:{environment['HOMEWARD_PORT']}"
    try:
        # 200 once the in-process worker has beaten (urlopen raises on the 503 before).
        health = json.loads(wait_for(f"{base}/healthz"))
        assert (health["status"], health["worker"]["alive"]) == ("ok", 1)
        assert b"Homeward simulator" in wait_for(f"{base}/simulator")
    finally:
        server.send_signal(signal.SIGTERM)  # what a process manager sends; Ctrl-C acts alike
        output, _ = server.communicate(timeout=20)
    assert server.returncode == 0
    assert f"{base}/simulator" in output and "Outbox worker:               running" in output
    assert output.rstrip().endswith("Stopped.")


def test_a_port_in_use_is_one_clear_line(environment: dict[str, str], tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", int(environment["HOMEWARD_PORT"])))
        taken.listen()
        server = start(environment, tmp_path)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 1
    assert "cannot listen on" in output and "HOMEWARD_PORT" in output
    assert "Traceback" not in output

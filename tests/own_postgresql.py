"""A throwaway PostgreSQL server of a test's own: its own folder and port, stopped and removed
afterwards. The machine's shared server (port 5432) is never touched."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

StopMode = Literal["smart", "fast", "immediate"]
COMMAND_SECONDS = 120  # a guard against a hung pg_ctl, not a measure


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps them by major version)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """One PostgreSQL cluster in `folder`, listening on 127.0.0.1:`port` only."""

    bin: Path
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            # fsync guards against the machine losing power, which no test does; a stopped
            # or killed server still finds every committed transaction in its WAL.
            "-c fsync=off -c max_connections=60"
        )
        self._ctl("start", "-w", "-o", options, "-l", str(self.folder / "server.log"))

    def stop(self, mode: StopMode = "fast") -> None:
        """fast: end every session and shut down cleanly; immediate: as if it crashed."""
        self._ctl("stop", "-w", "-m", mode)

    def running(self) -> bool:
        return self._ctl("status", check=False) == 0  # 3: no server running

    def _ctl(self, *args: str, check: bool = True) -> int:
        return _run([str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), *args], check)


def _as_postgres() -> dict[str, Any]:
    # initdb refuses to run as root; the cluster then belongs to the postgres user.
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


def _run(command: list[str], check: bool = True) -> int:
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=COMMAND_SECONDS, **_as_postgres()
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed:\n{done.stdout}\n{done.stderr}")
    return done.returncode


@contextmanager
def throwaway_postgresql() -> Iterator[Server]:
    """A fresh cluster, started; stopped and deleted when the block ends."""
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server binaries are not installed (/usr/lib/postgresql)")
    # Not under pytest's tmp_path: its folders are private to the user running the tests,
    # and the server may run as another user.
    folder = Path(tempfile.mkdtemp(prefix="homeward-pg-"))
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        _run([str(bin_dir / "initdb"), "-D", str(folder / "data"), "-U", "postgres",
              "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"])  # fmt: skip
        server = Server(bin_dir, folder, free_port())
        server.start()
        try:
            yield server
        finally:
            if server.running():
                server.stop("immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)

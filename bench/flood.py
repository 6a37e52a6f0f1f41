"""How long other people wait for a reply while one number floods the Twilio hook (p99, as a
ratio of the same wait without a flood, measured in the same run).

    .venv/bin/python bench/flood.py [--people 10] [--rounds 3] [--flooders 4] [--big 490000]
                                    [--database-url postgresql+psycopg://...] [--flood-cpu 1]

Homeward runs as `homeward serve` runs it (Waitress, 8 threads), in a child process on a
loopback port, with the Twilio channel on. Every request is signed as Twilio signs it (the
twilio package's RequestValidator) and goes over HTTP. People write one message at a time,
each waiting for the reply, and are timed; meanwhile `--flooders` connections post as fast as
they can from one number (a new number each round). Each line prints the people's p50 and
p99 reply times, the p99 as a ratio of the baseline's, and how many flood messages went in.
The last case runs against a second server whose limits are too high to apply: the flood as
it was before rate limits. Rounds of every case take turns, so that whatever else the
machine does weighs on every case alike. The flood runs in a process of its own; with
`--flood-cpu`, on that CPU alone while the rest runs on the others, as if it came from
another machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path

import requests
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.storage import database
from bot.storage.crypto import Keyring

ACCOUNT_SID = "AC" + "3f" * 16
AUTH_TOKEN = "5e2b" * 8
HOOK = "/hooks/twilio"
SCRIPT = ["hi", "2", "Mexico", "no", "2011", "9", "22", "California", "skip", "back"]
LIMITS = "20/minute; 200/hour"  # the default
NO_LIMITS = "1000000/second"  # never reached: the hook as it was before rate limits


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    flood_body: int | None  # bytes in each flood message; None: no flood
    flood_rate: float | None = None  # flood messages a second; None: as fast as they go
    limits: bool = True


@dataclass(frozen=True, slots=True)
class Result:
    waits: list[float]
    flood_sent: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Throwaway keys for the benchmark's throwaway databases: production asks for keys.
KEYS = Keyring.generate()


@contextmanager
def serving(database_url: str, rate_limit: str, log: Path) -> Iterator[str]:
    """`homeward serve` in a child process; yields its base URL (also its public URL)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "HOMEWARD_ENV": "production",
        "HOMEWARD_DATABASE_URL": database_url,
        "HOMEWARD_START_FLOW": "placeholder",
        "HOMEWARD_RUN_WORKER": "false",
        "HOMEWARD_PUBLIC_URL": base,
        "HOMEWARD_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "HOMEWARD_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "HOMEWARD_TWILIO_FROM": "+15005550006",
        "HOMEWARD_RATE_LIMIT": rate_limit,
        "HOMEWARD_SECRET_KEYS": ",".join(KEYS.secret_keys),
        "HOMEWARD_HASH_KEY": KEYS.hash_key,
    }
    command = [sys.executable, "-c", "from bot.cli import main; main()", "serve"]
    # Its log goes to a file: a pipe nobody reads would fill and stop the server.
    with log.open("w") as output:
        child = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # Any answer means it serves: /healthz is 503 here, with no worker running.
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                pass
            if child.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"homeward serve did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield base
    except BaseException:
        print(f"homeward serve ({rate_limit}) logged, last:", file=sys.stderr)
        print("\n".join(log.read_text().splitlines()[-30:]), file=sys.stderr)
        raise
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)


class Sender:
    """One number writing to the hook over a kept-alive connection, each message signed."""

    def __init__(self, base: str, number: str) -> None:
        self.url = base + HOOK
        self.number = number
        self.http = requests.Session()
        self.validator = RequestValidator(AUTH_TOKEN)

    def send(self, text: str, accept: tuple[int, ...] = (200,)) -> None:
        sid = "SM" + secrets.token_hex(16)
        form = {
            "AccountSid": ACCOUNT_SID,
            "Body": text,
            "From": self.number,
            "MessageSid": sid,
            "NumMedia": "0",
            "SmsMessageSid": sid,
            "To": "+15005550006",
        }
        signature = self.validator.compute_signature(self.url, form)
        answer = self.http.post(
            self.url, data=form, headers={"X-Twilio-Signature": signature}, timeout=120
        )
        if answer.status_code not in accept:
            raise SystemExit(f"the hook answered {answer.status_code}: {answer.text[:200]}")


def flood(
    base: str, number: str, body: int, every: float, stop: Event, sent: Synchronized[int]
) -> None:
    """Post from `number` until `stop`, one message each `every` seconds (0: no pause)."""
    sender = Sender(base, number)
    text = "x" * body
    due = time.perf_counter()
    while not stop.is_set():
        sender.send(text, accept=(200, 413))  # 413: over the hook's body cap, refused unread
        with sent.get_lock():
            sent.value += 1
        due += every
        time.sleep(max(0.0, due - time.perf_counter()))


def flooding(
    base: str,
    number: str,
    body: int,
    every: float,
    connections: int,
    stop: Event,
    sent: Synchronized[int],
    flood_cpu: int | None,
) -> None:
    """The flooder's process: `connections` threads flooding from `number` until `stop`."""
    if flood_cpu is not None:
        os.sched_setaffinity(0, {flood_cpu})
    threads = [
        threading.Thread(target=flood, args=(base, number, body, every, stop, sent))
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run(
    base: str,
    case: Case,
    people: int,
    flooders: int,
    tag: str,
    flooder: str,
    flood_cpu: int | None = None,
) -> Result:
    """Time `people` new people (numbers +1555<tag>NNNN) while `case`'s flood runs, if any.

    The flood comes from a process of its own, as it would from another machine: in this one
    its threads would hold the interpreter lock the timed people's client needs.
    """
    spawn = multiprocessing.get_context("spawn")
    stop = spawn.Event()
    sent = spawn.Value("l", 0)
    every = flooders / case.flood_rate if case.flood_rate else 0.0
    flooder_process = None
    if case.flood_body is not None:
        flooder_process = spawn.Process(
            target=flooding,
            args=(base, flooder, case.flood_body, every, flooders, stop, sent, flood_cpu),
            daemon=True,
        )
        flooder_process.start()
        while sent.value < flooders:  # the flood is under way before anyone is timed
            if not flooder_process.is_alive():
                raise SystemExit("the flood stopped (its error is above)")
            time.sleep(0.01)
    waits: list[float] = []
    try:
        for n in range(people):
            person = Sender(base, f"+1555{tag}{n:04d}")
            for text in SCRIPT:
                began = time.perf_counter()
                person.send(text)
                waits.append(time.perf_counter() - began)
    finally:
        stop.set()
        if flooder_process is not None:
            flooder_process.join(timeout=150)
    return Result(waits, int(sent.value))


def p99(waits: list[float]) -> float:
    return statistics.quantiles(waits, n=100, method="inclusive")[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10, help="people timed per case and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every case, interleaved")
    parser.add_argument("--flooders", type=int, default=4, help="connections flooding at once")
    parser.add_argument("--rate", type=float, default=100, help="flood messages a second")
    parser.add_argument("--big", type=int, default=490_000, help="bytes of a big flood message")
    parser.add_argument("--database-url", help="an empty database to use instead of SQLite")
    parser.add_argument(
        "--flood-cpu",
        type=int,
        help="run the flood's client on this CPU alone, and everything else on the others, "
        "as if the flood came from another machine",
    )
    options = parser.parse_args()
    if options.flood_cpu is not None:
        others = os.sched_getaffinity(0) - {options.flood_cpu}
        if not others:
            parser.error("--flood-cpu needs a machine with another CPU for the rest")
        os.sched_setaffinity(0, others)  # the servers started below inherit it
    rate = options.rate
    cases = [
        Case("no flood (baseline)", None),
        Case(f"flood of {rate:g}/s, limits on", 20, rate),
        Case("flood at full speed, limits on", 20),
        Case(f"flood of {rate:g}/s, {options.big // 1000} kB each, limits on", options.big, rate),
        Case(f"flood of {rate:g}/s, no limits (before)", 20, rate, limits=False),
    ]
    waits: dict[Case, list[float]] = {case: [] for case in cases}
    sent = dict.fromkeys(cases, 0)
    with tempfile.TemporaryDirectory() as folder, ExitStack() as servers:
        bases = {}
        for limits in (True, False):
            url = options.database_url or f"sqlite:///{Path(folder) / f'bench-{limits}.db'}"
            database.upgrade(url)
            rate_limit = LIMITS if limits else NO_LIMITS
            log = Path(folder) / f"serve-{limits}.log"
            bases[limits] = servers.enter_context(serving(url, rate_limit, log))
        # Round after round of every case, so that whatever else the machine does at a time
        # weighs on every case alike.
        for round_ in range(options.rounds):
            for index, case in enumerate(cases):
                tag = f"{index}{round_:02d}"
                flooder = f"+1555{index}999999"  # one number floods through every round
                base = bases[case.limits]
                began = time.perf_counter()
                result = run(
                    base, case, options.people, options.flooders, tag, flooder, options.flood_cpu
                )
                print(  # progress, on stderr: a full run takes minutes
                    f"round {round_ + 1}/{options.rounds}: {case.name} "
                    f"({time.perf_counter() - began:.1f} s)",
                    file=sys.stderr,
                    flush=True,
                )
                waits[case] += result.waits
                sent[case] += result.flood_sent
    backend = (options.database_url or "sqlite").split(":")[0].split("+")[0]
    print(
        f"{options.people * options.rounds} people x {len(SCRIPT)} messages, one at a time; "
        f"flood: {options.flooders} connections from one number; {backend}"
    )
    print(f"{'case':42} {'p50 ms':>8} {'p99 ms':>8} {'p99':>7} {'flood sent':>11}")
    baseline = p99(waits[cases[0]])
    for case in cases:
        late = p99(waits[case])
        print(
            f"{case.name:42} {statistics.median(waits[case]) * 1000:8.1f} "
            f"{late * 1000:8.1f} {late / baseline:6.1f}x {sent[case]:11d}"
        )


if __name__ == "__main__":
    main()

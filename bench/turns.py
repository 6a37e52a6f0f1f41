"""How much a stored conversation turn costs next to the pure engine step (ratios, same run).

    .venv/bin/python bench/turns.py [--people 200] [--database-url postgresql+psycopg://...]

The baseline is `Engine.step` alone on the demo flow; each other line runs the same
conversations through `Conversations.handle` (dedup row, contact lock, state load and save in
one transaction) and prints its turns per second and how many times slower than the baseline.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_services
from bot.core.engine import Engine
from bot.core.messages import Address, Inbound
from bot.core.state import State
from bot.flows.loader import load_flows
from bot.locales import load_translators
from bot.settings import Settings
from bot.storage import database
from bot.storage.crypto import Keyring

SCRIPT = ["hi", "2", "Mexico", "no", "2011", "9", "22", "California", "skip", "back"]


def conversations(people: int) -> list[list[Inbound]]:
    start = datetime(2026, 11, 23, tzinfo=UTC)
    return [
        [
            Inbound(Address("bench", f"p{n}"), text, start + timedelta(seconds=i), f"{n}-{i}")
            for i, text in enumerate(SCRIPT)
        ]
        for n in range(people)
    ]


def pure_engine(people: int) -> float:
    engine = Engine(load_flows(), "placeholder", load_translators())
    began = time.perf_counter()
    for messages in conversations(people):
        state = State()
        for inbound in messages:
            state = engine.step(state, inbound).state
    return time.perf_counter() - began


def stored(url: str) -> Callable[[int], float]:
    def run(people: int) -> float:
        database.upgrade(url)
        keys = Keyring.generate()
        settings = Settings(
            database_url=url,
            run_worker=False,
            start_flow="placeholder",
            secret_keys=keys.secret_keys,
            hash_key=keys.hash_key,
        )
        services = build_services(settings)
        try:
            began = time.perf_counter()
            for messages in conversations(people):
                for inbound in messages:
                    services.conversations.handle(inbound)
            return time.perf_counter() - began
        finally:
            services.database.dispose()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument(
        "--database-url",
        action="append",
        default=[],
        help="an empty database to measure too (PostgreSQL); repeatable",
    )
    options = parser.parse_args()
    turns = options.people * len(SCRIPT)
    with tempfile.TemporaryDirectory() as folder:
        cases: list[tuple[str, Callable[[int], float]]] = [
            ("engine only (baseline)", pure_engine),
            ("stored, SQLite", stored(f"sqlite:///{Path(folder) / 'bench.db'}")),
        ]
        cases += [(f"stored, {url.split(':')[0]}", stored(url)) for url in options.database_url]
        baseline = 0.0
        print(f"{turns} turns ({options.people} people x {len(SCRIPT)} messages)")
        for name, run in cases:
            seconds = run(options.people)
            baseline = baseline or seconds
            print(f"{name:28} {turns / seconds:10.0f} turns/s  {seconds / baseline:6.1f}x")


if __name__ == "__main__":
    main()

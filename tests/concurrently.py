"""Work started from several threads at one moment, and the endless flow it is tested on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from bot.settings import Settings

T = TypeVar("T")

# One question asked again after every answer: each message is one answer, in turn.
LOOP = """\
spec: 1
id: loop
nodes:
  note:
    ask: Tell me more.
    type: text
    next: note
"""


def loop_settings(settings: Settings, folder: Path) -> Settings:
    """`settings` with the endless flow (written to `folder`) as the start flow."""
    (folder / "loop.yaml").write_text(LOOP, encoding="utf-8")
    return replace(settings, flows_dir=folder, start_flow="loop")


def all_at_once(
    count: int, work: Callable[[int], T], timeout: float
) -> tuple[dict[int, T], list[BaseException]]:
    """Run `work(0)` ... `work(count - 1)` in threads released together; results and errors."""
    start = threading.Barrier(count)
    results: dict[int, T] = {}
    failures: list[BaseException] = []

    def run(number: int) -> None:
        start.wait()
        try:
            results[number] = work(number)
        except BaseException as error:  # reported to the caller: a thread must not swallow it
            failures.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results, failures

"""Every transcript in tests/transcripts, played through the memory channel over a database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import Services
from bot.channels.memory import MemoryChannel
from tests.conftest import Clock
from tests.transcript import play

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.txt"))


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path: Path, start_services: Callable[[], Services], clock: Clock) -> None:
    def person() -> MemoryChannel:
        return MemoryChannel(start_services().conversations.handle, "person-1", clock)

    play(path, person, clock.advance)


def test_there_are_transcripts() -> None:
    assert len(TRANSCRIPTS) >= 5

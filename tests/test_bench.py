"""The benchmarks keep running as the code changes (tiny sizes; the figures are not judged)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_turns_benchmark_prints_a_ratio_per_case(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "turns.py"), "--people", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "20 turns (2 people x 10 messages)"
    assert lines[1].startswith("engine only (baseline)") and lines[1].endswith(" 1.0x")
    assert lines[2].startswith("stored, SQLite") and lines[2].endswith("x")


@pytest.mark.parametrize(
    ("big", "pinned"),
    [
        pytest.param(20_000, False, id="big-under-the-cap"),
        # Over the hook's body cap the big messages are refused with 413, unread; the flood's
        # client then runs on a CPU of its own.
        pytest.param(200_000, True, id="big-over-the-cap-pinned"),
    ],
)
def test_flood_benchmark_prints_a_ratio_per_case(tmp_path: Path, big: int, pinned: bool) -> None:
    tiny = ["--people", "1", "--rounds", "1", "--flooders", "1", "--rate", "50", "--big", str(big)]
    if pinned:
        tiny += ["--flood-cpu", str(max(os.sched_getaffinity(0)))]
    result = subprocess.run(
        [sys.executable, str(BENCH / "flood.py"), *tiny],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "1 people x 10 messages, one at a time; flood: 1 connections from one number; sqlite"
    )
    assert lines[1].split() == ["case", "p50", "ms", "p99", "ms", "p99", "flood", "sent"]
    assert [line[:42].rstrip() for line in lines[2:]] == [
        "no flood (baseline)",
        "flood of 50/s, limits on",
        "flood at full speed, limits on",
        f"flood of 50/s, {big // 1000} kB each, limits on",
        "flood of 50/s, no limits (before)",
    ]
    assert lines[2].split()[-2:] == ["1.0x", "0"]
    for line in lines[3:]:
        ratio, sent = line.split()[-2:]
        assert ratio.endswith("x") and int(sent) > 0

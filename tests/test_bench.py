"""The benchmarks keep running as the code changes (tiny sizes; the figures are not judged)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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

"""The complete example in docs/flows.md is a valid flow that runs as documented."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from bot.core.engine import Engine
from bot.core.i18n import Translators
from bot.core.messages import Address, Inbound
from bot.core.state import State
from bot.flows.loader import read_flow

DOC = Path(__file__).resolve().parents[2] / "docs" / "flows.md"


def test_the_documented_example_loads_and_runs(tmp_path: Path) -> None:
    block = re.search(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None
    path = tmp_path / "example.yaml"
    path.write_text(block[1], encoding="utf-8")
    flow, issues = read_flow(path)
    assert issues == [] and flow is not None

    engine = Engine({"example": flow}, "example", Translators())
    state, replies = State(), []
    for text in ("hi", "me", "yes", "12"):
        turn = engine.step(state, Inbound(Address("memory", "x"), text, datetime.now(UTC)))
        state, replies = turn.state, [r.text for r in turn.outbound]
    assert replies == [
        "Thank you for your service.",
        "Thank you. You said you were 12 when you arrived.",
    ]
    assert flow.tags_for(state.answers) == {"answered-by-self", "veteran", "arrived-as-child"}

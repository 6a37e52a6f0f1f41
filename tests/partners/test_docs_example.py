"""The override example in docs/directory.md loads and does what the page says."""

from __future__ import annotations

import re
from pathlib import Path

from bot.partners import load_directory

DOC = Path(__file__).resolve().parents[2] / "docs" / "directory.md"


def test_the_documented_override_loads(tmp_path: Path) -> None:
    block = re.search(r"```yaml\n(partners:.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None
    path = tmp_path / "partners.yaml"
    path.write_text(block[1], encoding="utf-8")
    directory = load_directory(override=path)

    assert [p.id for p in directory.receiving] == ["nijc", "example-clinic"]
    assert directory.general_intake == directory.get("nijc")
    florence = directory.get("florence-project")
    assert florence is not None and florence.languages == {"en", "es", "ht"}
    assert len(directory.partners) == 88

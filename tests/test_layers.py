"""bot.core stays pure: it imports nothing of Homeward outside the core, and no I/O library."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "bot" / "core"
FORBIDDEN_LIBRARIES = {
    "flask",
    "werkzeug",
    "sqlalchemy",
    "alembic",
    "twilio",
    "telegram",
    "requests",
    "httpx",
    "smtplib",
    "socket",
    "subprocess",
    "threading",
    "yaml",
}


def outside_imports(source: str) -> list[str]:
    """The imports of `source` that the core may not have."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if (
                top == "bot" and not (name == "bot.core" or name.startswith("bot.core."))
            ) or top in FORBIDDEN_LIBRARIES:
                found.append(name)
    return found


def test_the_checker_notices_a_forbidden_import() -> None:
    source = "import json\nfrom bot.storage import contacts\nimport sqlalchemy.orm\n"
    assert outside_imports(source) == ["bot.storage", "sqlalchemy.orm"]


def test_the_core_imports_only_the_core_and_pure_libraries() -> None:
    offenders = {
        str(path.relative_to(CORE)): found
        for path in sorted(CORE.glob("*.py"))
        if (found := outside_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}

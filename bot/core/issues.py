"""Problems found in a data file (a flow, the partner directory), each with its file and line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.errors import HomewardError


@dataclass(frozen=True, slots=True)
class FileIssue:
    """One problem: where it is, a stable code for tests and tools, and a sentence for people."""

    source: str
    line: int
    code: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.severity}: {self.message} [{self.code}]"


class FlowError(HomewardError):
    """A flow could not be loaded; `issues` holds every problem found, not just the first."""

    def __init__(self, issues: tuple[FileIssue, ...]) -> None:
        self.issues = issues
        lines = "\n".join(str(issue) for issue in issues)
        super().__init__(f"{len(issues)} problem(s) in flow files:\n{lines}")

"""Flow files (YAML) read into `bot.core.flow` values; every problem is reported with file:line."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import yaml

from bot.core.flow import SPEC_VERSION, Flow
from bot.core.flow_check import check_flow
from bot.core.issues import FileIssue, FlowError
from bot.flows.reader import FlowReader
from bot.flows.yamldoc import LineDict, parse

FLOWS_DIR = Path(__file__).resolve().parent
MAX_FILE_BYTES = 1_000_000  # read before parsing: a flow is text for people, never this big

# Migrations from an older spec version to the next one: {old_version: upgrade(document)}.
# Add an entry when SPEC_VERSION goes up, so files written for the old format keep loading.
Migration = Callable[[LineDict], LineDict]
MIGRATIONS: Mapping[int, Migration] = {}


def read_flow(
    path: Path, migrations: Mapping[int, Migration] = MIGRATIONS
) -> tuple[Flow | None, list[FileIssue]]:
    """Read one flow file; returns the flow (None when unreadable) and every issue found."""
    source = str(path)
    reader = FlowReader(source)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            reader.issue(1, f"the file is larger than {MAX_FILE_BYTES} bytes")
            return None, reader.issues
        doc = parse(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        what = error.problem or "unreadable"
        if error.context and error.context_mark:
            what = f"{error.context} (line {error.context_mark.line + 1}): {what}"
        reader.issue(line, f"not valid YAML: {what}", "yaml")
        return None, reader.issues
    except (OSError, UnicodeDecodeError) as error:
        reader.issue(1, f"cannot read the file ({type(error).__name__})", "yaml")
        return None, reader.issues
    if not isinstance(doc, LineDict):
        reader.issue(1, "a flow file is a mapping with spec, id, start and nodes")
        return None, reader.issues
    doc = _migrate(doc, reader, migrations)
    if doc is None:
        return None, reader.issues
    flow = reader.flow(doc, path.stem)
    if flow is None:
        return None, reader.issues
    if flow.id != path.stem:
        reader.issue(
            doc.lines.get("id", 1), f"flow id '{flow.id}' must match the file name '{path.stem}'"
        )
    return flow, reader.issues + check_flow(flow)


def _migrate(
    doc: LineDict, reader: FlowReader, migrations: Mapping[int, Migration]
) -> LineDict | None:
    version = doc.get("spec")
    line = doc.lines.get("spec", doc.line)
    if isinstance(version, bool) or not isinstance(version, int):
        reader.issue(
            line,
            f"'spec' must be the format version, a whole number (now {SPEC_VERSION})",
            "spec-version",
        )
        return None
    if version > SPEC_VERSION:
        reader.issue(
            line, f"spec {version} is newer than this Homeward ({SPEC_VERSION})", "spec-version"
        )
        return None
    while version < SPEC_VERSION:
        upgrade = migrations.get(version)
        if upgrade is None:
            reader.issue(line, f"no migration from spec {version}", "spec-version")
            return None
        doc = upgrade(doc)
        version += 1
    return doc


def flow_files(directory: Path = FLOWS_DIR) -> list[Path]:
    """The flow files of a directory, in name order."""
    return sorted(directory.glob("*.yaml"))


def check_files(paths: Iterable[Path]) -> tuple[dict[str, Flow], list[FileIssue]]:
    """Read several files; returns the flows that loaded and all issues (errors and warnings)."""
    flows: dict[str, Flow] = {}
    issues: list[FileIssue] = []
    for path in paths:
        flow, found = read_flow(path)
        issues += found
        if flow is not None and not any(i.severity == "error" for i in found):
            flows[flow.id] = flow
    return flows, issues


def load_flows(directory: Path = FLOWS_DIR) -> dict[str, Flow]:
    """Every flow of `directory`; raises FlowError listing all errors if any file is invalid."""
    flows, issues = check_files(flow_files(directory))
    errors = tuple(i for i in issues if i.severity == "error")
    if errors:
        raise FlowError(errors)
    return flows

"""A Babel extractor for flow YAML: node texts, choice labels and hints with their contexts."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import yaml

from bot.core.flow import Flow, Node
from bot.core.issues import FileIssue, FlowError
from bot.flows.reader import FlowReader
from bot.flows.yamldoc import LineDict, LineList, parse

# What Babel expects back: (line, keyword, (context, msgid), translator comments).
Extracted = tuple[int, str, tuple[str, str], list[str]]


def extract_flow_yaml(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Babel extraction method `flowyaml` (registered as a `babel.extractors` entry point).

    Yields every text a person can see in one flow file, keyed by the gettext context the
    engine looks it up with (`Flow.context`). An invalid flow stops extraction with the
    same file:line problems `homeward flows check` prints, rather than a partial template.
    """
    name = str(getattr(fileobj, "name", "<flow>"))
    try:
        doc = parse(fileobj.read().decode("utf-8"))
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        raise FlowError((FileIssue(name, line, "yaml", "not valid YAML"),)) from error
    if not isinstance(doc, LineDict):
        raise FlowError((FileIssue(name, 1, "schema", "a flow file is a mapping"),))
    reader = FlowReader(name)
    flow = reader.flow(doc, Path(name).stem)
    errors = tuple(issue for issue in reader.issues if issue.severity == "error")
    if flow is None or errors:
        raise FlowError(errors)
    nodes = doc["nodes"]
    for node_id, node in flow.nodes.items():
        yield from _node_messages(flow, node, nodes[node_id])


def _node_messages(flow: Flow, node: Node, body: LineDict) -> Iterator[Extracted]:
    yield from _main_messages(flow, node, body)
    if node.self_text:
        key = "say_self" if node.question is None else "ask_self"
        comment = (
            f"Node '{node.id}': the same text said to the deported person themselves "
            "(they are writing for themselves)."
        )
        yield body.lines[key], "pgettext", (flow.self_context(node.id), node.self_text), [comment]


def _main_messages(flow: Flow, node: Node, body: LineDict) -> Iterator[Extracted]:
    if node.question is None:
        if node.text:
            comment = f"Node '{node.id}': a message (say)."
            yield body.lines["say"], "pgettext", (flow.context(node.id), node.text), [comment]
        return
    kind = node.question.type
    where = f"Node '{node.id}' ({kind} question)"
    if node.text:
        yield (
            body.lines["ask"],
            "pgettext",
            (flow.context(node.id), node.text),
            [f"{where}: the question."],
        )
    if kind == "choice":
        # yes_no options are the engine's own Yes/No texts; only written choices are here.
        items = body["choices"]
        assert isinstance(items, LineList)
        for option, item in zip(node.question.options, items, strict=True):
            if option.label:
                yield (
                    item.lines.get("label", option.line),
                    "pgettext",
                    (flow.context(node.id, option.id), option.label),
                    [f"{where}: the label of choice '{option.id}' (a button; keep it short)."],
                )
    if node.question.hint:
        yield (
            body.lines["hint"],
            "pgettext",
            (flow.context(node.id, "hint"), node.question.hint),
            [f"{where}: a hint shown with the question."],
        )

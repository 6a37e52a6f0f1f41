"""Pictures of a flow: Mermaid text always, Graphviz DOT, and SVG where Graphviz is installed."""

from __future__ import annotations

import shutil
import subprocess

from bot.core.conditions import (
    AllOf,
    AnswerBetween,
    AnswerIs,
    AnyOf,
    Condition,
    HasTag,
    Not,
    Skipped,
)
from bot.core.flow import Flow, Node


def describe(condition: Condition) -> str:
    """A condition in a few words, for an edge label."""
    match condition:
        case AnswerIs(question=q, values=values):
            return f"{q} is {' or '.join(sorted(values))}"
        case AnswerBetween(question=q, at_least=low, below=high):
            parts = ([f"≥ {low}"] if low is not None else []) + (
                [f"< {high}"] if high is not None else []
            )
            return f"{q} {' and '.join(parts)}"
        case Skipped(question=q):
            return f"{q} skipped"
        case HasTag(tag=tag):
            return f"tag {tag}"
        case AllOf(conditions=parts):
            return " and ".join(describe(p) for p in parts)
        case AnyOf(conditions=parts):
            return " or ".join(describe(p) for p in parts) or "never"
        case Not(condition=inner):
            return f"not ({describe(inner)})"
    return "?"


def _label(node: Node) -> str:
    if node.question is not None:
        return f"{node.id}\\n[{node.question.type}]"
    if node.action is not None:
        return f"{node.id}\\n[do {node.action.name}]"
    return f"{node.id}\\n[say]"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("\\n", "<br>")


def to_mermaid(flow: Flow) -> str:
    """The flow as a Mermaid flowchart (GitHub and many editors render it).

    Node ids get an `n_` prefix: `end` and `start` are valid flow ids but words Mermaid keeps.
    """
    lines = ["flowchart TD", f'  flow_start(["{flow.id}"]) --> n_{flow.start}']
    for node in flow.nodes.values():
        label = _mermaid_text(_label(node))
        if node.question is not None:
            shape = f'{{"{label}"}}'
        elif node.action is not None:
            shape = f'[["{label}"]]'
        else:
            shape = f'["{label}"]'
        lines.append(f"  n_{node.id}{shape}")
    for node in flow.nodes.values():
        for route in node.routes:
            arrow = (
                "-->" if route.when is None else f'-- "{_mermaid_text(describe(route.when))}" -->'
            )
            lines.append(f"  n_{node.id} {arrow} n_{route.to}")
    return "\n".join(lines) + "\n"


def to_dot(flow: Flow) -> str:
    """The flow in Graphviz's DOT language."""
    lines = [f'digraph "{flow.id}" {{', "  rankdir=TB;", '  node [fontname="sans-serif"];']
    for node in flow.nodes.values():
        shape = "diamond" if node.question else "box3d" if node.action else "box"
        label = _label(node).replace('"', '\\"')
        lines.append(f'  "{node.id}" [shape={shape}, label="{label}"];')
    for node in flow.nodes.values():
        for route in node.routes:
            label = "" if route.when is None else describe(route.when).replace('"', '\\"')
            lines.append(f'  "{node.id}" -> "{route.to}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def graphviz_available() -> bool:
    """Whether the `dot` program is installed."""
    return shutil.which("dot") is not None


def to_svg(flow: Flow) -> str:
    """The flow drawn as SVG by Graphviz; raises FileNotFoundError when it is not installed."""
    dot = shutil.which("dot")
    if dot is None:
        raise FileNotFoundError("dot")
    result = subprocess.run(
        [dot, "-Tsvg"], input=to_dot(flow), capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout

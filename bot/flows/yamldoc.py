"""YAML read into plain dicts and lists that remember the line each value came from."""

from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict[str, Any]):
    """A mapping from a YAML file; `line` is where it starts, `lines[key]` where each key is."""

    line: int
    lines: dict[str, int]


class LineList(list[Any]):
    """A sequence from a YAML file; `line` is where it starts, `lines[i]` where each item is."""

    line: int
    lines: list[int]


class DuplicateKey(yaml.MarkedYAMLError):
    """A mapping names the same key twice (plain YAML would silently keep the last one)."""


class AliasUsed(yaml.MarkedYAMLError):
    """An alias (*name) repeats a part written elsewhere.

    Flows are read by people: each part is written where it is used. Refusing aliases also
    refuses the files that expand to gigabytes ("billion laughs") or refer to themselves.
    """


def parse(text: str) -> Any:
    """Parse one YAML document; mappings and sequences come back as LineDict and LineList.

    Raises `yaml.MarkedYAMLError` (with a line) for a syntax error or a duplicate key.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _convert(node, loader, set())
    finally:
        loader.dispose()


def _convert(node: yaml.Node, loader: yaml.SafeLoader, seen: set[int]) -> Any:
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        if id(node) in seen:
            problem = "this part (&anchor) is repeated with an alias (*name): not allowed"
            raise AliasUsed(None, None, problem, node.start_mark)
        seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if isinstance(key, bool):  # YAML 1.1 reads a bare yes/no key as a boolean
                key = "yes" if key else "no"
            key = key if isinstance(key, str) else str(key)
            if key in result:
                raise DuplicateKey(
                    None, None, f"the key '{key}' appears twice", key_node.start_mark
                )
            result[key] = _convert(value_node, loader, seen)
            result.lines[key] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        items = LineList(_convert(item, loader, seen) for item in node.value)
        items.line = node.start_mark.line + 1
        items.lines = [item.start_mark.line + 1 for item in node.value]
        return items
    return loader.construct_object(node)

"""The flow YAML extractor gives every text a person sees, with the engine's context and line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract

from bot.core.issues import FlowError
from bot.flows.loader import FLOWS_DIR, load_flows
from bot.flows.yamldoc import LineDict, parse
from bot.locales.extract import extract_flow_yaml

SCREENING = FLOWS_DIR / "screening.yaml"


def run_extractor(path: Path) -> list[tuple[int, str | None, str, list[str]]]:
    """Through Babel, by the entry point name `flowyaml`, as `pybabel extract` does."""
    with path.open("rb") as handle:
        return [
            (line, context, str(msgid), comments)
            for line, msgid, comments, context in extract("flowyaml", handle, DEFAULT_KEYWORDS)
        ]


def expected_texts(path: Path) -> set[tuple[int, str, str]]:
    """Every say/ask text, choice label and hint, read straight from the YAML."""
    doc = parse(path.read_text(encoding="utf-8"))
    assert isinstance(doc, LineDict)
    flow_id = doc["id"]
    found: set[tuple[int, str, str]] = set()
    for node_id, body in doc["nodes"].items():
        for kind in ("say", "ask"):
            if kind in body:
                found.add((body.lines[kind], f"{flow_id}.{node_id}", body[kind]))
            if f"{kind}_self" in body:  # the same text said to the deported person themselves
                own = f"{kind}_self"
                found.add((body.lines[own], f"{flow_id}.{node_id}@self", body[own]))
        for choice in body.get("choices", []):
            found.add(
                (choice.lines["label"], f"{flow_id}.{node_id}.{choice['id']}", choice["label"])
            )
        if "hint" in body:
            found.add((body.lines["hint"], f"{flow_id}.{node_id}.hint", body["hint"]))
    return found


def test_every_screening_text_label_and_hint_has_its_context_and_line() -> None:
    extracted = run_extractor(SCREENING)
    assert {(line, context, msgid) for line, context, msgid, _ in extracted} == expected_texts(
        SCREENING
    )
    assert len(extracted) == len(expected_texts(SCREENING))  # nothing twice


def test_contexts_are_the_ones_the_engine_looks_up() -> None:
    flow = load_flows()["screening"]
    contexts = {context for _, context, _, _ in run_extractor(SCREENING)}
    for node in flow.nodes.values():
        if node.text:
            assert flow.context(node.id) in contexts
        if node.question and node.question.type == "choice":
            assert {flow.context(node.id, o.id) for o in node.question.options} <= contexts


def test_translator_comments_name_the_node_and_question_type() -> None:
    by_context = {context: comments for _, context, _, comments in run_extractor(SCREENING)}
    assert by_context["screening.who"] == ["Node 'who' (choice question): the question."]
    assert "Node 'who' (choice question)" in by_context["screening.who.self"][0]
    assert "choice 'self'" in by_context["screening.who.self"][0]
    assert by_context["screening.welcome"] == ["Node 'welcome': a message (say)."]
    assert by_context["screening.consent"] == ["Node 'consent' (yes_no question): the question."]


def test_hints_are_extracted_and_yes_no_options_are_not(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(
        "spec: 1\n"
        "id: tiny\n"
        "start: age\n"
        "nodes:\n"
        "  age:\n"
        "    ask: How old are they?\n"
        "    type: number\n"
        '    hint: "A guess is fine."\n'
        "    next: agree\n"
        "  agree:\n"
        "    ask: Do you agree?\n"
        "    type: yes_no\n"
        "    next: bye\n"
        "  bye:\n"
        '    say: "Thank you, {name}."\n',
        encoding="utf-8",
    )
    extracted = [(line, context, msgid) for line, context, msgid, _ in run_extractor(path)]
    assert extracted == [
        (6, "tiny.age", "How old are they?"),
        (8, "tiny.age.hint", "A guess is fine."),
        (11, "tiny.agree", "Do you agree?"),
        (15, "tiny.bye", "Thank you, {name}."),
    ]
    assert run_extractor(path)[1][3] == [
        "Node 'age' (number question): a hint shown with the question."
    ]


def test_an_invalid_flow_stops_extraction_with_its_line() -> None:
    broken = io.BytesIO(b"spec: 1\nid: broken\nnodes:\n  a:\n    say: hi\n    ask: both?\n")
    with pytest.raises(FlowError, match=r":4: error: node 'a' needs exactly one"):
        list(extract_flow_yaml(broken, ["pgettext"], [], {}))
    with pytest.raises(FlowError, match="not valid YAML"):
        list(extract_flow_yaml(io.BytesIO(b"nodes: [unclosed\n"), ["pgettext"], [], {}))


def test_python_extractor_reads_text_constants_with_context() -> None:
    source = b'X = Text("engine.x", "Hello {name}.")\nY = Text(\n    "engine.y",\n    "Bye."\n)\n'
    found = list(extract("python", io.BytesIO(source), {"Text": ((1, "c"), 2)}))
    assert [(line, str(msgid), context) for line, msgid, _, context in found] == [
        (1, "Hello {name}.", "engine.x"),
        (3, "Bye.", "engine.y"),  # Babel gives the line of the first string
    ]

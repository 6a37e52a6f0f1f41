"""Checks on a whole flow: where `next` points, what can be reached, tags, actions, loops, text."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from bot.core.actions import ACTIONS, FACT_PLACEHOLDERS, REFERRAL_PLACEHOLDERS, ActionSpec
from bot.core.conditions import (
    AllOf,
    AnswerBetween,
    Answered,
    AnswerIs,
    AnswerSum,
    AnyOf,
    Condition,
    HasTag,
    Not,
    Skipped,
)
from bot.core.engine import node_message
from bot.core.flow import ENGINE_FLAGS, Flow, Node, Question
from bot.core.geo import normalize
from bot.core.i18n import SOURCE_LOCALE, Translator, placeholders
from bot.core.issues import FileIssue
from bot.core.keywords import KEYWORDS, LANGUAGE_EVERYWHERE
from bot.core.sms import segments, smart_fold
from bot.core.tags import TAGS

_Issue = Callable[[int, str, str], None]
# Every spelling of every global command, in every locale: none may pick a choice.
_COMMANDS = LANGUAGE_EVERYWHERE.union(
    *(spellings for table in KEYWORDS.values() for spellings in table.values())
)


def check_flow(
    flow: Flow,
    *,
    tags: Mapping[str, str] = TAGS,
    actions: Mapping[str, ActionSpec] = ACTIONS,
) -> list[FileIssue]:
    """Every problem of `flow` that its parts cannot see alone."""
    found: list[FileIssue] = []

    def issue(line: int, code: str, message: str) -> None:
        found.append(FileIssue(flow.source, line, code, message))

    def warn(line: int, code: str, message: str) -> None:
        found.append(FileIssue(flow.source, line, code, message, "warning"))

    if flow.start not in flow.nodes:
        issue(flow.start_line, "dangling-next", f"start points to '{flow.start}', not a node")
    for node in flow.nodes.values():
        if node.routes and node.routes[-1].when is not None:
            issue(
                node.routes[-1].line or node.line,
                "no-fallback",
                f"the routes of '{node.id}' need a last route without 'when', "
                "for when no condition holds",
            )
        if node.action is not None and node.action.name == "end" and node.routes:
            issue(
                node.line, "unreachable", f"'next' of '{node.id}' never runs: 'end' ends the flow"
            )
        for route in node.routes:
            if route.to not in flow.nodes:
                issue(
                    route.line or node.line,
                    "dangling-next",
                    f"node '{node.id}' goes to '{route.to}', which is not a node",
                )
            if route.when is not None:
                _check_reads(flow, route.when, route.line or node.line, tags, issue)
        _check_text(node, issue)
        _check_tags(node, tags, issue)
        _check_action(node, actions, issue)
        _check_action_reads(flow, node, issue)
        _check_placeholders(flow, node, issue)
        _check_keywords(node, issue)
        _check_sms(flow, node, warn)
    for rule in flow.tag_rules:
        if rule.tag not in tags:
            issue(rule.line, "unknown-tag", f"tag rule sets unknown tag '{rule.tag}'")
        _check_reads(flow, rule.when, rule.line, tags, issue)
    reachable = _reachable(flow)
    for node in flow.nodes.values():
        if node.id not in reachable:
            issue(node.line, "unreachable", f"node '{node.id}' can never be reached")
    for cycle_node in _loops_without_question(flow):
        issue(
            cycle_node.line,
            "loop-without-question",
            f"node '{cycle_node.id}' is on a loop with no question: the flow would never wait",
        )
    return found


def _check_text(node: Node, issue: _Issue) -> None:
    if node.kind != "do" and not node.text.strip():
        what = "question" if node.kind == "ask" else "message"
        issue(node.line, "missing-text", f"node '{node.id}' has no {what} text")
    if node.question is not None:
        for option in node.question.options:
            if not option.label.strip():
                issue(
                    option.line or node.line,
                    "missing-text",
                    f"choice '{option.id}' of node '{node.id}' has no label",
                )


def _check_tags(node: Node, tags: Mapping[str, str], issue: _Issue) -> None:
    if node.question is None:
        return
    for option in node.question.options:
        for tag in sorted(option.tags - tags.keys()):
            issue(
                option.line or node.line,
                "unknown-tag",
                f"choice '{option.id}' of node '{node.id}' sets unknown tag '{tag}'",
            )


def _check_action_reads(flow: Flow, node: Node, issue: _Issue) -> None:
    """Action arguments that name questions name questions of the right type."""
    if node.action is None:
        return
    wanted = {
        "from_answer": "choice",
        "lived_in": "us_state",
        "now_in": "country",
        "court_in": "us_state",
        "convicted_in": "us_state",
        "held_in": "us_state",
        "pick_from": "choice",
    }
    for argument, kind in wanted.items():
        if argument not in node.action.args:
            continue
        source = flow.nodes.get(node.action.args[argument])
        if source is None or source.question is None or source.question.type != kind:
            issue(
                node.line,
                "action-arguments",
                f"node '{node.id}': {argument} must name a {kind} question",
            )


def _check_action(node: Node, actions: Mapping[str, ActionSpec], issue: _Issue) -> None:
    if node.action is None:
        return
    spec = actions.get(node.action.name)
    if spec is None:
        known = ", ".join(sorted(actions))
        issue(
            node.line,
            "unknown-action",
            f"node '{node.id}' calls unknown action '{node.action.name}' (known: {known})",
        )
        return
    for problem in spec.problems(node.action.args):
        issue(node.line, "action-arguments", f"node '{node.id}': {problem}")


def _check_reads(
    flow: Flow, condition: Condition, line: int, tags: Mapping[str, str], issue: _Issue
) -> None:
    """A condition reads questions that exist, values they can have, and known tags."""
    match condition:
        case AllOf(conditions=parts) | AnyOf(conditions=parts):
            for part in parts:
                _check_reads(flow, part, line, tags, issue)
        case Not(condition=inner):
            _check_reads(flow, inner, line, tags, issue)
        case HasTag(tag=tag) if tag not in tags and tag not in ENGINE_FLAGS:
            issue(line, "unknown-tag", f"condition reads unknown tag '{tag}'")
        case AnswerSum(terms=terms):
            for _, question in terms:
                node = flow.nodes.get(question)
                if (
                    node is None
                    or node.question is None
                    or node.question.type
                    not in (
                        "number",
                        "year",
                    )
                ):
                    issue(
                        line,
                        "unknown-answer",
                        f"a sum reads '{question}', which is not a number or year question",
                    )
        case Answered(question=question):
            node = flow.nodes.get(question)
            if node is None or node.question is None:
                issue(
                    line,
                    "unknown-answer",
                    f"condition reads '{question}', which is not a question",
                )
        case AnswerIs() | AnswerBetween() | Skipped():
            node = flow.nodes.get(condition.question)
            if node is None or node.question is None:
                issue(
                    line,
                    "unknown-answer",
                    f"condition reads '{condition.question}', which is not a question",
                )
            else:
                problem = _value_problem(condition, node.question)
                if problem:
                    issue(line, "unknown-value", f"condition on '{node.id}': {problem}")


def _value_problem(condition: AnswerIs | AnswerBetween | Skipped, question: Question) -> str:
    """Why the condition can never hold for answers to `question` ("" when it can)."""
    match condition:
        case AnswerIs(values=values) if question.type in ("choice", "yes_no"):
            known = {option.id for option in question.options}
            unknown = sorted(values - known)
            if unknown:
                return (
                    f"{', '.join(unknown)} is not one of its answers ({', '.join(sorted(known))})"
                )
        case AnswerIs(values=values) if question.type in ("number", "year"):
            if not all(v.lstrip("-").isdecimal() for v in values):
                return "a number question's answer is compared with something not a number"
        case AnswerBetween() if question.type not in ("number", "year"):
            return "at_least and below only apply to number and year questions"
        case Skipped() if not question.optional:
            return "it is not optional, so it is never skipped"
    return ""


def _check_placeholders(flow: Flow, node: Node, issue: _Issue) -> None:
    shown = placeholders(node.text) | placeholders(node.self_text)
    for name in sorted(shown - REFERRAL_PLACEHOLDERS - FACT_PLACEHOLDERS):
        target = flow.nodes.get(name)
        if target is None or target.question is None:
            issue(
                node.line,
                "unknown-placeholder",
                f"node '{node.id}' shows {{{name}}}, which is not a question",
            )


def sms_text(flow: Flow, node: Node, *, to_self: bool = False) -> str:
    """A node's message as an SMS shows it (English source; choices as numbered lines)."""
    return node_message(flow, node, Translator(SOURCE_LOCALE), to_self=to_self).as_plain_text()


def _check_sms(flow: Flow, node: Node, warn: _Issue) -> None:
    """SMS costs per segment: warn on a message over budget, or pushed into UCS-2 by a stray
    character (a curly quote or a dash turns a 160-character message into a 70-character one).
    """
    if node.kind == "do":
        return
    if node.self_text:
        _check_sms_text(flow, node, sms_text(flow, node, to_self=True), warn)
    _check_sms_text(flow, node, sms_text(flow, node), warn)


def _check_sms_text(flow: Flow, node: Node, text: str, warn: _Issue) -> None:
    cost = segments(text)
    if cost.count > flow.sms_budget:
        warn(
            node.line,
            "sms-budget",
            f"'{node.id}' costs {cost.count} SMS segments "
            f"({cost.units} {cost.encoding} units); the budget is {flow.sms_budget}",
        )
    if cost.ucs2_characters:
        shown = " ".join(f"{c} (U+{ord(c):04X})" for c in cost.ucs2_characters)
        foldable = any(smart_fold(c) != c for c in cost.ucs2_characters)
        advice = "; plain quotes, dashes and dots keep it GSM-7" if foldable else ""
        warn(
            node.line,
            "sms-ucs2",
            f"'{node.id}' is UCS-2 (70 characters a segment, not 160) because of {shown}{advice}",
        )


def _check_keywords(node: Node, issue: _Issue) -> None:
    """Each word that picks a choice must pick only it, and must not be a global command.

    A command wins over an answer: a choice labelled "Stop" would opt the person out.
    """
    if node.question is None or node.question.type != "choice":
        return
    owner: dict[str, str] = {}
    for option in node.question.options:
        spoken = [option.label, option.id]
        spoken += [w for spellings in option.keywords.values() for w in sorted(spellings)]
        for word in dict.fromkeys(normalize(w) for w in spoken if normalize(w)):
            where = option.line or node.line
            if word in _COMMANDS:
                issue(
                    where,
                    "keyword-clash",
                    f"'{word}' (choice '{option.id}' of "
                    f"'{node.id}') is a global command and would never be taken as an answer",
                )
            elif owner.setdefault(word, option.id) != option.id:
                issue(
                    where,
                    "keyword-clash",
                    f"'{word}' picks both '{owner[word]}' and '{option.id}' in '{node.id}'",
                )


def _targets(node: Node) -> Iterator[str]:
    if node.action is not None and node.action.name == "end":
        return  # nothing after `end` runs
    yield from (route.to for route in node.routes)


def _reachable(flow: Flow) -> set[str]:
    seen: set[str] = set()
    todo = [flow.start]
    while todo:
        node_id = todo.pop()
        if node_id in seen or node_id not in flow.nodes:
            continue
        seen.add(node_id)
        todo.extend(_targets(flow.nodes[node_id]))
    return seen


def _loops_without_question(flow: Flow) -> list[Node]:
    """Nodes on a cycle made only of say and do nodes (the engine would spin on them)."""
    silent = {nid: n for nid, n in flow.nodes.items() if n.question is None}
    on_cycle: list[Node] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node_id: str, path: list[str]) -> None:
        state[node_id] = 1
        path.append(node_id)
        for target in _targets(silent[node_id]):
            if target not in silent:
                continue
            if state.get(target) == 1:
                for member in path[path.index(target) :]:
                    if silent[member] not in on_cycle:
                        on_cycle.append(silent[member])
            elif target not in state:
                visit(target, path)
        path.pop()
        state[node_id] = 2

    for node_id in silent:
        if node_id not in state:
            visit(node_id, [])
    return on_cycle

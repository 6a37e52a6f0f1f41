"""A flow as immutable values: nodes that say, ask or do, routes, options and tag rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from bot.core.conditions import Condition
from bot.core.state import Answer

QuestionType = Literal["choice", "yes_no", "text", "number", "year", "country", "us_state"]
QUESTION_TYPES: tuple[QuestionType, ...] = (
    "choice",
    "yes_no",
    "text",
    "number",
    "year",
    "country",
    "us_state",
)
SPEC_VERSION = 1
# Facts of the conversation a route may read like tags: a partner was matched; a referral
# was made. Never set by answers, and never in bot/core/tags.py.
ENGINE_FLAGS = frozenset({"partner-found", "referral-made"})
DEFAULT_EXPIRY = timedelta(days=3)
DEFAULT_TEXT_LENGTH = 500
DEFAULT_SMS_BUDGET = 2  # segments one message may cost before `flows check` warns


@dataclass(frozen=True, slots=True)
class Option:
    """One answer of a choice (or yes/no) question.

    `keywords` maps a locale to extra words that pick this option ("sí", "veteran").
    """

    id: str
    label: str
    keywords: Mapping[str, frozenset[str]] = field(default_factory=dict)
    tags: frozenset[str] = frozenset()
    line: int = 0


@dataclass(frozen=True, slots=True)
class Question:
    """What kind of answer a node waits for, and its limits.

    For a year, `maximum=None` means "the current year" (the engine knows the date).
    """

    type: QuestionType
    options: tuple[Option, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = DEFAULT_TEXT_LENGTH
    optional: bool = False
    hint: str = ""
    not_sure: bool = False  # a yes/no question that also offers "Not sure"

    def option(self, option_id: Answer) -> Option | None:
        """The option with this id, if any."""
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True, slots=True)
class ActionCall:
    """A registered action with its arguments, as written in the flow."""

    name: str
    args: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Route:
    """Go to node `to` when `when` holds (always, when it is None)."""

    to: str
    when: Condition | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class TagRule:
    """Set `tag` whenever `when` holds on the answers so far."""

    tag: str
    when: Condition
    line: int = 0


@dataclass(frozen=True, slots=True)
class Node:
    """One step of a flow: it says `text`, asks `question`, or does `action`; then routes.

    A node with no routes ends the flow.
    """

    id: str
    text: str = ""
    question: Question | None = None
    action: ActionCall | None = None
    routes: tuple[Route, ...] = ()
    line: int = 0
    self_text: str = ""  # the text said to the deported person themselves, when the flow knows

    @property
    def kind(self) -> Literal["ask", "say", "do"]:
        """Which of the three things the node does."""
        if self.question is not None:
            return "ask"
        if self.action is not None:
            return "do"
        return "say"


@dataclass(frozen=True, slots=True)
class Flow:
    """A validated flow. `source` is the file it came from, for error messages."""

    id: str
    start: str
    nodes: Mapping[str, Node]
    title: str = ""
    spec: int = SPEC_VERSION
    expire_after: timedelta = DEFAULT_EXPIRY
    tag_rules: tuple[TagRule, ...] = ()
    source: str = "<memory>"
    start_line: int = 0
    sms_budget: int = DEFAULT_SMS_BUDGET
    to_self: Condition | None = None  # when it holds, nodes use their `self_text`

    def context(self, node_id: str, part: str | None = None) -> str:
        """The gettext context of a node's text, or of one of its parts (an option, a hint)."""
        return f"{self.id}.{node_id}" + (f".{part}" if part else "")

    def self_context(self, node_id: str) -> str:
        """The gettext context of a node's text as said to the deported person themselves."""
        return f"{self.id}.{node_id}@self"

    def speaks_to_self(self, answers: Mapping[str, Answer]) -> bool:
        """Whether the person writing is the deported person (the flow's `to_self` holds)."""
        return self.to_self is not None and self.to_self.holds(answers, self.tags_for(answers))

    def tags_for(self, answers: Mapping[str, Answer]) -> frozenset[str]:
        """The routing tags the answers set: option tags, then tag rules until nothing changes."""
        tags: set[str] = set()
        for node_id, value in answers.items():
            node = self.nodes.get(node_id)
            option = node.question.option(value) if node and node.question else None
            if option is not None:
                tags |= option.tags
        changed = True
        while changed:
            changed = False
            for rule in self.tag_rules:
                if rule.tag not in tags and rule.when.holds(answers, frozenset(tags)):
                    tags.add(rule.tag)
                    changed = True
        return frozenset(tags)

    def on_path(
        self, answers: Mapping[str, Answer], flags: frozenset[str] = frozenset()
    ) -> dict[str, Answer]:
        """The answers to the questions the person's path goes through, following the routes
        from the start with these answers (and `flags`) until a question is unanswered.

        After "change something" an answer from a path no longer taken may still be in the
        state (notice, after how they were removed changed): it is left out here, so it is
        neither sent nor read as a tag.
        """
        kept: dict[str, Answer] = {}
        node_id: str | None = self.start
        for _ in range(len(self.nodes) + 1):
            node = self.nodes.get(node_id or "")
            if node is None:
                break
            if node.question is not None:
                if node.id not in answers or node.id in kept:
                    break
                kept[node.id] = answers[node.id]
            node_id = self.next_node(node, kept, flags)
        return kept

    def next_node(
        self, node: Node, answers: Mapping[str, Answer], flags: frozenset[str] = frozenset()
    ) -> str | None:
        """Where the flow goes after `node`, or None when it ends there.

        `flags` are what the engine knows beside the answers (ENGINE_FLAGS), read as tags.
        """
        tags = self.tags_for(answers) | flags
        for route in node.routes:
            if route.when is None or route.when.holds(answers, tags):
                return route.to
        return None

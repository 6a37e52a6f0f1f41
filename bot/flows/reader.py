"""One parsed flow document read into `bot.core.flow` values, collecting issues as it goes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.core.answers import NOT_SURE, yes_no_options
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
from bot.core.flow import (
    DEFAULT_EXPIRY,
    DEFAULT_SMS_BUDGET,
    DEFAULT_TEXT_LENGTH,
    QUESTION_TYPES,
    SPEC_VERSION,
    ActionCall,
    Flow,
    Node,
    Option,
    Question,
    QuestionType,
    Route,
    TagRule,
)
from bot.core.issues import FileIssue
from bot.flows.yamldoc import LineDict, LineList

_SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_DURATION = re.compile(r"^(\d+)\s*([mhd])$")

_TOP_KEYS = {
    "spec",
    "id",
    "title",
    "start",
    "expire_after",
    "sms_budget",
    "tag_rules",
    "to_self",
    "nodes",
}
# The keys each kind of node takes; a question also takes the keys of its type.
_KIND_KEYS = {
    "say": {"say", "say_self", "next"},
    "do": {"do", "with", "next"},
    "ask": {"ask", "ask_self", "type", "next", "optional", "hint"},
}
_TYPE_KEYS = {
    "choice": {"choices"},
    "yes_no": {"tags", "not_sure"},
    "text": {"max_length"},
    "number": {"min", "max"},
    "year": {"min", "max"},
    "country": set(),
    "us_state": set(),
}
_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Za-z]{2,4})?$")
MIN_EXPIRY, MAX_EXPIRY = timedelta(minutes=5), timedelta(days=365)
MAX_TEXT_LENGTH = 2000
_CHOICE_KEYS = {"id", "label", "keywords", "tags"}


class FlowReader:
    """Turns one parsed document into a Flow, collecting issues instead of stopping at one."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.issues: list[FileIssue] = []

    def issue(self, line: int, message: str, code: str = "schema") -> None:
        self.issues.append(FileIssue(self.source, line, code, message))

    def flow(self, doc: LineDict, default_id: str) -> Flow | None:
        self.unknown_keys(doc, _TOP_KEYS, "the flow")
        flow_id = self.slug(doc.get("id", default_id), doc.lines.get("id", doc.line), "flow id")
        nodes_doc = doc.get("nodes")
        if not isinstance(nodes_doc, LineDict) or not nodes_doc:
            self.issue(doc.lines.get("nodes", doc.line), "the flow needs 'nodes': a mapping")
            return None
        nodes = {}
        for node_id, body in nodes_doc.items():
            line = nodes_doc.lines[node_id]
            node = self.node(node_id, body, line)
            if node is not None:
                nodes[node_id] = node
        start = doc.get("start", next(iter(nodes_doc)))
        return Flow(
            id=flow_id,
            title=self.words(doc.get("title"), doc.lines.get("title", doc.line), "title"),
            spec=SPEC_VERSION,
            start=str(start),
            nodes=nodes,
            expire_after=self.duration(doc.get("expire_after"), doc.lines.get("expire_after", 0)),
            tag_rules=self.tag_rules(doc.get("tag_rules"), doc.lines.get("tag_rules", doc.line)),
            source=self.source,
            start_line=doc.lines.get("start", doc.line),
            sms_budget=self.budget(doc.get("sms_budget"), doc.lines.get("sms_budget", doc.line)),
            to_self=(
                self.condition(doc["to_self"], doc.lines["to_self"]) if "to_self" in doc else None
            ),
        )

    def unknown_keys(self, mapping: LineDict, allowed: set[str], where: str) -> None:
        for key in mapping:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.issue(mapping.lines[key], f"unknown key '{key}' in {where} (known: {known})")

    def words(self, value: Any, line: int, what: str) -> str:
        """Text written in the flow: a string (or a whole number); anything else is an issue.

        YAML turns unquoted On/No/1.10 into booleans and numbers; we ask for quotes rather
        than show a person "yes" where the author wrote "On".
        """
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, bool | float):
            self.issue(line, f"{what} reads as {value!r} in YAML: put the text in quotes")
        else:
            self.issue(line, f"{what} must be text, not a {type(value).__name__}")
        return ""

    def slug(self, value: Any, line: int, what: str) -> str:
        text = _text(value)
        if not _SLUG.match(text):
            self.issue(line, f"{what} '{text}' must be a slug: lowercase letters, digits, - or _")
        return text

    def budget(self, value: Any, line: int) -> int:
        if value is None:
            return DEFAULT_SMS_BUDGET
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
            self.issue(line, "sms_budget must be a whole number of SMS segments from 1 to 10")
            return DEFAULT_SMS_BUDGET
        return value

    def duration(self, value: Any, line: int) -> timedelta:
        if value is None:
            return DEFAULT_EXPIRY
        found = _DURATION.match(str(value).strip())
        if not found:
            self.issue(line, f"expire_after '{value}' must look like 30m, 18h or 3d")
            return DEFAULT_EXPIRY
        minutes = int(found[1]) * {"m": 1, "h": 60, "d": 1440}[found[2]]
        if not MIN_EXPIRY <= timedelta(minutes=min(minutes, 10**7)) <= MAX_EXPIRY:
            self.issue(line, "expire_after must be from 5m to 365d")
            return DEFAULT_EXPIRY
        return timedelta(minutes=minutes)

    def node(self, node_id: str, body: Any, line: int) -> Node | None:
        self.slug(node_id, line, "node id")
        if not isinstance(body, LineDict):
            self.issue(line, f"node '{node_id}' must be a mapping with say, ask or do")
            return None
        kinds = [k for k in ("say", "ask", "do") if k in body]
        if len(kinds) != 1:
            self.issue(line, f"node '{node_id}' needs exactly one of say, ask or do")
            return None
        kind = kinds[0]
        allowed = set(_KIND_KEYS[kind])
        if kind == "ask":
            allowed |= _TYPE_KEYS.get(_text(body.get("type")), set())
        self.unknown_keys(body, allowed, f"{kind} node '{node_id}'")
        routes = self.routes(body.get("next"), body.lines.get("next", line), node_id)
        if kind == "do":
            args = body.get("with") or {}
            with_line = body.lines.get("with", line)
            if not isinstance(args, dict):
                self.issue(with_line, f"'with' of node '{node_id}' must be a mapping")
                args = {}
            action = ActionCall(
                self.words(body["do"], body.lines["do"], "an action name"),
                {str(k): self.words(v, with_line, f"'{k}'") for k, v in args.items()},
            )
            return Node(node_id, action=action, routes=routes, line=line)
        text = self.words(body[kind], body.lines[kind], f"the text of node '{node_id}'")
        own = f"{kind}_self"
        self_text = self.words(body.get(own), body.lines.get(own, line), f"{own} of '{node_id}'")
        question = self.question(node_id, body, line) if kind == "ask" else None
        return Node(
            node_id, text=text, question=question, routes=routes, line=line, self_text=self_text
        )

    def question(self, node_id: str, body: LineDict, line: int) -> Question:
        written = _text(body.get("type", ""))
        kind: QuestionType = next((t for t in QUESTION_TYPES if t == written), "text")
        if written != kind:
            known = ", ".join(QUESTION_TYPES)
            self.issue(
                body.lines.get("type", line), f"question '{node_id}' needs a type, one of: {known}"
            )
        options: tuple[Option, ...] = ()
        if kind == "choice":
            options = self.choices(node_id, body.get("choices"), body.lines.get("choices", line))
        elif "choices" in body:
            self.issue(body.lines["choices"], f"only choice questions have choices ('{node_id}')")
        not_sure = body.get("not_sure", False) if kind == "yes_no" else False
        if not isinstance(not_sure, bool):
            self.issue(body.lines["not_sure"], f"'not_sure' must be true or false ('{node_id}')")
            not_sure = False
        if kind == "yes_no":
            options = self.yes_no(
                node_id, body.get("tags"), body.lines.get("tags", line), not_sure=not_sure
            )
        elif "tags" in body:
            self.issue(
                body.lines["tags"],
                f"'tags' on a question is for yes_no; put tags on each choice ('{node_id}')",
            )
        minimum = self.integer(body, "min", node_id)
        maximum = self.integer(body, "max", node_id)
        if kind == "number" and minimum is None:
            minimum = 0
        if minimum is not None and maximum is not None and minimum > maximum:
            self.issue(body.lines["min"], f"min is above max in question '{node_id}'")
        max_length = self.integer(body, "max_length", node_id)
        if max_length is None:
            max_length = DEFAULT_TEXT_LENGTH
        elif not 1 <= max_length <= MAX_TEXT_LENGTH:
            self.issue(body.lines["max_length"], f"max_length must be from 1 to {MAX_TEXT_LENGTH}")
            max_length = DEFAULT_TEXT_LENGTH
        optional = body.get("optional", False)
        if not isinstance(optional, bool):
            self.issue(body.lines["optional"], f"'optional' must be true or false ('{node_id}')")
            optional = False
        hint = self.words(body.get("hint"), body.lines.get("hint", line), "hint")
        return Question(kind, options, minimum, maximum, max_length, optional, hint, not_sure)

    def integer(self, body: LineDict, key: str, node_id: str) -> int | None:
        value = body.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.issue(body.lines[key], f"'{key}' of question '{node_id}' must be a whole number")
            return None
        return value

    def choices(self, node_id: str, items: Any, line: int) -> tuple[Option, ...]:
        if not isinstance(items, LineList) or not items:
            self.issue(line, f"choice question '{node_id}' needs a list of choices")
            return ()
        options: list[Option] = []
        for item, item_line in zip(items, items.lines, strict=True):
            if not isinstance(item, LineDict):
                self.issue(item_line, f"each choice of '{node_id}' needs an id and a label")
                continue
            self.unknown_keys(item, _CHOICE_KEYS, f"a choice of '{node_id}'")
            option_id = self.slug(item.get("id", ""), item_line, "choice id")
            if any(o.id == option_id for o in options):
                self.issue(item_line, f"choice id '{option_id}' appears twice in '{node_id}'")
            options.append(
                Option(
                    id=option_id,
                    label=self.words(
                        item.get("label"), item.lines.get("label", item_line), "label"
                    ),
                    keywords=self.keywords(
                        item.get("keywords"), item.lines.get("keywords", item_line)
                    ),
                    tags=self.tag_list(item.get("tags"), item.lines.get("tags", item_line)),
                    line=item_line,
                )
            )
        return tuple(options)

    def yes_no(
        self, node_id: str, tags: Any, line: int, *, not_sure: bool = False
    ) -> tuple[Option, ...]:
        if tags is None:
            tags = {}
        if not isinstance(tags, dict):
            self.issue(line, f"'tags' of yes_no question '{node_id}' maps yes/no to tag lists")
            tags = {}
        by_answer = {_text(k): v for k, v in tags.items()}
        answers = ("yes", "no", NOT_SURE) if not_sure else ("yes", "no")
        for key in by_answer.keys() - set(answers):
            self.issue(
                line, f"yes_no tags take only {', '.join(answers)}, not '{key}' ('{node_id}')"
            )
        return tuple(
            Option(
                option.id,
                option.label,
                tags=self.tag_list(by_answer.get(option.id), line),
                line=line,
            )
            for option in yes_no_options(not_sure=not_sure)
        )

    def keywords(self, value: Any, line: int) -> dict[str, frozenset[str]]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.issue(line, "keywords map a locale to a list of words, e.g. {es: [si]}")
            return {}
        found = {}
        for locale, spellings in value.items():
            if not isinstance(locale, str) or not _LOCALE.match(locale):
                self.issue(line, f"keywords: '{locale}' is not a locale code (en, es, pt_BR)")
                continue
            items = spellings if isinstance(spellings, list) else [spellings]
            found[locale] = frozenset(self.words(w, line, "a keyword") for w in items) - {""}
        return found

    def tag_list(self, value: Any, line: int) -> frozenset[str]:
        if value is None:
            return frozenset()
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            self.issue(line, "tags must be a list of tag names")
            return frozenset()
        return frozenset(value)

    def routes(self, value: Any, line: int, node_id: str) -> tuple[Route, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (Route(value, None, line),)
        if not isinstance(value, LineList):
            self.issue(line, f"'next' of '{node_id}' must be a node id or a list of routes")
            return ()
        routes: list[Route] = []
        for item, item_line in zip(value, value.lines, strict=True):
            if not isinstance(item, LineDict) or "goto" not in item:
                self.issue(
                    item_line, f"each route of '{node_id}' needs 'goto' (and may have 'when')"
                )
                continue
            self.unknown_keys(item, {"goto", "when"}, f"a route of '{node_id}'")
            when = self.condition(item["when"], item.lines["when"]) if "when" in item else None
            if routes and routes[-1].when is None:
                self.issue(
                    item_line,
                    f"a route of '{node_id}' follows one without 'when' and can never be taken",
                )
            routes.append(Route(_text(item["goto"]), when, item_line))
        return tuple(routes)

    def condition(self, value: Any, line: int) -> Condition:
        never = AnyOf(())
        if not isinstance(value, LineDict) or not value:
            self.issue(line, "a condition is a mapping such as {answer: q, is: x} or {tag: t}")
            return never
        line = value.line
        if "all" in value or "any" in value:
            key = "all" if "all" in value else "any"
            parts = value[key]
            if len(value) != 1 or not isinstance(parts, LineList):
                self.issue(line, f"'{key}' takes a list of conditions and nothing else")
                return never
            if not parts:
                self.issue(line, f"'{key}' needs at least one condition")
                return never
            inner = tuple(self.condition(p, pl) for p, pl in zip(parts, parts.lines, strict=True))
            return AllOf(inner) if key == "all" else AnyOf(inner)
        if "not" in value:
            if len(value) != 1:
                self.issue(line, "'not' takes one condition and nothing else")
                return never
            return Not(self.condition(value["not"], value.lines["not"]))
        if "tag" in value:
            if len(value) != 1:
                self.issue(line, "'tag' takes a tag name and nothing else")
            return HasTag(_text(value["tag"]))
        if "answered" in value:
            if len(value) != 1:
                self.issue(line, "'answered' takes a question id and nothing else")
            return Answered(_text(value["answered"]))
        if "sum" in value:
            return self.sum_condition(value, line)
        if "answer" in value:
            return self.answer_condition(value, line)
        self.issue(line, f"unknown condition with keys {', '.join(sorted(value))}")
        return never

    def sum_condition(self, value: LineDict, line: int) -> Condition:
        """`{sum: [a, b, -c, 2012], below: 19}`: answers added (or taken away) and numbers."""
        terms = value["sum"]
        rest = set(value) - {"sum"}
        if (
            not isinstance(terms, list)
            or not terms
            or not rest
            or not rest <= {"at_least", "below"}
        ):
            self.issue(line, "'sum' takes a list of questions and numbers, and at_least/below")
            return AnyOf(())
        parts: list[tuple[int, str]] = []
        constant = 0
        for term in terms:
            if isinstance(term, int) and not isinstance(term, bool):
                constant += term
                continue
            text = _text(term).strip()
            sign, name = (-1, text[1:].strip()) if text.startswith("-") else (1, text)
            parts.append((sign, name))
        bounds = [value.get("at_least"), value.get("below")]
        if not all(b is None or (isinstance(b, int) and not isinstance(b, bool)) for b in bounds):
            self.issue(line, "at_least and below take whole numbers")
        at_least, below = (b if isinstance(b, int) else None for b in bounds)
        return AnswerSum(tuple(parts), constant, at_least, below)

    def answer_condition(self, value: LineDict, line: int) -> Condition:
        question = _text(value["answer"])
        rest = set(value) - {"answer"}
        if rest == {"is"}:
            expected = value["is"]
            items = expected if isinstance(expected, list) else [expected]
            return AnswerIs(question, frozenset(_text(v) for v in items))
        if rest == {"skipped"} and value["skipped"] is True:
            return Skipped(question)
        if rest and rest <= {"at_least", "below"}:
            bounds = [value.get("at_least"), value.get("below")]
            if not all(
                b is None or (isinstance(b, int) and not isinstance(b, bool)) for b in bounds
            ):
                self.issue(line, "at_least and below take whole numbers")
            at_least, below = (b if isinstance(b, int) else None for b in bounds)
            return AnswerBetween(question, at_least, below)
        self.issue(line, "an answer condition takes 'is', 'skipped: true', or at_least/below")
        return AnyOf(())

    def tag_rules(self, value: Any, line: int) -> tuple[TagRule, ...]:
        if value is None:
            return ()
        if not isinstance(value, LineList):
            self.issue(line, "tag_rules must be a list of {tag, when}")
            return ()
        rules = []
        for item, item_line in zip(value, value.lines, strict=True):
            if not isinstance(item, LineDict) or set(item) != {"tag", "when"}:
                self.issue(item_line, "each tag rule needs exactly 'tag' and 'when'")
                continue
            rules.append(
                TagRule(_text(item["tag"]), self.condition(item["when"], item_line), item_line)
            )
        return tuple(rules)


def _text(value: Any) -> str:
    """A scalar as text. YAML 1.1 reads a bare yes/no as a boolean; we mean the words."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)

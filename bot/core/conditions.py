"""Branching conditions declared as data in flow files, evaluated without `eval`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.state import Answer


@dataclass(frozen=True, slots=True)
class AnswerIs:
    """The answer to `question` is one of `values` (choice ids, "yes"/"no", codes)."""

    question: str
    values: frozenset[str]

    def holds(self, answers: Mapping[str, Answer], tags: frozenset[str]) -> bool:
        value = answers.get(self.question)
        return value is not None and str(value) in self.values


@dataclass(frozen=True, slots=True)
class AnswerBetween:
    """The numeric answer to `question` is `>= at_least` and `< below` (either may be open)."""

    question: str
    at_least: int | None = None
    below: int | None = None

    def holds(self, answers: Mapping[str, Answer], tags: frozenset[str]) -> bool:
        value = answers.get(self.question)
        if not isinstance(value, int):
            return False
        if self.at_least is not None and value < self.at_least:
            return False
        return self.below is None or value < self.below


@dataclass(frozen=True, slots=True)
class AnswerSum:
    """Numeric answers added up (`sign` -1 takes one away), plus `constant`, in a range.

    Holds only when every question in `terms` has a number for an answer: "arrived by 2007"
    is `{sum: [year_removed, -years_in_us], below: 2008}`.
    """

    terms: tuple[tuple[int, str], ...]
    constant: int = 0
    at_least: int | None = None
    below: int | None = None

    def holds(self, answers: Mapping[str, Answer], tags: frozenset[str]) -> bool:
        total = self.constant
        for sign, question in self.terms:
            value = answers.get(question)
            if not isinstance(value, int):
                return False
            total += sign * value
        if self.at_least is not None and total < self.at_least:
            return False
        return self.below is None or total < self.below


@dataclass(frozen=True, slots=True)
class Answered:
    """`question` was answered, or skipped: the person has been asked it."""

    question: str

    def holds(self, answers: Mapping[str, Answer], tags: frozenset[str]) -> bool:
        return self.question in answers


@dataclass(frozen=True, slots=True)
class Skipped:
    """The person chose "prefer not to say" for `question`."""

    question: str

    def holds(self, answers: Mapping[str, Answer], tags: frozenset[str]) -> bool:
        return self.question in answers and answers[self.question] is None


@dataclass(frozen=True, slots=True)
class HasTag:
    """The answers so far set `tag`."""

    tag: str

    def holds(self, answers: Mapping[str, Answer], tags: frozenset[str]) -> bool:
        return self.tag in tags


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every condition holds."""

    conditions: tuple[Condition, ...]

    def holds(self, answers: Mapping[str, Answer], tags: frozenset[str]) -> bool:
        return all(c.holds(answers, tags) for c in self.conditions)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one condition holds."""

    conditions: tuple[Condition, ...]

    def holds(self, answers: Mapping[str, Answer], tags: frozenset[str]) -> bool:
        return any(c.holds(answers, tags) for c in self.conditions)


@dataclass(frozen=True, slots=True)
class Not:
    """The condition does not hold."""

    condition: Condition

    def holds(self, answers: Mapping[str, Answer], tags: frozenset[str]) -> bool:
        return not self.condition.holds(answers, tags)


Condition = (
    AnswerIs | AnswerBetween | AnswerSum | Answered | Skipped | HasTag | AllOf | AnyOf | Not
)

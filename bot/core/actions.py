"""The registry of actions a flow may call; each one turns a state into a state and effects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.core.effects import ConversationEnded, Effect, LanguageChanged
from bot.core.state import State


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What an action did: the new state, its effects, and whether the turn stops here."""

    state: State
    effects: tuple[Effect, ...] = ()
    stop: bool = False


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What an action may read besides the state: the flow id and the offered locales."""

    flow_id: str
    locales: tuple[str, ...]


Runner = Callable[[State, Mapping[str, str], ActionContext], ActionResult]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """An action's name, the arguments it takes, and the function that runs it."""

    name: str
    run: Runner
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    one_of: frozenset[str] = frozenset()

    def problems(self, args: Mapping[str, str]) -> list[str]:
        """What is wrong with `args`, as short sentences (empty when they are fine)."""
        found = []
        allowed = self.required | self.optional | self.one_of
        found += [
            f"unknown argument '{k}' for action '{self.name}'" for k in args if k not in allowed
        ]
        found += [f"action '{self.name}' needs '{k}'" for k in self.required if k not in args]
        if self.one_of and len(self.one_of & args.keys()) != 1:
            names = " or ".join(sorted(self.one_of))
            found.append(f"action '{self.name}' needs exactly one of {names}")
        return found


def _set_language(state: State, args: Mapping[str, str], ctx: ActionContext) -> ActionResult:
    if "from_answer" in args:
        locale = str(state.answers.get(args["from_answer"]) or "")
    else:
        locale = args["locale"]
    if locale not in ctx.locales or locale == state.locale:
        return ActionResult(state)
    return ActionResult(state.evolve(locale=locale), (LanguageChanged(locale),))


def _end(state: State, args: Mapping[str, str], ctx: ActionContext) -> ActionResult:
    done = state.evolve(status="done", node_id=None, pending=None)
    return ActionResult(done, (ConversationEnded(ctx.flow_id),), stop=True)


ACTIONS: Mapping[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("set_language", _set_language, one_of=frozenset({"locale", "from_answer"})),
        ActionSpec("end", _end),
    )
}

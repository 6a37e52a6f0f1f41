"""The registry of actions a flow may call; each one turns a state into a state and effects."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.core.effects import ConversationEnded, Effect, LanguageChanged, ReferralRequested
from bot.core.partners import Case, Match
from bot.core.state import State


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What an action did: the new state, its effects, and whether the turn stops here."""

    state: State
    effects: tuple[Effect, ...] = ()
    stop: bool = False
    goto: str | None = None  # go to this node instead of following the routes


# Where `match` keeps, between matching and consent, the case it matched (JSON): the referral
# stores it, to match again if the partner cannot take the case (bot/delivery/failover.py).
CASE_KEY = "case"

# Texts may show these: the matched partner's name and the referral's reference code.
REFERRAL_PLACEHOLDERS = frozenset({"partner", "reference"})
# And these facts the engine is given or derives: the coalition's general intake, how long
# answers are kept, and the emergency number of the country the person is in.
FACT_PLACEHOLDERS = frozenset(
    {"general_intake", "coalition_contact", "unfinished_days", "referral_days", "emergency"}
)

# Finds the partner for a case (bot/core/matching.py over the directory); None: nobody.
Matcher = Callable[[Case], Match | None]


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What an action may read besides the state.

    `tags` are the routing tags the answers set; `now` is the inbound message's time;
    `who` is an opaque per-person key (never shown) that makes referral ids unique.
    """

    flow_id: str
    locales: tuple[str, ...]
    tags: frozenset[str] = frozenset()
    now: datetime | None = None
    who: str = ""
    matcher: Matcher | None = None


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


def _match(state: State, args: Mapping[str, str], ctx: ActionContext) -> ActionResult:
    def code(argument: str) -> str | None:
        value = state.answers.get(args.get(argument, ""))
        return value if isinstance(value, str) else None

    country = code("now_in")
    # Someone detained is in the U.S.: the state they are held in places the case.
    held = code("held_in")
    case = Case(
        tags=ctx.tags,
        language=state.locale,
        state=held or code("lived_in"),
        country=country,
        urgent="urgent" in ctx.tags,
        key=hashlib.sha256(f"{ctx.who}|{ctx.now}".encode()).hexdigest()[:16],
        court_state=code("court_in"),
        conviction_state=code("convicted_in"),
        abroad="detained-now" not in ctx.tags and country != "US",
    )
    found = ctx.matcher(case) if ctx.matcher is not None else None
    if found is None:
        return ActionResult(state.evolve(referral={}))
    chosen = {
        "partner_id": found.partner.id,
        "partner": found.partner.name,
        "reasons": "; ".join(found.reasons),
        CASE_KEY: json.dumps(case.to_dict(), sort_keys=True),
    }
    return ActionResult(state.evolve(referral=chosen))


def _refer(state: State, args: Mapping[str, str], ctx: ActionContext) -> ActionResult:
    partner_id = state.referral.get("partner_id")
    private = frozenset(args.get("private", "").split())
    if not partner_id or "referral_id" in state.referral:
        # Nobody matched, or this referral was already made: nothing private is kept either.
        return ActionResult(state.without_answers(private))
    when = ctx.now.isoformat() if ctx.now is not None else ""
    digest = hashlib.sha256(f"{ctx.flow_id}|{ctx.who}|{when}|{partner_id}".encode()).hexdigest()
    referral_id = digest[:32]
    reference = reference_code(referral_id)
    # Skipped ones travel as None, for the record of the path; the referral leaves them out.
    kept = {q: state.answers[q] for q in sorted(private) if q in state.answers}
    made = state.without_answers(private).evolve(
        referral={**state.referral, "referral_id": referral_id, "reference": reference}
    )
    requested = ReferralRequested(referral_id, reference, partner_id, ctx.flow_id, kept)
    return ActionResult(made, (requested,))


def _change(state: State, args: Mapping[str, str], ctx: ActionContext) -> ActionResult:
    """Reopen the one answer the person picked (`pick_from`: a choice whose ids are question
    ids), then come back to `back_to` (the summary), passing over what was answered."""
    picked = state.answers.get(args["pick_from"])
    target = str(picked) if picked is not None else ""
    asked = {question for question, _ in state.history}
    if target not in asked:
        # Never asked on this path ("not given" in the summary): ask from the summary again.
        target = args["back_to"]
    controls = frozenset({args["pick_from"], args["back_to"]})
    reopened = state.without_answers(controls).evolve(returning=args["back_to"], referral={})
    return ActionResult(reopened, goto=target)


def _forget(state: State, args: Mapping[str, str], ctx: ActionContext) -> ActionResult:
    """Forget every answer but those named in `keep`, or those named in `drop`
    (space-separated question ids)."""
    if "drop" in args:
        return ActionResult(state.without_answers(frozenset(args["drop"].split())))
    keep = frozenset(args["keep"].split())
    others = frozenset(question for question, _ in state.history) - keep
    return ActionResult(state.without_answers(others).evolve(referral={}))


def reference_code(referral_id: str) -> str:
    """A short code people can read aloud and type: no 0/O, 1/I/L (e.g. "HW-7K3P9Q")."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    number = int(referral_id[:16], 16)
    letters = []
    for _ in range(6):
        number, digit = divmod(number, len(alphabet))
        letters.append(alphabet[digit])
    return "HW-" + "".join(letters)


ACTIONS: Mapping[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("set_language", _set_language, one_of=frozenset({"locale", "from_answer"})),
        ActionSpec("end", _end),
        ActionSpec(
            "match",
            _match,
            optional=frozenset({"lived_in", "now_in", "court_in", "convicted_in", "held_in"}),
        ),
        ActionSpec("refer", _refer, optional=frozenset({"private"})),
        ActionSpec("change", _change, required=frozenset({"pick_from", "back_to"})),
        ActionSpec("forget", _forget, one_of=frozenset({"keep", "drop"})),
    )
}

"""The registry of actions a flow may call; each one turns a state into a state and effects."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.core import texts
from bot.core.effects import ConversationEnded, Effect, LanguageChanged, ReferralRequested
from bot.core.i18n import Text
from bot.core.partners import Case, Match
from bot.core.state import State


@dataclass(frozen=True, slots=True)
class Notice:
    """A line of the engine's own (bot/core/texts.py) that an action asks to say, filled."""

    text: Text
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What an action did: the new state, its effects, and whether the turn stops here.

    `notices` are said before whatever the flow says next.
    """

    state: State
    effects: tuple[Effect, ...] = ()
    stop: bool = False
    goto: str | None = None  # go to this node instead of following the routes
    notices: tuple[Notice, ...] = ()


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
# Whether the partner with this id can be sent a referral now: still in the directory, able to
# receive, with an intake that works (a webhook that answered 410 Gone does not).
Receiving = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What an action may read besides the state.

    `tags` are the routing tags the answers set; `now` is the inbound message's time;
    `who` is an opaque per-person key (never shown) that makes referral ids unique.
    `receiving` checks the matched partner again when the person consents (None: unchecked).
    """

    flow_id: str
    locales: tuple[str, ...]
    tags: frozenset[str] = frozenset()
    now: datetime | None = None
    who: str = ""
    matcher: Matcher | None = None
    receiving: Receiving | None = None


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
    if _made(state):
        # Back over the match after the referral was made: it stays with the partner who
        # has it, and the consent question names that partner again.
        return ActionResult(state)

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
    return ActionResult(state.evolve(referral=_chosen(found, case)))


def _chosen(found: Match | None, case: Case) -> dict[str, str]:
    """What `match` keeps of the partner found for `case` (nothing when nobody was)."""
    if found is None:
        return {}
    return {
        "partner_id": found.partner.id,
        "partner": found.partner.name,
        "reasons": "; ".join(found.reasons),
        CASE_KEY: json.dumps(case.to_dict(), sort_keys=True),
    }


def _made(state: State) -> bool:
    """Whether this run already made its referral.

    One screening makes one referral: once made, neither BACK and a new match, nor a change
    from the summary, nor a second "yes" may replace it (the partner has it, and the person
    holds its reference code). Only a new run (RESTART, or a message after the end) starts
    afresh.
    """
    return "referral_id" in state.referral


def _refer(state: State, args: Mapping[str, str], ctx: ActionContext) -> ActionResult:
    private = frozenset(args.get("private", "").split())
    if _made(state):
        # The same consent again (after BACK): nothing new, nothing private kept either, and
        # the person learns that what they changed since did not go with it.
        sent = state.referral
        values = {"partner": sent.get("partner", ""), "reference": sent.get("reference", "")}
        notice = Notice(texts.ALREADY_SENT, values)
        return ActionResult(state.without_answers(private), notices=(notice,))
    state, notices = _still_receiving(state, ctx)
    partner_id = state.referral.get("partner_id")
    if not partner_id:
        return ActionResult(state.without_answers(private), notices=notices)
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
    return ActionResult(made, (requested,), notices=notices)


def _still_receiving(state: State, ctx: ActionContext) -> tuple[State, tuple[Notice, ...]]:
    """The state with a partner that can receive the referral now, when the person says yes.

    Since `match`, a webhook may have answered 410 Gone, or the directory lost the partner or
    its intake. Then the case `match` kept is matched again (the matcher leaves out whoever
    cannot receive): the next-best partner, or the general intake, takes it, and the person
    is told that the one named cannot; the reply after names the one that really has it.
    No partner at all when nobody can receive it.
    """
    partner_id = state.referral.get("partner_id")
    if not partner_id or ctx.receiving is None or ctx.receiving(partner_id):
        return state, ()
    case = _kept_case(state)
    found = None
    if case is not None and ctx.matcher is not None:
        found = ctx.matcher(case)
    if case is None or found is None or not ctx.receiving(found.partner.id):
        return state.evolve(referral={}), ()  # the flow says nothing could be sent
    named = state.referral.get("partner", "")
    notice = Notice(texts.PARTNER_UNAVAILABLE, {"partner": named})
    return state.evolve(referral=_chosen(found, case)), (notice,)


def _kept_case(state: State) -> Case | None:
    """The case `match` kept, or None (a state saved before cases were kept)."""
    kept = state.referral.get(CASE_KEY)
    if not kept:
        return None
    try:
        return Case.from_dict(json.loads(kept))
    except ValueError:  # json.JSONDecodeError is one
        return None


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
    referral = state.referral if _made(state) else {}
    reopened = state.without_answers(controls).evolve(returning=args["back_to"], referral=referral)
    return ActionResult(reopened, goto=target)


def _forget(state: State, args: Mapping[str, str], ctx: ActionContext) -> ActionResult:
    """Forget every answer but those named in `keep`, or those named in `drop`
    (space-separated question ids)."""
    if "drop" in args:
        return ActionResult(state.without_answers(frozenset(args["drop"].split())))
    keep = frozenset(args["keep"].split())
    others = frozenset(question for question, _ in state.history) - keep
    referral = state.referral if _made(state) else {}
    return ActionResult(state.without_answers(others).evolve(referral=referral))


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

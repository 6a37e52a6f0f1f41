"""The conversation engine: a state and one message in; new state, replies and effects out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.core import answers, texts
from bot.core.actions import (
    ACTIONS,
    FACT_PLACEHOLDERS,
    REFERRAL_PLACEHOLDERS,
    ActionContext,
    ActionSpec,
    Matcher,
    Receiving,
)
from bot.core.effects import (
    ConversationEnded,
    DeletionRequested,
    Effect,
    FlowHalted,
    LanguageChanged,
    OptedIn,
    OptedOut,
)
from bot.core.emergency import emergency_number
from bot.core.flow import Flow, Node, Option, Question
from bot.core.geo import normalize
from bot.core.i18n import (
    SOURCE_LOCALE,
    Text,
    Translator,
    Translators,
    fill,
    native_name,
    placeholders,
)
from bot.core.keywords import (
    LANGUAGE_NAMES,
    NO,
    OPT_IN_WHILE_STOPPED,
    YES,
    Keyword,
    match_keyword,
    words,
)
from bot.core.language_guess import guess_locale
from bot.core.messages import Choice, Inbound, Outbound
from bot.core.state import State

SKIP_KEY = "skip"
DEFAULT_STEP_LIMIT = 100
# On SMS the carrier confirms STOP itself; a second message from us would be one too many.
CARRIER_CONFIRMS_STOP = frozenset({"sms"})
# What texts say of how long answers are kept until the operator says otherwise (days).
DEFAULT_FACTS: Mapping[str, str] = {"unfinished_days": "30", "referral_days": "90"}


@dataclass(frozen=True, slots=True)
class Turn:
    """The result of one step: the state to persist, the replies to send, the effects to record."""

    state: State
    outbound: tuple[Outbound, ...] = ()
    effects: tuple[Effect, ...] = ()


class Engine:
    """Runs flows. Pure: the same state and inbound message always give the same turn."""

    def __init__(
        self,
        flows: Mapping[str, Flow],
        start_flow: str,
        translators: Translators,
        *,
        actions: Mapping[str, ActionSpec] = ACTIONS,
        step_limit: int = DEFAULT_STEP_LIMIT,
        matcher: Matcher | None = None,
        facts: Mapping[str, str] | None = None,
    ) -> None:
        """`facts` fill the texts' {general_intake}, {unfinished_days} and {referral_days}."""
        if start_flow not in flows:
            raise KeyError(start_flow)
        self.facts = {**DEFAULT_FACTS, **(facts or {})}
        self.flows = dict(flows)
        self.start_flow = start_flow
        self.translators = translators
        self.actions = dict(actions)
        self.step_limit = step_limit
        self.matcher = matcher

    def step(
        self,
        state: State,
        inbound: Inbound,
        *,
        matcher: Matcher | None = None,
        receiving: Receiving | None = None,
    ) -> Turn:
        """Handle one message: global keywords first, then the pending prompt or the flow.

        `matcher` replaces the engine's own for this turn: the caller may know things that
        change between turns (how many referrals each partner received this week).
        `receiving` checks the matched partner again when the person consents.
        """
        return _Step(self, state, inbound, matcher or self.matcher, receiving).run()


class _Step:
    """The working memory of one `Engine.step` call; never outlives it."""

    def __init__(
        self,
        engine: Engine,
        state: State,
        inbound: Inbound,
        matcher: Matcher | None,
        receiving: Receiving | None = None,
    ) -> None:
        self.engine = engine
        self.state = state
        self.inbound = inbound
        self.matcher = matcher
        self.receiving = receiving
        self.out: list[Outbound] = []
        self.effects: list[Effect] = []

    # -- entry -------------------------------------------------------------------------------

    def run(self) -> Turn:
        button = self.inbound.button
        # A button press answers with its choice key; it is never a command.
        text = button.key if button is not None else self.inbound.text
        keyword = None if button is not None else self.keyword(text)
        if self.state.opted_out:
            if keyword is Keyword.DELETE:
                # Erasure is a right even after STOP; it happens silently, as STOP asked.
                self.effects.append(DeletionRequested())
                self.state = State(opted_out=True)
                return self.finish()
            opting_in = keyword is Keyword.START or normalize(text) in OPT_IN_WHILE_STOPPED
            if button is not None or not opting_in:
                return Turn(self.state)  # after STOP, silence: not even an error message
            self.state = self.state.evolve(opted_out=False)
            self.effects.append(OptedIn())
            self.say(texts.OPTED_IN)
            self.resume_or_begin()
            return self.finish()
        if self.state.status == "new" and self.state.pending is None and self.inbound.locale_hint:
            self.adopt_hint(self.inbound.locale_hint)
        if button is not None and self.waiting_for() is None:
            # A press on a keyboard of a conversation that ended (Telegram redelivers, people
            # tap twice): it answers nothing now and must not begin a new screening.
            self.say(texts.ENDED)
        elif button is not None and button.question != self.waiting_for():
            self.say(texts.OLD_BUTTON)
            self.resume_or_begin()
        elif keyword is not None:
            self.on_keyword(keyword)
        elif self.state.pending == "language":
            self.on_language_reply(text)
        elif self.state.pending == "resume":
            self.on_resume_reply(text)
        elif self.state.pending == "delete":
            self.on_delete_reply(text)
        elif self.current_node() is None and self.state.status == "new":
            self.on_first_message(text)
        elif self.current_node() is None:
            self.begin()
        elif self.expired():
            self.state = self.state.evolve(pending="resume", invalid_count=0)
            self.ask_pending()
        else:
            self.on_answer(text)
        return self.finish()

    def keyword(self, text: str) -> Keyword | None:
        """The command the message is: recognised by the provider, or by its words."""
        if self.inbound.keyword in {k.value for k in Keyword}:
            return Keyword(self.inbound.keyword)
        return match_keyword(text, [self.state.locale])

    def waiting_for(self) -> str | None:
        """What a button press may answer now: the pending prompt or the current question."""
        if self.state.pending is not None:
            return self.state.pending
        node = self.current_node()
        return node.id if node is not None else None

    def finish(self) -> Turn:
        final = self.state.evolve(updated_at=self.inbound.received_at)
        out = self.out
        if self.inbound.truncated and out:
            # The channel cut a text longer than it takes: one line first says so.
            note, first = self.translate.text(texts.TRUNCATED), out[0]
            out = [replace(first, text=f"{note}\n{first.text}" if first.text else note), *out[1:]]
        return Turn(final, tuple(out), tuple(self.effects))

    # -- helpers -----------------------------------------------------------------------------

    @property
    def translate(self) -> Translator:
        return self.engine.translators.get(self.state.locale)

    @property
    def flow(self) -> Flow:
        return self.engine.flows[self.state.flow_id or self.engine.start_flow]

    def say(self, text: Text, **values: object) -> None:
        self.out.append(Outbound(self.translate.text(text, **values)))

    def current_node(self) -> Node | None:
        """The question the person was last asked, if the flow still has it."""
        flow = self.engine.flows.get(self.state.flow_id or "")
        if flow is None or self.state.node_id is None:
            return None
        node = flow.nodes.get(self.state.node_id)
        # A flow edited since may have removed the node or made it a message: position lost.
        return node if node is not None and node.question is not None else None

    def expired(self) -> bool:
        last = self.state.updated_at
        return last is not None and self.inbound.received_at - last > self.flow.expire_after

    def adopt_hint(self, hint: str) -> None:
        locale = self.engine.translators.negotiate([hint])
        if locale and locale != self.state.locale:
            self.state = self.state.evolve(locale=locale)
            self.effects.append(LanguageChanged(locale))

    # -- global keywords ---------------------------------------------------------------------

    def on_keyword(self, keyword: Keyword) -> None:
        match keyword:
            case Keyword.STOP:
                self.state = self.state.evolve(opted_out=True, pending=None)
                self.effects.append(OptedOut())
                # A STOP the provider recognised is confirmed by the provider (Twilio).
                confirmed = self.inbound.keyword is not None
                if self.inbound.address.channel not in CARRIER_CONFIRMS_STOP and not confirmed:
                    confirmation = self.translate.text(texts.STOPPED)
                    self.out.append(Outbound(confirmation, after_stop=True))
            case Keyword.START:
                self.resume_or_begin()
            case Keyword.HELP:
                self.say(texts.HELP)
                self.resume_or_begin()
            case Keyword.BACK:
                self.go_back()
            case Keyword.RESTART:
                if self.state.answers or self.state.referral:
                    self.say(texts.RESTARTED)
                self.begin()
            case Keyword.LANGUAGE:
                self.state = self.state.evolve(pending="language", invalid_count=0)
                self.ask_pending()
            case Keyword.DELETE if self.state.pending == "delete":
                self.delete_everything()  # DELETE again is a yes
            case Keyword.DELETE:
                # Asked once: a stray word must not erase a screening half-way through.
                self.state = self.state.evolve(pending="delete", invalid_count=0)
                self.ask_pending()

    def go_back(self) -> None:
        flow = self.engine.flows.get(self.state.flow_id or "")
        last = self.state.history[-1][0] if self.state.history else None
        if self.state.pending is not None:
            self.state = self.state.evolve(pending=None)
        elif flow is not None and last is not None and _is_question(flow, last):
            # Also after the flow ended: BACK reopens the last question answered.
            self.state = self.state.without_last_answer().evolve(node_id=last, status="active")
        else:
            self.say(texts.FIRST_QUESTION)
        self.resume_or_begin(check_expiry=False)

    def resume_or_begin(self, *, check_expiry: bool = True) -> None:
        """Ask again whatever the person was asked last, or start the flow.

        After a long silence the question is days old: ask "continue or start over?" first.
        """
        node = self.current_node()
        if self.state.pending is not None:
            self.ask_pending()
        elif node is None:
            self.begin()
        elif check_expiry and self.expired():
            self.state = self.state.evolve(pending="resume", invalid_count=0)
            self.ask_pending()
        else:
            self.ask(node)

    # -- engine prompts ----------------------------------------------------------------------

    def ask_pending(self, prefix: str = "") -> None:
        if self.state.pending == "language":
            text = self.translate.text(texts.CHOOSE_LANGUAGE)
            choices = tuple(Choice(o.id, o.label) for o in self.language_options())
        elif self.state.pending == "delete":
            text = self.translate.text(texts.DELETE_CONFIRM)
            choices = tuple(Choice(o.id, o.label) for o in self.delete_options())
        else:
            text = self.translate.text(texts.RESUME)
            choices = (
                Choice("continue", self.translate.text(texts.RESUME_CONTINUE)),
                Choice("restart", self.translate.text(texts.RESUME_RESTART)),
            )
        message = f"{prefix}\n{text}" if prefix else text
        self.out.append(Outbound(message, choices, self.state.pending))

    def language_options(self) -> tuple[Option, ...]:
        """The offered languages, each named in itself, the current (or suggested) one first."""
        offered = self.engine.translators.locales
        ordered = sorted(offered, key=lambda code: code != self.state.locale)
        return tuple(
            Option(code, native_name(code), keywords={"en": LANGUAGE_NAMES.get(code, frozenset())})
            for code in ordered
        )

    def reject_pending(self) -> None:
        count = self.state.invalid_count + 1
        self.state = self.state.evolve(invalid_count=count)
        parts = [self.translate.text(texts.PICK_NUMBER)]
        if count >= 3:
            parts.append(self.translate.text(texts.OFFER_HELP))
        self.ask_pending(prefix=" ".join(parts))

    def on_language_reply(self, text: str) -> None:
        offered = self.engine.translators.locales
        question = Question("choice", self.language_options())
        picked = answers.parse(question, text, self.state.locale, 0)
        chosen = picked.value if isinstance(picked, answers.Accepted) else None
        if chosen is None and len(text) < 20:
            chosen = self.engine.translators.negotiate([text.strip()])
        if chosen is None:
            chosen = guess_locale(text, offered)  # "necesito ayuda" answers the menu too
        if chosen is None:
            self.reject_pending()
            return
        self.set_language(str(chosen))

    def on_first_message(self, text: str) -> None:
        """A first message in a plain language ("hola") picks it; otherwise, the menu."""
        offered = self.engine.translators.locales
        chosen = guess_locale(text, offered) if len(offered) > 1 else None
        if chosen is None:
            self.begin()
        else:
            self.set_language(chosen)

    def set_language(self, chosen: str) -> None:
        """Switch to `chosen`, say so in one line, and ask the current question again in it."""
        if chosen != self.state.locale:
            self.effects.append(LanguageChanged(chosen))
        status = "active" if self.state.status == "new" else self.state.status
        self.state = self.state.evolve(locale=chosen, pending=None, invalid_count=0, status=status)
        self.say(texts.LANGUAGE_SET)
        self.resume_or_begin(check_expiry=False)

    def on_resume_reply(self, text: str) -> None:
        said, locale = normalize(text), self.state.locale
        options = (
            Option("continue", self.translate.text(texts.RESUME_CONTINUE)),
            Option("restart", self.translate.text(texts.RESUME_RESTART)),
        )
        picked = answers.parse(Question("choice", options), text, locale, 0)
        choice = picked.value if isinstance(picked, answers.Accepted) else None
        if said in words(YES, [locale]):  # "yes" to "continue where you left off?"
            choice = "continue"
        elif said in words(NO, [locale]):
            choice = "restart"
        if choice == "continue":
            self.state = self.state.evolve(pending=None, invalid_count=0)
            self.resume_or_begin(check_expiry=False)
        elif choice == "restart":
            self.begin()
        else:
            self.reject_pending()

    def delete_options(self) -> tuple[Option, ...]:
        return (
            Option("delete", self.translate.text(texts.DELETE_YES)),
            Option("keep", self.translate.text(texts.DELETE_NO)),
        )

    def on_delete_reply(self, text: str) -> None:
        said, locale = normalize(text), self.state.locale
        picked = answers.parse(Question("choice", self.delete_options()), text, locale, 0)
        choice = picked.value if isinstance(picked, answers.Accepted) else None
        if said in words(YES, [locale]):
            choice = "delete"
        elif said in words(NO, [locale]):
            choice = "keep"
        if choice == "delete":
            self.delete_everything()
        elif choice == "keep":
            self.state = self.state.evolve(pending=None, invalid_count=0)
            self.say(texts.DELETE_KEPT)
            self.resume_or_begin(check_expiry=False)
        else:
            self.reject_pending()

    def delete_everything(self) -> None:
        """The caller erases every trace (`DeletionRequested`); the person hears it is done."""
        self.say(texts.DELETED)
        self.effects.append(DeletionRequested())
        self.state = State(locale=self.state.locale)

    # -- the flow ----------------------------------------------------------------------------

    def begin(self) -> None:
        if self.state.status == "new" and len(self.engine.translators.locales) > 1:
            # Someone new whose language is not known yet: offer the languages first.
            self.state = self.state.evolve(pending="language", invalid_count=0)
            self.ask_pending()
            return
        flow = self.engine.flows[self.engine.start_flow]
        self.state = State(
            flow_id=flow.id,
            locale=self.state.locale,
            status="active",
            updated_at=self.state.updated_at,
            started_at=self.inbound.received_at,
        )
        self.advance(flow.start)

    def on_answer(self, text: str) -> None:
        node = self.current_node()
        assert node is not None and node.question is not None  # run() checked it
        question = node.question
        if not text.strip():
            self.reject(node, answers.Rejected(texts.EMPTY))
            return
        year = self.inbound.received_at.year
        parsed = answers.parse(self.localized(node), text, self.state.locale, year)
        if (
            isinstance(parsed, answers.Rejected)
            and question.optional
            and _picks_skip(question, text)
        ):
            parsed = answers.Accepted(None)
        if isinstance(parsed, answers.Rejected):
            self.reject(node, parsed)
            return
        self.state = self.state.with_answer(node.id, parsed.value)
        self.follow(node)

    def localized(self, node: Node) -> Question:
        """The node's question with each choice also picked by its label in this language."""
        question = node.question
        assert question is not None
        if question.type != "choice" or self.state.locale == SOURCE_LOCALE:
            return question
        locale = self.state.locale
        options = []
        for option in question.options:
            label = self.translate.pgettext(self.flow.context(node.id, option.id), option.label)
            spoken = {
                **option.keywords,
                locale: option.keywords.get(locale, frozenset()) | {label},
            }
            options.append(replace(option, keywords=spoken))
        return replace(question, options=tuple(options))

    def reject(self, node: Node, rejected: answers.Rejected) -> None:
        count = self.state.invalid_count + 1
        self.state = self.state.evolve(invalid_count=count)
        parts = [self.translate.text(rejected.hint, **rejected.values)]
        if node.question is not None and node.question.hint:
            hint = node.question.hint
            parts.append(self.translate.pgettext(self.flow.context(node.id, "hint"), hint))
        if node.question is not None and node.question.optional:
            parts.append(self.translate.text(texts.OR_SKIP))
        if count >= 3:
            parts.append(self.translate.text(texts.OFFER_HELP))
        self.ask(node, prefix=" ".join(parts))

    def follow(self, node: Node) -> None:
        target = self.flow.next_node(node, self.state.answers, self.flags())
        if target is None:
            self.end_flow()
        else:
            self.advance(target)

    def advance(self, node_id: str, *, ask_first: bool = False) -> None:
        """Run say and do nodes from `node_id` until a question waits or the flow ends.

        While the person is returning to a summary after changing one answer, questions
        already answered are passed over; `ask_first` asks `node_id` all the same (it is the
        question they chose to change).
        """
        flow = self.flow
        for _ in range(self.engine.step_limit):
            node = flow.nodes[node_id]
            returning = self.state.returning
            if (
                node.question is not None
                and returning is not None
                and node.id != returning
                and node.id in self.state.answers
                and not ask_first
            ):
                target = flow.next_node(node, self.state.answers, self.flags())
                if target is None:
                    self.end_flow()
                    return
                node_id = target
                continue
            ask_first = False
            if node.question is not None:
                if node.id == returning:
                    self.state = self.state.evolve(returning=None)
                self.state = self.state.evolve(node_id=node.id, invalid_count=0)
                self.ask(node)
                return
            if node.action is not None:
                spec = self.engine.actions[node.action.name]
                context = ActionContext(
                    flow.id,
                    self.engine.translators.locales,
                    flow.tags_for(self.state.answers),
                    self.inbound.received_at,
                    f"{self.inbound.address.channel}:{self.inbound.address.id}",
                    self.matcher,
                    self.receiving,
                )
                result = spec.run(self.state, node.action.args, context)
                self.state = result.state
                self.effects.extend(result.effects)
                for notice in result.notices:
                    self.say(notice.text, **notice.values)
                if result.stop:
                    return
                if result.goto is not None:
                    node_id, ask_first = result.goto, True
                    continue
            else:
                self.out.append(Outbound(self.node_text(node)))
            target = flow.next_node(node, self.state.answers, self.flags())
            if target is None:
                self.end_flow()
                return
            node_id = target
        self.effects.append(FlowHalted(flow.id, node_id, "step-limit"))
        self.say(texts.HALTED)
        self.state = self.state.evolve(node_id=None, status="done", pending=None)

    def flags(self) -> frozenset[str]:
        """What the engine knows beside the answers, for routes (bot.core.flow.ENGINE_FLAGS)."""
        found = set()
        if self.state.referral.get("partner_id"):
            found.add("partner-found")
        if self.state.referral.get("referral_id"):
            found.add("referral-made")
        return frozenset(found)

    def end_flow(self) -> None:
        self.effects.append(ConversationEnded(self.flow.id))
        self.state = self.state.evolve(node_id=None, status="done", pending=None, returning=None)

    def ask(self, node: Node, prefix: str = "") -> None:
        question = node.question
        assert question is not None
        text = self.node_text(node)
        message = f"{prefix}\n{text}" if prefix else text
        self.out.append(Outbound(message, self.choices(node), node.id))

    def node_text(self, node: Node) -> str:
        to_self = self.flow.speaks_to_self(self.state.answers)
        template = node_template(self.flow, node, self.translate, to_self=to_self)
        names = placeholders(template)
        if not names:
            return template
        return fill(template, {name: self.display(name) for name in names})

    def display(self, question_id: str) -> str:
        if question_id == "emergency":
            countries = [
                value
                for node_id, value in self.state.answers.items()
                if isinstance(value, str) and _is_type(self.flow, node_id, "country")
            ]
            number = emergency_number(countries[-1] if countries else None)
            return number or self.translate.text(texts.LOCAL_EMERGENCY)
        if question_id in FACT_PLACEHOLDERS:
            return self.engine.facts.get(question_id) or self.translate.text(texts.NOT_GIVEN)
        if question_id in REFERRAL_PLACEHOLDERS:
            shown = self.state.referral.get(question_id)
            return shown if shown else self.translate.text(texts.NOT_GIVEN)
        node = self.flow.nodes.get(question_id)
        if node is None or node.question is None or question_id not in self.state.answers:
            return self.translate.text(texts.NOT_GIVEN)  # not asked on this path
        value = self.state.answers[question_id]
        return answers.display(
            node.question, value, self.translate, self.flow.context(question_id)
        )

    def choices(self, node: Node) -> tuple[Choice, ...]:
        return node_choices(self.flow, node, self.translate)


def node_choices(flow: Flow, node: Node, translate: Translator) -> tuple[Choice, ...]:
    """The choices a question offers, labelled in the translator's language."""
    question = node.question
    assert question is not None
    found: list[Choice] = []
    if question.type == "choice":
        found = [
            Choice(o.id, translate.pgettext(flow.context(node.id, o.id), o.label))
            for o in question.options
        ]
    elif question.type == "yes_no":
        found = [Choice("yes", translate.text(texts.YES)), Choice("no", translate.text(texts.NO))]
        if question.not_sure:
            found.append(Choice(answers.NOT_SURE, translate.text(texts.NOT_SURE)))
    if found and question.optional:
        found.append(Choice(SKIP_KEY, translate.text(texts.SKIP)))
    return tuple(found)


def node_template(flow: Flow, node: Node, translate: Translator, *, to_self: bool) -> str:
    """A node's text in the translator's language, as said to the deported person themselves
    when `to_self` and the node has such a text; placeholders unfilled."""
    if to_self and node.self_text:
        return translate.pgettext(flow.self_context(node.id), node.self_text)
    return translate.pgettext(flow.context(node.id), node.text)


def node_message(
    flow: Flow, node: Node, translate: Translator, *, to_self: bool = False
) -> Outbound:
    """A say or ask node as sent in the translator's language, its placeholders unfilled."""
    text = node_template(flow, node, translate, to_self=to_self)
    if node.question is None:
        return Outbound(text)
    return Outbound(text, node_choices(flow, node, translate), node.id)


def _picks_skip(question: Question, text: str) -> bool:
    """The numbered "prefer not to say" line that optional choice questions show last."""
    shown = len(question.options) if question.type == "choice" else 3 if question.not_sure else 2
    return question.type in ("choice", "yes_no") and text.strip() == str(shown + 1)


def _is_type(flow: Flow, node_id: str, kind: str) -> bool:
    node = flow.nodes.get(node_id)
    return node is not None and node.question is not None and node.question.type == kind


def _is_question(flow: Flow, node_id: str) -> bool:
    node = flow.nodes.get(node_id)
    return node is not None and node.question is not None

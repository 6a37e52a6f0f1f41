"""The coalition directory: the shipped file with the operator's override merged over it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bot.core.issues import FileIssue
from bot.core.partners import Intake, Partner
from bot.core.tags import TAGS
from bot.partners.reader import (
    LANGUAGES,
    DirectoryError,
    Entry,
    Where,
    read_entries,
)

SHIPPED = Path(__file__).resolve().parent / "coalition.yaml"

# Why delivery would refuse to POST to a webhook URL (for the operator), or None when it would
# try: bot.delivery.webhook.refused_because, as the deployment's sender is built.
WebhookRefusal = Callable[[str], str | None]

# Keys every organization needs; an override entry with an id the shipped file lacks must
# give them (it adds an organization), any other entry only corrects what it names.
REQUIRED_KEYS = ("name", "services")

# Tags about who is answering describe the conversation, never what an organization does.
_SPECIALTY_TAGS = tuple(tag for tag in TAGS if not tag.startswith("answered-by-"))

DEMO_PARTNER_ID = "demo-legal-clinic"
DEMO_PARTNER_FILE = "demo-partners.yaml"
DEMO_PARTNER_YAML = f"""\
# Homeward's demo partner for development (`make run`). It is NOT a real organization.
# Its intake address is on .invalid, a domain that never resolves (RFC 2606): read its
# referrals in the local outbox viewer, never in a real mailbox.
partners:
  - id: {DEMO_PARTNER_ID}
    name: "Homeward demo clinic (not real)"
    services: [legal]
    national: true
    languages: [en, es, ht, pt_BR, fr, vi, km, zh_Hans]
    takes_deported: true
    weekly_capacity: 50
    general_intake: true
    intake:
      email: intake@demo-clinic.invalid
"""


@dataclass(frozen=True, slots=True)
class Refused:
    """A partner's webhook that delivery refuses in this deployment, and why."""

    partner_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Directory:
    """The coalition's organizations, shipped order first, then those the override adds.

    `refused` lists the webhooks `deliverable` took out of their intakes.
    """

    partners: tuple[Partner, ...]
    refused: tuple[Refused, ...] = ()

    def deliverable(self, refusal: WebhookRefusal) -> Directory:
        """The directory as this deployment can deliver to it.

        A webhook its sender would refuse (plain http, a loopback or private address, in
        production) is taken out of the partner's intake, so a partner reachable only through
        it cannot receive: matching never picks it, and nobody is told "sent" for a referral
        that could only die. Its email, if any, still counts.
        """
        partners, refused = [], []
        for partner in self.partners:
            intake = partner.intake
            reason = refusal(intake.webhook_url) if intake and intake.webhook_url else None
            if intake is None or reason is None:
                partners.append(partner)
                continue
            refused.append(Refused(partner.id, reason))
            kept = dataclasses.replace(intake, webhook_url=None, webhook_secret=None)
            partners.append(dataclasses.replace(partner, intake=kept))
        return Directory(tuple(partners), (*self.refused, *refused))

    def get(self, partner_id: str) -> Partner | None:
        """The organization with this id, or None."""
        return next((p for p in self.partners if p.id == partner_id), None)

    @property
    def receiving(self) -> tuple[Partner, ...]:
        """The organizations that may be sent referrals: legal, with intake and capacity."""
        return tuple(p for p in self.partners if p.can_receive)

    @property
    def general_intake(self) -> Partner | None:
        """The organization marked as the coalition's general intake, if any (at most one)."""
        return next((p for p in self.partners if p.general_intake), None)

    def report(self) -> list[str]:
        """Lines for the operator: who can receive which kinds of case, and what is missing."""
        return _report(self)


def load_directory(shipped: Path = SHIPPED, override: Path | None = None) -> Directory:
    """The shipped directory with `override` (HOMEWARD_PARTNERS_FILE) merged over it by id.

    The override may add intake, correct any attribute, mark the general intake or add whole
    organizations. Raises `DirectoryError` listing every problem of both files, with file:line.
    """
    entries = _merged(shipped, override)
    return Directory(tuple(_partner(entry) for entry in entries))


def _merged(shipped: Path, override: Path | None) -> list[Entry]:
    """Both files' entries merged by id; raises DirectoryError with every problem found."""
    base, issues = read_entries(shipped)
    for entry in base:
        issues.extend(_missing(entry))
    patches: list[Entry] = []
    if override is not None:
        patches, override_issues = read_entries(override)
        issues.extend(override_issues)
    merged = {entry.id: entry for entry in base}
    for patch in patches:
        if patch.id in merged:
            merged[patch.id] = _apply(merged[patch.id], patch)
            continue
        if any(key not in patch.origins for key in REQUIRED_KEYS):
            source, line = patch.where
            issues.append(
                FileIssue(
                    source,
                    line,
                    "unknown-id",
                    f"no organization '{patch.id}' in {shipped.name}: check the id, or give "
                    f"{' and '.join(REQUIRED_KEYS)} to add a new organization",
                )
            )
            continue
        merged[patch.id] = patch
    issues.extend(_check(merged.values()))
    if issues:
        raise DirectoryError(tuple(issues))
    return list(merged.values())


def check_report(
    shipped: Path = SHIPPED,
    override: Path | None = None,
    *,
    refusal: WebhookRefusal | None = None,
    production: bool = False,
) -> tuple[list[str], list[str]]:
    """For `homeward partners check`: (problems as file:line lines, report lines).

    The report is empty when a file has problems. `refusal` is production's rule for webhook
    URLs: in `production` a webhook it refuses is a problem (the partner cannot receive
    through it, and the report counts it so); elsewhere a warning in the report, since a
    development machine delivers to it.
    """
    try:
        entries = _merged(shipped, override)
    except DirectoryError as error:
        return [str(issue) for issue in error.issues], []
    directory = Directory(tuple(_partner(entry) for entry in entries))
    if refusal is None:
        return [], directory.report()
    refused = directory.deliverable(refusal)
    where = {entry.id: entry.origins.get("intake", entry.where) for entry in entries}
    issues = [
        FileIssue(
            where[item.partner_id][0],
            where[item.partner_id][1],
            "webhook-refused",
            f"production delivery refuses the webhook of '{item.partner_id}': {item.reason}",
            "error" if production else "warning",
        )
        for item in refused.refused
    ]
    if production:
        return [str(issue) for issue in issues], refused.report()
    return [], [*(str(issue) for issue in issues), *directory.report()]


def demo_partner_file(directory: Path) -> Path:
    """Write the demo override file (a fake clinic, the general intake) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DEMO_PARTNER_FILE
    path.write_text(DEMO_PARTNER_YAML, encoding="utf-8")
    return path


def _missing(entry: Entry) -> list[FileIssue]:
    source, line = entry.where
    return [
        FileIssue(source, line, "missing-key", f"'{entry.id}' needs '{key}'")
        for key in REQUIRED_KEYS
        if key not in entry.origins
    ]


def _apply(base: Entry, patch: Entry) -> Entry:
    """`base` with every field `patch` writes replaced (lists and intake replace, not extend)."""
    changes = {key: getattr(patch, key) for key in patch.origins}
    return dataclasses.replace(base, origins={**base.origins, **patch.origins}, **changes)


def _check(entries: Iterable[Entry]) -> list[FileIssue]:
    """Rules across fields and organizations, checked once both files are merged."""
    issues: list[FileIssue] = []

    def issue(where: Where, code: str, message: str) -> None:
        issues.append(FileIssue(where[0], where[1], code, message))

    names: dict[str, Where] = {}
    general: list[Entry] = []
    for entry in entries:
        if entry.name is not None:
            first = names.setdefault(entry.name.casefold(), entry.origins["name"])
            if first != entry.origins["name"]:
                issue(
                    entry.origins["name"],
                    "duplicate-name",
                    f"the name of '{entry.id}' is already used at {first[0]}:{first[1]}",
                )
        legal = entry.services is not None and "legal" in entry.services
        if entry.general_intake:
            general.append(entry)
        if legal or entry.services is None:
            continue
        # Only legal organizations receive referrals: the others must not be configured to.
        if entry.intake is not None:
            issue(
                entry.origins["intake"],
                "intake-not-legal",
                f"'{entry.id}' does not offer legal services, so it never receives "
                "referrals: remove its intake (or add 'legal' to its services if it does)",
            )
        if entry.weekly_capacity:
            issue(
                entry.origins["weekly_capacity"],
                "capacity-not-legal",
                f"'{entry.id}' does not offer legal services: its weekly_capacity must be 0",
            )
        if entry.general_intake:
            issue(
                entry.origins["general_intake"],
                "general-intake-not-legal",
                f"'{entry.id}' does not offer legal services and cannot be the general intake",
            )
    if len(general) > 1:
        ids = ", ".join(entry.id for entry in general)
        for entry in general:
            issue(
                entry.origins["general_intake"],
                "general-intake-twice",
                f"only one organization can be the general intake (marked: {ids})",
            )
    return issues


def _partner(entry: Entry) -> Partner:
    assert entry.name is not None and entry.services is not None  # checked by _missing
    return Partner(
        id=entry.id,
        name=entry.name,
        services=entry.services,
        specialties=_or(entry.specialties, frozenset()),
        states=_or(entry.states, frozenset()),
        national=_or(entry.national, False),
        countries=_or(entry.countries, frozenset()),
        languages=_or(entry.languages, frozenset({"en"})),
        takes_deported=_or(entry.takes_deported, False),
        weekly_capacity=_or(entry.weekly_capacity, 0),
        intake=entry.intake,
        verified=_or(entry.verified, False),
        general_intake=_or(entry.general_intake, False),
    )


_T = TypeVar("_T")


def _or(value: _T | None, default: _T) -> _T:
    return default if value is None else value


# --- the operator's report ------------------------------------------------------------------


def _report(directory: Directory) -> list[str]:
    partners = directory.partners
    legal = [p for p in partners if p.legal]
    receiving = directory.receiving
    lines = [
        f"{len(partners)} organizations, {len(legal)} offering legal services, "
        f"{len(receiving)} able to receive referrals (legal, with intake and capacity)."
    ]
    unverified = sum(not p.verified for p in partners)
    if unverified:
        lines.append(
            f"{unverified} organization(s) not verified: their attributes were inferred from "
            "public descriptions and must be confirmed with each organization."
        )
    lines.append(_general_intake_line(directory.general_intake))
    lines.append("Can receive referrals:" if receiving else "Can receive referrals: nobody.")
    lines.extend(f"  {_describe(p)}" for p in receiving)
    lines.append(
        "Kinds of case (specialists able to receive; any case also goes by language "
        "and place to the others, and to the general intake when nobody matches):"
    )
    for tag in _SPECIALTY_TAGS:
        lines.append(_kind_line(tag, [p for p in legal if tag in p.specialties]))
    lines.append(_kind_line("people already deported", [p for p in legal if p.takes_deported]))
    lines.append("Languages:")
    for language in sorted(LANGUAGES):
        speakers = [p.id for p in receiving if language in p.languages]
        lines.append(f"  {language}: {', '.join(speakers) or 'nobody'}")
    lines.extend(_warnings(legal))
    if directory.refused:
        lines.append(
            f"Webhooks refused here ({len(directory.refused)}): not counted above; "
            "a partner with no other intake receives nothing:"
        )
        lines.extend(f"  {item.partner_id}: {item.reason}" for item in directory.refused)
    missing = [p for p in legal if p.intake is None]
    if missing:
        lines.append(
            f"Legal organizations without intake ({len(missing)}): they receive nothing until "
            "the override file gives them intake:"
        )
        lines.extend(f"  {p.id}: {p.name}" for p in missing)
    return lines


def _kind_line(kind: str, specialists: list[Partner]) -> str:
    """Who can receive a kind of case, and who is known for it but cannot receive yet."""
    able = [p.id for p in specialists if p.can_receive]
    idle = [p.id for p in specialists if not p.can_receive]
    line = f"  {kind}: {', '.join(able) or 'no specialist'}"
    return line + (f" (known for it but cannot receive: {', '.join(idle)})" if idle else "")


def _general_intake_line(partner: Partner | None) -> str:
    if partner is None:
        return (
            "General intake: none. A case that matches no partner has nowhere to go: mark "
            "one legal organization 'general_intake: true' in the override file."
        )
    if not partner.can_receive:
        return (
            f"General intake: {partner.id}, but it cannot receive (intake missing or refused, "
            "or no capacity): a case that matches no partner has nowhere to go."
        )
    return f"General intake: {partner.id} ({partner.name})."


def _describe(partner: Partner) -> str:
    intake = partner.intake or Intake()
    channels = [
        name
        for name, present in (
            ("email (notice only)" if intake.notice_only else "email", intake.email),
            ("webhook", intake.webhook_url),
        )
        if present
    ]
    where = "national" if partner.national else ", ".join(sorted(partner.states)) or "no state"
    if partner.countries:
        where += "; people in " + ", ".join(sorted(partner.countries))
    deported = "takes" if partner.takes_deported else "does not say it takes"
    return (
        f"{partner.id}: {' and '.join(channels)}; {partner.weekly_capacity} a week; {where}; "
        f"{', '.join(sorted(partner.languages))}; {deported} people already deported"
        + ("" if partner.verified else "; not verified")
    )


def _warnings(legal: Iterable[Partner]) -> list[str]:
    lines = []
    for partner in legal:
        if partner.intake is not None and partner.weekly_capacity <= 0:
            lines.append(
                f"Warning: {partner.id} has intake but weekly_capacity 0: receives nothing."
            )
        if partner.intake is not None and not partner.national and not partner.states:
            lines.append(
                f"Warning: {partner.id} has intake but serves no state and is not national."
            )
        if partner.intake is not None and not partner.languages:
            lines.append(f"Warning: {partner.id} has intake but no languages.")
    return lines

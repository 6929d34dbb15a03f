"""Detection writes: the draft, change requests and their approval, lists, backtests, snoozes.

Every change to what the FDS detects goes through a change request that a different person with
`detection.approve_detection` approves (maker-checker). Approval is a conditional UPDATE on the
pending row, so two approvers at once apply the change exactly once. Each write records its audit
event in the same transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from audit.services import audit_record
from detection.engine import Effect, RuleError, RuleInvalid, condition_validate, reason_validate
from detection.models import (
    AlertThreshold,
    Backtest,
    ChangeRequest,
    ListEntry,
    Rule,
    RuleSetVersion,
    RuleSnooze,
    WatchList,
)
from detection.selectors import list_names, threshold_governed, threshold_implied
from untrusted.text import compile_pattern, fold_digits

MAX_SNOOZE_DAYS = 180
MAX_UPLOAD_ROWS = 50_000
SMISHING_LISTS = {"account": "smishing-accounts", "phone": "smishing-phones"}


class DetectionError(ValueError):
    """A request that cannot be carried out as asked (shown to the user; nothing changed)."""


class ApprovalRefused(PermissionError):
    """The caller may not approve this change (their own, or no approving role)."""


# --- Draft and rules -----------------------------------------------------------------------------


def draft_get(*, user: User | None = None, create: bool = False) -> RuleSetVersion | None:
    """The draft being edited; with `create`, a new draft copied from the live version.

    Safe to repeat: one draft exists at a time (a constraint), so a second call returns the same.
    """
    draft = RuleSetVersion.objects.filter(status=RuleSetVersion.Status.DRAFT).first()
    if draft is not None or not create:
        return draft
    if RuleSetVersion.objects.filter(status=RuleSetVersion.Status.PENDING).exists():
        raise DetectionError(_("A version is waiting for approval; approve or reject it first."))
    with transaction.atomic():
        live = RuleSetVersion.objects.filter(is_live=True).first()
        number = (RuleSetVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                draft = RuleSetVersion.objects.create(number=number, created_by=user)
        except IntegrityError:
            existing = RuleSetVersion.objects.filter(status=RuleSetVersion.Status.DRAFT).first()
            if existing is None:
                raise
            return existing
        if live is not None:
            Rule.objects.bulk_create(
                [
                    Rule(
                        version=draft,
                        code=r.code,
                        description=r.description,
                        condition=r.condition,
                        effect=r.effect,
                        value=r.value,
                        reason_ko=r.reason_ko,
                        reason_en=r.reason_en,
                        enabled=r.enabled,
                        owner_id=r.owner_id,
                    )
                    for r in live.rules.all()
                ]
            )
        audit_record(
            action="detection.draft.created",
            target=draft,
            actor=user,
            after={"number": draft.number, "copied_from": live.number if live else None},
        )
    return draft


@dataclass(frozen=True)
class RuleData:
    code: str
    condition: str
    effect: str
    value: float
    reason_ko: str
    reason_en: str
    description: str = ""
    enabled: bool = True


# `re.match` with "^...$" accepted a trailing newline too; kept as it was.
_CODE = compile_pattern("services.rule_code", r"[a-z][a-z0-9_]{1,59}\n?")


def rule_validate(data: RuleData) -> list[RuleError]:
    """Every problem of a rule, each naming its field (and, for the condition, the position)."""
    errors: list[RuleError] = []
    if not (len(data.code) <= 61 and _CODE.fullmatch(data.code)):
        errors.append(RuleError("code", _("lower-case letters, digits and _; 2 to 60 characters")))
    if data.effect not in (Effect.ADD, Effect.FLOOR, Effect.SUPPRESS):
        errors.append(RuleError("effect", _("one of add, floor, suppress")))
    if not (-1.0 <= data.value <= 1.0) or (data.effect == Effect.FLOOR and not 0.0 < data.value <= 1.0):
        errors.append(RuleError("value", _("a weight between -1 and 1, or a floor above 0 and at most 1")))
    for name, text in (("reason_ko", data.reason_ko), ("reason_en", data.reason_en)):
        if not text.strip():
            errors.append(RuleError(name, _("a reason is required")))
        elif len(text) > 500:
            errors.append(RuleError(name, _("at most 500 characters")))
        else:
            errors.extend(reason_validate(text, field_name=name))
    errors.extend(condition_validate(data.condition, lists=list_names()))
    return errors


def rule_save(*, user: User, data: RuleData, rule_id: int | None = None) -> Rule:
    """Create or change a rule of the draft (created on first use). Validated first: a bad rule
    raises RuleInvalid and nothing is saved. Audited `detection.rule.saved` with before/after."""
    errors = rule_validate(data)
    if errors:
        raise RuleInvalid(errors)
    with transaction.atomic():
        draft = draft_get(user=user, create=True)
        assert draft is not None
        draft = RuleSetVersion.objects.select_for_update().get(pk=draft.pk)
        if not draft.editable:
            raise DetectionError(_("This version can no longer be edited."))
        if rule_id is not None:
            rule = Rule.objects.select_related("owner").get(pk=rule_id, version=draft)
            before = rule.as_dict()
        else:
            if Rule.objects.filter(version=draft, code=data.code).exists():
                raise RuleInvalid([RuleError("code", _("the draft already has a rule with this code"))])
            rule = Rule(version=draft, owner=user)
            before = {}
        for name in (
            "code",
            "condition",
            "effect",
            "value",
            "reason_ko",
            "reason_en",
            "description",
            "enabled",
        ):
            setattr(rule, name, getattr(data, name))
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError as exc:
            raise RuleInvalid([RuleError("code", _("the draft already has a rule with this code"))]) from exc
        audit_record(
            action="detection.rule.saved", target=rule, actor=user, before=before, after=rule.as_dict()
        )
    return rule


def rule_delete(*, user: User, rule_id: int) -> None:
    """Remove a rule from the draft. Audited. Refused on published versions."""
    with transaction.atomic():
        rule = Rule.objects.select_related("version", "owner").select_for_update(of=("self",)).get(pk=rule_id)
        if not rule.version.editable:
            raise DetectionError(_("Published versions cannot be changed."))
        before = rule.as_dict()
        audit_record(action="detection.rule.deleted", target=rule, actor=user, before=before)
        rule.delete()


def rules_snapshot(version: RuleSetVersion) -> list[dict[str, Any]]:
    return [r.as_dict() for r in version.rules.select_related("owner").order_by("code")]


# --- Change requests --------------------------------------------------------------------------------


def _change_create(
    *,
    user: User,
    kind: str,
    summary: str,
    payload: dict[str, Any],
    before: dict[str, Any],
    reason: str,
    backtest: Backtest | None = None,
) -> ChangeRequest:
    change = ChangeRequest.objects.create(
        kind=kind,
        summary=summary[:300],
        payload=payload,
        before=before,
        reason=reason,
        maker=user,
        backtest=backtest,
    )
    audit_record(
        action="detection.change.requested",
        target=change,
        actor=user,
        before=before,
        after={"kind": kind, "payload": payload, "backtest": backtest.pk if backtest else None},
        reason=reason,
    )
    return change


def publish_request(*, user: User, backtest_id: int, reason: str = "") -> ChangeRequest:
    """Ask for the draft to go live. The draft is frozen until the change is approved or rejected,
    and must have a finished backtest of exactly its current rules (the one the approver sees)."""
    with transaction.atomic():
        draft = RuleSetVersion.objects.select_for_update().filter(status=RuleSetVersion.Status.DRAFT).first()
        if draft is None:
            raise DetectionError(_("There is no draft to publish."))
        backtest = Backtest.objects.filter(pk=backtest_id, version=draft).first()
        if backtest is None or backtest.status != Backtest.Status.DONE:
            raise DetectionError(_("Run a backtest of the draft and wait for it to finish first."))
        if backtest.rules_snapshot != rules_snapshot(draft):
            raise DetectionError(_("The draft changed after this backtest; run it again."))
        live = RuleSetVersion.objects.filter(is_live=True).first()
        draft.status = RuleSetVersion.Status.PENDING
        draft.save(update_fields=["status"])
        return _change_create(
            user=user,
            kind=ChangeRequest.Kind.PUBLISH,
            summary=_("Publish rule set v%(n)s") % {"n": draft.number},
            payload={"version": draft.number},
            before={"live": live.number if live else None, "rules": rules_snapshot(live) if live else []},
            reason=reason,
            backtest=backtest,
        )


def rollback(*, user: User, number: int, reason: str = "") -> RuleSetVersion:
    """Make an earlier published version live again, at once: the next scoring batch uses it.

    No second approver: the version's exact content already passed maker-checker when it was
    published, and in an incident the bank wants the known-good rules back in one click. Only a
    person with the approving role may do it (ApprovalRefused otherwise); it is audited with the
    live version and its rules before and after. Publishing new content still needs a checker.
    Safe to repeat: rolling back to the version that is live already raises DetectionError and
    changes nothing.
    """
    if not user.has_perm("detection.approve_detection"):
        raise ApprovalRefused(_("Rolling back needs the approver role."))
    with transaction.atomic():
        # Lock the versions so two rollbacks at once apply one after the other, each audited.
        list(RuleSetVersion.objects.select_for_update().filter(status=RuleSetVersion.Status.PUBLISHED))
        target = RuleSetVersion.objects.filter(number=number, status=RuleSetVersion.Status.PUBLISHED).first()
        if target is None:
            raise DetectionError(_("Only a published version can be made live."))
        if target.is_live:
            raise DetectionError(_("This version is already live."))
        live = RuleSetVersion.objects.filter(is_live=True).first()
        before = {"live": live.number if live else None, "rules": rules_snapshot(live) if live else []}
        target = _make_live(number)
        audit_record(
            action="detection.version.rolled_back",
            target=target,
            actor=user,
            before=before,
            after={"live": target.number, "rules": rules_snapshot(target)},
            reason=reason.strip(),
        )
    return target


def threshold_request(
    *, user: User, value: float, alerts_per_day: float | None, reason: str
) -> ChangeRequest:
    """Ask for a new alert threshold for the live model; it applies to scores made after approval."""
    from alerts.models import ModelVersion

    if not 0.0 < value <= 1.0:
        raise DetectionError(_("The threshold must be above 0 and at most 1."))
    model = ModelVersion.objects.filter(is_active=True).first()
    if model is None:
        raise DetectionError(_("No model is live yet."))
    governed = threshold_governed(model_version_id=model.pk)
    current = governed.value if governed is not None else model.threshold
    # What the approver weighs: both thresholds replayed over the stored scores of the window.
    window = {"current": threshold_implied(value=current), "requested": threshold_implied(value=value)}
    return _change_create(
        user=user,
        kind=ChangeRequest.Kind.THRESHOLD,
        summary=_("Alert threshold %(old).3f → %(new).3f for model %(model)s")
        % {"old": current, "new": value, "model": model.name},
        payload={
            "value": value,
            "model_version": model.pk,
            "alerts_per_day": alerts_per_day,
            "window": window,
        },
        before={"threshold": current, "model_version": model.name, "governed": governed is not None},
        reason=reason,
    )


# --- Lists ---------------------------------------------------------------------------------------------


def _is_identifier(value: str) -> bool:
    """1 to 64 word characters (str.isalnum or _), dots, colons or dashes (`value` is stripped)."""
    return 0 < len(value) <= 64 and all(c.isalnum() or c in "_.:-" for c in value)


def list_value_normalize(kind: str, raw: str) -> str:
    """The stored form of a list value, or DetectionError saying what is wrong with it."""
    value = raw.strip()
    if kind in (WatchList.Kind.ACCOUNT, WatchList.Kind.PHONE):
        digits = "".join(c for c in value if not (c.isspace() or c in "-.()"))
        if kind == WatchList.Kind.PHONE and digits.startswith("+82"):
            digits = "0" + digits[3:]
        low, high = (6, 20) if kind == WatchList.Kind.ACCOUNT else (8, 12)
        if not digits.isascii() or not digits.isdigit() or not low <= len(digits) <= high:
            raise DetectionError(_("'%(v)s' is not a valid %(kind)s") % {"v": raw[:40], "kind": kind})
        return digits
    if kind == WatchList.Kind.COUNTRY:
        if not (len(value) == 2 and value.isascii() and value.isalpha()):
            raise DetectionError(_("'%(v)s' is not a two-letter country code") % {"v": raw[:40]})
        return value.upper()
    if not _is_identifier(value):
        raise DetectionError(_("'%(v)s' is not a valid identifier") % {"v": raw[:40]})
    return value


@dataclass(frozen=True)
class EntryIn:
    value: str
    reason: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


class ListUploadInvalid(ValueError):
    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"{len(errors)} bad rows")
        self.errors = list(errors)


def _entries_check(
    watch_list: WatchList, entries: Sequence[tuple[int, EntryIn]]
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Normalised rows and every bad entry, each with the line it came from."""
    now = timezone.now()
    rows: list[dict[str, Any]] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for line, entry in entries:
        try:
            value = list_value_normalize(watch_list.kind, entry.value)
        except DetectionError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        if not entry.reason.strip() or len(entry.reason) > 500:
            errors.append(RowError(line, _("a reason of at most 500 characters is required")))
        elif entry.expires_at is not None and entry.expires_at <= now:
            errors.append(RowError(line, _("the expiry is in the past")))
        elif value in seen:
            errors.append(RowError(line, _("'%(v)s' appears twice") % {"v": value}))
        else:
            seen.add(value)
            rows.append(
                {
                    "value": value,
                    "reason": entry.reason.strip(),
                    "expires_at": entry.expires_at.isoformat() if entry.expires_at else None,
                }
            )
    return rows, errors


def list_change_request(
    *,
    user: User,
    list_id: int,
    add: Sequence[EntryIn] | Sequence[tuple[int, EntryIn]] = (),
    remove: Sequence[int] = (),
    reason: str,
) -> ChangeRequest:
    """Ask for entries to be added to or removed from a list. Every bad entry is reported (with its
    line, counted from 1, or the line given with it) and nothing is requested if any is bad."""
    watch_list = WatchList.objects.get(pk=list_id)
    numbered = [item if isinstance(item, tuple) else (i, item) for i, item in enumerate(add, start=1)]
    rows, errors = _entries_check(watch_list, numbered)
    removable = set(
        watch_list.entries.filter(pk__in=list(remove), removed_at__isnull=True).values_list("pk", flat=True)
    )
    errors.extend(
        RowError(0, _("entry #%(id)s is not in this list") % {"id": pk})
        for pk in remove
        if pk not in removable
    )
    if errors:
        raise ListUploadInvalid(errors)
    if not rows and not removable:
        raise DetectionError(_("Nothing to change."))
    with transaction.atomic():
        return _change_create(
            user=user,
            kind=ChangeRequest.Kind.LIST,
            summary=_("%(list)s: add %(a)s, remove %(r)s")
            % {"list": watch_list.name, "a": len(rows), "r": len(removable)},
            payload={"list": watch_list.pk, "add": rows, "remove": sorted(removable)},
            before={
                "list": watch_list.name,
                "entries": watch_list.entries.filter(removed_at__isnull=True).count(),
            },
            reason=reason,
        )


def list_upload_request(*, user: User, list_id: int, content: bytes, reason: str) -> ChangeRequest:
    """A CSV of `value,reason[,expires_at]` rows (a header row is optional). Every bad row is reported
    with its line number, and nothing is requested from a file with a bad row."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ListUploadInvalid([RowError(0, _("the file is not UTF-8 text"))]) from exc
    entries: list[tuple[int, EntryIn]] = []
    errors: list[RowError] = []
    try:
        for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if line > MAX_UPLOAD_ROWS + 1:
                raise ListUploadInvalid(
                    [RowError(line, _("at most %(n)s rows per file") % {"n": MAX_UPLOAD_ROWS})]
                )
            if line == 1 and row and row[0].strip().lower() == "value":
                continue
            if not row or not any(cell.strip() for cell in row):
                errors.append(RowError(line, _("empty row")))
                continue
            if not 2 <= len(row) <= 3:
                errors.append(RowError(line, _("expected value,reason[,expires_at]")))
                continue
            expires = None
            if len(row) == 3 and row[2].strip():
                expires = _parse_expiry(row[2].strip())
                if expires is None:
                    errors.append(RowError(line, _("'%(v)s' is not a date") % {"v": row[2][:30]}))
                    continue
            entries.append((line, EntryIn(row[0], row[1], expires)))
    except csv.Error as exc:
        raise ListUploadInvalid([RowError(0, _("not a CSV file: %(e)s") % {"e": exc})]) from exc
    if not entries and not errors:
        raise ListUploadInvalid([RowError(0, _("the file has no rows"))])
    watch_list = WatchList.objects.get(pk=list_id)
    _rows, entry_errors = _entries_check(watch_list, entries)
    errors = sorted(errors + entry_errors, key=lambda e: e.line)
    if errors:
        raise ListUploadInvalid(errors)
    return list_change_request(user=user, list_id=list_id, add=entries, reason=reason)


_DATE = compile_pattern("services.expiry_date", r"\d{4}-\d{2}-\d{2}")


def _parse_expiry(raw: str) -> datetime | None:
    moment = parse_datetime(raw)
    if moment is None:
        day = parse_date(raw) if len(raw) == 10 and _DATE.fullmatch(fold_digits(raw)) else None
        if day is None:
            return None
        moment = datetime(day.year, day.month, day.day)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def indicators_promote(*, user: User, submission_id: int, reason: str) -> ChangeRequest:
    """Ask for a confirmed smishing report's accounts and phone numbers to join the smishing watch
    lists. Only a report an analyst confirmed as smishing can be promoted. Approved like any list
    change; the resulting entries are the only path by which one report alone floors transfers."""
    from smishing.models import Indicator, Label, Submission

    submission = Submission.objects.get(pk=submission_id)
    if submission.analyst_label != Label.SMISHING:
        raise DetectionError(_("Only a report an analyst confirmed as smishing can be promoted."))
    found: dict[str, set[str]] = {"account": set(), "phone": set()}
    for kind, normalized in submission.indicators.filter(
        kind__in=[Indicator.Kind.ACCOUNT, Indicator.Kind.PHONE]
    ).values_list("kind", "normalized"):
        found[kind].add(normalized)
    if not found["account"] and not found["phone"]:
        raise DetectionError(_("This report names no account or phone number."))
    changes = []
    why = reason.strip() or _("smishing report #%(id)s confirmed by an analyst") % {"id": submission.pk}
    with transaction.atomic():
        for kind, values in found.items():
            if not values:
                continue
            watch_list, _created = WatchList.objects.get_or_create(
                name=SMISHING_LISTS[kind],
                defaults={"kind": kind, "purpose": WatchList.Purpose.WATCH, "description": "smishing"},
            )
            existing = set(
                watch_list.entries.filter(removed_at__isnull=True, value__in=values).values_list(
                    "value", flat=True
                )
            )
            new = sorted(values - existing)
            if new:
                changes.append(
                    list_change_request(
                        user=user,
                        list_id=watch_list.pk,
                        add=[EntryIn(v, f"{why} (#{submission.pk})") for v in new],
                        reason=why,
                    )
                )
        if not changes:
            raise DetectionError(_("Every number of this report is already on the watch lists."))
    return changes[0]


# --- Approval -------------------------------------------------------------------------------------------


def change_approve(*, user: User, change_id: int, note: str = "") -> ChangeRequest:
    """Approve and apply a pending change, in one transaction with its audit event.

    Refused (ApprovalRefused) for the maker and for anyone without `detection.approve_detection`.
    Safe against concurrent approvers: only the UPDATE that finds the row still pending applies it;
    the others get DetectionError and nothing happens twice.
    """
    if not user.has_perm("detection.approve_detection"):
        raise ApprovalRefused(_("Approving needs the approver role."))
    change = ChangeRequest.objects.get(pk=change_id)
    if change.maker_id == user.pk:
        raise ApprovalRefused(_("The maker of a change cannot approve it."))
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            ChangeRequest.objects.filter(pk=change_id, status=ChangeRequest.Status.PENDING)
            .exclude(maker_id=user.pk)
            .update(status=ChangeRequest.Status.APPLIED, checker=user, decided_at=now, decision_note=note)
        )
        if claimed != 1:
            raise DetectionError(_("This change was already decided."))
        change.refresh_from_db()
        after = _APPLY[change.kind](change, user)
        ChangeRequest.objects.filter(pk=change.pk).update(after=after)
        change.after = after
        audit_record(
            action="detection.change.approved",
            target=change,
            actor=user,
            before=change.before,
            after=after,
            reason=note,
            context={
                "kind": change.kind,
                "maker": change.maker.get_username(),
                "backtest": change.backtest_id,
            },
        )
    return change


def change_reject(*, user: User, change_id: int, note: str) -> ChangeRequest:
    """Reject a pending change (a rejected publish returns the version to the editable draft). The
    maker may withdraw their own change this way. Audited."""
    change = ChangeRequest.objects.get(pk=change_id)
    if change.maker_id != user.pk and not user.has_perm("detection.approve_detection"):
        raise ApprovalRefused(_("Rejecting needs the approver role."))
    with transaction.atomic():
        claimed = ChangeRequest.objects.filter(pk=change_id, status=ChangeRequest.Status.PENDING).update(
            status=ChangeRequest.Status.REJECTED,
            checker=None if change.maker_id == user.pk else user,
            decided_at=timezone.now(),
            decision_note=note,
        )
        if claimed != 1:
            raise DetectionError(_("This change was already decided."))
        if change.kind == ChangeRequest.Kind.PUBLISH:
            RuleSetVersion.objects.filter(
                number=change.payload["version"], status=RuleSetVersion.Status.PENDING
            ).update(status=RuleSetVersion.Status.DRAFT)
        change.refresh_from_db()
        audit_record(action="detection.change.rejected", target=change, actor=user, reason=note)
    return change


def _make_live(number: int) -> RuleSetVersion:
    RuleSetVersion.objects.filter(is_live=True).update(is_live=False)
    target = RuleSetVersion.objects.get(number=number)
    target.is_live = True
    target.save(update_fields=["is_live"])
    return target


def _apply_publish(change: ChangeRequest, user: User) -> dict[str, Any]:
    version = RuleSetVersion.objects.select_for_update().get(number=change.payload["version"])
    if version.status != RuleSetVersion.Status.PENDING:
        raise DetectionError(_("This version is not waiting for approval."))
    version.status = RuleSetVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    _make_live(version.number)
    return {"live": version.number, "rules": rules_snapshot(version)}


def _apply_rollback(change: ChangeRequest, user: User) -> dict[str, Any]:
    # Rollback requests made before rollback became one click by an approver stay approvable.
    version = _make_live(change.payload["version"])
    return {"live": version.number}


def _apply_threshold(change: ChangeRequest, user: User) -> dict[str, Any]:
    from alerts.models import ModelVersion

    model = ModelVersion.objects.get(pk=change.payload["model_version"])
    threshold = AlertThreshold.objects.create(
        model_version=model,
        value=change.payload["value"],
        alerts_per_day=change.payload.get("alerts_per_day"),
        change=change,
    )
    return {"threshold": threshold.value, "model_version": model.name}


def _apply_list(change: ChangeRequest, user: User) -> dict[str, Any]:
    watch_list = WatchList.objects.get(pk=change.payload["list"])
    now = timezone.now()
    removed = ListEntry.objects.filter(
        watch_list=watch_list, pk__in=change.payload["remove"], removed_at__isnull=True
    ).update(removed_at=now)
    # An entry already on the list (added by another change meanwhile) is replaced by the new one.
    values = [row["value"] for row in change.payload["add"]]
    ListEntry.objects.filter(watch_list=watch_list, value__in=values, removed_at__isnull=True).update(
        removed_at=now
    )
    ListEntry.objects.bulk_create(
        [
            ListEntry(
                watch_list=watch_list,
                value=row["value"],
                reason=row["reason"],
                author_id=change.maker_id,
                expires_at=parse_datetime(row["expires_at"]) if row["expires_at"] else None,
                change=change,
            )
            for row in change.payload["add"]
        ]
    )
    return {"list": watch_list.name, "added": values, "removed": removed}


_APPLY: dict[str, Any] = {
    ChangeRequest.Kind.PUBLISH: _apply_publish,
    ChangeRequest.Kind.ROLLBACK: _apply_rollback,
    ChangeRequest.Kind.THRESHOLD: _apply_threshold,
    ChangeRequest.Kind.LIST: _apply_list,
}


# --- Backtests ---------------------------------------------------------------------------------------


def backtest_start(*, user: User, days: int) -> Backtest:
    """Queue a backtest of the draft against the live version over the last `days` days (after
    commit). Not idempotent: each call queues a new run."""
    from alerts.models import ModelVersion
    from detection.selectors import threshold_effective

    if not 1 <= days <= 365:
        raise DetectionError(_("Between 1 and 365 days."))
    draft = draft_get(user=user, create=True)
    assert draft is not None
    model = ModelVersion.objects.filter(is_active=True).values("id", "threshold").first()
    threshold = threshold_effective(
        model_version_id=model["id"] if model else None, model_threshold=model["threshold"] if model else 0.5
    )
    with transaction.atomic():
        backtest = Backtest.objects.create(
            version=draft,
            baseline=RuleSetVersion.objects.filter(is_live=True).first(),
            rules_snapshot=rules_snapshot(draft),
            days=days,
            threshold=threshold,
            created_by=user,
        )
        audit_record(
            action="detection.backtest.started",
            target=backtest,
            actor=user,
            after={"days": days, "version": draft.number},
        )
        transaction.on_commit(lambda: _backtest_enqueue(backtest.pk))
    return backtest


def _backtest_enqueue(backtest_id: int) -> None:
    from detection.tasks import backtest_run_task

    backtest_run_task.delay(backtest_id)


# --- Snoozes ------------------------------------------------------------------------------------------


def snooze_create(
    *, user: User, alert_id: int, rule_code: str, subject: str, days: int, reason: str
) -> RuleSnooze:
    """Switch one rule off for the alert's customer (`subject="customer"`) or beneficiary, for at most
    180 days, from an alert someone reviewed. Audited. Not idempotent (each call adds a snooze)."""
    from alerts.models import Alert

    alert = Alert.objects.select_related("transaction", "score").get(pk=alert_id)
    if alert.status in (Alert.Status.NEW, Alert.Status.CLAIMED) and alert.decided_at is None:
        raise DetectionError(_("Snooze a rule from an alert once it has been reviewed."))
    if rule_code not in alert.score.rule_hits:
        raise DetectionError(_("That rule did not fire on this alert."))
    if not 1 <= days <= MAX_SNOOZE_DAYS:
        raise DetectionError(_("A snooze lasts between 1 and %(n)s days.") % {"n": MAX_SNOOZE_DAYS})
    if not reason.strip():
        raise DetectionError(_("A reason is required."))
    tx = alert.transaction
    beneficiary = tx.beneficiary_account or tx.beneficiary_phone
    if subject == "beneficiary" and not beneficiary:
        raise DetectionError(_("This transaction has no beneficiary."))
    if subject not in ("customer", "beneficiary"):
        raise DetectionError(_("Snooze for the customer or for the beneficiary."))
    with transaction.atomic():
        snooze = RuleSnooze.objects.create(
            rule_code=rule_code,
            customer_id=alert.customer_id if subject == "customer" else None,
            beneficiary=beneficiary if subject == "beneficiary" else "",
            alert=alert,
            reason=reason.strip()[:500],
            until=timezone.now() + timedelta(days=days),
            created_by=user,
        )
        audit_record(
            action="detection.snooze.created",
            target=snooze,
            actor=user,
            after={
                "rule": rule_code,
                "subject": subject,
                "until": snooze.until.isoformat(),
                "alert": alert.pk,
            },
            reason=snooze.reason,
        )
    return snooze


def snooze_lift(*, user: User, snooze_id: int) -> RuleSnooze:
    """End a snooze now. Safe to repeat: lifting a lifted snooze changes nothing."""
    with transaction.atomic():
        lifted = RuleSnooze.objects.filter(pk=snooze_id, lifted_at__isnull=True).update(
            lifted_at=timezone.now(), lifted_by=user
        )
        snooze = RuleSnooze.objects.get(pk=snooze_id)
        if lifted:
            audit_record(
                action="detection.snooze.lifted",
                target=snooze,
                actor=user,
                before={"until": snooze.until.isoformat()},
            )
    return snooze


def backtest_run(*, backtest_id: int) -> Backtest:
    """Compute a queued backtest, writing its progress as it goes and its result at the end.

    Safe to repeat: a backtest already done is returned unchanged. On error it is marked failed
    with the message (and the error is raised again for the worker's log).
    """
    from detection.backtest import backtest_compute
    from detection.engine import ruleset_compile
    from detection.selectors import rule_specs, ruleset_compiled

    backtest = Backtest.objects.select_related("baseline").get(pk=backtest_id)
    if backtest.status == Backtest.Status.DONE:
        return backtest
    Backtest.objects.filter(pk=backtest_id).update(status=Backtest.Status.RUNNING, progress=0.0)
    snapshot = list(backtest.rules_snapshot)
    draft = ruleset_compile(lambda: rule_specs(snapshot), version=backtest.version.number, cache_key=None)
    live = ruleset_compiled(version=backtest.baseline)

    def progress(share: float) -> None:
        Backtest.objects.filter(pk=backtest_id).update(progress=round(share, 3))

    try:
        result = backtest_compute(
            draft=draft, live=live, threshold=backtest.threshold, days=backtest.days, progress=progress
        )
    except Exception as exc:
        Backtest.objects.filter(pk=backtest_id).update(
            status=Backtest.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    Backtest.objects.filter(pk=backtest_id).update(
        status=Backtest.Status.DONE, progress=1.0, result=result, finished_at=timezone.now()
    )
    backtest.refresh_from_db()
    return backtest

"""Shadow runs: a draft (or a published version that is not live) evaluated on live traffic beside
the live rule set, on every scoring batch, without alerting.

Starting and stopping are audited writes of a senior (`detection.approve_detection`); no alert,
score or list changes because of a shadow run, so it needs no second approver. The scoring batch
evaluates the shadow set on the columns it already built for the live one (detection.scoring) and
stores, per transaction where the two differ or either alerts, what the shadow set would have done.
The comparison reads those rows per day.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.features import KST
from audit.services import audit_record
from detection.engine import CompiledRuleSet, ruleset_compile
from detection.models import RuleSetVersion, ShadowOutcome, ShadowRun
from detection.vectorised import outcome_columns

if TYPE_CHECKING:
    from detection.scoring import BatchInputs

SAMPLES = 20


# --- Writes -------------------------------------------------------------------------------------------


def shadow_start(*, user: User, number: int | None = None, reason: str = "") -> ShadowRun:
    """Run a version in shadow from the next scoring batch on: the draft when `number` is None,
    else a published version that is not live. Its rules are frozen into the run, so editing the
    draft later does not change what runs. Audited. One shadow run at a time (DetectionError)."""
    from detection.services import DetectionError, rules_snapshot

    if not user.has_perm("detection.approve_detection"):
        raise PermissionError(_("Shadow runs need the approver role."))
    with transaction.atomic():
        if number is None:
            version = RuleSetVersion.objects.filter(status=RuleSetVersion.Status.DRAFT).first()
            if version is None:
                raise DetectionError(_("There is no draft to run in shadow."))
        else:
            version = RuleSetVersion.objects.filter(number=number).first()
            if version is None:
                raise DetectionError(_("There is no version %(n)s.") % {"n": number})
            if version.is_live:
                raise DetectionError(_("The live version already runs; choose another one for shadow."))
        snapshot = rules_snapshot(version)
        try:
            with transaction.atomic():
                run = ShadowRun.objects.create(
                    version=version, rules_snapshot=snapshot, reason=reason.strip()[:500], started_by=user
                )
        except IntegrityError:
            raise DetectionError(_("A shadow run is already on; stop it first.")) from None
        audit_record(
            action="detection.shadow.started",
            target=run,
            actor=user,
            after={"version": version.number, "rules": [r["code"] for r in snapshot if r["enabled"]]},
            reason=run.reason,
        )
    return run


def shadow_stop(*, user: User, run_id: int, reason: str = "") -> ShadowRun:
    """Stop a shadow run now (batches from then on evaluate only the live set). Audited. Safe to
    repeat: stopping a stopped run changes nothing."""
    if not user.has_perm("detection.approve_detection"):
        raise PermissionError(_("Shadow runs need the approver role."))
    with transaction.atomic():
        now = timezone.now()
        stopped = ShadowRun.objects.filter(pk=run_id, active=True).update(
            active=False, stopped_at=now, stopped_by=user
        )
        run = ShadowRun.objects.select_related("version").get(pk=run_id)
        if stopped:
            audit_record(
                action="detection.shadow.stopped",
                target=run,
                actor=user,
                before={"active": True, "version": run.version.number},
                after={"active": False, "transactions": run.transactions},
                reason=reason.strip()[:500],
            )
    return run


# --- Scoring -----------------------------------------------------------------------------------------


def shadow_live() -> tuple[ShadowRun, CompiledRuleSet] | None:
    """The active shadow run and its rules, compiled once per run and process: one query a batch."""
    from detection.selectors import rule_specs

    run = ShadowRun.objects.filter(active=True).select_related("version").first()
    if run is None:
        return None
    snapshot = run.rules_snapshot
    compiled = ruleset_compile(
        lambda: rule_specs(snapshot), version=run.version.number, cache_key=("shadow", run.pk, run.started_at)
    )
    return run, compiled


def shadow_batch_record(
    *,
    run: ShadowRun,
    shadow: CompiledRuleSet,
    live: CompiledRuleSet,
    live_fired: dict[str, np.ndarray],
    inputs: BatchInputs,
    probabilities: np.ndarray,
    threshold: float,
) -> int:
    """Evaluate the shadow set over the batch's inputs and store what it would have done where it
    differs from live or either alerts. Runs inside the scoring transaction: a batch that rolls
    back leaves no shadow rows. Returns the rows stored."""
    from detection.scoring import rules_fire

    fired = rules_fire(shadow, inputs)
    live_final, live_alerted = outcome_columns(live.specs, live_fired, probabilities, threshold)
    final, alerted = outcome_columns(shadow.specs, fired, probabilities, threshold)
    differs = np.zeros(inputs.rows, dtype=bool)
    for code in set(fired) | set(live_fired):
        a, b = fired.get(code), live_fired.get(code)
        if a is None or b is None:
            differs |= a if a is not None else b  # type: ignore[arg-type]
        else:
            differs |= a != b
    keep = np.flatnonzero(alerted | live_alerted | differs).tolist()
    now = timezone.now()
    rows = [
        ShadowOutcome(
            run_id=run.pk,
            transaction_id=inputs.transactions[i].pk,
            model_score=float(probabilities[i]),
            score=float(final[i]),
            live_score=float(live_final[i]),
            alerted=bool(alerted[i]),
            live_alerted=bool(live_alerted[i]),
            rule_hits=[code for code in shadow.codes if fired[code][i]],
            live_rule_hits=[code for code in live.codes if live_fired[code][i]],
            created_at=now,
        )
        for i in keep
    ]
    if rows:
        ShadowOutcome.objects.bulk_create(rows)
    ShadowRun.objects.filter(pk=run.pk).update(transactions=F("transactions") + inputs.rows)
    return len(rows)


# --- Reads -------------------------------------------------------------------------------------------


def shadow_comparison(*, run: ShadowRun) -> dict[str, Any]:
    """Per day (Korean dates) and in total: alerts live and in shadow, alerts added and removed,
    confirmed frauds caught by each and missed, and sample transactions that would newly alert or
    stop alerting."""
    from alerts.models import Score

    until = run.stopped_at or timezone.now()
    per_day: dict[str, Counter[str]] = {}
    totals: Counter[str] = Counter()
    samples: dict[str, list[dict[str, Any]]] = {"added": [], "removed": []}
    rows = (
        ShadowOutcome.objects.filter(run=run)
        .order_by("created_at", "id")
        .values_list(
            "created_at",
            "alerted",
            "live_alerted",
            "transaction__is_fraud",
            "transaction__external_id",
            "transaction_id",
            "model_score",
            "score",
            "live_score",
            "rule_hits",
            "live_rule_hits",
        )
    )
    for (
        created_at,
        alerted,
        live_alerted,
        is_fraud,
        external_id,
        tx_id,
        p,
        score,
        live_score,
        hits,
        live_hits,
    ) in rows.iterator(chunk_size=5000):
        day = _day(created_at)
        counts = per_day.setdefault(day, Counter())
        for key, flag in (
            ("shadow", alerted),
            ("live", live_alerted),
            ("added", alerted and not live_alerted),
            ("removed", live_alerted and not alerted),
            ("shadow_frauds", alerted and is_fraud is True),
            ("live_frauds", live_alerted and is_fraud is True),
        ):
            if flag:
                counts[key] += 1
                totals[key] += 1
        kind = "added" if alerted and not live_alerted else "removed" if live_alerted and not alerted else ""
        if kind and len(samples[kind]) < SAMPLES:
            samples[kind].append(
                {
                    "transaction": external_id,
                    "transaction_id": tx_id,
                    "created_at": created_at.isoformat(),
                    "model_score": round(p, 4),
                    "score_shadow": round(score, 4),
                    "score_live": round(live_score, 4),
                    "rules_shadow": hits,
                    "rules_live": live_hits,
                    "is_fraud": is_fraud,
                }
            )
    frauds = Score.objects.filter(
        created_at__gte=run.started_at, created_at__lte=until, transaction__is_fraud=True
    ).count()
    days = sorted(per_day)
    return {
        "run": run.pk,
        "version": run.version.number,
        "transactions": run.transactions,
        "days": days,
        "per_day": {key: [per_day[d][key] for d in days] for key in ("live", "shadow", "added", "removed")},
        "totals": {
            "live": {
                "alerts": totals["live"],
                "frauds_caught": totals["live_frauds"],
                "frauds_missed": frauds - totals["live_frauds"],
            },
            "shadow": {
                "alerts": totals["shadow"],
                "frauds_caught": totals["shadow_frauds"],
                "frauds_missed": frauds - totals["shadow_frauds"],
            },
        },
        "alerts_added": totals["added"],
        "alerts_removed": totals["removed"],
        "confirmed_frauds": frauds,
        "samples": samples,
    }


def _day(when: datetime) -> str:
    return when.astimezone(KST).date().isoformat()

"""What the scoring batch needs from detection, loaded once per batch.

`rules_batch_load` reads the live rule set (compiled once per version and process), the effective
threshold, the smishing evidence, list memberships and snoozes for the batch's transactions in a
handful of queries; `RuleBatch.hits` then evaluates one transaction without touching the database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from alerts.features import FEATURE_NAMES
from detection.engine import SMISHING_FIELDS, CompiledRuleSet, RuleHit
from detection.selectors import (
    SmishingEvidence,
    list_memberships,
    ruleset_live,
    smishing_evidence,
    snoozes_active,
    threshold_effective,
)

if TYPE_CHECKING:
    from alerts.models import Transaction

_NO_EVIDENCE = SmishingEvidence()


def transaction_values(
    tx: Transaction, features: Sequence[float], *, evidence: SmishingEvidence = _NO_EVIDENCE
) -> dict[str, Any]:
    """The declared rule fields of one transaction (missing feature values are null)."""
    values: dict[str, Any] = {
        name: (None if math.isnan(v) else float(v)) for name, v in zip(FEATURE_NAMES, features, strict=True)
    }
    merchant = tx.merchant
    values.update(
        tx_channel=tx.channel,
        tx_country=tx.country,
        beneficiary_account=tx.beneficiary_account,
        beneficiary_phone=tx.beneficiary_phone,
        customer_id=tx.customer.external_id,
        customer_segment=tx.customer.segment,
        merchant_id=merchant.external_id if merchant is not None else "",
        merchant_category=merchant.category if merchant is not None else "",
        merchant_country=merchant.country if merchant is not None else "",
        smishing_reports=evidence.reports,
        smishing_reporters=evidence.reporters,
        smishing_confirmed=evidence.confirmed,
    )
    return values


@dataclass
class RuleBatch:
    rules: CompiledRuleSet
    threshold: float
    memberships: set[tuple[str, str]] = field(default_factory=set)
    evidence: dict[str, SmishingEvidence] = field(default_factory=dict)
    snoozed_customers: dict[int, set[str]] = field(default_factory=dict)
    snoozed_beneficiaries: dict[str, set[str]] = field(default_factory=dict)

    @property
    def version(self) -> int | None:
        return self.rules.version

    def in_list(self, name: str, value: str) -> bool:
        return (name, value) in self.memberships

    def hits(self, tx: Transaction, features: Sequence[float]) -> list[RuleHit]:
        if not self.rules.rules:
            return []
        key = tx.beneficiary_account or tx.beneficiary_phone
        values = transaction_values(tx, features, evidence=self.evidence.get(key, _NO_EVIDENCE))
        snoozed = self.snoozed_customers.get(tx.customer_id, set())
        if key and key in self.snoozed_beneficiaries:
            snoozed = snoozed | self.snoozed_beneficiaries[key]
        return self.rules.evaluate(values, in_list=self.in_list, snoozed=snoozed)


def rules_batch_load(
    *, transactions: Sequence[Transaction], model_version_id: int | None, model_threshold: float
) -> RuleBatch:
    """Everything the batch's rule evaluation reads, in at most six queries."""
    rules = ruleset_live()
    batch = RuleBatch(
        rules=rules,
        threshold=threshold_effective(model_version_id=model_version_id, model_threshold=model_threshold),
    )
    if not transactions or not rules.rules:
        return batch
    if rules.variables & SMISHING_FIELDS:
        batch.evidence = smishing_evidence(
            accounts=sorted({tx.beneficiary_account for tx in transactions if tx.beneficiary_account}),
            phones=sorted({tx.beneficiary_phone for tx in transactions if tx.beneficiary_phone}),
        )
    values: set[str] = set()
    for tx in transactions:
        values.update((tx.beneficiary_account, tx.beneficiary_phone, tx.customer.external_id, tx.country))
        if tx.merchant is not None:
            values.add(tx.merchant.external_id)
    batch.memberships = list_memberships(values=values)
    batch.snoozed_customers, batch.snoozed_beneficiaries = snoozes_active(
        customer_ids={tx.customer_id for tx in transactions},
        beneficiaries={tx.beneficiary_account or tx.beneficiary_phone for tx in transactions},
    )
    return batch

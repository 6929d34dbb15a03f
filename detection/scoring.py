"""What the scoring batch needs from detection, loaded once per batch.

`rules_batch_load` reads the live rule set (compiled once per version and process), the effective
threshold, the smishing evidence, list memberships and snoozes for the batch's transactions in a
handful of queries, and evaluates every rule in the common CEL subset over the batch's columns at
once (detection.vectorised); `RuleBatch.hits` then gives one transaction's hits without touching the
database, evaluating with CEL only the rules outside that subset.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from alerts.features import FEATURE_INDEX, FEATURE_NAMES
from detection.engine import (
    FIELDS,
    SMISHING_FIELDS,
    STRING,
    CompiledRuleSet,
    RuleHit,
    context_build,
    reason_render,
    score_combine,
)
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
    tx: Transaction,
    features: Sequence[float],
    *,
    evidence: SmishingEvidence = _NO_EVIDENCE,
    strings_only: bool = False,
) -> dict[str, Any]:
    """The declared rule fields of one transaction (missing feature values are null)."""
    values: dict[str, Any] = (
        {}
        if strings_only
        else {
            name: (None if math.isnan(v) else float(v))
            for name, v in zip(FEATURE_NAMES, features, strict=True)
        }
    )
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
    # Per rule code, which rows of the batch it fires on (rules in the column-wise subset).
    fired: dict[str, np.ndarray] = field(default_factory=dict)
    positions: dict[int, int] = field(default_factory=dict)

    @property
    def version(self) -> int | None:
        return self.rules.version

    def combine(self, probability: float, hits: Sequence[RuleHit]) -> tuple[float, bool]:
        return score_combine(probability, hits)

    def in_list(self, name: str, value: str) -> bool:
        return (name, value) in self.memberships

    def hits(self, tx: Transaction, features: Sequence[float]) -> list[RuleHit]:
        if not self.rules.rules:
            return []
        key = tx.beneficiary_account or tx.beneficiary_phone
        snoozed = self.snoozed_customers.get(tx.customer_id, set())
        if key and key in self.snoozed_beneficiaries:
            snoozed = snoozed | self.snoozed_beneficiaries[key]
        row = self.positions.get(tx.pk)
        values: dict[str, Any] | None = None
        context = None
        hits = []
        for spec, program in self.rules.rules:
            if spec.code in snoozed:
                continue
            fired = self.fired.get(spec.code)
            if fired is not None and row is not None:
                if not fired[row]:
                    continue
            else:
                if values is None:
                    values = transaction_values(tx, features, evidence=self.evidence.get(key, _NO_EVIDENCE))
                if context is None:
                    context = context_build(values, self.rules.variables, in_list=self.in_list)
                try:
                    if program.execute(context) is not True:
                        continue
                except (TypeError, RuntimeError, ValueError, ZeroDivisionError, LookupError):
                    continue
            if values is None:
                values = transaction_values(tx, features, evidence=self.evidence.get(key, _NO_EVIDENCE))
            hits.append(
                RuleHit(
                    spec.code,
                    spec.effect,
                    spec.value,
                    reason_render(spec.reason_ko, values),
                    reason_render(spec.reason_en, values),
                )
            )
        return hits

    def columns_evaluate(self, transactions: Sequence[Transaction], matrix: np.ndarray) -> None:
        """Evaluate every rule of the column-wise subset over the whole batch at once."""
        from detection.vectorised import vector_compile

        rules = self.rules
        if rules.vectors is None:
            rules.vectors = {spec.code: vector_compile(spec.condition) for spec, _ in rules.rules}
        if not any(rules.vectors.values()) or len(matrix) == 0:
            return
        columns: dict[str, Any] = {}
        for name in rules.variables:
            if name in FEATURE_INDEX:
                columns[name] = matrix[:, FEATURE_INDEX[name]]
            elif name in SMISHING_FIELDS:
                attribute = name.removeprefix("smishing_")
                columns[name] = np.array(
                    [
                        getattr(
                            self.evidence.get(tx.beneficiary_account or tx.beneficiary_phone, _NO_EVIDENCE),
                            attribute,
                        )
                        for tx in transactions
                    ],
                    dtype=np.float64,
                )
            elif FIELDS.get(name) == STRING:
                columns[name] = np.array(
                    [transaction_values(tx, (), strings_only=True)[name] for tx in transactions], dtype=object
                )
        by_list: dict[str, set[str]] = {}
        for list_name, value in self.memberships:
            by_list.setdefault(list_name, set()).add(value)

        def in_list(name: str, column: Any) -> np.ndarray:
            members = by_list.get(name)
            if not members:
                return np.zeros(len(column), dtype=bool)
            return np.fromiter((v in members for v in column), dtype=bool, count=len(column))

        rows = len(transactions)
        for code, vector in rules.vectors.items():
            if vector is not None:
                self.fired[code] = vector.fired(columns, in_list=in_list, rows=rows)
        self.positions = {tx.pk: i for i, tx in enumerate(transactions)}


def rules_batch_load(
    *,
    transactions: Sequence[Transaction],
    model_version_id: int | None,
    model_threshold: float,
    matrix: np.ndarray | None = None,
) -> RuleBatch:
    """Everything the batch's rule evaluation reads, in at most six queries; with the batch's feature
    `matrix` (rows in the order of `transactions`), the column-wise rules are evaluated at once."""
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
    if matrix is not None:
        batch.columns_evaluate(transactions, matrix)
    return batch

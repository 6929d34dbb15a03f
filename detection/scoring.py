"""What the scoring batch needs from detection, loaded and evaluated once per batch.

`rules_batch_load` reads the live rule set (compiled once per version and process, with its
column-wise evaluators), the effective threshold, the smishing evidence, list memberships and
snoozes for the batch's transactions in a handful of queries. It then builds the batch's columns
once (features straight from the feature matrix, strings and evidence in one pass over the
transactions) and evaluates every rule over all rows at once (detection.vectorised); only a rule
outside the common CEL subset is evaluated row by row with CEL. `RuleBatch.hits` is then a lookup.
A rule's reason text is rendered only when read, i.e. for rules that fired on a transaction that
alerts. With a rule set in shadow, the same columns serve it too (detection.shadow).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

import numpy as np

from alerts.features import FEATURE_INDEX, FEATURE_NAMES
from detection.engine import (
    FIELDS,
    LIST_FUNCTION,
    SMISHING_FIELDS,
    STRING,
    CompiledRuleSet,
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
from detection.vectorised import rule_list_uses

if TYPE_CHECKING:
    from alerts.models import Transaction

_NO_EVIDENCE = SmishingEvidence()
_RUN_TIME_ERRORS = (TypeError, RuntimeError, ValueError, ZeroDivisionError, LookupError)
_NO_HITS: tuple[FiredRule, ...] = ()


def _merchant_field(name: str) -> Callable[[Transaction], str]:
    def get(tx: Transaction) -> str:
        merchant = tx.merchant
        return str(getattr(merchant, name)) if merchant is not None else ""

    return get


# How each string field is read from a transaction (customer and merchant are select_related).
STRING_GETTERS: dict[str, Callable[[Transaction], str]] = {
    "tx_channel": lambda tx: tx.channel,
    "tx_country": lambda tx: tx.country,
    "beneficiary_account": lambda tx: tx.beneficiary_account,
    "beneficiary_phone": lambda tx: tx.beneficiary_phone,
    "customer_id": lambda tx: tx.customer.external_id,
    "customer_segment": lambda tx: tx.customer.segment,
    "merchant_id": _merchant_field("external_id"),
    "merchant_category": _merchant_field("category"),
    "merchant_country": _merchant_field("country"),
}


def transaction_values(
    tx: Transaction, features: Sequence[float], *, evidence: SmishingEvidence = _NO_EVIDENCE
) -> dict[str, Any]:
    """The declared rule fields of one transaction (missing feature values are null)."""
    values: dict[str, Any] = {
        name: (None if math.isnan(v) else float(v)) for name, v in zip(FEATURE_NAMES, features, strict=True)
    }
    values.update({name: get(tx) for name, get in STRING_GETTERS.items()})
    values.update(
        smishing_reports=evidence.reports,
        smishing_reporters=evidence.reporters,
        smishing_confirmed=evidence.confirmed,
    )
    return values


def _beneficiary(tx: Transaction) -> str:
    return tx.beneficiary_account or tx.beneficiary_phone


class FiredRule:
    """One rule that fired on one transaction; its reasons are rendered on first read."""

    def __init__(
        self,
        code: str,
        effect: str,
        value: float,
        reasons: tuple[str, str],
        values: Callable[[], dict[str, Any]],
    ) -> None:
        self.code, self.effect, self.value = code, effect, value
        self._reason_ko, self._reason_en = reasons
        self._values = values

    @cached_property
    def text_ko(self) -> str:
        return reason_render(self._reason_ko, self._values())

    @cached_property
    def text_en(self) -> str:
        return reason_render(self._reason_en, self._values())


@dataclass
class BatchInputs:
    """One batch's rule inputs, prepared once and shared by the live and any shadow rule set."""

    transactions: Sequence[Transaction]
    matrix: np.ndarray
    evidence: dict[str, SmishingEvidence] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)
    snoozed_customers: dict[int, set[str]] = field(default_factory=dict)
    snoozed_beneficiaries: dict[str, set[str]] = field(default_factory=dict)
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    _values: dict[int, dict[str, Any]] = field(default_factory=dict)
    _snooze_masks: dict[str, np.ndarray] = field(default_factory=dict)
    _evidence_rows: list[SmishingEvidence] | None = None

    @property
    def rows(self) -> int:
        return len(self.transactions)

    def columns_build(self, names: frozenset[str]) -> None:
        """Numpy columns of the fields `names` (features are views into the matrix)."""
        for name in names:
            if name in self.columns:
                continue
            if name in FEATURE_INDEX:
                self.columns[name] = self.matrix[:, FEATURE_INDEX[name]]
            elif name in SMISHING_FIELDS:
                if self._evidence_rows is None:
                    self._evidence_rows = [
                        self.evidence.get(_beneficiary(tx), _NO_EVIDENCE) for tx in self.transactions
                    ]
                attribute = name.removeprefix("smishing_")
                self.columns[name] = np.array(
                    [getattr(e, attribute) for e in self._evidence_rows], dtype=np.float64
                )
            elif FIELDS.get(name) == STRING:
                get = STRING_GETTERS[name]
                self.columns[name] = np.array([get(tx) for tx in self.transactions], dtype=object)

    def in_list_column(self, name: str, field_name: str, columns: Any) -> np.ndarray:
        members = self.members.get(name)
        column = columns[field_name]
        if not members:
            return np.zeros(len(column), dtype=bool)
        return np.fromiter((v in members for v in column), dtype=bool, count=len(column))

    def in_list(self, name: str, value: str) -> bool:
        members = self.members.get(name)
        return members is not None and value in members

    def snoozed(self, code: str) -> np.ndarray | None:
        """Rows on which rule `code` is snoozed (for the customer or the beneficiary); None: none."""
        if code in self._snooze_masks:
            return self._snooze_masks[code]
        mask = None
        if any(code in codes for codes in self.snoozed_customers.values()) or any(
            code in codes for codes in self.snoozed_beneficiaries.values()
        ):
            customers = self.snoozed_customers
            beneficiaries = self.snoozed_beneficiaries
            mask = np.fromiter(
                (
                    code in customers.get(tx.customer_id, ())
                    or code in beneficiaries.get(_beneficiary(tx), ())
                    for tx in self.transactions
                ),
                dtype=bool,
                count=self.rows,
            )
        self._snooze_masks[code] = mask  # type: ignore[assignment]
        return mask

    def values(self, row: int) -> dict[str, Any]:
        """All declared fields of one row (for reasons and for rules CEL evaluates), built once."""
        values = self._values.get(row)
        if values is None:
            tx = self.transactions[row]
            values = transaction_values(
                tx, self.matrix[row], evidence=self.evidence.get(_beneficiary(tx), _NO_EVIDENCE)
            )
            self._values[row] = values
        return values


def list_fields(rule_sets: Sequence[CompiledRuleSet]) -> frozenset[str]:
    """The fields the rules test for list membership; every string field when a rule CEL evaluates
    row by row calls `in_list` (then anything may be asked)."""
    uses, unread = rule_list_uses(rule_sets)
    fields = {field_name for _, field_name in uses}
    if unread or not fields <= STRING_GETTERS.keys():
        return frozenset(STRING_GETTERS)
    return frozenset(fields)


def inputs_load(
    *,
    transactions: Sequence[Transaction],
    matrix: np.ndarray,
    names: frozenset[str],
    listed: frozenset[str] = frozenset(STRING_GETTERS),
) -> BatchInputs:
    """Evidence, memberships and snoozes for the batch (one query each, only what `names` need),
    and the columns of the fields `names`. Memberships are looked up for the values of the `listed`
    fields only (those the rules test with `in_list`), and not at all when no rule tests one."""
    inputs = BatchInputs(transactions=transactions, matrix=matrix)
    if names & SMISHING_FIELDS:
        inputs.evidence = smishing_evidence(
            accounts=sorted({tx.beneficiary_account for tx in transactions if tx.beneficiary_account}),
            phones=sorted({tx.beneficiary_phone for tx in transactions if tx.beneficiary_phone}),
        )
    if listed:
        getters = [STRING_GETTERS[name] for name in sorted(listed)]
        values = {get(tx) for tx in transactions for get in getters}
        for list_name, value in list_memberships(values=values):
            inputs.members.setdefault(list_name, set()).add(value)
    inputs.snoozed_customers, inputs.snoozed_beneficiaries = snoozes_active(
        customer_ids={tx.customer_id for tx in transactions},
        beneficiaries={_beneficiary(tx) for tx in transactions},
    )
    inputs.columns_build(names)
    return inputs


def rules_fire(rules: CompiledRuleSet, inputs: BatchInputs) -> dict[str, np.ndarray]:
    """Per rule code, the rows it fires on (snoozes applied). Column-wise for the common subset;
    CEL row by row only for the rules outside it. A rule that fails at run time does not fire."""
    fired: dict[str, np.ndarray] = {}
    slow = []
    for spec, program in rules.rules:
        vector = rules.vectors.get(spec.code)
        if vector is not None:
            fired[spec.code] = vector.fired(inputs.columns, in_list=inputs.in_list_column, rows=inputs.rows)
        else:
            slow.append((spec, program))
    if slow:
        import cel

        out = {spec.code: np.zeros(inputs.rows, dtype=bool) for spec, _ in slow}
        functions = {LIST_FUNCTION: inputs.in_list}
        for row in range(inputs.rows):
            values = inputs.values(row)
            context = cel.Context({n: values.get(n) for n in rules.variables}, functions)
            for spec, program in slow:
                try:
                    out[spec.code][row] = program.execute(context) is True
                except _RUN_TIME_ERRORS:
                    continue
        fired.update(out)
    for code, mask in fired.items():
        snoozed = inputs.snoozed(code)
        if snoozed is not None:
            fired[code] = mask & ~snoozed
    return fired


def hits_by_row(
    rules: CompiledRuleSet, fired: dict[str, np.ndarray], inputs: BatchInputs
) -> dict[int, list[FiredRule]]:
    """Row → the rules that fired on it, in rule order; rows with none are absent."""
    out: dict[int, list[FiredRule]] = {}
    values: Callable[[int], dict[str, Any]] = inputs.values
    for spec in rules.specs:
        reasons = (spec.reason_ko, spec.reason_en)
        for row in np.flatnonzero(fired[spec.code]).tolist():
            out.setdefault(row, []).append(
                FiredRule(spec.code, spec.effect, spec.value, reasons, partial(values, row))
            )
    return out


@dataclass
class RuleBatch:
    rules: CompiledRuleSet
    threshold: float
    # Transaction pk → the live rules that fired on it.
    by_transaction: dict[int, list[FiredRule]] = field(default_factory=dict)

    @property
    def version(self) -> int | None:
        return self.rules.version

    def combine(self, probability: float, hits: Sequence[Any]) -> tuple[float, bool]:
        return score_combine(probability, hits)

    def hits(self, tx: Transaction, features: Sequence[float]) -> Sequence[FiredRule]:
        return self.by_transaction.get(tx.pk, _NO_HITS)


def rules_batch_load(
    *,
    transactions: Sequence[Transaction],
    model_version_id: int | None,
    model_threshold: float,
    matrix: np.ndarray | None = None,
    probabilities: np.ndarray | None = None,
) -> RuleBatch:
    """Everything the batch's rule evaluation reads, in at most seven queries, evaluated over the
    batch's feature `matrix` (rows in the order of `transactions`). With `probabilities` and a rule
    set in shadow, the shadow set is evaluated on the same inputs and what it would have done is
    stored (detection.shadow), without alerting."""
    from detection.shadow import shadow_batch_record, shadow_live

    rules = ruleset_live()
    batch = RuleBatch(
        rules=rules,
        threshold=threshold_effective(model_version_id=model_version_id, model_threshold=model_threshold),
    )
    shadow = shadow_live() if probabilities is not None else None
    if not transactions or (not rules.rules and shadow is None):
        return batch
    if matrix is None:
        raise ValueError("rules are evaluated over the batch's feature matrix")
    names = rules.variables | (shadow[1].variables if shadow is not None else frozenset())
    listed = list_fields([rules] if shadow is None else [rules, shadow[1]])
    inputs = inputs_load(transactions=transactions, matrix=matrix, names=names, listed=listed)
    fired = rules_fire(rules, inputs)
    batch.by_transaction = {
        transactions[row].pk: hits for row, hits in hits_by_row(rules, fired, inputs).items()
    }
    if shadow is not None:
        assert probabilities is not None
        shadow_batch_record(
            run=shadow[0],
            shadow=shadow[1],
            live=rules,
            live_fired=fired,
            inputs=inputs,
            probabilities=np.asarray(probabilities, dtype=np.float64),
            threshold=batch.threshold,
        )
    return batch

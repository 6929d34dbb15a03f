"""FDS writes: ingest, scoring and labels (model versions are in alerts.model_versions).

Everything that changes FDS data goes through here, so the side effects (rows, audit events, Celery
enqueues, websocket pushes) are visible in one place.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import orjson
from django.conf import settings
from django.db import DataError, connection, transaction
from django.utils import timezone

from alerts import features as fx
from alerts import model_versions
from alerts.labels import labels_import
from alerts.models import (
    CHANNEL_LABELS,
    CHANNEL_NAMES_KO,
    MERCHANT_CATEGORY_LABELS,
    MERCHANT_CATEGORY_NAMES_KO,
    Account,
    Alert,
    Customer,
    CustomerBehaviour,
    Merchant,
    MerchantCategory,
    MerchantDay,
    Score,
    Segment,
    ShadowScore,
    Transaction,
    english_label,
)
from alerts.push import alert_rows_push_on_commit
from alerts.rule_hooks import rules_batch_load
from alerts.schemas import TransactionIn
from alerts.scoring import ReasonContext, reasons_explain
from audit.services import AuditEntry, audit_record_many

log = logging.getLogger(__name__)
SCORING_ACTOR = "system:scoring"


# --- Ingest ----------------------------------------------------------------------------------


@dataclass
class IngestResult:
    created: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)


def _customers_ensure(rows: Sequence[TransactionIn]) -> dict[str, int]:
    wanted: dict[str, Customer] = {}
    for row in rows:
        if row.customer_id in wanted:
            continue
        info = row.customer
        wanted[row.customer_id] = Customer(
            external_id=row.customer_id,
            birth_date=info.birth_date if info else None,
            segment=(info.segment if info and info.segment else Segment.UNKNOWN),
            display_name=(info.display_name or "") if info else "",
        )
    # First write wins: customer master data is owned by core banking, not by transaction feeds.
    # Inserted in key order: two feeds creating the same new customers in opposite orders would each
    # wait on the other's uncommitted rows, a deadlock the database breaks by failing one batch.
    Customer.objects.bulk_create(
        [wanted[key] for key in sorted(wanted)], ignore_conflicts=True, batch_size=2000
    )
    return dict(Customer.objects.filter(external_id__in=list(wanted)).values_list("external_id", "id"))


def _merchants_ensure(rows: Sequence[TransactionIn]) -> dict[str, int]:
    wanted: dict[str, Merchant] = {}
    for row in rows:
        if row.merchant_id is None or row.merchant_id in wanted:
            continue
        info = row.merchant
        wanted[row.merchant_id] = Merchant(
            external_id=row.merchant_id,
            name=info.name if info else "",
            category=info.category if info else MerchantCategory.OTHER,
            country=info.country if info else row.country,
        )
    if not wanted:
        return {}
    Merchant.objects.bulk_create(  # in key order, as customers are
        [wanted[key] for key in sorted(wanted)], ignore_conflicts=True, batch_size=2000
    )
    return dict(Merchant.objects.filter(external_id__in=list(wanted)).values_list("external_id", "id"))


class IngestRejected(Exception):
    """Rows that passed validation but contradict stored data; nothing was written."""

    def __init__(self, problems: list[tuple[int, str, str, str]]) -> None:
        self.problems = problems  # (row index, external id, field, message)
        super().__init__(
            "; ".join(f"row {i} ({ext}): {fieldname} {msg}" for i, ext, fieldname, msg in problems)
        )


def transaction_accounts_resolve(rows: Sequence[TransactionIn]) -> dict[str, int]:
    """account external id → pk for the rows' accounts that belong to the row's own customer.

    Accounts are bound to customers by the customer master only (alerts.customer_master); a feed
    never creates one. An unknown account is left unlinked (the transaction is still stored and
    scored). Raises IngestRejected for a row naming another customer's account. Bindings never
    change once made, so checking before the insert is not racy.
    """
    names = {row.account_id for row in rows if row.account_id}
    if not names:
        return {}
    owners = {
        external_id: (pk, customer)
        for external_id, pk, customer in Account.objects.filter(external_id__in=names).values_list(
            "external_id", "id", "customer__external_id"
        )
    }
    problems = [
        (index, row.external_id, "account_id", "belongs to another customer")
        for index, row in enumerate(rows)
        if row.account_id in owners and owners[row.account_id][1] != row.customer_id
    ]
    if problems:
        raise IngestRejected(problems)
    return {external_id: pk for external_id, (pk, _customer) in owners.items()}


class LabelsNotAccepted(ValueError):
    """Live ingest carried fraud labels: labels come only through the labels endpoint."""

    def __init__(self, positions: list[int]):
        super().__init__(f"{len(positions)} transactions carry is_fraud")
        self.positions = positions


def transactions_ingest(
    *,
    rows: Sequence[TransactionIn],
    source: str,
    historical: bool = False,
    enqueue: bool = True,
    accept_labels: bool = False,
) -> IngestResult:
    """Store validated transactions once each and queue them for scoring.

    Side effects: creates unknown customers and merchants (never accounts: see `transaction_accounts_resolve`,
    which raises IngestRejected, writing nothing, for another customer's account); inserts the transactions whose
    external id is new; after commit, enqueues scoring tasks in batches. Safe to repeat and to run
    concurrently with itself: a re-sent external id is reported as a duplicate and stored once (the
    unique constraint decides, and `ingest_batch` tells this request's rows from a concurrent one's).
    `historical=True` imports history: folded into behaviour state, never scored or alerted.
    Labels (`is_fraud`) are refused unless `accept_labels` (bulk imports of labelled history); accepted
    ones are recorded as Label rows of source "import" naming `source`.
    """
    if not accept_labels:
        carrying = [i for i, row in enumerate(rows) if row.is_fraud is not None]
        if carrying:
            raise LabelsNotAccepted(carrying)
    result = IngestResult()
    seen: set[str] = set()
    unique_rows: list[TransactionIn] = []
    for row in rows:
        if row.external_id in seen:
            result.duplicates.append(row.external_id)
        else:
            seen.add(row.external_id)
            unique_rows.append(row)
    if not unique_rows:
        return result
    batch = uuid.uuid4()
    now = timezone.now()
    status = Transaction.Status.HISTORY_PENDING if historical else Transaction.Status.RECEIVED
    accounts = transaction_accounts_resolve(rows)
    with transaction.atomic():
        customers = _customers_ensure(unique_rows)
        merchants = _merchants_ensure(unique_rows)
        objects = [
            Transaction(
                external_id=row.external_id,
                customer_id=customers[row.customer_id],
                account_id=accounts.get(row.account_id) if row.account_id else None,
                merchant_id=merchants.get(row.merchant_id) if row.merchant_id else None,
                beneficiary_account=(row.beneficiary_account or "").replace("-", ""),
                beneficiary_phone=(row.beneficiary_phone or "").replace("-", "").replace("+82", "0"),
                amount=row.amount,
                occurred_at=row.occurred_at,
                channel=row.channel,
                country=row.country,
                received_at=now,
                status=status,
                is_fraud=row.is_fraud,
                labelled_at=now if row.is_fraud is not None else None,
                label_source=f"import:{source}" if row.is_fraud is not None else "",
                ingest_batch=batch,
            )
            for row in unique_rows
        ]
        Transaction.objects.bulk_create(objects, ignore_conflicts=True, batch_size=2000)
        mine: dict[str, int] = {}
        for tx_id, external_id, stored_batch in Transaction.objects.filter(
            external_id__in=[row.external_id for row in unique_rows]
        ).values_list("id", "external_id", "ingest_batch"):
            if stored_batch == batch:
                mine[external_id] = tx_id
        for row in unique_rows:
            if row.external_id in mine:
                result.created.append(row.external_id)
                result.created_ids.append(mine[row.external_id])
            else:
                result.duplicates.append(row.external_id)
        if accept_labels:
            labels_import(
                pairs=[
                    (mine[r.external_id], r.is_fraud)
                    for r in unique_rows
                    if r.external_id in mine and r.is_fraud is not None
                ],
                source_name=f"import:{source}",
            )
        if enqueue and result.created_ids:
            ids = list(result.created_ids)
            transaction.on_commit(lambda: _scoring_enqueue_after_commit(ids))
    return result


def scoring_enqueue(*, transaction_ids: Sequence[int]) -> None:
    """Queue scoring in batches (one task per transaction would cap throughput near 400 tx/s)."""
    from alerts.tasks import transactions_score_task

    size = settings.FDS_SCORE_BATCH_SIZE
    for start in range(0, len(transaction_ids), size):
        transactions_score_task.delay(list(transaction_ids[start : start + size]))


def _scoring_enqueue_after_commit(transaction_ids: list[int]) -> None:
    """The transactions are committed, so the client is told they are accepted even when the broker
    is down: the sweeper (alerts.tasks.transactions_score_pending) queues them once it is back."""
    try:
        scoring_enqueue(transaction_ids=transaction_ids)
    except Exception as exc:  # kombu and redis-py raise several unrelated types for "broker down"
        log.warning(
            "could not queue %d accepted transactions for scoring (%s); the sweeper will",
            len(transaction_ids),
            exc,
        )


# --- Scoring -------------------------------------------------------------------------------------


def _event(tx: Transaction) -> fx.TxEvent:
    merchant = tx.merchant
    return fx.TxEvent(
        ts=fx.local_seconds(tx.occurred_at),
        amount=float(tx.amount),
        customer_key=str(tx.customer_id),
        merchant_key=str(tx.merchant_id) if tx.merchant_id else None,
        category=merchant.category
        if merchant is not None
        else ("transfer" if tx.beneficiary_account else None),
        channel=tx.channel,
        country=tx.country,
        birth_date=tx.customer.birth_date,
        beneficiary=tx.beneficiary_account or tx.beneficiary_phone or None,
    )


def _state_as_of(tx: Transaction, event: fx.TxEvent) -> fx.CustomerState:
    """A customer's state just before a late-arriving transaction, rebuilt from the last 31 days.

    Rare (out-of-order delivery); keeps features point-in-time: nothing after `tx` leaks in.
    """
    since = tx.occurred_at - timedelta(days=31)
    earlier = (
        Transaction.objects.filter(
            customer_id=tx.customer_id,
            occurred_at__gte=since,
            occurred_at__lt=tx.occurred_at,
            status__in=[Transaction.Status.SCORED, Transaction.Status.HISTORY],
        )
        .select_related("customer", "merchant")
        .order_by("occurred_at", "id")
    )
    state = fx.CustomerState()
    for old in earlier:
        fx.update_state(_event(old), state, None)
    return state


_BEHAVIOUR_TABLE = CustomerBehaviour._meta.db_table


def _behaviours_lock(customer_ids: list[int], *, lock: bool) -> dict[int, fx.CustomerState]:
    """Load (and on PostgreSQL row-lock, in id order so workers cannot deadlock) customers' states.

    Raw SQL with orjson: for a 1,000-transaction batch the ORM's JSON decoding and bulk_update's CASE
    expressions took over half of the scoring time.
    """
    CustomerBehaviour.objects.bulk_create(
        [CustomerBehaviour(customer_id=cid, state=b"{}") for cid in customer_ids], ignore_conflicts=True
    )
    placeholders = ", ".join(["%s"] * len(customer_ids))
    sql = (
        f"SELECT customer_id, state FROM {_BEHAVIOUR_TABLE} WHERE customer_id IN ({placeholders}) "
        "ORDER BY customer_id" + (" FOR UPDATE" if lock else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, customer_ids)
        rows = cursor.fetchall()
    return {
        cid: fx.CustomerState(orjson.loads(raw) if isinstance(raw, str | bytes) else raw) for cid, raw in rows
    }


def _behaviours_save(states: dict[int, fx.CustomerState]) -> None:
    params = []
    for cid, state in states.items():
        last = state.data["last_ts"]
        params.append(
            (
                orjson.dumps(state.data, option=orjson.OPT_NON_STR_KEYS),
                fx.from_local_seconds(last) if last is not None else None,
                cid,
            )
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for the whole batch instead of a round trip per customer.
            cursor.execute(
                f"UPDATE {_BEHAVIOUR_TABLE} AS b SET state = v.state, last_event_at = v.last_at "
                "FROM unnest(%s::bytea[], %s::timestamptz[], %s::bigint[]) AS v(state, last_at, customer_id) "
                "WHERE b.customer_id = v.customer_id",
                [list(column) for column in zip(*params, strict=True)],
            )
        else:
            cursor.executemany(
                f"UPDATE {_BEHAVIOUR_TABLE} SET state = %s, last_event_at = %s WHERE customer_id = %s", params
            )


_SCORE_COLUMNS = (
    "transaction_id",
    "model_version_id",
    "score",
    "model_score",
    "features",
    "reasons",
    "contributions",
    "rule_hits",
    "rule_set_version",
    "alert_threshold",
    "created_at",
)


def _scores_insert(scores: list[Score], *, need_ids: list[int]) -> None:
    """Insert a batch of scores; `need_ids` are the positions whose primary keys the caller needs.

    On PostgreSQL through COPY (about 10× faster than a multi-row INSERT of JSON columns for 1,000
    rows); the few ids needed (alerts) are read back by their unique transaction.
    """
    if connection.vendor != "postgresql":
        Score.objects.bulk_create(scores, batch_size=1000)
        return
    dumps = orjson.dumps
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {Score._meta.db_table} ({', '.join(_SCORE_COLUMNS)}) FROM STDIN") as copy,
    ):
        for score in scores:
            copy.write_row(
                (
                    score.transaction_id,
                    score.model_version_id,
                    score.score,
                    score.model_score,
                    dumps(score.features).decode(),
                    dumps(score.reasons).decode(),
                    dumps(score.contributions).decode(),
                    dumps(score.rule_hits).decode(),
                    score.rule_set_version,
                    score.alert_threshold,
                    score.created_at,
                )
            )
    if need_ids:
        wanted = {scores[i].transaction_id: scores[i] for i in need_ids}
        for score_id, tx_id in Score.objects.filter(transaction_id__in=list(wanted)).values_list(
            "id", "transaction_id"
        ):
            wanted[tx_id].pk = score_id
            wanted[tx_id]._state.adding = False


def _merchant_states(txs: Sequence[Transaction]) -> dict[int, fx.MerchantState]:
    merchant_ids = {tx.merchant_id for tx in txs if tx.merchant_id}
    if not merchant_ids:
        return {}
    days = [fx.local_seconds(tx.occurred_at) // fx.DAY for tx in txs]
    first = min(days) - settings.FDS_LABEL_DELAY_DAYS - 31
    states: dict[int, fx.MerchantState] = {mid: fx.MerchantState() for mid in merchant_ids}
    for mid, day, count, frauds in MerchantDay.objects.filter(
        merchant_id__in=merchant_ids, day__gte=first, day__lte=max(days)
    ).values_list("merchant_id", "day", "tx_count", "fraud_count"):
        states[mid].data["days"][day] = [count, frauds]
    return states


def _merchant_days_add(deltas: dict[tuple[int, int], list[int]]) -> None:
    """Increment MerchantDay counts by upsert: commutative, so concurrent workers never conflict."""
    if not deltas:
        return
    table = MerchantDay._meta.db_table
    sql = (
        f"INSERT INTO {table} (merchant_id, day, tx_count, fraud_count) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT (merchant_id, day) DO UPDATE SET tx_count = {table}.tx_count + excluded.tx_count, "
        f"fraud_count = {table}.fraud_count + excluded.fraud_count"
    )
    # Sorted keys: concurrent upserts take row locks in the same order, so they cannot deadlock.
    params = [(mid, day, d[0], d[1]) for (mid, day), d in sorted(deltas.items())]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _open_parents(customer_ids: Iterable[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Per customer: the oldest open root alert, and the newest open case.

    The case model is reached through the Alert.case relation the alerts model declares, not by
    importing the cases app: cases build on alerts, never the other way round.
    """
    Case: Any = Alert._meta.get_field("case").related_model
    customer_ids = list(customer_ids)
    alerts: dict[int, int] = {}
    for alert_id, customer_id in (
        Alert.objects.filter(
            customer_id__in=customer_ids, status__in=Alert.OPEN_STATUSES, parent__isnull=True
        )
        .order_by("created_at", "id")
        .values_list("id", "customer_id")
    ):
        alerts.setdefault(customer_id, alert_id)
    cases: dict[int, int] = {}
    for case_id, customer_id in (
        Case.objects.filter(customer_id__in=customer_ids, status__in=Case.OPEN_STATUSES)
        .order_by("-opened_at", "-id")
        .values_list("id", "customer_id")
    ):
        cases.setdefault(customer_id, case_id)
    return alerts, cases


@dataclass
class ScoreBatchResult:
    scored: int = 0
    folded: int = 0
    alert_ids: list[int] = field(default_factory=list)
    skipped: int = 0
    rejected: int = 0


def transactions_score(*, transaction_ids: Sequence[int]) -> ScoreBatchResult:
    """Score a batch (see `_transactions_score`); a row the database cannot hand back is set aside.

    A row stored before validation held its values to plausible windows (a year-1 `occurred_at`
    PostgreSQL keeps but psycopg cannot read) failed every retry of its whole batch. On such an
    error the batch is checked row by row, unreadable rows are marked `rejected` with an audit event
    each, and the rest is scored. Safe to repeat.
    """
    try:
        return _transactions_score(transaction_ids=transaction_ids)
    except DataError:
        unreadable = _transactions_unreadable(transaction_ids)
        if not unreadable:
            raise
        _transactions_reject(unreadable)
        rest = [tx_id for tx_id in transaction_ids if tx_id not in unreadable]
        result = _transactions_score(transaction_ids=rest) if rest else ScoreBatchResult()
        result.rejected = len(unreadable)
        return result


def _transactions_unreadable(transaction_ids: Sequence[int]) -> set[int]:
    unreadable = set()
    for tx_id in transaction_ids:
        try:
            with transaction.atomic():
                list(Transaction.objects.filter(pk=tx_id).select_related("customer", "merchant", "account"))
        except DataError:
            unreadable.add(tx_id)
    return unreadable


def _transactions_reject(transaction_ids: set[int]) -> None:
    with transaction.atomic():
        ids = sorted(transaction_ids)
        changed = Transaction.objects.filter(
            pk__in=ids, status__in=[Transaction.Status.RECEIVED, Transaction.Status.HISTORY_PENDING]
        ).update(status=Transaction.Status.REJECTED)
        if changed:
            audit_record_many(
                [
                    AuditEntry(
                        action="alerts.transaction.rejected",
                        target=("alerts.transaction", str(tx_id)),
                        system_actor="system:scoring",
                        after={"status": Transaction.Status.REJECTED},
                        reason="stored values cannot be read back (out of range)",
                    )
                    for tx_id in ids
                ]
            )
    log.error("set aside %d unreadable transactions: %s", len(ids), ids[:20])


def _transactions_score(*, transaction_ids: Sequence[int]) -> ScoreBatchResult:
    """Compute features, score, explain and raise alerts for a batch of received transactions.

    Side effects, in one database transaction: Score rows; Alert rows (attached to the customer's open
    alert or case if there is one) with an `alerts.alert.created` audit event each; the customers'
    behaviour state and merchant day counts; transaction status. After commit: the new alert rows are
    pushed to analysts' browsers. Imported history in the batch is only folded into the state.

    Safe to repeat and to run concurrently: only rows still `received`/`history_pending` are taken,
    under row locks that other workers skip, and Score/Alert are unique per transaction.
    """
    result = ScoreBatchResult()
    if settings.FDS_SHADOW_SCORING:
        active, shadow = model_versions.models_live()
    else:
        active, shadow = model_versions.model_active(), None
    model = active[1] if active is not None else None
    lock = connection.features.has_select_for_update
    with transaction.atomic():
        query = Transaction.objects.filter(
            id__in=list(transaction_ids),
            status__in=[Transaction.Status.RECEIVED, Transaction.Status.HISTORY_PENDING],
        )
        if lock:
            query = query.select_for_update(skip_locked=True, of=("self",))
        txs = list(query.select_related("customer", "merchant").order_by("occurred_at", "id"))
        if model is None:
            # Keep the live ones 'received' (nothing is lost): the sweeper scores them once a model exists.
            txs = [tx for tx in txs if tx.status == Transaction.Status.HISTORY_PENDING]
            result.skipped = len(transaction_ids) - len(txs)
            if result.skipped:
                log.warning("no active FDS model: %d transactions wait for one", result.skipped)
        if not txs:
            return result

        customer_ids = sorted({tx.customer_id for tx in txs})
        states = _behaviours_lock(customer_ids, lock=lock)
        merchants = _merchant_states(txs)
        delay = settings.FDS_LABEL_DELAY_DAYS

        deltas: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        live: list[Transaction] = []
        rows: list[list[float]] = []
        folded_ids: list[int] = []
        counted_ids: list[int] = []
        for tx in txs:
            event = _event(tx)
            state = states[tx.customer_id]
            if tx.status == Transaction.Status.RECEIVED:
                if state.data["last_ts"] is not None and event.ts < state.data["last_ts"]:
                    as_of = _state_as_of(tx, event)
                else:
                    as_of = state
                rows.append(
                    fx.compute_features(
                        event,
                        as_of,
                        merchants.get(tx.merchant_id) if tx.merchant_id else None,
                        label_delay_days=delay,
                    )
                )
                live.append(tx)
            else:
                folded_ids.append(tx.pk)
            fx.update_state(event, state, None)
            if tx.merchant_id:
                delta = deltas[(tx.merchant_id, event.ts // fx.DAY)]
                delta[0] += 1
                if tx.is_fraud and not tx.fraud_counted:
                    delta[1] += 1
                    counted_ids.append(tx.pk)

        now = timezone.now()
        alerts_created: list[Alert] = []
        if live:
            assert active is not None and model is not None
            model_version_id = active[0]
            matrix = np.asarray(rows, dtype=np.float64)
            probabilities = model.predict(matrix)
            # The live rule set, threshold, lists, snoozes and smishing evidence: read once per batch.
            detection = rules_batch_load(
                transactions=live,
                model_version_id=model_version_id,
                model_threshold=model.threshold,
                matrix=matrix,
                probabilities=probabilities,
            )
            finals = []
            for tx, feats, p in zip(live, rows, probabilities, strict=True):
                hits = detection.hits(tx, feats)
                finals.append((*detection.combine(float(p), hits), hits))
            alert_positions = [
                i
                for i, (score, suppressed, _) in enumerate(finals)
                if score >= detection.threshold and not suppressed
            ]
            contributions = model.contributions(matrix[alert_positions]) if alert_positions else None
            scores: list[Score] = []
            for i, (tx, feats, p) in enumerate(zip(live, rows, probabilities, strict=True)):
                final, _suppressed, hits = finals[i]
                score = Score(
                    transaction=tx,
                    model_version_id=model_version_id,
                    score=final,
                    model_score=float(p),
                    features={
                        n: (None if v != v else v) for n, v in zip(fx.FEATURE_NAMES, feats, strict=True)
                    },
                    rule_hits=[h.code for h in hits],
                    rule_set_version=detection.version,
                    alert_threshold=detection.threshold,
                    created_at=now,
                )
                if contributions is not None and i in alert_positions:
                    row = contributions[alert_positions.index(i)]
                    reasons, groups = reasons_explain(feats, row, _reason_context(tx))
                    rule_reasons = [
                        {
                            "code": h.code,
                            "group": "rule",
                            "weight": h.value,
                            "text_ko": h.text_ko,
                            "text_en": h.text_en,
                        }
                        for h in hits
                    ]
                    score.reasons = rule_reasons + reasons
                    score.contributions = groups
                scores.append(score)
            _scores_insert(scores, need_ids=alert_positions)
            if shadow is not None:
                _shadow_scores_insert(live, matrix, shadow=shadow, now=now)
            result.scored = len(scores)
            alerts_created = _alerts_create([(live[i], scores[i]) for i in alert_positions], now=now)

        _behaviours_save(states)
        _merchant_days_add(deltas)
        if counted_ids:
            Transaction.objects.filter(pk__in=counted_ids).update(fraud_counted=True)
        if live:
            Transaction.objects.filter(pk__in=[tx.pk for tx in live]).update(status=Transaction.Status.SCORED)
        if folded_ids:
            Transaction.objects.filter(pk__in=folded_ids).update(status=Transaction.Status.HISTORY)
        result.folded = len(folded_ids)
        if alerts_created:
            audit_record_many(
                [
                    AuditEntry(
                        action="alerts.alert.created",
                        target=alert,
                        system_actor=SCORING_ACTOR,
                        after={
                            "status": alert.status,
                            "transaction": alert.transaction.external_id,
                            "parent": alert.parent_id,
                            "case": alert.case_id,
                            "reasons": [r["code"] for r in alert.score.reasons],
                        },
                        model_version=model.version if model else "",
                        score=alert.score.score,
                    )
                    for alert in alerts_created
                ]
            )
            result.alert_ids = [a.pk for a in alerts_created]
            alert_rows_push_on_commit(result.alert_ids)
    return result


def _shadow_scores_insert(
    live: list[Transaction], matrix: np.ndarray, *, shadow: tuple[int, Any], now: Any
) -> None:
    """The challenger's scores of the batch, stored next to the champion's: no rules, no alerts.

    The cheap part of scoring only: the champion's feature rows are reused as they are, one batched
    predict, no TreeSHAP (a shadow score explains nothing to anyone), one COPY of the rows."""
    version_id, shadow_model = shadow
    probabilities = shadow_model.predict(matrix).tolist()
    if connection.vendor != "postgresql":
        ShadowScore.objects.bulk_create(
            [
                ShadowScore(transaction_id=tx.pk, model_version_id=version_id, score=p, created_at=now)
                for tx, p in zip(live, probabilities, strict=True)
            ],
            ignore_conflicts=True,
        )
        return
    # COPY, as for the champion's scores: the transactions are locked by this batch and scored once,
    # so no conflict can arise. The rows are formatted in one string (ids, a float, one timestamp):
    # psycopg's per-row write_row cost more than the prediction.
    stamp = now.isoformat()
    payload = "".join(
        f"{tx.pk}\t{version_id}\t{p!r}\t{stamp}\n" for tx, p in zip(live, probabilities, strict=True)
    )
    table = ShadowScore._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {table} (transaction_id, model_version_id, score, created_at) FROM STDIN"
        ) as copy,
    ):
        copy.write(payload)


def _reason_context(tx: Transaction) -> ReasonContext:
    merchant = tx.merchant
    return ReasonContext(
        local_time=tx.occurred_at.astimezone(fx.KST),
        merchant_name=merchant.name if merchant is not None else "",
        category_label=MERCHANT_CATEGORY_NAMES_KO.get(merchant.category, "") if merchant is not None else "",
        category_label_en=english_label(MERCHANT_CATEGORY_LABELS, merchant.category)
        if merchant is not None
        else "",
        country=tx.country,
        channel_label=CHANNEL_NAMES_KO.get(tx.channel, tx.channel),
        channel_label_en=english_label(CHANNEL_LABELS, tx.channel),
        label_delay_days=settings.FDS_LABEL_DELAY_DAYS,
    )


def _alerts_create(pairs: list[tuple[Transaction, Score]], *, now: Any) -> list[Alert]:
    """Alerts for high scores; one joining an open alert or case of its customer is attached to it."""
    if not pairs:
        return []
    open_alerts, open_cases = _open_parents({tx.customer_id for tx, _ in pairs})
    roots: list[Alert] = []
    children: list[Alert] = []
    for tx, score in pairs:
        alert = Alert(transaction=tx, score=score, customer_id=tx.customer_id, created_at=now)
        if tx.customer_id in open_cases:
            alert.case_id = open_cases[tx.customer_id]
            alert.status = Alert.Status.ATTACHED
            children.append(alert)
        elif tx.customer_id in open_alerts:
            alert.parent_id = open_alerts[tx.customer_id]
            alert.status = Alert.Status.ATTACHED
            children.append(alert)
        else:
            roots.append(alert)
    # Two alerts of one customer in the same batch: the first is the root, the rest attach to it.
    first_root: dict[int, Alert] = {}
    kept_roots: list[Alert] = []
    later: list[Alert] = []
    for alert in roots:
        if alert.customer_id in first_root:
            alert.status = Alert.Status.ATTACHED
            later.append(alert)
        else:
            first_root[alert.customer_id] = alert
            kept_roots.append(alert)
    Alert.objects.bulk_create(kept_roots)
    for alert in later:
        alert.parent_id = first_root[alert.customer_id].pk
    Alert.objects.bulk_create(children + later)
    return kept_roots + children + later


# --- Labels --------------------------------------------------------------------------------------


def merchant_label_record(*, transaction_ids: Sequence[int]) -> int:
    """Fold late fraud labels into merchant risk (MerchantDay.fraud_count). Returns rows changed.

    Safe to repeat: `fraud_counted` says whether a label is already counted; a label flipped back to
    not-fraud (a reopened case) is taken out again.
    """
    changed = 0
    with transaction.atomic():
        query = Transaction.objects.filter(pk__in=list(transaction_ids), merchant__isnull=False).exclude(
            status__in=[Transaction.Status.RECEIVED, Transaction.Status.HISTORY_PENDING]
        )
        if connection.features.has_select_for_update:
            query = query.select_for_update()
        deltas: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        add: list[int] = []
        remove: list[int] = []
        for tx in query.order_by("pk"):
            want = tx.is_fraud is True
            if want == tx.fraud_counted:
                continue
            assert tx.merchant_id is not None
            day = fx.local_seconds(tx.occurred_at) // fx.DAY
            deltas[(tx.merchant_id, day)][1] += 1 if want else -1
            (add if want else remove).append(tx.pk)
        _merchant_days_add(deltas)
        if add:
            changed += Transaction.objects.filter(pk__in=add).update(fraud_counted=True)
        if remove:
            changed += Transaction.objects.filter(pk__in=remove).update(fraud_counted=False)
    return changed

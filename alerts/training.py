"""Training the FDS model from labelled transactions (the database or a file)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from django.utils import timezone
from sklearn.metrics import average_precision_score, roc_auc_score

from alerts import features as fx
from alerts.models import Transaction
from alerts.schemas import TransactionIn
from alerts.scoring import DEFAULT_PARAMS, DEFAULT_ROUNDS, FdsModel, model_train, threshold_choose

# The stored columns `_event` turns into a feature-engine event, in its argument order.
_EVENT_COLUMNS = (
    "occurred_at",
    "amount",
    "customer_id",
    "merchant_id",
    "merchant__category",
    "channel",
    "country",
    "customer__birth_date",
    "beneficiary_account",
    "beneficiary_phone",
)


@dataclass
class LabelledStream:
    events: list[fx.TxEvent]
    labels: list[bool | None]


def stream_from_db(*, progress: Callable[[str], None] | None = None) -> LabelledStream:
    """Every stored transaction in time order (labelled or not: all of them shape the state)."""
    events: list[fx.TxEvent] = []
    labels: list[bool | None] = []
    rows = (
        Transaction.objects.order_by("occurred_at", "id")
        .values_list(*_EVENT_COLUMNS, "is_fraud")
        .iterator(chunk_size=20_000)
    )
    for when, amount, cid, mid, category, channel, country, born, account, phone, fraud in rows:
        events.append(_event(when, amount, cid, mid, category, channel, country, born, account, phone))
        labels.append(fraud)
        if progress and len(events) % 100_000 == 0:
            progress(f"read {len(events):,} transactions")
    return LabelledStream(events, labels)


def stream_from_rows(rows: list[TransactionIn]) -> LabelledStream:
    """The same stream from validated file rows (merchant and customer keys are the external ids)."""
    ordered = sorted(rows, key=lambda r: r.occurred_at)
    events = [
        fx.TxEvent(
            ts=fx.local_seconds(r.occurred_at),
            amount=float(r.amount),
            customer_key=r.customer_id,
            merchant_key=r.merchant_id,
            category=(r.merchant.category if r.merchant else ("transfer" if r.beneficiary_account else None)),
            channel=r.channel,
            country=r.country,
            birth_date=r.customer.birth_date if r.customer else None,
            beneficiary=r.beneficiary_account or r.beneficiary_phone or None,
        )
        for r in ordered
    ]
    return LabelledStream(events, [r.is_fraud for r in ordered])


@dataclass
class TrainingOutcome:
    model: FdsModel
    metrics: dict
    training_data: dict
    importance: dict = field(default_factory=dict)


def model_fit(
    stream: LabelledStream,
    *,
    label_delay_days: int,
    validation_share: float = 0.2,
    rounds: int | None = None,
    seed: int = 0,
    version: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> TrainingOutcome:
    """Replay the stream through the feature engine, train on the earlier labelled part and measure on
    the later part (a time split: the model never sees the future it is judged on)."""
    if progress:
        progress(f"computing features for {len(stream.events):,} transactions")
    rows, _customers, _merchants = fx.replay(
        stream.events, labels=stream.labels, label_delay_days=label_delay_days
    )
    labelled = [i for i, label in enumerate(stream.labels) if label is not None]
    if len(labelled) < 100:
        raise ValueError(f"only {len(labelled)} labelled transactions: at least 100 are needed")
    y_all = np.array([1.0 if stream.labels[i] else 0.0 for i in labelled])
    if y_all.sum() < 5:
        raise ValueError(f"only {int(y_all.sum())} frauds among the labels: at least 5 are needed")
    x_all = np.asarray([rows[i] for i in labelled], dtype=np.float64)
    cut = int(len(labelled) * (1 - validation_share))
    x_train, y_train, x_valid, y_valid = x_all[:cut], y_all[:cut], x_all[cut:], y_all[cut:]
    if progress:
        progress(
            f"training on {len(y_train):,} ({int(y_train.sum())} frauds), validating on {len(y_valid):,}"
        )
    booster = model_train(x_train, y_train, seed=seed, **({"rounds": rounds} if rounds else {}))  # type: ignore[arg-type]
    name = version or "fds-" + timezone.now().strftime("%Y%m%d-%H%M%S")
    model = FdsModel(booster=booster, version=name)
    model.booster.set_param({"nthread": 1})
    valid_scores = model.predict(x_valid)
    metrics: dict = {
        "train_rows": len(y_train),
        "train_frauds": int(y_train.sum()),
        "valid_rows": len(y_valid),
        "valid_frauds": int(y_valid.sum()),
    }
    if 0 < y_valid.sum() < len(y_valid):
        metrics["auc"] = round(float(roc_auc_score(y_valid, valid_scores)), 4)
        metrics["ap"] = round(float(average_precision_score(y_valid, valid_scores)), 4)
    model.threshold = threshold_choose(y_valid, valid_scores)
    alerts = valid_scores >= model.threshold
    metrics["threshold"] = model.threshold
    metrics["alert_rate"] = round(float(alerts.mean()), 4) if len(alerts) else 0.0
    metrics["recall_at_threshold"] = round(float((alerts & (y_valid == 1)).sum() / max(1, y_valid.sum())), 4)
    metrics["precision_at_threshold"] = round(
        float((alerts & (y_valid == 1)).sum() / max(1, alerts.sum())), 4
    )
    first = fx.from_local_seconds(stream.events[0].ts) if stream.events else None
    last = fx.from_local_seconds(stream.events[-1].ts) if stream.events else None
    from alerts.drift import reference_build

    data = {
        "transactions": len(stream.events),
        "labelled": len(labelled),
        "from": first.isoformat() if isinstance(first, datetime) else None,
        "to": last.isoformat() if isinstance(last, datetime) else None,
        "label_delay_days": label_delay_days,
        "seed": seed,
        "rounds": rounds or DEFAULT_ROUNDS,
        "params": DEFAULT_PARAMS,
        "reference": reference_build(matrix=x_train, scores=valid_scores),
    }
    importance = {
        k: round(float(v if isinstance(v, float) else v[0]), 3)
        for k, v in booster.get_score(importance_type="gain").items()
    }
    return TrainingOutcome(model, metrics, data, importance)


# --- Training sets for the model lifecycle (alerts.lifecycle) -----------------------------------


@dataclass
class TrainingSet:
    """Feature rows of the labelled transactions of a window, split in time: the earlier part trains,
    the later part (`eval_*`) judges champion and challenger alike."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_eval: np.ndarray
    y_eval: np.ndarray
    eval_transaction_ids: list[int]
    eval_days: float
    lineage: dict


def training_set_build(
    *,
    cutoff: datetime,
    window_days: int,
    eval_days: int,
    label_delay_days: int,
    progress: Callable[[str], None] | None = None,
) -> TrainingSet:
    """Replay every transaction up to `cutoff` and keep the labelled ones of the latest window.

    Labels are those known at `cutoff` after governance exclusions (alerts.labels.labels_as_of); the
    lineage records the window, row counts, label sources and every exclusion with its reason. Reads
    only. Raises ValueError when the window holds too few labels or frauds to train and judge a model.
    """
    from alerts.labels import labels_as_of

    ids: list[int] = []
    refs: list[tuple[int, str, tuple]] = []
    events: list[fx.TxEvent] = []
    for (
        tx_id,
        external_id,
        when,
        amount,
        cid,
        mid,
        category,
        channel,
        country,
        born,
        account,
        phone,
    ) in (
        Transaction.objects.filter(occurred_at__lte=cutoff)
        .order_by("occurred_at", "id")
        .values_list("id", "external_id", *_EVENT_COLUMNS)
        .iterator(chunk_size=20_000)
    ):
        ids.append(tx_id)
        refs.append((tx_id, external_id, (cid, mid, amount, when, account, phone)))
        events.append(_event(when, amount, cid, mid, category, channel, country, born, account, phone))
    if progress:
        progress(f"read {len(events):,} transactions up to {cutoff:%Y-%m-%d %H:%M}")
    known = labels_as_of(cutoff=cutoff, rows=refs)
    labels: list[bool | None] = [known.values.get(tx_id) for tx_id in ids]
    labelled = [i for i, value in enumerate(labels) if value is not None]
    if not labelled:
        raise ValueError("no labels known at the cut-off")
    last_ts = events[labelled[-1]].ts
    window_start = last_ts - window_days * fx.DAY
    eval_start = last_ts - eval_days * fx.DAY
    labelled = [i for i in labelled if events[i].ts > window_start]
    if progress:
        progress(f"computing features for {len(events):,} transactions")
    rows, _customers, _merchants = fx.replay(events, labels=labels, label_delay_days=label_delay_days)
    train_pos = [i for i in labelled if events[i].ts <= eval_start]
    eval_pos = [i for i in labelled if events[i].ts > eval_start]
    y_train = np.array([1.0 if labels[i] else 0.0 for i in train_pos])
    y_eval = np.array([1.0 if labels[i] else 0.0 for i in eval_pos])
    for name, y in (("training", y_train), ("evaluation", y_eval)):
        if len(y) < 50 or y.sum() < 3:
            raise ValueError(
                f"the {name} part holds {len(y)} labels and {int(y.sum())} frauds: at least 50 and 3 are "
                "needed (widen FDS_RETRAIN_WINDOW_DAYS or wait for more labels)"
            )

    def moment(ts: int) -> str:
        return fx.from_local_seconds(ts).astimezone(fx.KST).isoformat()

    lineage = {
        "cutoff": cutoff.isoformat(),
        "window": {"from": moment(window_start), "to": moment(last_ts)},
        "evaluation_window": {"from": moment(eval_start), "to": moment(last_ts)},
        "transactions_replayed": len(events),
        "train_rows": len(y_train),
        "train_frauds": int(y_train.sum()),
        "eval_rows": len(y_eval),
        "eval_frauds": int(y_eval.sum()),
        "label_sources": known.sources,
        "excluded": known.excluded,
        "excluded_examples": known.excluded_examples,
        "label_delay_days": label_delay_days,
    }
    return TrainingSet(
        x_train=np.asarray([rows[i] for i in train_pos], dtype=np.float64),
        y_train=y_train,
        x_eval=np.asarray([rows[i] for i in eval_pos], dtype=np.float64),
        y_eval=y_eval,
        eval_transaction_ids=[ids[i] for i in eval_pos],
        eval_days=float(eval_days),
        lineage=lineage,
    )


def _event(
    when: Any,
    amount: Any,
    cid: Any,
    mid: Any,
    category: Any,
    channel: Any,
    country: Any,
    born: Any,
    account: Any,
    phone: Any,
) -> fx.TxEvent:
    """One stored transaction's columns as the feature engine's event (training and lineage alike)."""
    return fx.TxEvent(
        ts=fx.local_seconds(when),
        amount=float(amount),
        customer_key=str(cid),
        merchant_key=str(mid) if mid else None,
        category=category or ("transfer" if account else None),
        channel=channel,
        country=country,
        birth_date=born,
        beneficiary=account or phone or None,
    )

"""The FDS model: training, batch prediction and reason codes from TreeSHAP contributions.

Pure: arrays and dicts in, scores and reasons out; no ORM. Reasons group the model's own per-feature
contributions (XGBoost's built-in TreeSHAP, `pred_contribs=True`) into a few codes an analyst
recognises, and word each one with the transaction's actual values, in Korean and English.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import xgboost as xgb

from alerts.features import FEATURE_INDEX, FEATURE_NAMES

DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary:logistic",
    "eval_metric": "aucpr",
    "tree_method": "hist",
    # Chosen on the handbook benchmark's validation folds (never its test weeks): shallower trees and
    # fewer rounds generalised better; 1,024 bins let a split land on an exact amount (a 220 cut-off
    # was blurred by 256 quantile bins), +0.02 average precision.
    "max_depth": 4,
    "eta": 0.05,
    "max_bin": 1024,
    "subsample": 0.9,
    "colsample_bytree": 0.9,
    "min_child_weight": 2,
    "lambda": 1.0,
    "nthread": 2,
}
# 100 rounds, chosen on the handbook retraining loop's validation weeks: the same average precision
# and CP@100 as 150 (0.7425 / 0.2906 against 0.7424 / 0.2898, two seeds) and a better AUC (0.880
# against 0.876). Later rounds sharpened the order among payments without evidence, which hold the
# frauds no label can reveal yet, and ranked those frauds below the genuine payments.
DEFAULT_ROUNDS = 100
# A reason is shown when its group pushes the log-odds up by at least this much.
MIN_REASON_CONTRIBUTION = 0.1
MAX_REASONS = 5


def feature_columns(feature_names: Sequence[str]) -> list[int] | None:
    """Where a model's features stand in the engine's row: None when they are the engine's own list,
    else their positions (a model trained before features were added). ValueError when the model
    needs a feature the engine no longer computes."""
    names = tuple(feature_names)
    if names == FEATURE_NAMES:
        return None
    if not names:
        raise ValueError("the model lists no features; retrain it")
    unknown = [n for n in names if n not in FEATURE_INDEX]
    if unknown:
        raise ValueError(f"the model needs features this code no longer computes: {unknown}; retrain it")
    return [FEATURE_INDEX[n] for n in names]


@dataclass
class FdsModel:
    booster: xgb.Booster
    feature_names: tuple[str, ...] = FEATURE_NAMES
    threshold: float = 0.5
    version: str = "unversioned"
    # Positions of the model's features in the engine's row, when it was trained on fewer of them.
    columns: list[int] | None = None

    def dumps(self) -> bytes:
        return bytes(self.booster.save_raw(raw_format="ubj"))

    @classmethod
    def loads(cls, raw: bytes, *, feature_names: Sequence[str], threshold: float, version: str) -> FdsModel:
        try:
            columns = feature_columns(feature_names)
        except ValueError as exc:
            raise ValueError(f"model {version}: {exc}") from exc
        booster = xgb.Booster()
        booster.load_model(bytearray(raw))
        # One thread per worker process: more threads made single-row latency worse on 2 cores.
        booster.set_param({"nthread": 1})
        return cls(
            booster=booster,
            feature_names=tuple(feature_names),
            threshold=threshold,
            version=version,
            columns=columns,
        )

    def _own(self, matrix: np.ndarray) -> np.ndarray:
        """The engine's rows narrowed to this model's features."""
        return matrix if self.columns is None else matrix[:, self.columns]

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        if len(matrix) == 0:
            return np.zeros(0)
        return self.booster.inplace_predict(self._own(matrix), validate_features=False)

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """TreeSHAP contributions in log-odds: one column per engine feature (0 for those the model
        does not use), then the bias."""
        # nthread=1: building a DMatrix with a thread pool cost ~20 ms for a one-row alert batch.
        dmatrix = xgb.DMatrix(
            self._own(matrix), feature_names=list(self.feature_names), missing=np.nan, nthread=1
        )
        own = self.booster.predict(dmatrix, pred_contribs=True, validate_features=False)
        if self.columns is None:
            return own
        full = np.zeros((own.shape[0], len(FEATURE_NAMES) + 1), dtype=own.dtype)
        full[:, self.columns] = own[:, :-1]
        full[:, -1] = own[:, -1]
        return full


def model_train(
    matrix: np.ndarray,
    labels: np.ndarray,
    *,
    params: dict[str, Any] | None = None,
    rounds: int = DEFAULT_ROUNDS,
    seed: int = 0,
    feature_names: Sequence[str] = FEATURE_NAMES,
) -> xgb.Booster:
    merged = {**DEFAULT_PARAMS, **(params or {}), "seed": seed}
    dtrain = xgb.DMatrix(matrix, label=labels, feature_names=list(feature_names), missing=np.nan)
    return xgb.train(merged, dtrain, num_boost_round=rounds)


def threshold_choose(
    labels: np.ndarray, scores: np.ndarray, *, low: float = 0.01, high: float = 0.9
) -> float:
    """The score cut with the best F1 on held-out data, kept within [low, high].

    The candidates are a grid over [low, high] and every held-out fraud's own score in it (F1 only
    changes at those). With frauds around 1 % of the traffic a well-ranking model's probabilities
    stay low: a grid that started at 0.2 left every fraud below the cut, and the model never alerted.
    """
    if labels.sum() == 0:
        return 0.5
    positives = scores[labels == 1]
    candidates = np.unique(
        np.concatenate([np.linspace(low, high, 36), positives[(positives >= low) & (positives <= high)]])
    )
    best, best_f1 = 0.5, -1.0
    for cut in candidates:
        predicted = scores >= cut
        tp = float(np.sum(predicted & (labels == 1)))
        fp = float(np.sum(predicted & (labels == 0)))
        fn = float(np.sum(~predicted & (labels == 1)))
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best_f1:
            best, best_f1 = float(cut), f1
    # Rounded down, so the fraud whose score set the cut still reaches it.
    return float(np.floor(best * 10_000) / 10_000)


# --- Reasons -----------------------------------------------------------------------------------

REASON_GROUPS: dict[str, tuple[str, ...]] = {
    "time": ("hour", "weekday", "is_weekend", "is_night", "school_hours", "hour_share_customer"),
    "age": ("age", "is_minor"),
    "amount": (
        "amount",
        "amount_ratio_mean",
        "amount_z",
        "amount_ratio_max",
        "amount_spikes_7d",
        "amount_spikes_14d",
    ),
    "velocity": ("cnt_1h", "sum_1h", "cnt_24h", "mean_24h", "secs_since_last"),
    "history": ("n_prior", "cnt_7d", "mean_7d", "cnt_30d", "mean_30d"),
    "merchant_new": ("new_merchant", "new_category", "category"),
    "beneficiary_new": ("new_beneficiary",),
    "foreign": ("foreign", "new_country"),
    "channel": ("channel",),
    "merchant_risk": (
        "merchant_cnt_1d",
        "merchant_risk_1d",
        "merchant_cnt_7d",
        "merchant_risk_7d",
        "merchant_cnt_30d",
        "merchant_risk_30d",
        "merchant_fraud_first_age",
        "merchant_fraud_last_age",
    ),
}
_GROUP_COLUMNS = {g: [FEATURE_INDEX[f] for f in names] for g, names in REASON_GROUPS.items()}
WEEKDAYS_KO = "월화수목금토일"
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class ReasonContext:
    """What a sentence may quote besides the features: the transaction's own facts."""

    local_time: datetime
    merchant_name: str = ""
    category_label: str = ""  # Korean, for the Korean sentence
    country: str = "KR"
    channel_label: str = ""  # Korean
    category_label_en: str = ""
    channel_label_en: str = ""
    label_delay_days: int = 7
    extra: dict[str, Any] = field(default_factory=dict)


def _won(value: float) -> str:
    return f"{value:,.0f}원"


def _krw(value: float) -> str:
    return f"KRW {value:,.0f}"


def _ok(value: float) -> bool:
    return not (isinstance(value, float) and math.isnan(value))


def _sentence(group: str, f: dict[str, float], ctx: ReasonContext) -> tuple[str, str, str] | None:
    """(code, Korean, English) for one reason group, worded with the actual values; None when the
    group pushed the score up but states no fact about this transaction (e.g. a missing value)."""
    t = ctx.local_time
    hhmm = t.strftime("%H:%M")
    wd = t.weekday()
    if group in ("time", "age"):
        if f["school_hours"] == 1.0:
            age = int(f["age"])
            return (
                "school_hours",
                f"등교·수업 시간인 평일({WEEKDAYS_KO[wd]}요일) {hhmm}에 만 {age}세 고객이 결제했습니다",
                f"Paid at {hhmm} on a school day ({WEEKDAYS_EN[wd]}), during school hours, by a {age}-year-old",
            )
        if group == "age" and _ok(f["age"]):
            age = int(f["age"])
            return (
                "customer_age",
                f"만 {age}세 고객에게 드문 거래 유형입니다",
                f"An unusual transaction for a {age}-year-old customer",
            )
        if f["is_night"] == 1.0:
            return ("night_time", f"심야 시간({hhmm})의 거래입니다", f"Made late at night ({hhmm})")
        if _ok(f["hour_share_customer"]) and f["hour_share_customer"] < 0.1:
            share = f["hour_share_customer"]
            return (
                "unusual_hour",
                f"이 고객이 평소 거래하지 않는 시간대({t.hour}시, 과거 거래의 {share:.0%})입니다",
                f"At an hour this customer rarely uses ({t.hour}:00, {share:.0%} of past transactions)",
            )
        return (
            "time_of_day",
            f"거래 시각({WEEKDAYS_KO[wd]}요일 {hhmm})이 위험 패턴과 맞습니다",
            f"The time ({WEEKDAYS_EN[wd]} {hhmm}) matches risky patterns",
        )
    if group == "amount":
        amount = f["amount"]
        ratio = f["amount_ratio_mean"]
        if _ok(ratio) and ratio >= 1.5:
            usual = amount / ratio
            return (
                "amount_above_usual",
                f"결제액 {_won(amount)}은 이 고객의 평소 금액(평균 {_won(usual)})의 {ratio:.1f}배입니다",
                f"{_krw(amount)} is {ratio:.1f}× this customer's usual amount (average {_krw(usual)})",
            )
        if not _ok(ratio):
            return (
                "amount_no_history",
                f"거래 이력이 없는 고객의 {_won(amount)} 결제입니다",
                f"{_krw(amount)} from a customer with no history",
            )
        return (
            "amount",
            f"결제액 {_won(amount)}이 위험 패턴과 맞습니다",
            f"The amount {_krw(amount)} fits risky patterns",
        )
    if group == "velocity":
        if _ok(f["secs_since_last"]) and f["secs_since_last"] < 120:
            secs = int(f["secs_since_last"])
            return (
                "rapid_repeat",
                f"직전 거래 후 {secs}초 만의 거래입니다 (최근 1시간 {int(f['cnt_1h'])}건)",
                f"Only {secs} s after the previous transaction ({int(f['cnt_1h'])} in the last hour)",
            )
        return (
            "velocity",
            f"최근 1시간 {int(f['cnt_1h'])}건·{_won(f['sum_1h'])}, 24시간 {int(f['cnt_24h'])}건의 거래가 몰렸습니다",
            f"{int(f['cnt_1h'])} transactions ({_krw(f['sum_1h'])}) in the last hour, "
            f"{int(f['cnt_24h'])} in 24 h",
        )
    if group == "history":
        return (
            "history_pattern",
            f"최근 7일 {int(f['cnt_7d'])}건(평균 {_won(f['mean_7d'])}), 30일 {int(f['cnt_30d'])}건의 거래 이력과 다릅니다",
            f"Differs from the last 7 days ({int(f['cnt_7d'])}, average {_krw(f['mean_7d'])}) "
            f"and 30 days ({int(f['cnt_30d'])})",
        )
    if group == "merchant_new":
        where = ctx.merchant_name or "가맹점"
        where_en = ctx.merchant_name or "a merchant"
        if f["new_category"] == 1.0 and ctx.category_label:
            return (
                "new_category",
                f"처음 이용하는 업종({ctx.category_label})의 가맹점({where})입니다",
                f"First purchase in this category ({ctx.category_label_en or ctx.category_label}) at {where_en}",
            )
        if f["new_merchant"] == 1.0:
            return ("new_merchant", f"처음 이용하는 가맹점({where})입니다", f"First purchase at {where_en}")
        label = ctx.category_label or "기타"
        return (
            "merchant_category",
            f"업종({label})이 위험 패턴과 맞습니다",
            f"The category ({ctx.category_label_en or 'other'}) fits risky patterns",
        )
    if group == "beneficiary_new":
        if f["new_beneficiary"] != 1.0:
            return None  # the model weighs "no beneficiary" too; that is no fact worth a sentence
        return ("new_beneficiary", "처음 송금하는 수취 계좌입니다", "First transfer to this beneficiary")
    if group == "foreign":
        if f["foreign"] != 1.0:
            return None
        if f["new_country"] == 1.0:
            return (
                "new_country",
                f"처음 거래하는 국가({ctx.country})의 해외 거래입니다",
                f"First transaction in this country ({ctx.country})",
            )
        return ("foreign", f"해외({ctx.country}) 거래입니다", f"A foreign transaction ({ctx.country})")
    if group == "channel":
        label = ctx.channel_label or "이"
        return (
            "channel",
            f"{label} 채널 거래가 위험 패턴과 맞습니다",
            f"The channel ({ctx.channel_label_en or 'unknown'}) fits risky patterns",
        )
    if group == "merchant_risk":
        share = f["merchant_risk_30d"] if _ok(f["merchant_risk_30d"]) else 0.0
        count = int(f["merchant_cnt_30d"]) if _ok(f["merchant_cnt_30d"]) else 0
        return (
            "merchant_risk",
            f"이 가맹점의 최근 사기 확인 비율이 {share:.1%}입니다 ({ctx.label_delay_days}일 전까지 {count}건 기준)",
            f"This merchant's confirmed-fraud share is {share:.1%} "
            f"({count} transactions up to {ctx.label_delay_days} days ago)",
        )
    raise KeyError(group)


def reasons_explain(
    features: Sequence[float], contribution_row: np.ndarray, ctx: ReasonContext
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Reasons (strongest first) and every group's contribution, from one TreeSHAP row."""
    f = dict(zip(FEATURE_NAMES, (float(v) for v in features), strict=True))
    group_weights = {g: float(sum(contribution_row[i] for i in cols)) for g, cols in _GROUP_COLUMNS.items()}
    # School time is one finding about age and hour together: show it once, with both weights.
    if f["school_hours"] == 1.0:
        group_weights["time"] += group_weights.pop("age")
    reasons: list[dict[str, Any]] = []
    for group, weight in sorted(group_weights.items(), key=lambda kv: -kv[1]):
        if weight < MIN_REASON_CONTRIBUTION or len(reasons) >= MAX_REASONS:
            break
        worded = _sentence(group, f, ctx)
        if worded is None:
            continue
        code, ko, en = worded
        reasons.append(
            {"code": code, "group": group, "weight": round(weight, 4), "text_ko": ko, "text_en": en}
        )
    return reasons, {g: round(w, 4) for g, w in group_weights.items()}


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))

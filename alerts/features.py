"""Point-in-time behavioural features, computed incrementally.

One engine serves online scoring, model training and the public benchmark, so what the model learns
from is exactly what it sees in production. It is pure Python: no ORM, no clock. Callers feed events in
time order; each customer's and merchant's state is a small JSON-able dict that the scoring worker
keeps in the database between batches. Nothing here scans a customer's history: every feature comes
from the state, which is bounded (a 24-hour event list, 31 day buckets, capped recency maps).

Times are "local seconds": wall-clock seconds since 1970-01-01 00:00 in Asia/Seoul (Korea has no DST),
so hour-of-day and weekday are plain integer arithmetic.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

KST = timezone(timedelta(hours=9), "Asia/Seoul")
DAY = 86_400
HOUR = 3_600
MINOR_AGE = 19  # under 19: a minor under Korean law
SCHOOL_AGES = range(7, 19)
SCHOOL_HOURS = range(7, 16)  # 07:00–15:59 on school days: getting to school and lessons
MERCHANT_CAP = 150
BENEFICIARY_CAP = 100
NAN = float("nan")
# Merchant risk reads 30-day windows that end up to a label delay back: keep room for long delays.
MERCHANT_DAYS_KEPT = 64
SPIKE_RATIO = 3.0
SPIKE_DAYS = 14

CHANNEL_CODES = {"card_present": 0, "online": 1, "mobile": 2, "atm": 3, "transfer": 4}
# The merchant categories, in the order of their feature code: the one list. The model's choices
# (alerts.models.MerchantCategory) and the simulator are built from it.
MERCHANT_CATEGORIES: tuple[str, ...] = (
    "ice_cream_discount",
    "convenience",
    "online_shopping",
    "overseas",
    "gas_station",
    "transfer",
    "restaurant",
    "cafe",
    "supermarket",
    "game",
    "electronics",
    "gift_card",
    "transport",
    "other",
)
CATEGORY_CODES = {name: i for i, name in enumerate(MERCHANT_CATEGORIES)}

FEATURE_NAMES: tuple[str, ...] = (
    "amount",
    "hour",
    "weekday",
    "is_weekend",
    "is_night",
    "age",
    "is_minor",
    "school_hours",
    "hour_share_customer",
    "n_prior",
    "amount_ratio_mean",
    "amount_z",
    "amount_ratio_max",
    "cnt_1h",
    "sum_1h",
    "cnt_24h",
    "mean_24h",
    "cnt_7d",
    "mean_7d",
    "cnt_30d",
    "mean_30d",
    "secs_since_last",
    "new_merchant",
    "new_category",
    "new_beneficiary",
    "foreign",
    "new_country",
    "channel",
    "category",
    "merchant_cnt_1d",
    "merchant_risk_1d",
    "merchant_cnt_7d",
    "merchant_risk_7d",
    "merchant_cnt_30d",
    "merchant_risk_30d",
    # Days since the first and the latest known fraud of the merchant's current fraud streak (known
    # labels only, within 30 days): a compromise that started long ago is likely over; NaN without one.
    "merchant_fraud_first_age",
    "merchant_fraud_last_age",
    # Earlier transactions of the customer in the last 7 / 14 days at SPIKE_RATIO times their mean
    # amount then: one outlier is a big purchase, several in a fortnight look like a card in other hands.
    "amount_spikes_7d",
    "amount_spikes_14d",
)
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}


def local_seconds(moment: datetime) -> int:
    """Wall-clock seconds in Seoul; naive datetimes are taken as already in Seoul time."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(KST).replace(tzinfo=None)
    return int((moment - datetime(1970, 1, 1)).total_seconds())


def from_local_seconds(seconds: float) -> datetime:
    return (datetime(1970, 1, 1) + timedelta(seconds=seconds)).replace(tzinfo=KST).astimezone(UTC)


def age_at(birth_date: date | None, seconds: int) -> int | None:
    if birth_date is None:
        return None
    day = (datetime(1970, 1, 1) + timedelta(seconds=seconds)).date()
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True, slots=True)
class TxEvent:
    """What the engine needs to know of one transaction."""

    ts: int  # local seconds
    amount: float
    customer_key: str
    merchant_key: str | None = None
    category: str | None = None
    channel: str = "card_present"
    country: str = "KR"
    birth_date: date | None = None
    beneficiary: str | None = None


class CustomerState:
    """A customer's running behaviour. `data` is stored as JSON between batches."""

    __slots__ = ("data",)

    def __init__(self, data: Mapping | None = None) -> None:
        d = dict(data) if data else {}
        d.setdefault("n", 0)
        d.setdefault("amt_sum", 0.0)
        d.setdefault("amt_max", 0.0)
        d.setdefault("log_mean", 0.0)
        d.setdefault("log_m2", 0.0)
        d.setdefault("hours", [0] * 24)
        d.setdefault("recent", [])  # [[ts, amount], ...] within the last 24 h, sorted by ts
        # {day index: [count, sum]} for the last 31 days. JSON turns the int keys into strings; they
        # are turned back here once per load, so the hot path compares plain ints.
        d["days"] = {int(k): v for k, v in d.get("days", {}).items()}
        d.setdefault("last_ts", None)
        d.setdefault("merchants", {})  # merchant key -> last day seen (capped)
        d.setdefault("categories", {})
        d.setdefault("beneficiaries", {})
        d.setdefault("countries", {})
        d.setdefault("spikes", [])  # times of the amount spikes of the last SPIKE_DAYS days, sorted
        self.data = d


class MerchantState:
    """A merchant's (terminal's) daily transaction and known-fraud counts."""

    __slots__ = ("data", "memo")

    def __init__(self, data: Mapping | None = None) -> None:
        d = dict(data) if data else {}
        d["days"] = {int(k): v for k, v in d.get("days", {}).items()}  # {day: [tx count, fraud count]}
        self.data = d
        # Risk features depend only on the day (their windows end before it): computed once a day.
        self.memo: tuple[int, list[float]] | None = None

    def record_label(self, ts: int, is_fraud: bool) -> None:
        """A fraud label arrived for one of this merchant's transactions at local time `ts`."""
        if not is_fraud:
            return
        bucket = self.data["days"].setdefault(ts // DAY, [0, 0])
        bucket[1] += 1
        self.memo = None


def _fraud_ages(days: Mapping[int, list], today: int, last: int, span: int) -> tuple[float, float]:
    """Days from `today` back to the earliest and the latest day with a known fraud among the `span`
    days ending at day `last`; NaN, NaN when there is none."""
    first = latest = None
    for day, bucket in days.items():
        if bucket[1] and last - span < day <= last:
            first = day if first is None or day < first else first
            latest = day if latest is None or day > latest else latest
    if first is None or latest is None:
        return NAN, NAN
    return float(today - first), float(today - latest)


def _windows(days: Mapping[int, list], last: int, spans: tuple[int, ...]) -> list[list[float]]:
    """[count, total] for each span of days ending at day `last` (inclusive), in one pass."""
    sums = [[0.0, 0.0] for _ in spans]
    for day, bucket in days.items():
        age = last - day
        if age < 0:
            continue
        for i, span in enumerate(spans):
            if age < span:
                sums[i][0] += bucket[0]
                sums[i][1] += bucket[1]
    return sums


def compute_features(
    tx: TxEvent, customer: CustomerState, merchant: MerchantState | None, *, label_delay_days: int
) -> list[float]:
    """The feature vector of `tx` given the states as of just before it. Reads only."""
    c = customer.data
    ts = tx.ts
    day = ts // DAY
    hour = (ts // HOUR) % 24
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    is_weekend = 1.0 if weekday >= 5 else 0.0
    age = age_at(tx.birth_date, ts)
    n = c["n"]

    if age is None:
        age_f = is_minor = school = NAN
    else:
        age_f = float(age)
        is_minor = 1.0 if age < MINOR_AGE else 0.0
        school = 1.0 if (age in SCHOOL_AGES and weekday < 5 and hour in SCHOOL_HOURS) else 0.0

    hours = c["hours"]
    if n >= 3:
        near = hours[hour] + hours[(hour - 1) % 24] + hours[(hour + 1) % 24]
        hour_share = (near + 0.5) / (n + 1.0)
    else:
        hour_share = NAN

    amount = float(tx.amount)
    if n:
        mean = c["amt_sum"] / n
        ratio_mean = amount / mean if mean > 0 else NAN
        ratio_max = amount / c["amt_max"] if c["amt_max"] > 0 else NAN
    else:
        ratio_mean = ratio_max = NAN
    if n >= 2:
        std = math.sqrt(c["log_m2"] / (n - 1))
        amount_z = (math.log1p(amount) - c["log_mean"]) / max(std, 0.25)
    else:
        amount_z = NAN

    # Windows include the current transaction (as the handbook's features do): it is known now.
    recent = c["recent"]
    lo_1h = bisect.bisect_left(recent, [ts - HOUR + 1, -math.inf])
    lo_24h = bisect.bisect_left(recent, [ts - DAY + 1, -math.inf])
    hi = bisect.bisect_right(recent, [ts, math.inf])
    cnt_1h = hi - lo_1h + 1
    sum_1h = sum(e[1] for e in recent[lo_1h:hi]) + amount
    cnt_24h = hi - lo_24h + 1
    sum_24h = sum(e[1] for e in recent[lo_24h:hi]) + amount
    # The hottest loop of the engine: written out for the two customer windows (≤ 31 buckets).
    cnt_7d = sum_7d = cnt_30d = sum_30d = 0.0
    lo_7d, lo_30d = day - 6, day - 29
    for bucket_day, bucket in c["days"].items():
        if bucket_day > day or bucket_day < lo_30d:
            continue
        cnt_30d += bucket[0]
        sum_30d += bucket[1]
        if bucket_day >= lo_7d:
            cnt_7d += bucket[0]
            sum_7d += bucket[1]
    cnt_7d += 1
    sum_7d += amount
    cnt_30d += 1
    sum_30d += amount

    last = c["last_ts"]
    since_last = float(ts - last) if last is not None and ts >= last else NAN

    spikes = c["spikes"]
    spikes_end = bisect.bisect_left(spikes, ts)
    spikes_7d = float(spikes_end - bisect.bisect_right(spikes, ts - 7 * DAY))
    spikes_14d = float(spikes_end - bisect.bisect_right(spikes, ts - SPIKE_DAYS * DAY))

    if tx.merchant_key is not None:
        new_merchant = 0.0 if tx.merchant_key in c["merchants"] else 1.0
    else:
        new_merchant = NAN
    if tx.category is not None:
        new_category = 0.0 if tx.category in c["categories"] else 1.0
    else:
        new_category = NAN
    if tx.beneficiary:
        new_beneficiary = 0.0 if tx.beneficiary in c["beneficiaries"] else 1.0
    else:
        new_beneficiary = NAN
    foreign = 0.0 if tx.country == "KR" else 1.0
    new_country = 0.0 if (tx.country in c["countries"] or (n == 0 and tx.country == "KR")) else 1.0

    if merchant is not None:
        if merchant.memo is not None and merchant.memo[0] == day:
            risk = merchant.memo[1]
        else:
            end = day - label_delay_days  # only labels of transactions this old are known
            risk = []
            for count, frauds in _windows(merchant.data["days"], end - 1, (1, 7, 30)):
                risk += [count, frauds / count if count else 0.0]
            risk += _fraud_ages(merchant.data["days"], day, end - 1, 30)
            merchant.memo = (day, risk)
    else:
        risk = [NAN] * 8

    return [
        amount,
        float(hour),
        float(weekday),
        is_weekend,
        1.0 if hour <= 6 else 0.0,
        age_f,
        is_minor,
        school,
        hour_share,
        float(n),
        ratio_mean,
        amount_z,
        ratio_max,
        float(cnt_1h),
        sum_1h,
        float(cnt_24h),
        sum_24h / cnt_24h,
        cnt_7d,
        sum_7d / cnt_7d,
        cnt_30d,
        sum_30d / cnt_30d,
        since_last,
        new_merchant,
        new_category,
        new_beneficiary,
        foreign,
        new_country,
        float(CHANNEL_CODES.get(tx.channel, -1)),
        float(CATEGORY_CODES[tx.category]) if tx.category in CATEGORY_CODES else NAN,
        *risk,
        spikes_7d,
        spikes_14d,
    ]


def _cap(mapping: dict, key: str, value: int, cap: int) -> None:
    mapping[key] = value
    if len(mapping) > cap:
        # Forget the least recently seen entries: a merchant unseen for months is "new" again.
        for old in sorted(mapping, key=mapping.__getitem__)[: len(mapping) - cap]:
            del mapping[old]


def update_state(tx: TxEvent, customer: CustomerState, merchant: MerchantState | None) -> None:
    """Fold `tx` into the states. Tolerates events older than the newest one (late arrivals)."""
    c = customer.data
    ts = tx.ts
    day = ts // DAY
    amount = float(tx.amount)

    if c["n"] and amount >= SPIKE_RATIO * c["amt_sum"] / c["n"] > 0:
        spikes = c["spikes"]
        bisect.insort(spikes, ts)
        newest_spike = spikes[-1]
        del spikes[: bisect.bisect_right(spikes, newest_spike - SPIKE_DAYS * DAY)]
    n = c["n"] + 1
    c["n"] = n
    c["amt_sum"] += amount
    c["amt_max"] = max(c["amt_max"], amount)
    x = math.log1p(amount)
    delta = x - c["log_mean"]
    c["log_mean"] += delta / n
    c["log_m2"] += delta * (x - c["log_mean"])
    c["hours"][(ts // HOUR) % 24] += 1

    newest = max(ts, c["last_ts"] or ts)
    recent = c["recent"]
    bisect.insort(recent, [ts, amount])
    cut = bisect.bisect_left(recent, [newest - DAY + 1, -math.inf])
    if cut:
        del recent[:cut]
    days = c["days"]
    bucket = days.setdefault(day, [0, 0.0])
    bucket[0] += 1
    bucket[1] += amount
    newest_day = newest // DAY
    if len(days) > 31:
        for key in [k for k in days if k < newest_day - 30]:
            del days[key]
    c["last_ts"] = newest

    if tx.merchant_key is not None:
        _cap(c["merchants"], tx.merchant_key, day, MERCHANT_CAP)
    if tx.category is not None:
        c["categories"][tx.category] = c["categories"].get(tx.category, 0) + 1
    if tx.beneficiary:
        _cap(c["beneficiaries"], tx.beneficiary, day, BENEFICIARY_CAP)
    c["countries"][tx.country] = c["countries"].get(tx.country, 0) + 1

    if merchant is not None:
        m_days = merchant.data["days"]
        m_bucket = m_days.setdefault(day, [0, 0])
        m_bucket[0] += 1
        if len(m_days) > MERCHANT_DAYS_KEPT:
            for key in sorted(m_days)[: len(m_days) - MERCHANT_DAYS_KEPT]:
                del m_days[key]


def replay(
    events: list[TxEvent],
    *,
    labels: list[bool | None] | None = None,
    label_delay_days: int,
    customers: dict[str, CustomerState] | None = None,
    merchants: dict[str, MerchantState] | None = None,
) -> tuple[list[list[float]], dict[str, CustomerState], dict[str, MerchantState]]:
    """Features for a time-ordered stream, as online scoring would have computed them one by one.

    A known fraud label is folded into the merchant's counts as soon as its transaction is seen;
    merchant-risk features only read counts at least `label_delay_days` old, which is when such a
    label is assumed known (the same delay applies online).
    """
    customers = {} if customers is None else customers
    merchants = {} if merchants is None else merchants
    rows: list[list[float]] = []
    for i, tx in enumerate(events):
        cstate = customers.get(tx.customer_key)
        if cstate is None:
            cstate = customers[tx.customer_key] = CustomerState()
        mstate = None
        if tx.merchant_key is not None:
            mstate = merchants.get(tx.merchant_key)
            if mstate is None:
                mstate = merchants[tx.merchant_key] = MerchantState()
        rows.append(compute_features(tx, cstate, mstate, label_delay_days=label_delay_days))
        update_state(tx, cstate, mstate)
        if labels is not None and labels[i] and mstate is not None:
            mstate.record_label(tx.ts, True)
    return rows, customers, merchants

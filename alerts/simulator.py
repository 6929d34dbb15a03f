"""A simulated Korean bank: customers of all ages, merchants, daily and weekly rhythms, injected fraud.

Pure and deterministic: the same seed (and the same arguments) gives the same population and the same
transactions, byte for byte; no ORM, no clock (except where a caller asks for "today"), no network.
The output rows are `alerts.schemas.TransactionIn` dicts, so the history command, the live stream and
the tests all feed the product through its real ingest path.

How time works. Every customer group has a weekly rhythm in half-hour slots (minors buy after school
and at weekends, adults around commute, lunch and evening, seniors in daytime, businesses in office
hours) and a payday effect around the 25th. The engine walks through time in ticks; in each tick it
draws how many transactions each group makes (Poisson), picks who makes them in proportion to their
activity, and then what, where and how much from each person's own preferences (favourite merchants,
category mix, a personal amount scale on log-normal category amounts). Fraud incidents are drawn per
pattern with the pattern's own time profile (the seed case only on school days during school hours,
account takeover mostly at night); an incident can span several transactions over minutes, so events
wait in a heap until their tick and come out in time order.

Fraud share. `fraud_rate` is the share of *transactions* that are fraudulent; `pattern_shares` splits
it between the patterns, also by transactions. Incident rates are derived from the expected genuine
volume and each pattern's mean number of transactions per incident.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, NamedTuple

from alerts.features import KST, MERCHANT_CATEGORIES, SCHOOL_AGES, SCHOOL_HOURS

DAY = 86_400
SLOT = 1_800  # the rhythm's resolution: half an hour
SLOTS_PER_DAY = 48
SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY
KST_OFFSET = 9 * 3_600  # Korea has no daylight saving time
EPOCH_MONDAY_OFFSET = 3  # 1970-01-01 was a Thursday; Monday = 0

# Merchant categories come from alerts.features (pure, like this module); segment and channel values
# are kept literal so this module imports without Django (tests check they match the model choices).
CATEGORIES: tuple[str, ...] = MERCHANT_CATEGORIES
(
    ICE_CREAM,
    CONVENIENCE,
    ONLINE,
    OVERSEAS,
    GAS,
    TRANSFER,
    RESTAURANT,
    CAFE,
    SUPERMARKET,
    GAME,
    ELECTRONICS,
    GIFT_CARD,
    TRANSPORT,
    OTHER,
) = CATEGORIES

CH_CARD = "card_present"
CH_ONLINE = "online"
CH_MOBILE = "mobile"
CH_TRANSFER = "transfer"

MINOR = "minor"
YOUNG_ADULT = "young_adult"
ADULT = "adult"
SENIOR = "senior"
BUSINESS = "business"
GROUPS: tuple[str, ...] = (MINOR, YOUNG_ADULT, ADULT, SENIOR, BUSINESS)
SEGMENT_OF_GROUP = {
    MINOR: "youth",
    YOUNG_ADULT: "young_adult",
    ADULT: "general",
    SENIOR: "senior",
    BUSINESS: "business",
}
AGE_RANGE = {MINOR: (12, 18), YOUNG_ADULT: (19, 29), ADULT: (30, 64), SENIOR: (65, 88)}
# A good share of minors so a model can learn their school-time rhythm.
DEFAULT_GROUP_SHARES = {MINOR: 0.18, YOUNG_ADULT: 0.20, ADULT: 0.37, SENIOR: 0.17, BUSINESS: 0.08}

SEED_CASE = "seed_case"
CARD_TESTING = "card_testing"
ACCOUNT_TAKEOVER = "account_takeover"
UNUSUAL_MERCHANT = "unusual_merchant"
AMOUNT_SPIKE = "amount_spike"
PATTERNS: tuple[str, ...] = (SEED_CASE, CARD_TESTING, ACCOUNT_TAKEOVER, UNUSUAL_MERCHANT, AMOUNT_SPIKE)
# Share of the fraudulent transactions per pattern.
DEFAULT_PATTERN_SHARES = {
    SEED_CASE: 0.18,
    CARD_TESTING: 0.27,
    ACCOUNT_TAKEOVER: 0.20,
    UNUSUAL_MERCHANT: 0.20,
    AMOUNT_SPIKE: 0.15,
}
# Transactions per incident: {size: probability}. Card testing is 3–8 small probes plus one large buy.
PATTERN_SIZES: dict[str, dict[int, float]] = {
    SEED_CASE: {1: 0.7, 2: 0.2, 3: 0.1},
    CARD_TESTING: {k + 1: 1 / 6 for k in range(3, 9)},
    ACCOUNT_TAKEOVER: {1: 0.5, 2: 0.3, 3: 0.2},
    UNUSUAL_MERCHANT: {1: 0.6, 2: 0.25, 3: 0.15},
    AMOUNT_SPIKE: {1: 1.0},
}


def _mean_size(pattern: str) -> float:
    return sum(size * p for size, p in PATTERN_SIZES[pattern].items())


def _draw_size(rng: random.Random, pattern: str) -> int:
    sizes = PATTERN_SIZES[pattern]
    return rng.choices(list(sizes), weights=list(sizes.values()))[0]


# ---------------------------------------------------------------------------------------------------
# Rhythms


def _day_profile(spans: list[tuple[float, float, float]], floor: float = 0.0) -> tuple[float, ...]:
    """48 half-hour weights summing to 1, from (start hour, end hour, weight) spans over a floor."""
    weights = [floor] * SLOTS_PER_DAY
    for start, end, weight in spans:
        for slot in range(round(start * 2), round(end * 2)):
            weights[slot] = weight
    total = sum(weights)
    return tuple(w / total for w in weights)


# (weekday profile, weekend profile, weekday daily volume factor, weekend daily volume factor)
RHYTHMS: dict[str, tuple[tuple[float, ...], tuple[float, ...], float, float]] = {
    # School runs 07:00 to about 16:00 (the feature pipeline's school hours are 07:00–15:59): a few
    # purchases on the way to school or at lunch, then the after-school peak and the academy evening.
    MINOR: (
        _day_profile(
            [
                (7, 8, 0.012),
                (8, 12, 0.002),
                (12, 13, 0.01),
                (13, 15.5, 0.002),
                (15.5, 16, 0.08),
                (16, 18, 1.0),
                (18, 21, 0.6),
                (21, 22, 0.15),
                (22, 23, 0.04),
            ],
        ),
        _day_profile([(9, 10, 0.2), (10, 13, 0.7), (13, 18, 1.0), (18, 21, 0.7), (21, 23, 0.2)], floor=0.003),
        1.0,
        1.25,
    ),
    YOUNG_ADULT: (
        _day_profile(
            [
                (0, 2, 0.3),
                (2, 6, 0.04),
                (6, 7, 0.15),
                (7, 9.5, 0.7),
                (9.5, 11.5, 0.3),
                (11.5, 13.5, 1.0),
                (13.5, 18, 0.35),
                (18, 22, 0.9),
                (22, 24, 0.55),
            ],
        ),
        _day_profile([(0, 3, 0.4), (3, 9, 0.04), (9, 11, 0.3), (11, 22, 0.9), (22, 24, 0.6)]),
        1.0,
        1.1,
    ),
    ADULT: (
        _day_profile(
            [
                (0, 1, 0.08),
                (1, 6, 0.02),
                (6, 7, 0.2),
                (7, 9, 0.7),
                (9, 11.5, 0.3),
                (11.5, 13.5, 1.0),
                (13.5, 18, 0.35),
                (18, 21, 0.9),
                (21, 23, 0.4),
                (23, 24, 0.15),
            ],
        ),
        _day_profile([(0, 1, 0.1), (1, 7, 0.02), (7, 10, 0.3), (10, 20, 0.9), (20, 23, 0.4), (23, 24, 0.15)]),
        1.0,
        0.95,
    ),
    SENIOR: (
        _day_profile(
            [
                (6, 8, 0.2),
                (8, 10, 0.6),
                (10, 12.5, 1.0),
                (12.5, 14, 0.8),
                (14, 17, 0.9),
                (17, 19, 0.4),
                (19, 21, 0.15),
            ],
            floor=0.005,
        ),
        _day_profile([(7, 9, 0.3), (9, 17, 0.9), (17, 20, 0.3)], floor=0.005),
        1.0,
        0.8,
    ),
    BUSINESS: (
        _day_profile([(7, 9, 0.3), (9, 12, 1.0), (12, 13, 0.5), (13, 18, 1.0), (18, 20, 0.3)], floor=0.01),
        _day_profile([(9, 17, 1.0)], floor=0.05),
        1.0,
        0.25,
    ),
}
MEAN_DAILY_TX = {MINOR: 1.6, YOUNG_ADULT: 3.2, ADULT: 2.8, SENIOR: 1.5, BUSINESS: 5.0}
PAYDAY_GROUPS = (YOUNG_ADULT, ADULT, BUSINESS)


def _payday_factor(day_of_month: int) -> float:
    """Salaries land on the 25th in most Korean firms: spending and transfers rise, then fall before."""
    if 25 <= day_of_month <= 27:
        return 1.35
    if 20 <= day_of_month <= 24:
        return 0.9
    return 1.0


# Periods of the day the category mix depends on.
MORNING, LUNCH, AFTERNOON, EVENING, NIGHT = range(5)


def _period(hour: int) -> int:
    if 6 <= hour < 10:
        return MORNING
    if 10 <= hour < 14:
        return LUNCH
    if 14 <= hour < 18:
        return AFTERNOON
    if 18 <= hour < 23:
        return EVENING
    return NIGHT


CATEGORY_MIX: dict[str, dict[str, float]] = {
    MINOR: {
        ICE_CREAM: 0.28,
        CONVENIENCE: 0.32,
        GAME: 0.14,
        CAFE: 0.05,
        TRANSPORT: 0.10,
        ONLINE: 0.04,
        RESTAURANT: 0.05,
        OTHER: 0.02,
    },
    YOUNG_ADULT: {
        CAFE: 0.16,
        CONVENIENCE: 0.15,
        RESTAURANT: 0.16,
        ONLINE: 0.12,
        TRANSPORT: 0.11,
        GAME: 0.05,
        TRANSFER: 0.07,
        SUPERMARKET: 0.03,
        OVERSEAS: 0.02,
        ELECTRONICS: 0.01,
        GIFT_CARD: 0.02,
        OTHER: 0.05,
        ICE_CREAM: 0.02,
        GAS: 0.03,
    },
    ADULT: {
        RESTAURANT: 0.18,
        CAFE: 0.10,
        SUPERMARKET: 0.14,
        GAS: 0.07,
        ONLINE: 0.12,
        TRANSPORT: 0.07,
        CONVENIENCE: 0.09,
        TRANSFER: 0.08,
        OTHER: 0.07,
        ELECTRONICS: 0.015,
        GIFT_CARD: 0.02,
        OVERSEAS: 0.01,
        ICE_CREAM: 0.025,
        GAME: 0.01,
    },
    SENIOR: {
        SUPERMARKET: 0.22,
        RESTAURANT: 0.15,
        CONVENIENCE: 0.10,
        TRANSFER: 0.10,
        OTHER: 0.18,
        CAFE: 0.06,
        TRANSPORT: 0.08,
        ONLINE: 0.04,
        GAS: 0.04,
        GIFT_CARD: 0.03,
    },
    BUSINESS: {
        SUPERMARKET: 0.20,
        GAS: 0.15,
        TRANSFER: 0.25,
        ONLINE: 0.12,
        ELECTRONICS: 0.06,
        RESTAURANT: 0.12,
        OTHER: 0.10,
    },
}
PERIOD_MULTIPLIERS: dict[int, dict[str, float]] = {
    MORNING: {TRANSPORT: 4.0, CAFE: 2.0, CONVENIENCE: 1.5, RESTAURANT: 0.3, SUPERMARKET: 0.3, GAME: 0.3},
    LUNCH: {RESTAURANT: 3.0, CAFE: 1.8, TRANSPORT: 0.4},
    AFTERNOON: {},
    EVENING: {RESTAURANT: 1.6, SUPERMARKET: 1.5, ONLINE: 1.3, TRANSPORT: 1.2, CAFE: 0.7},
    NIGHT: {
        ONLINE: 2.5,
        GAME: 2.5,
        CONVENIENCE: 2.0,
        RESTAURANT: 0.4,
        SUPERMARKET: 0.1,
        TRANSPORT: 0.3,
        GAS: 0.3,
        OTHER: 0.3,
        TRANSFER: 0.5,
        CAFE: 0.3,
    },
}
# Median amount (KRW), log-normal sigma, rounding step.
AMOUNTS: dict[str, tuple[float, float, int]] = {
    ICE_CREAM: (6_000, 0.45, 100),
    CONVENIENCE: (5_500, 0.6, 100),
    ONLINE: (35_000, 0.8, 100),
    OVERSEAS: (60_000, 0.8, 1),
    GAS: (60_000, 0.3, 1_000),
    TRANSFER: (120_000, 1.0, 1_000),
    RESTAURANT: (14_000, 0.5, 500),
    CAFE: (5_500, 0.35, 100),
    SUPERMARKET: (55_000, 0.6, 10),
    GAME: (6_000, 0.6, 100),
    ELECTRONICS: (180_000, 0.8, 1_000),
    GIFT_CARD: (50_000, 0.6, 10_000),
    TRANSPORT: (1_500, 0.2, 10),
    OTHER: (20_000, 0.8, 100),
}
# Minors spend pocket money: 1,000–5,000원 at ice-cream discount stores, convenience stores and games.
MINOR_AMOUNTS: dict[str, tuple[float, float, int]] = {
    ICE_CREAM: (2_300, 0.35, 100),
    CONVENIENCE: (2_800, 0.35, 100),
    GAME: (3_500, 0.4, 100),
    CAFE: (4_500, 0.3, 100),
    RESTAURANT: (7_000, 0.35, 500),
    ONLINE: (15_000, 0.5, 100),
    TRANSPORT: (1_000, 0.1, 10),
    OTHER: (6_000, 0.5, 100),
}
GROUP_AMOUNT_FACTOR = {MINOR: 1.0, YOUNG_ADULT: 0.85, ADULT: 1.0, SENIOR: 0.9, BUSINESS: 4.0}

# Fraud time profiles over the week's 336 slots (weekday, weekend) as (start hour, end hour, weight).
FRAUD_RHYTHMS: dict[str, tuple[list[tuple[float, float, float]], list[tuple[float, float, float]], float]] = {
    # A minor's card in someone else's hands while the minor sits in class.
    SEED_CASE: ([(7, 9, 3.0), (9, 12, 1.0), (12, 13, 2.0), (13, 15.5, 1.0)], [], 0.0),
    CARD_TESTING: ([(0, 6, 2.0), (6, 24, 1.0)], [(0, 6, 2.0), (6, 24, 1.0)], 0.0),
    ACCOUNT_TAKEOVER: (
        [(0, 5, 3.0), (5, 22, 1.0), (22, 24, 2.0)],
        [(0, 5, 3.0), (5, 22, 1.0), (22, 24, 2.0)],
        0.0,
    ),
    UNUSUAL_MERCHANT: ([(0, 6, 1.5), (6, 24, 1.0)], [(0, 6, 1.5), (6, 24, 1.0)], 0.0),
    AMOUNT_SPIKE: (
        [(0, 7, 0.2), (7, 23, 1.0), (23, 24, 0.5)],
        [(0, 8, 0.2), (8, 23, 1.0), (23, 24, 0.5)],
        0.0,
    ),
}


def _week_profile(pattern: str) -> tuple[float, ...]:
    """Relative incident intensity per slot of the week (Monday 00:00 first), averaging 1."""
    weekday_spans, weekend_spans, floor = FRAUD_RHYTHMS[pattern]
    weights: list[float] = []
    for weekday in range(7):
        day = [floor] * SLOTS_PER_DAY
        for start, end, w in weekday_spans if weekday < 5 else weekend_spans:
            for slot in range(round(start * 2), round(end * 2)):
                day[slot] = w
        weights += day
    mean = sum(weights) / len(weights)
    return tuple(w / mean for w in weights)


FRAUD_WEEK_PROFILES = {pattern: _week_profile(pattern) for pattern in PATTERNS}

# ---------------------------------------------------------------------------------------------------
# Names

# Weighted by repetition: 김, 이 and 박 are about 45 % of Koreans.
SURNAMES = (
    "김김김김이이이박박최정강조윤장임한오서신권황안송류홍전고문양손배백허남심노하곽성차주우구민유나진지엄"
    "채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용"
)
GIVEN = "민서지현수준도윤하은예연우진영호성재경아주승혜동원정유희태빈나리건시채소다미한결"
AREAS = (
    "역삼",
    "신림",
    "상계",
    "목동",
    "잠실",
    "망원",
    "해운대",
    "서면",
    "동성로",
    "둔산",
    "송도",
    "부평",
    "일산",
    "분당",
    "수원인계",
    "전주효자",
    "광주상무",
    "제주노형",
    "청주복대",
    "창원상남",
)
LOCAL_BRANDS: dict[str, tuple[str, ...]] = {
    ICE_CREAM: (
        "무인아이스크림 할인점",
        "아이스크림마켓",
        "달콤아이스 할인점",
        "아이스가든",
        "빙수나라 할인점",
    ),
    CONVENIENCE: ("한빛편의점", "우리동네24", "행복마트24", "새벽편의점", "하루편의점"),
    GAS: ("한빛주유소", "셀프주유소", "대한에너지 주유소", "청정주유소"),
    RESTAURANT: (
        "김밥천하",
        "할매국밥",
        "한끼정식",
        "돈가스공방",
        "명동칼국수",
        "소문난순대국",
        "본가짬뽕",
        "치킨마루",
    ),
    CAFE: ("카페 봄날", "커피나무", "달빛다방", "브루잉랩", "카페 온기"),
    SUPERMARKET: ("한빛마트", "알뜰대형마트", "우리농산마트", "푸른마트", "큰장마트"),
    GAME: ("스타PC방", "레벨업PC방", "코인노래방", "게임존PC방"),
    ELECTRONICS: ("하이테크전자", "전자나라", "모바일플러스", "디지털프라자"),
    GIFT_CARD: ("상품권나라", "문화상품권 판매소", "티켓마켓"),
    OTHER: ("온누리약국", "동네세탁소", "미용실 결", "한빛안경", "꽃집 소담", "문구나라", "동물병원 온"),
}
ONLINE_MERCHANTS: dict[str, tuple[tuple[str, str], ...]] = {
    ONLINE: (
        ("누리몰", CH_ONLINE),
        ("바로배송몰", CH_MOBILE),
        ("오늘의장터", CH_ONLINE),
        ("한빛쇼핑", CH_MOBILE),
        ("하늘마켓", CH_ONLINE),
        ("새벽배송 푸드", CH_MOBILE),
        ("패션플러스", CH_ONLINE),
    ),
    GAME: (
        ("스타픽셀 게임즈", CH_MOBILE),
        ("모바일RPG 결제", CH_MOBILE),
        ("웹툰코인", CH_ONLINE),
        ("음원스트리밍", CH_ONLINE),
    ),
    GIFT_CARD: (("모바일상품권샵", CH_MOBILE), ("기프티콘마켓", CH_MOBILE)),
    TRANSPORT: (
        ("교통카드 후불", CH_CARD),
        ("시외버스 예매", CH_ONLINE),
        ("택시 호출앱", CH_MOBILE),
        ("고속철도 예매", CH_ONLINE),
    ),
    ELECTRONICS: (("디지털몰", CH_ONLINE),),
}
# (name, country, channel, risky): risky ones are only ever used by fraud in this simulation; fraud
# also turns up at ordinary overseas merchants the victim has never used, so a merchant's identity
# alone never gives it away.
OVERSEAS_MERCHANTS: tuple[tuple[str, str, str, bool], ...] = (
    ("Shibuya Select Shop", "JP", CH_CARD, False),
    ("Osaka Drug Store", "JP", CH_CARD, False),
    ("Brightline Online Store", "US", CH_ONLINE, False),
    ("Pacific Outlet Direct", "US", CH_ONLINE, False),
    ("London Apparel Ltd", "GB", CH_ONLINE, False),
    ("Bangkok Travel Mart", "TH", CH_CARD, False),
    ("NYC Gift Card Exchange", "US", CH_ONLINE, True),
    ("Sunrise Electronics Reseller", "US", CH_ONLINE, True),
    ("Shenzhen Digital Trade Co.", "CN", CH_ONLINE, True),
    ("Guangzhou Mobile Accessories", "CN", CH_ONLINE, False),
    ("Global Direct Mall", "CN", CH_ONLINE, False),  # cross-border shopping (해외직구) is common
    ("Lagos Quick Pay", "NG", CH_ONLINE, True),
    ("Abuja Wireless Services", "NG", CH_ONLINE, True),
    ("Manila Load Center", "PH", CH_ONLINE, True),
    ("Saigon Mobile Topup", "VN", CH_ONLINE, True),
)
TRANSFER_CHANNELS = {CH_TRANSFER: "계좌이체(인터넷뱅킹)", CH_MOBILE: "계좌이체(모바일뱅킹)"}
BUSINESS_NAMES = (
    "한빛",
    "대성",
    "미래",
    "우리",
    "동양",
    "새한",
    "삼정",
    "청운",
    "태평",
    "금강",
    "신흥",
    "광명",
)
BUSINESS_KINDS = ("상사", "물산", "유통", "식품", "건설", "테크", "산업", "무역")
MERCHANT_SHARES = {
    CONVENIENCE: 0.16,
    RESTAURANT: 0.19,
    CAFE: 0.12,
    ICE_CREAM: 0.07,
    SUPERMARKET: 0.06,
    GAS: 0.05,
    GAME: 0.05,
    ELECTRONICS: 0.04,
    GIFT_CARD: 0.03,
    OTHER: 0.09,
}
LOCAL_CATEGORIES = tuple(MERCHANT_SHARES)


def _masked_person(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.1:
        return f"{surname}*"  # two-syllable names
    return f"{surname}*{rng.choice(GIVEN)}"


def _account_number(rng: random.Random) -> str:
    """A Korean-looking deposit account number in one of the common bank formats."""
    d = rng.randrange
    style = d(5)
    if style == 0:
        return f"110-{d(1000):03d}-{d(1_000_000):06d}"
    if style == 1:
        return f"1002-{d(1000):03d}-{d(1_000_000):06d}"
    if style == 2:
        return f"3333-{d(100):02d}-{d(10_000_000):07d}"
    if style == 3:
        return f"352-{d(10_000):04d}-{d(10_000):04d}-{d(100):02d}"
    return f"{d(1_000_000):06d}-{d(100):02d}-{d(1_000_000):06d}"


def _phone(rng: random.Random) -> str:
    return f"010-{rng.randrange(2000, 10_000):04d}-{rng.randrange(10_000):04d}"


# ---------------------------------------------------------------------------------------------------
# Population


@dataclass(frozen=True, slots=True)
class SimMerchant:
    external_id: str
    name: str
    category: str
    country: str
    channel: str  # how it is usually paid: in person, online, in an app
    area: int | None  # neighbourhood index for local shops; None for online, overseas, transfers
    risky: bool = False


@dataclass(frozen=True, slots=True)
class SimAccount:
    external_id: str
    customer_id: str
    kind: str  # "card" or "deposit" (alerts.models.Account.Kind)
    masked_number: str


@dataclass(slots=True)
class SimCustomer:
    external_id: str
    display_name: str  # masked at the source, e.g. 김*수
    birth_date: date | None
    segment: str
    group: str
    card_account: str
    deposit_account: str | None
    activity: float  # genuine transactions a day, on average
    amount_scale: float
    home_area: int
    transfer_channel: str
    favourites: dict[str, tuple[SimMerchant, ...]] = field(default_factory=dict)
    beneficiaries: tuple[tuple[str, str], ...] = ()  # ("account" | "phone", value)
    # Precomputed for speed: categories and their cumulative weights per period of the day.
    categories: tuple[str, ...] = ()
    category_cum: tuple[tuple[float, ...], ...] = ()
    amount_base: dict[str, tuple[float, float, int]] = field(default_factory=dict)
    wire: dict[str, Any] = field(default_factory=dict)

    def usual_amount(self, category: str) -> float:
        """This person's median spend in `category`."""
        return _amount_params(self, category)[0]


def _amount_params(customer: SimCustomer, category: str) -> tuple[float, float, int]:
    table = MINOR_AMOUNTS if customer.group == MINOR and category in MINOR_AMOUNTS else AMOUNTS
    median, sigma, step = table[category]
    factor = 1.0 if table is MINOR_AMOUNTS else GROUP_AMOUNT_FACTOR[customer.group]
    if category == TRANSPORT:
        factor = 1.0
    return median * factor * customer.amount_scale, sigma, step


@dataclass(frozen=True, slots=True)
class Population:
    customers: tuple[SimCustomer, ...]
    merchants: tuple[SimMerchant, ...]
    accounts: tuple[SimAccount, ...]
    # Accounts and phone numbers of money mules that account-takeover fraud sends money to; the demo
    # seeds smishing reports naming some of them so the FDS cross-signal has something to find.
    mule_accounts: tuple[str, ...]
    mule_phones: tuple[str, ...]

    def master_records(self) -> list[dict[str, Any]]:
        """The customers' accounts as customer master records (alerts.customer_master), the only
        way the simulated feed's accounts become the customers' own."""
        by_customer: dict[str, list[dict[str, str]]] = {}
        for account in self.accounts:
            by_customer.setdefault(account.customer_id, []).append(
                {
                    "external_id": account.external_id,
                    "kind": account.kind,
                    "masked_number": account.masked_number,
                }
            )
        return [{"external_id": customer, "accounts": accounts} for customer, accounts in by_customer.items()]


class SimEvent(NamedTuple):
    """A generated transaction and the fraud pattern that produced it (None for genuine ones)."""

    row: dict[str, Any]
    pattern: str | None


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _round_amount(value: float, step: int) -> int:
    return max(step, round(value / step) * step, 100)


def _local_date(ts: float) -> date:
    return (datetime(1970, 1, 1) + timedelta(seconds=ts + KST_OFFSET)).date()


class Simulator:
    """A deterministic simulated bank.

    `Simulator(seed, customers=N, merchants=M, fraud_rate=0.015)`. Ages are drawn for `as_of`, by default
    1 January of the current year in Seoul, so a history and a later live stream with the same seed
    share one population all year; pass `as_of` for results that never depend on the clock.
    """

    def __init__(
        self,
        seed: int,
        *,
        customers: int = 2_000,
        merchants: int = 400,
        fraud_rate: float = 0.015,
        pattern_shares: Mapping[str, float] | None = None,
        group_shares: Mapping[str, float] | None = None,
        as_of: date | None = None,
    ) -> None:
        if customers < 1 or merchants < 1:
            raise ValueError("need at least one customer and one merchant")
        if not 0.0 <= fraud_rate < 0.5:
            raise ValueError("fraud_rate must be in [0, 0.5)")
        shares = dict(DEFAULT_PATTERN_SHARES if pattern_shares is None else pattern_shares)
        unknown = set(shares) - set(PATTERNS)
        if unknown:
            raise ValueError(f"unknown fraud patterns: {sorted(unknown)}")
        total = sum(shares.values())
        if total <= 0 and fraud_rate > 0:
            raise ValueError("pattern_shares must not all be zero")
        self.seed = seed
        self.n_customers = customers
        self.n_merchants = merchants
        self.fraud_rate = fraud_rate
        self.pattern_shares = {p: shares.get(p, 0.0) / total if total else 0.0 for p in PATTERNS}
        self.group_shares = dict(group_shares or DEFAULT_GROUP_SHARES)
        self.as_of = as_of or date(datetime.now(KST).year, 1, 1)
        self._population: Population | None = None

    # -- population --------------------------------------------------------------------------------

    def population(self) -> Population:
        """Customers, merchants, accounts and mule accounts/phones; built once, deterministic."""
        if self._population is None:
            self._population = self._build_population()
            self._index_population(self._population)
        return self._population

    def _build_population(self) -> Population:
        rng = random.Random(f"fdsportal-sim:{self.seed}:population")
        prefix = f"sim{self.seed}"
        merchants = self._build_merchants(rng, prefix)
        by_category: dict[str, list[SimMerchant]] = {}
        for m in merchants:
            if not m.risky:
                by_category.setdefault(m.category, []).append(m)

        counts = self._group_counts()
        customers: list[SimCustomer] = []
        accounts: list[SimAccount] = []
        i = 0
        for group in GROUPS:
            for _ in range(counts[group]):
                i += 1
                customer = self._build_customer(rng, prefix, i, group, by_category)
                customers.append(customer)
                accounts.append(
                    SimAccount(
                        customer.card_account,
                        customer.external_id,
                        "card",
                        f"9410-{rng.randrange(100):02d}**-****-{rng.randrange(10_000):04d}",
                    )
                )
                if customer.deposit_account:
                    accounts.append(
                        SimAccount(
                            customer.deposit_account,
                            customer.external_id,
                            "deposit",
                            f"***-***-{rng.randrange(1_000_000):06d}",
                        )
                    )
        mule_accounts = tuple(_account_number(rng) for _ in range(max(8, self.n_customers // 50)))
        mule_phones = tuple(_phone(rng) for _ in range(max(4, self.n_customers // 100)))
        return Population(tuple(customers), tuple(merchants), tuple(accounts), mule_accounts, mule_phones)

    def _group_counts(self) -> dict[str, int]:
        total = sum(self.group_shares.values())
        raw = {g: self.n_customers * self.group_shares.get(g, 0.0) / total for g in GROUPS}
        counts = {g: int(v) for g, v in raw.items()}
        for g in sorted(GROUPS, key=lambda g: counts[g] - raw[g])[: self.n_customers - sum(counts.values())]:
            counts[g] += 1
        # Small populations still get at least one of every group that has a share.
        for g in GROUPS:
            if counts[g] == 0 and self.group_shares.get(g, 0.0) > 0 and self.n_customers >= len(GROUPS):
                donor = max(GROUPS, key=lambda x: counts[x])
                counts[donor] -= 1
                counts[g] += 1
        return counts

    def _build_merchants(self, rng: random.Random, prefix: str) -> list[SimMerchant]:
        merchants: list[SimMerchant] = []

        def add(
            name: str, category: str, country: str, channel: str, area: int | None, risky: bool = False
        ) -> None:
            merchants.append(
                SimMerchant(
                    f"{prefix}-m{len(merchants) + 1:05d}", name, category, country, channel, area, risky
                )
            )

        for channel, name in TRANSFER_CHANNELS.items():
            add(name, TRANSFER, "KR", channel, None)
        for name, country, channel, risky in OVERSEAS_MERCHANTS:
            add(name, OVERSEAS, country, channel, None, risky)
        for category, entries in ONLINE_MERCHANTS.items():
            for name, channel in entries:
                add(name, category, "KR", channel, None)
        local = max(len(LOCAL_CATEGORIES) * 2, self.n_merchants - len(merchants))
        total_share = sum(MERCHANT_SHARES.values())
        for category in LOCAL_CATEGORIES:
            n = max(2, round(local * MERCHANT_SHARES[category] / total_share))
            brands = LOCAL_BRANDS[category]
            for k in range(n):
                # Every area gets shops of every category before any area gets a second one.
                area = k % len(AREAS) if n >= len(AREAS) else rng.randrange(len(AREAS))
                add(f"{rng.choice(brands)} {AREAS[area]}점", category, "KR", CH_CARD, area)
        return merchants

    def _build_customer(
        self, rng: random.Random, prefix: str, i: int, group: str, by_category: dict[str, list[SimMerchant]]
    ) -> SimCustomer:
        if group == BUSINESS:
            name = f"(주){rng.choice(BUSINESS_NAMES)[0]}*{rng.choice(BUSINESS_KINDS)}"
            birth = None
        else:
            name = _masked_person(rng)
            low, high = AGE_RANGE[group]
            age = rng.randint(low, high)
            birth = self.as_of - timedelta(days=round((age + rng.random()) * 365.25))
        has_deposit = group != MINOR
        customer = SimCustomer(
            external_id=f"{prefix}-c{i:06d}",
            display_name=name,
            birth_date=birth,
            segment=SEGMENT_OF_GROUP[group],
            group=group,
            card_account=f"{prefix}-a{i:06d}-card",
            deposit_account=f"{prefix}-a{i:06d}-dep" if has_deposit else None,
            activity=MEAN_DAILY_TX[group] * rng.lognormvariate(0.0, 0.45),
            amount_scale=rng.lognormvariate(0.0, 0.3),
            home_area=rng.randrange(len(AREAS)),
            transfer_channel=CH_MOBILE if rng.random() < (0.75 if group != SENIOR else 0.35) else CH_TRANSFER,
        )
        # Personal taste: the group's mix, each category scaled by a random factor.
        weights = {c: w * rng.gammavariate(2.0, 0.5) for c, w in CATEGORY_MIX[group].items()}
        cats = tuple(c for c in CATEGORIES if weights.get(c, 0.0) > 0)
        cum_per_period = []
        for period in range(5):
            mult = PERIOD_MULTIPLIERS[period]
            acc = 0.0
            cum = []
            for c in cats:
                acc += weights[c] * mult.get(c, 1.0)
                cum.append(acc)
            cum_per_period.append(tuple(cum))
        customer.categories = cats
        customer.category_cum = tuple(cum_per_period)
        customer.amount_base = {c: _amount_params(customer, c) for c in cats}
        favourites: dict[str, tuple[SimMerchant, ...]] = {}
        for c in cats:
            if c == TRANSFER:
                continue
            pool = by_category.get(c, [])
            local = [m for m in pool if m.area == customer.home_area] or pool
            if not pool:
                continue
            k = 1 + min(len(local), int(rng.random() * 3))
            favourites[c] = tuple(rng.sample(local, min(k, len(local))))
        customer.favourites = favourites
        if group != MINOR:
            customer.beneficiaries = tuple(
                ("phone", _phone(rng)) if rng.random() < 0.25 else ("account", _account_number(rng))
                for _ in range(rng.randint(2, 5))
            )
        customer.wire = {"birth_date": birth, "segment": customer.segment, "display_name": name}
        return customer

    def _index_population(self, pop: Population) -> None:
        self._by_group: dict[str, list[SimCustomer]] = {g: [] for g in GROUPS}
        for c in pop.customers:
            self._by_group[c.group].append(c)
        self._group_cum: dict[str, list[float]] = {}
        self._group_activity: dict[str, float] = {}
        for g, members in self._by_group.items():
            acc = 0.0
            cum = []
            for c in members:
                acc += c.activity
                cum.append(acc)
            self._group_cum[g] = cum
            self._group_activity[g] = acc
        self._local_pool: dict[tuple[str, int], list[SimMerchant]] = {}
        self._category_pool: dict[str, list[SimMerchant]] = {}
        for m in pop.merchants:
            if m.risky:
                continue
            self._category_pool.setdefault(m.category, []).append(m)
            if m.area is not None:
                self._local_pool.setdefault((m.category, m.area), []).append(m)
        self._transfer_merchant = {m.channel: m for m in pop.merchants if m.category == TRANSFER}
        self._overseas = [m for m in pop.merchants if m.category == OVERSEAS]
        self._merchant_wire = {
            m.external_id: {"name": m.name, "category": m.category, "country": m.country}
            for m in pop.merchants
        }
        adults = [c for c in pop.customers if c.group != MINOR]
        self._victims = {
            SEED_CASE: self._by_group[MINOR],
            CARD_TESTING: adults,
            ACCOUNT_TAKEOVER: [c for c in adults if c.deposit_account],
            UNUSUAL_MERCHANT: adults,
            AMOUNT_SPIKE: adults,
        }
        # Voice phishing and account takeover hit seniors hardest.
        ato_weight = {YOUNG_ADULT: 0.6, ADULT: 1.0, SENIOR: 2.5, BUSINESS: 0.8}
        acc = 0.0
        self._ato_cum = []
        for c in self._victims[ACCOUNT_TAKEOVER]:
            acc += ato_weight.get(c.group, 1.0)
            self._ato_cum.append(acc)

    # -- time ---------------------------------------------------------------------------------------

    def _genuine_rates(self, slot_start: float) -> dict[str, float]:
        """Expected genuine transactions per group in the half-hour slot starting at `slot_start`."""
        local = slot_start + KST_OFFSET
        day_index = int(local // DAY)
        weekday = (day_index + EPOCH_MONDAY_OFFSET) % 7
        slot = int(local % DAY) // SLOT
        weekend = weekday >= 5
        dom = _local_date(slot_start).day
        rates = {}
        for g in GROUPS:
            weekday_profile, weekend_profile, weekday_volume, weekend_volume = RHYTHMS[g]
            rate = self._group_activity[g] * (
                weekend_profile[slot] * weekend_volume if weekend else weekday_profile[slot] * weekday_volume
            )
            if g in PAYDAY_GROUPS:
                rate *= _payday_factor(dom)
            rates[g] = rate
        return rates

    def _mean_genuine_per_slot(self) -> float:
        total = 0.0
        for g in GROUPS:
            _, _, weekday_volume, weekend_volume = RHYTHMS[g]
            total += self._group_activity[g] * (5 * weekday_volume + 2 * weekend_volume)
        return total / SLOTS_PER_WEEK

    # -- generation ---------------------------------------------------------------------------------

    def history(self, start: datetime, days: float) -> Iterator[dict[str, Any]]:
        """Labelled transactions from `start` for `days` days, in time order (rows carry `is_fraud`)."""
        for event in self.history_events(start, days):
            yield event.row

    def history_events(self, start: datetime, days: float) -> Iterator[SimEvent]:
        """Like `history`, with the fraud pattern of each transaction alongside."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        start_ts = float(start.timestamp())
        days = float(days)  # 3 and 3.0 must give the same history
        tag = datetime.fromtimestamp(start_ts, KST).strftime("%Y%m%d%H%M")
        rng = random.Random(f"fdsportal-sim:{self.seed}:history:{start_ts!r}:{days!r}")
        self.population()
        mean_slot = self._mean_genuine_per_slot()
        events = self._run(rng, start_ts, start_ts + days * DAY, SLOT, None, mean_slot, False)
        for n, (_ts, row, pattern) in enumerate(events, start=1):
            row["external_id"] = f"sim-{self.seed}-{tag}-{n}"
            row["is_fraud"] = pattern is not None
            yield SimEvent(row, pattern)

    def stream(self, start: datetime, *, rate: float | None = 20.0) -> Iterator[SimEvent]:
        """An endless time-ordered stream from `start`: about `rate` transactions per second, or with
        `rate=None` at the population's own pace (the rhythms of the history, hour by hour).

        Rows carry no `is_fraud` (live traffic is unlabelled); the pattern is the event's second item.
        `occurred_at` advances with simulated time, so a caller that paces by it stays close to the
        wall clock when `start` is now. Who transacts follows the rhythms of the current hour; with a
        fixed rate the total stays constant so a demo shows steady traffic day and night. A fixed rate
        far above the population's pace makes every customer buy more often than in its history: the
        model's velocity features then see everyone in a hurry (see `natural_rate`).
        """
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive")
        start_ts = float(start.timestamp())
        tag = datetime.fromtimestamp(start_ts, KST).strftime("%Y%m%d%H%M%S")
        rng = random.Random(f"fdsportal-sim:{self.seed}:stream:{start_ts!r}:{rate!r}")
        self.population()
        if rate is None:
            events = self._run(rng, start_ts, None, 60, None, self._mean_genuine_per_slot(), True)
        else:
            rate = float(rate)
            genuine_rate = rate * (1.0 - self.fraud_rate)
            # Ticks short enough that one holds at most a few thousand transactions, dividing the slot.
            tick = max([d for d in range(1, SLOT + 1) if SLOT % d == 0 and d * rate <= 2_000] or [1])
            events = self._run(rng, start_ts, None, tick, genuine_rate, genuine_rate * SLOT, True)
        for n, (_ts, row, pattern) in enumerate(events, start=1):
            row["external_id"] = f"sim-{self.seed}-live{tag}-{n}"
            yield SimEvent(row, pattern)

    def natural_rate(self) -> float:
        """The population's mean pace in transactions per second (genuine and fraudulent together)."""
        self.population()
        return self._mean_genuine_per_slot() / SLOT / (1.0 - self.fraud_rate)

    def incident(self, pattern: str, at: datetime, *, rng: random.Random, id_prefix: str) -> list[SimEvent]:
        """One fraud incident of `pattern` starting at `at`, as rows in time order (ids from `id_prefix`).

        The live demo injects these on a cadence (`AlertCadence`); the victims and the rows are the
        pattern's own generator's (`FRAUD_GENERATORS`), exactly as in the history."""
        if pattern not in PATTERNS:
            raise ValueError(f"unknown fraud pattern {pattern!r}")
        self.population()
        if not self._victims[pattern]:
            return []
        events = []
        for n, (ts, row) in enumerate(self._incident(rng, pattern, at.timestamp()), start=1):
            row["occurred_at"] = datetime.fromtimestamp(ts, KST)
            row["external_id"] = f"{id_prefix}-{n}"
            events.append(SimEvent(row, pattern))
        return events

    def _run(
        self,
        rng: random.Random,
        start_ts: float,
        end_ts: float | None,
        tick: int,
        fixed_rate: float | None,
        mean_slot: float,
        fractional: bool,
    ) -> Iterator[tuple[float, dict[str, Any], str | None]]:
        """The engine: yields (timestamp, row without id, pattern) in time order from `start_ts`."""
        fraud_factor = self.fraud_rate / (1.0 - self.fraud_rate)
        incident_per_slot = {
            p: fraud_factor * mean_slot * self.pattern_shares[p] / _mean_size(p) if self._victims[p] else 0.0
            for p in PATTERNS
        }
        pending: list[tuple[float, int, dict[str, Any], str]] = []
        seq = 0
        t0 = start_ts
        while end_ts is None or t0 < end_ts:
            t1: float = (math.floor(t0 / tick) + 1) * tick
            if end_ts is not None:
                t1 = min(t1, end_ts)
            span = t1 - t0
            slot_start = math.floor(t0 / SLOT) * SLOT
            rates = self._genuine_rates(slot_start)
            scale = span / SLOT
            if fixed_rate is not None:
                total = sum(rates.values())
                scale = fixed_rate * span / total if total else 0.0
            local = slot_start + KST_OFFSET
            week_slot = (int((local // DAY + EPOCH_MONDAY_OFFSET) % 7)) * SLOTS_PER_DAY + int(
                local % DAY
            ) // SLOT
            period = _period(int(local % DAY) // 3_600)

            batch: list[tuple[float, int, dict[str, Any], str | None]] = []
            for g in GROUPS:
                k = _poisson(rng, rates[g] * scale)
                if not k:
                    continue
                for customer in rng.choices(self._by_group[g], cum_weights=self._group_cum[g], k=k):
                    ts = t0 + rng.random() * span
                    if not fractional:
                        ts = float(int(ts))
                    seq += 1
                    batch.append((ts, seq, self._genuine(rng, customer, ts, period), None))
            for p in PATTERNS:
                lam = incident_per_slot[p] * FRAUD_WEEK_PROFILES[p][week_slot] * span / SLOT
                for _ in range(_poisson(rng, lam)):
                    at = t0 + rng.random() * span
                    for ts, row in self._incident(rng, p, at):
                        if not fractional:
                            ts = float(int(ts))
                        seq += 1
                        heapq.heappush(pending, (ts, seq, row, p))
            while pending and pending[0][0] < t1:
                batch.append(heapq.heappop(pending))
            batch.sort()  # by (time, sequence): sequences are unique, so rows are never compared
            for ts, _seq, row, pattern in batch:
                row["occurred_at"] = datetime.fromtimestamp(ts if fractional else int(ts), KST)
                yield ts, row, pattern
            t0 = t1

    # -- genuine behaviour ----------------------------------------------------------------------------

    def _genuine(self, rng: random.Random, c: SimCustomer, ts: float, period: int) -> dict[str, Any]:
        random_ = rng.random
        cum = c.category_cum[period]
        category = c.categories[bisect(cum, random_() * cum[-1])]
        median, sigma, step = c.amount_base[category]
        amount = _round_amount(median * math.exp(sigma * rng.gauss(0.0, 1.0)), step)
        if category == TRANSFER:
            if random_() < 0.03:
                # A genuine large one-off to a new account (a deposit, a used car): what account takeover
                # looks like, minus the mule, the night and the stranger's phone.
                amount = _round_amount(rng.lognormvariate(math.log(1_500_000), 0.7), 10_000)
                return self._transfer_row(rng, c, amount, c.transfer_channel, known=False)
            return self._transfer_row(rng, c, amount, c.transfer_channel, known=random_() < 0.93)
        favourites = c.favourites.get(category)
        if favourites and random_() < 0.85:
            merchant = favourites[int(random_() * len(favourites))]
        else:
            pool = self._local_pool.get((category, c.home_area)) if random_() < 0.7 else None
            pool = pool or self._category_pool[category]
            merchant = pool[int(random_() * len(pool))]
        return self._merchant_row(c, merchant, amount, merchant.channel)

    def _merchant_row(self, c: SimCustomer, m: SimMerchant, amount: int, channel: str) -> dict[str, Any]:
        return {
            "external_id": "",  # numbered in time order when the row is emitted
            "customer_id": c.external_id,
            "customer": dict(c.wire),
            "account_id": c.card_account,
            "merchant_id": m.external_id,
            "merchant": dict(self._merchant_wire[m.external_id]),
            "amount": amount,
            "channel": channel,
            "country": m.country,
        }

    def _transfer_row(
        self,
        rng: random.Random,
        c: SimCustomer,
        amount: int,
        channel: str,
        *,
        known: bool,
        beneficiary: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        if beneficiary is None:
            if known and c.beneficiaries:
                beneficiary = c.beneficiaries[int(rng.random() * len(c.beneficiaries))]
            else:
                beneficiary = ("account", _account_number(rng))
        merchant = self._transfer_merchant[CH_MOBILE if channel == CH_MOBILE else CH_TRANSFER]
        row = self._merchant_row(c, merchant, amount, channel)
        row["account_id"] = c.deposit_account or c.card_account
        row["beneficiary_account" if beneficiary[0] == "account" else "beneficiary_phone"] = beneficiary[1]
        return row

    # -- fraud ----------------------------------------------------------------------------------------

    def _incident(self, rng: random.Random, pattern: str, at: float) -> list[tuple[float, dict[str, Any]]]:
        size = _draw_size(rng, pattern)
        victims = self._victims[pattern]
        if pattern == ACCOUNT_TAKEOVER:
            victim = rng.choices(victims, cum_weights=self._ato_cum)[0]
        else:
            victim = victims[int(rng.random() * len(victims))]
        return self.FRAUD_GENERATORS[pattern](self, rng, victim, at, size)

    def _fraud_seed_case(
        self, rng: random.Random, c: SimCustomer, at: float, size: int
    ) -> list[tuple[float, dict[str, Any]]]:
        """Someone else holds a minor's card in school hours: sweets, snacks, gift cards, far above usual."""
        out = []
        ts = at
        for _ in range(size):
            category = rng.choices((ICE_CREAM, CONVENIENCE, GIFT_CARD), weights=(0.45, 0.35, 0.2))[0]
            if category == GIFT_CARD:
                amount = rng.choice((10_000, 20_000, 30_000, 50_000))
            else:
                usual = c.amount_base[category][0] if category in c.amount_base else 2_500
                amount = _round_amount(usual * rng.uniform(2.5, 6.0), 100)
            pool = self._local_pool.get((category, c.home_area)) or self._category_pool[category]
            merchant = pool[int(rng.random() * len(pool))]
            out.append((ts, self._merchant_row(c, merchant, amount, CH_CARD)))
            ts += rng.uniform(120, 1_800)
        return out

    def _fraud_card_testing(
        self, rng: random.Random, c: SimCustomer, at: float, size: int
    ) -> list[tuple[float, dict[str, Any]]]:
        """Probing a stolen card number: small online payments minutes apart, then one large buy."""
        probe_pool = self._category_pool[ONLINE] + self._category_pool[GAME]
        probe_pool = [m for m in probe_pool if m.area is None]
        merchant = probe_pool[int(rng.random() * len(probe_pool))]
        out = []
        ts = at
        for _ in range(size - 1):
            amount = rng.randrange(100, 3_000)
            out.append((ts, self._merchant_row(c, merchant, amount, CH_ONLINE)))
            ts += rng.uniform(15, 120)
        category = rng.choices((ELECTRONICS, ONLINE, GIFT_CARD), weights=(0.4, 0.35, 0.25))[0]
        big_pool = [m for m in self._category_pool[category] if m.area is None] or self._category_pool[
            category
        ]
        big = big_pool[int(rng.random() * len(big_pool))]
        amount = _round_amount(
            rng.lognormvariate(math.log(600_000), 0.5), 1_000 if category != GIFT_CARD else 10_000
        )
        out.append((ts + rng.uniform(60, 1_200), self._merchant_row(c, big, amount, CH_ONLINE)))
        return out

    def _fraud_account_takeover(
        self, rng: random.Random, c: SimCustomer, at: float, size: int
    ) -> list[tuple[float, dict[str, Any]]]:
        """A taken-over mobile banking session empties the account into mule accounts or phones."""
        pop = self.population()
        out = []
        ts = at
        for _ in range(size):
            if rng.random() < 0.7:
                beneficiary = ("account", rng.choice(pop.mule_accounts))
            else:
                beneficiary = ("phone", rng.choice(pop.mule_phones))
            amount = _round_amount(rng.lognormvariate(math.log(2_500_000), 0.6), 10_000)
            out.append(
                (ts, self._transfer_row(rng, c, amount, CH_MOBILE, known=False, beneficiary=beneficiary))
            )
            ts += rng.uniform(120, 900)
        return out

    def _fraud_unusual_merchant(
        self, rng: random.Random, c: SimCustomer, at: float, size: int
    ) -> list[tuple[float, dict[str, Any]]]:
        """The card turns up at an overseas merchant this customer has never used (US, CN, NG, ...)."""
        used = {m.external_id for m in c.favourites.get(OVERSEAS, ())}
        pool = [m for m in self._overseas if m.external_id not in used]
        merchant = rng.choices(pool, weights=[3.0 if m.risky else 1.0 for m in pool])[0]
        channel = CH_ONLINE if rng.random() < 0.7 else CH_CARD  # card-present abroad: a skimmed copy
        out = []
        ts = at
        for _ in range(size):
            amount = _round_amount(rng.lognormvariate(math.log(220_000), 0.7), 1)
            out.append((ts, self._merchant_row(c, merchant, amount, channel)))
            ts += rng.uniform(60, 2_400)
        return out

    def _fraud_amount_spike(
        self, rng: random.Random, c: SimCustomer, at: float, size: int
    ) -> list[tuple[float, dict[str, Any]]]:
        """A purchase in a category the customer uses, 5–20 times their usual amount there."""
        options = [
            cat
            for cat in (SUPERMARKET, ELECTRONICS, ONLINE, GIFT_CARD, RESTAURANT, CONVENIENCE, OTHER)
            if cat in c.favourites
        ]
        category = rng.choice(options) if options else ONLINE
        favourites = c.favourites.get(category) or tuple(self._category_pool[category])
        merchant = favourites[int(rng.random() * len(favourites))]
        usual = c.amount_base[category][0] if category in c.amount_base else _amount_params(c, category)[0]
        step = AMOUNTS[category][2]
        amount = _round_amount(usual * rng.uniform(5.0, 20.0), max(step, 100))
        return [(at, self._merchant_row(c, merchant, amount, merchant.channel))]

    # The fraud patterns, one generator each: the table _incident dispatches through.
    FRAUD_GENERATORS: ClassVar[dict[str, Callable[..., list[tuple[float, dict[str, Any]]]]]] = {
        SEED_CASE: _fraud_seed_case,
        CARD_TESTING: _fraud_card_testing,
        ACCOUNT_TAKEOVER: _fraud_account_takeover,
        UNUSUAL_MERCHANT: _fraud_unusual_merchant,
        AMOUNT_SPIKE: _fraud_amount_spike,
    }


# ---------------------------------------------------------------------------------------------------
# The live demo's alert cadence


class AlertCadence:
    """When a live demo injects its next fraud incident, and of which pattern.

    The aim is what a visitor sees: a new alert every `low`–`high` seconds. After each alert seen
    (`alert_seen`, from any source: an injected incident or the stream's own traffic) the next gap is
    drawn; when it passes without an alert, an incident is injected (`due`, `next_pattern`), and again
    every `retry_after` seconds while none of them has raised an alert yet (not every incident crosses
    the threshold, exactly as in the history). Patterns come in shuffled rounds of every pattern, the
    seed case's (a minor's card in someone else's hands) twice, so each round shows the whole mix.
    Pure: no clock of its own, every time is passed in.
    """

    def __init__(
        self,
        *,
        low: float,
        high: float,
        start: float,
        seed: int = 0,
        retry_after: float = 6.0,
        patterns: tuple[str, ...] = (*PATTERNS, SEED_CASE),
    ) -> None:
        if not 0 < low <= high:
            raise ValueError("the alert cadence needs 0 < low <= high seconds")
        self.low = low
        self.high = high
        self.retry_after = retry_after
        self.rng = random.Random(f"fdsportal-alert-cadence:{seed}")
        self.patterns = patterns
        self._round: list[str] = []
        self.last_alert = start
        self.last_injection: float | None = None
        self.gap = self._draw_gap()
        self.injected: Counter[str] = Counter()

    def _draw_gap(self) -> float:
        return self.rng.uniform(self.low, self.high)

    def alert_seen(self, at: float) -> None:
        """An alert was raised at `at` (seconds, any clock the caller uses consistently)."""
        if at > self.last_alert:
            self.last_alert = at
            self.gap = self._draw_gap()
            self.last_injection = None

    def due(self, now: float) -> bool:
        if now < self.last_alert + self.gap:
            return False
        return self.last_injection is None or now >= self.last_injection + self.retry_after

    def next_pattern(self, now: float, *, active: tuple[str, ...] | None = None) -> str:
        """The pattern to inject now (call when `due`); records the injection.

        `active` limits the choice to the patterns that happen at this time of the week (the seed
        case only in school hours): the round keeps the others for later."""
        allowed = [p for p in self.patterns if active is None or p in active] or list(self.patterns)
        if not any(p in allowed for p in self._round):
            self._round = list(self.patterns)
            self.rng.shuffle(self._round)
        pattern = next(p for p in reversed(self._round) if p in allowed)
        self._round.reverse()
        self._round.remove(pattern)
        self._round.reverse()
        self.last_injection = now
        self.injected[pattern] += 1
        return pattern


def patterns_active(at: datetime) -> tuple[str, ...]:
    """The fraud patterns whose time profile is above zero at `at` (Seoul's week)."""
    local = at.astimezone(KST)
    slot = local.weekday() * SLOTS_PER_DAY + (local.hour * 3_600 + local.minute * 60) // SLOT
    return tuple(p for p in PATTERNS if FRAUD_WEEK_PROFILES[p][slot] > 0)


# ---------------------------------------------------------------------------------------------------
# The bank's own example


def _last_friday(now: datetime) -> date:
    local = now.astimezone(KST)
    day = local.date()
    back = (day.weekday() - 4) % 7
    if back == 0 and local.hour < 7:
        back = 7
    return day - timedelta(days=back)


def seed_case_transactions(
    *,
    friday: date | None = None,
    id_prefix: str = "seed-case",
    days: int = 30,
    seed: int = 17,
    labelled: bool = False,
) -> list[dict[str, Any]]:
    """The bank's example as TransactionIn dicts, in time order.

    A 17-year-old with `days` days of small after-school purchases (about 1,500원 on average at an
    ice-cream discount store, a convenience store and a PC방), then a 7,000원 payment at 07:00 on a
    Friday at the same ice-cream discount store. `friday` defaults to the latest Friday whose 07:00 has
    passed in Seoul. With `labelled`, history rows carry is_fraud=False and the last one True.
    Pure; the same arguments give the same rows.
    """
    if friday is None:
        friday = _last_friday(datetime.now(KST))
    if friday.weekday() != 4:
        raise ValueError(f"{friday} is not a Friday")
    rng = random.Random(f"fdsportal-seed-case:{seed}:{friday.isoformat()}")
    # Born 18 years minus 200 days before that Friday: 17 years old, far from the 18th birthday.
    born = date(friday.year - 18, friday.month, min(friday.day, 28)) + timedelta(days=200)
    customer = {"birth_date": born, "segment": "youth", "display_name": "김*은"}
    shops = (
        (
            f"{id_prefix}-m-icecream",
            {"name": "무인아이스크림 할인점 상계점", "category": ICE_CREAM, "country": "KR"},
        ),
        (
            f"{id_prefix}-m-convenience",
            {"name": "우리동네24 상계점", "category": CONVENIENCE, "country": "KR"},
        ),
        (f"{id_prefix}-m-pcbang", {"name": "레벨업PC방 상계점", "category": GAME, "country": "KR"}),
    )
    rows: list[dict[str, Any]] = []

    def add(moment: datetime, shop: int, amount: int) -> None:
        merchant_id, merchant = shops[shop]
        row: dict[str, Any] = {
            "external_id": f"{id_prefix}-tx-{len(rows) + 1:03d}",
            "customer_id": f"{id_prefix}-customer",
            "customer": dict(customer),
            "account_id": f"{id_prefix}-card",
            "merchant_id": merchant_id,
            "merchant": dict(merchant),
            "amount": amount,
            "occurred_at": moment,
            "channel": CH_CARD,
            "country": "KR",
        }
        if labelled:
            row["is_fraud"] = False
        rows.append(row)

    for back in range(days, 0, -1):
        day = friday - timedelta(days=back)
        weekend = day.weekday() >= 5
        purchases = rng.randint(1, 3) if weekend else rng.randint(1, 2)
        first, last = (11 * 60, 19 * 60) if weekend else (16 * 60, 20 * 60 + 30)
        minutes = sorted(rng.sample(range(first, last), purchases))
        for minute in minutes:
            moment = datetime(
                day.year, day.month, day.day, minute // 60, minute % 60, rng.randrange(60), tzinfo=KST
            )
            add(moment, rng.choices((0, 1, 2), weights=(0.5, 0.35, 0.15))[0], rng.randrange(10, 26) * 100)
    add(datetime(friday.year, friday.month, friday.day, 7, 0, 0, tzinfo=KST), 0, 7_000)
    if labelled:
        rows[-1]["is_fraud"] = True
    return rows


def school_time(row: Mapping[str, Any]) -> bool:
    """Whether a row falls in school hours for a school-age customer, as the feature pipeline defines it."""
    birth = row["customer"]["birth_date"] if row.get("customer") else None
    if birth is None:
        return False
    moment = row["occurred_at"].astimezone(KST)
    day = moment.date()
    age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return age in SCHOOL_AGES and day.weekday() < 5 and moment.hour in SCHOOL_HOURS

"""Wire formats of the ingest API (validated by pydantic through django-ninja).

Inputs are plain pydantic models, not `ninja.Schema`: Schema's ORM-friendly attribute getter made
validation about eight times slower (11k vs 110k rows/s measured), and ingest validates every row.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator

from alerts.models import Channel, MerchantCategory, Segment
from untrusted.validation import birth_date_problem, event_time_problem

ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")]
CountryCode = Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]
# Free text from a client: bounded, and no control characters (PostgreSQL refuses NUL outright).
NO_CONTROL_CHARACTERS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
DisplayText = Annotated[str, StringConstraints(max_length=100, pattern=NO_CONTROL_CHARACTERS)]
MerchantName = Annotated[str, StringConstraints(max_length=200, pattern=NO_CONTROL_CHARACTERS)]
MAX_AMOUNT_KRW = 100_000_000_000  # 1,000억 원: anything above is a unit error upstream


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    birth_date: date | None = None
    segment: Segment | None = None

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth(cls, value: date | None) -> date | None:
        if value is not None and (problem := birth_date_problem(value)):
            raise ValueError(f"birth_date {problem}")
        return value

    display_name: DisplayText | None = None


class MerchantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: MerchantName = ""
    category: MerchantCategory = MerchantCategory.OTHER
    country: CountryCode = "KR"


class TransactionIn(BaseModel):
    """One transaction. `occurred_at` must carry its UTC offset (e.g. 2026-11-20T07:00:00+09:00)."""

    model_config = ConfigDict(extra="forbid")

    external_id: ExternalId
    customer_id: ExternalId
    customer: CustomerIn | None = None
    account_id: ExternalId | None = None
    merchant_id: ExternalId | None = None
    merchant: MerchantIn | None = None
    beneficiary_account: Annotated[str, StringConstraints(max_length=64, pattern=r"^[0-9\-]+$")] | None = None
    beneficiary_phone: Annotated[str, StringConstraints(max_length=32, pattern=r"^\+?[0-9\-]+$")] | None = (
        None
    )
    # Strict: JSON true is not 1 KRW, and "5000" or 5000.0 is a client bug, not an amount.
    amount: StrictInt = Field(gt=0, le=MAX_AMOUNT_KRW, description="KRW, whole won")
    occurred_at: datetime
    channel: Channel = Channel.CARD_PRESENT
    country: CountryCode = "KR"
    is_fraud: bool | None = Field(default=None, description="A known label, for historical imports only")

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("occurred_at needs a UTC offset, e.g. 2026-11-20T07:00:00+09:00")
        if problem := event_time_problem(value):
            raise ValueError(f"occurred_at {problem}")
        return value


class LiveTransactionIn(TransactionIn):
    """A live transaction: nobody knows its outcome yet, so it carries no label. Labels arrive later,
    through `POST /api/labels` (its own permission, audited)."""

    @field_validator("is_fraud")
    @classmethod
    def _no_label(cls, value: bool | None) -> bool | None:
        if value is not None:
            raise ValueError(
                "is_fraud is not accepted on live transactions: send labels to POST /api/labels "
                "(permission alerts.record_label)"
            )
        return value


class TransactionBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transactions: list[LiveTransactionIn] = Field(min_length=1)


class LabelIn(BaseModel):
    """A late label: a chargeback, or a fraud reported after the fact."""

    model_config = ConfigDict(extra="forbid")

    transaction_id: ExternalId = Field(description="the transaction's external id")
    is_fraud: bool
    source: Literal["chargeback", "late_report"] = "chargeback"
    reference: ExternalId = Field(description="the feed's own id of this label: a re-send is stored once")
    known_at: datetime | None = Field(
        default=None, description="when the bank learnt it (default: now); not in the future"
    )
    reason: Annotated[str, StringConstraints(max_length=500)] = ""

    @field_validator("known_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError("known_at needs a UTC offset, e.g. 2026-11-20T07:00:00+09:00")
        return value


class LabelBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    labels: list[LabelIn] = Field(min_length=1, max_length=1000)


class LabelsOut(Schema):
    created: list[str]
    duplicates: list[str]


class IngestOut(Schema):
    accepted: int
    created: list[str]
    duplicates: list[str]


class RowError(Schema):
    index: int
    external_id: str | None = None
    field: str
    message: str


class IngestErrorOut(Schema):
    detail: Literal["invalid request"] = "invalid request"
    errors: list[RowError]

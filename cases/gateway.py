"""Payment gateways: the interface refunds are paid through, and the simulated core-banking system.

A gateway promises idempotency: `payout` called again with the same key returns the first outcome and
never pays twice. The refund services lean on that promise to survive retries and crashed workers.
Errors come in two kinds, because only one of them may be retried:
- `GatewayTransientError` (timeouts, 5xx): the outcome is unknown or nothing happened; retry with the
  same key, or ask `payout_status`.
- `GatewayRejected`: a business refusal (closed account, limit); retrying would be refused again.
"""

from __future__ import annotations

import abc
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from cases.models import GatewayLedgerEntry, SimulatedGatewaySetting


class GatewayTransientError(Exception):
    """The gateway did not answer usefully (timeout, 5xx). Safe to retry with the same key."""


class GatewayRejected(Exception):
    """The gateway refused the payout for a business reason. Never retried."""


@dataclass(frozen=True)
class PayoutResult:
    status: str  # "settled" | "pending" | "rejected"
    reference: str
    amount: int
    message: str = ""


class PaymentGateway(abc.ABC):
    """What a real gateway adapter implements."""

    @abc.abstractmethod
    def payout(self, *, idempotency_key: uuid.UUID, account_external_id: str, amount: int) -> PayoutResult:
        """Pay `amount` KRW to the account, at most once per key. Raises GatewayTransientError or
        GatewayRejected; a repeat with the same key returns the first result."""

    @abc.abstractmethod
    def payout_status(self, *, idempotency_key: uuid.UUID) -> PayoutResult | None:
        """The gateway's record of the payout with this key, or None if it never booked one."""


class SimulatedCoreBankingGateway(PaymentGateway):
    """The demo's and the tests' core-banking system, with its own ledger table.

    Its behaviour is switched live through `SimulatedGatewaySetting` (admin, or
    `simulated_gateway_mode_set`), so a web process and a Celery worker see the same switch.
    """

    def _setting(self) -> SimulatedGatewaySetting:
        setting, _ = SimulatedGatewaySetting.objects.get_or_create(id=1)
        return setting

    def payout(self, *, idempotency_key: uuid.UUID, account_external_id: str, amount: int) -> PayoutResult:
        setting = self._setting()
        mode = setting.mode
        if mode == SimulatedGatewaySetting.Mode.UNAVAILABLE:
            raise GatewayTransientError("core banking unavailable (503)")
        if mode == SimulatedGatewaySetting.Mode.SLOW:
            time.sleep(max(0.0, setting.slow_seconds))
        existing = GatewayLedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            rejected = mode == SimulatedGatewaySetting.Mode.FAILURE
            try:
                # Its own transaction: the gateway's book does not roll back with the caller's.
                with transaction.atomic():
                    existing = GatewayLedgerEntry.objects.create(
                        idempotency_key=idempotency_key,
                        account_external_id=account_external_id,
                        amount=amount,
                        status=GatewayLedgerEntry.Status.REJECTED
                        if rejected
                        else GatewayLedgerEntry.Status.SETTLED,
                        reference="SIM-" + uuid.uuid4().hex[:16].upper(),
                        message="수취 계좌 거래 정지 (beneficiary account suspended)" if rejected else "",
                    )
            except IntegrityError:
                # A concurrent call with the same key booked it first: answer with that booking.
                existing = GatewayLedgerEntry.objects.get(idempotency_key=idempotency_key)
        if existing.amount != amount or existing.account_external_id != account_external_id:
            raise GatewayRejected("idempotency key reused with a different amount or account")
        if mode == SimulatedGatewaySetting.Mode.TIMEOUT:
            # The worst case for the caller: the money moved, but the answer never arrived.
            raise GatewayTransientError("core banking timed out after booking")
        if existing.status == GatewayLedgerEntry.Status.REJECTED:
            raise GatewayRejected(existing.message or "rejected")
        return PayoutResult(status="settled", reference=existing.reference, amount=existing.amount)

    def payout_status(self, *, idempotency_key: uuid.UUID) -> PayoutResult | None:
        if self._setting().mode == SimulatedGatewaySetting.Mode.UNAVAILABLE:
            raise GatewayTransientError("core banking unavailable (503)")
        entry = GatewayLedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
        if entry is None:
            return None
        return PayoutResult(
            status=entry.status, reference=entry.reference, amount=entry.amount, message=entry.message
        )


def simulated_gateway_mode_set(*, mode: str, slow_seconds: float | None = None) -> None:
    """Switch the simulated gateway's behaviour for every process. Safe to repeat."""
    if mode not in SimulatedGatewaySetting.Mode.values:
        raise ValueError(f"unknown gateway mode {mode!r}")
    values: dict[str, object] = {"mode": mode}
    if slow_seconds is not None:
        values["slow_seconds"] = slow_seconds
    SimulatedGatewaySetting.objects.update_or_create(id=1, defaults=values)


def payment_gateway() -> PaymentGateway:
    """The configured gateway (settings.FDS_PAYMENT_GATEWAY, a dotted class path)."""
    path = settings.FDS_PAYMENT_GATEWAY
    gateway = import_string(path)()
    if not isinstance(gateway, PaymentGateway):
        raise TypeError(f"{path} is not a PaymentGateway")
    return gateway

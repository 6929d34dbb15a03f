"""Customer master data: the only way an account becomes a customer's.

Refunds are paid to a customer's accounts, so who owns an account must come from the bank's
customer master (core banking), never from whichever transaction names an account first: a feed
client could otherwise attach its own account to any customer and have that customer's refunds
paid to it. Master records arrive through `POST /api/customers/master` (permission
`alerts.add_account`, held by the customer-master service role only). An account, once bound, stays
with its customer; a record that would move it to another is refused whole and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from alerts.models import Account, Customer, Segment
from alerts.schemas import DisplayText, ExternalId
from audit.services import AuditEntry, audit_record_many
from untrusted.validation import birth_date_problem

MAX_MASTER_BATCH = 5000
MaskedNumber = Annotated[str, StringConstraints(max_length=40, pattern=r"^[0-9*\- ]*$")]


class MasterAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: ExternalId
    kind: Account.Kind = Account.Kind.CARD
    masked_number: MaskedNumber = Field("", description="Display form, already masked: 9410-12**-****-3456")


class MasterCustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: ExternalId
    display_name: DisplayText | None = None
    birth_date: date | None = None
    segment: Segment | None = None
    accounts: list[MasterAccountIn] = Field(default_factory=list, max_length=50)

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth(cls, value: date | None) -> date | None:
        if value is not None and (problem := birth_date_problem(value)):
            raise ValueError(f"birth_date {problem}")
        return value


class MasterBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customers: list[MasterCustomerIn] = Field(min_length=1, max_length=MAX_MASTER_BATCH)


class AccountBindingConflict(Exception):
    """Accounts the records would move to another customer; nothing was written."""

    def __init__(self, conflicts: list[tuple[str, str, str]]) -> None:
        self.conflicts = conflicts  # (account, bound customer, customer named by the record)
        super().__init__(
            "; ".join(
                f"account {a} belongs to customer {bound}, not {named}" for a, bound, named in conflicts
            )
        )


@dataclass
class MasterImportResult:
    customers_created: int = 0
    customers_updated: int = 0
    accounts_bound: list[str] = field(default_factory=list)


def customer_master_import(
    *,
    records: Sequence[MasterCustomerIn],
    source: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
) -> MasterImportResult:
    """Create or update customers and bind new accounts to them, all or nothing.

    Side effects, in one transaction: customers created or updated with the master's attributes
    (the master is authoritative, unlike a transaction feed); each newly bound account gets an
    `alerts.account.bound` audit event. Raises AccountBindingConflict, writing nothing, if any account
    is already bound to another customer (or named for two customers). Safe to repeat: a re-sent
    record changes nothing and records no event.
    """
    wanted: dict[str, tuple[str, MasterAccountIn]] = {}
    conflicts: list[tuple[str, str, str]] = []
    for record in records:
        for account in record.accounts:
            earlier = wanted.get(account.external_id)
            if earlier is not None and earlier[0] != record.external_id:
                conflicts.append((account.external_id, earlier[0], record.external_id))
            wanted[account.external_id] = (record.external_id, account)
    result = MasterImportResult()
    with transaction.atomic():
        # Lock existing bindings: two imports racing on one new account cannot both bind it.
        bound = {
            account.external_id: account
            for account in Account.objects.select_for_update()
            .select_related("customer")
            .filter(external_id__in=list(wanted))
        }
        for external_id, (customer_external_id, _account) in wanted.items():
            existing = bound.get(external_id)
            if existing is not None and existing.customer.external_id != customer_external_id:
                conflicts.append((external_id, existing.customer.external_id, customer_external_id))
        if conflicts:
            raise AccountBindingConflict(conflicts)

        customers = {
            c.external_id: c
            for c in Customer.objects.filter(external_id__in=[r.external_id for r in records])
        }
        for record in records:
            customer = customers.get(record.external_id)
            if customer is None:
                customer = Customer.objects.create(
                    external_id=record.external_id,
                    display_name=record.display_name or "",
                    birth_date=record.birth_date,
                    segment=record.segment or Segment.UNKNOWN,
                )
                customers[record.external_id] = customer
                result.customers_created += 1
                continue
            changes = {
                name: value
                for name, value in (
                    ("display_name", record.display_name),
                    ("birth_date", record.birth_date),
                    ("segment", record.segment),
                )
                if value is not None and getattr(customer, name) != value
            }
            if changes:
                for name, value in changes.items():
                    setattr(customer, name, value)
                customer.save(update_fields=list(changes))
                result.customers_updated += 1

        entries: list[AuditEntry] = []
        for external_id, (customer_external_id, account_in) in wanted.items():
            existing = bound.get(external_id)
            if existing is not None:
                if (existing.kind, existing.masked_number) != (account_in.kind, account_in.masked_number):
                    existing.kind, existing.masked_number = account_in.kind, account_in.masked_number
                    existing.save(update_fields=["kind", "masked_number"])
                continue
            created = Account.objects.create(
                external_id=external_id,
                customer=customers[customer_external_id],
                kind=account_in.kind,
                masked_number=account_in.masked_number,
            )
            result.accounts_bound.append(external_id)
            entries.append(
                AuditEntry(
                    action="alerts.account.bound",
                    target=created,
                    actor=actor,
                    system_actor="" if actor is not None else source,
                    after={"customer": customer_external_id, "kind": created.kind, "source": source},
                )
            )
        audit_record_many(entries)
    return result

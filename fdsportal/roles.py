"""The staff roles and what each may do, in one table a reviewer can read.

Roles are Django groups holding model permissions. `roles_sync` runs after every migrate and makes
the groups match this table exactly (it also removes permissions no longer listed), so the table is
the single source of truth.
"""

from __future__ import annotations

from typing import Any

FRAUD_ANALYST = "fraud_analyst"
SENIOR_ANALYST = "senior_analyst"
COMPLIANCE_REVIEWER = "compliance_reviewer"
EMPLOYEE = "employee"
ADMINISTRATOR = "administrator"
INGEST_SERVICE = "ingest_service"
# Core banking's customer master: the only principal that binds accounts to customers.
CUSTOMER_MASTER_SERVICE = "customer_master_service"
LABEL_FEED = "label_feed"

_EMPLOYEE = {"smishing.add_submission"}
_ANALYST = _EMPLOYEE | {
    "alerts.view_alert",
    "alerts.triage_alert",
    "alerts.view_transaction",  # the transaction search
    "alerts.view_customer",  # the customer page (its case, refund and report panels need their own)
    "cases.view_case",
    "cases.work_case",
    "cases.request_refund",
    "cases.view_refundrequest",
    "smishing.view_submission",
    "smishing.label_submission",
    "smishing.view_campaign",
    "detection.snooze_rule",
    "detection.promote_indicator",
    "alerts.view_modelversion",
}
# Detection (rules, lists, thresholds): seniors draft and approve (never their own change).
_DETECTION_AUTHOR = {"detection.view_detection", "detection.author_detection", "detection.approve_detection"}
_SENIOR = (
    _ANALYST | _DETECTION_AUTHOR | {"cases.approve_refund", "smishing.retrain_model", "alerts.train_model"}
)
_COMPLIANCE = {
    "alerts.view_alert",
    "alerts.view_transaction",  # the transaction search
    "alerts.view_customer",  # the customer page
    "cases.view_case",
    "cases.view_refundrequest",
    "cases.review_qa",
    "smishing.view_submission",
    "smishing.view_campaign",
    "audit.view_auditevent",
    "audit.export_auditevent",
    "detection.view_detection",
    "alerts.view_modelversion",
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    EMPLOYEE: _EMPLOYEE,
    FRAUD_ANALYST: _ANALYST,
    SENIOR_ANALYST: _SENIOR,
    COMPLIANCE_REVIEWER: _COMPLIANCE,
    # Lifting a login lockout (audited): administrators only.
    ADMINISTRATOR: _SENIOR
    | _COMPLIANCE
    | {"axes.view_accessattempt", "axes.delete_accessattempt", "alerts.record_label"},
    INGEST_SERVICE: {"alerts.add_transaction", "smishing.add_submission"},
    CUSTOMER_MASTER_SERVICE: {
        "alerts.add_account",
        "alerts.change_account",
        "alerts.add_customer",
        "alerts.change_customer",
    },
    # Chargebacks and late fraud reports: labels are ground truth for training, so not the ingest client's.
    LABEL_FEED: {"alerts.record_label"},
}

ROLE_LABELS = {
    FRAUD_ANALYST: "Fraud analyst",
    SENIOR_ANALYST: "Senior analyst (approver)",
    COMPLIANCE_REVIEWER: "Compliance reviewer",
    EMPLOYEE: "Employee",
    ADMINISTRATOR: "Administrator",
    INGEST_SERVICE: "Ingest service client",
    CUSTOMER_MASTER_SERVICE: "Customer master service client",
    LABEL_FEED: "Label feed client (chargebacks)",
}


def roles_sync(**_: Any) -> None:
    """Create the role groups and set their permissions to ROLE_PERMISSIONS. Safe to repeat."""
    from django.contrib.auth.models import Group, Permission

    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    by_name: dict[str, Permission] = {}
    for perm in Permission.objects.select_related("content_type").filter(
        content_type__app_label__in={p.split(".")[0] for p in wanted}
    ):
        by_name[f"{perm.content_type.app_label}.{perm.codename}"] = perm
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        # Permissions of apps not migrated yet are added by a later post_migrate call.
        group.permissions.set([by_name[p] for p in sorted(perms) if p in by_name])


def missing_permissions() -> set[str]:
    """Permissions named in the table that no model declares (a typo, or a removed model)."""
    from django.contrib.auth.models import Permission

    existing = {
        f"{app}.{code}" for app, code in Permission.objects.values_list("content_type__app_label", "codename")
    }
    return {p for perms in ROLE_PERMISSIONS.values() for p in perms} - existing

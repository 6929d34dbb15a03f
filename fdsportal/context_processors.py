from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Which top-level sections this user may open; the nav shows only those."""
    user = request.user
    if not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "alerts": user.has_perm("alerts.view_alert"),
            "transactions": user.has_perm("alerts.view_transaction"),
            "cases": user.has_perm("cases.view_case"),
            "refunds": user.has_perm("cases.view_refundrequest"),
            "ops": user.has_perm("cases.view_case"),
            "models": user.has_perm("alerts.view_modelversion"),
            "audit": user.has_perm("audit.view_auditevent"),
            "detection": user.has_perm("detection.view_detection"),
            "qa": user.has_perm("cases.review_qa"),
            "smishing_submit": user.has_perm("smishing.add_submission"),
            "smishing_review": user.has_perm("smishing.view_submission"),
            "admin": user.is_staff,
            "lockouts": user.has_perm("axes.delete_accessattempt"),
        }
    }

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Case(models.Model):
    """An investigation of suspected fraud on one customer's account (expanded by the cases work)."""

    customer = models.ForeignKey("alerts.Customer", on_delete=models.PROTECT, related_name="cases")
    title = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, default="open", db_index=True)
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        permissions = [
            ("work_case", "Can investigate cases and record decisions"),
            ("request_refund", "Can request refunds"),
            ("approve_refund", "Can approve refunds (four-eyes)"),
            ("review_qa", "Can review the QA sample of dismissed alerts"),
        ]

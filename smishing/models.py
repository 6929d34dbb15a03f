from __future__ import annotations

from django.db import models


class Submission(models.Model):
    """A pasted suspicious text (expanded by the smishing work)."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [
            ("label_submission", "Can label smishing submissions"),
            ("retrain_model", "Can retrain and activate smishing models"),
            ("view_campaign", "Can view smishing campaigns"),
        ]

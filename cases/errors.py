"""The refusal every case, refund and QA service raises: the action is not allowed now."""

from __future__ import annotations


class CaseActionRefused(Exception):
    """A user-facing refusal: the action is not allowed now; nothing was changed."""

"""Template helpers for showing audit events (used by the timeline partial and the search page)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import template

from audit.models import AuditEvent

register = template.Library()

_ABSENT = object()


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


def _display(value: Any) -> str:
    if value is _ABSENT or value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.filter
def audit_changes(event: AuditEvent) -> list[FieldChange]:
    """The fields an event changed, as before → after pairs, in a stable order.

    Fields present on one side only show as "—" on the other; fields equal on both sides are left
    out, since they changed nothing.
    """
    before = event.before if isinstance(event.before, dict) else {"value": event.before}
    after = event.after if isinstance(event.after, dict) else {"value": event.after}
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, _ABSENT), after.get(key, _ABSENT)
        if old == new:
            continue
        changes.append(FieldChange(field=key, before=_display(old), after=_display(new)))
    return changes

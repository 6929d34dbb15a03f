"""The admin shows detection data read-only: no admin path around maker-checker."""

from __future__ import annotations

import pytest
from django.urls import reverse

from detection.models import ChangeRequest, RuleSetVersion
from fdsportal import roles

pytestmark = pytest.mark.django_db


def test_detection_is_read_only_in_the_admin(make_user, client_for, seniors) -> None:
    admin_user = make_user(roles.ADMINISTRATOR, "detection-admin")
    client = client_for(admin_user)
    version = RuleSetVersion.objects.get(number=1)
    maker, _checker = seniors
    change = ChangeRequest.objects.create(kind="list", summary="x", payload={}, maker=maker)

    assert client.get(reverse("admin:detection_rulesetversion_changelist")).status_code == 200
    page = client.get(reverse("admin:detection_rulesetversion_change", args=[version.pk]))
    assert page.status_code == 200 and "large_first_transfer" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    # Editing a published version, adding one, approving a change or deleting either: refused.
    posted = client.post(
        reverse("admin:detection_rulesetversion_change", args=[version.pk]),
        {"status": "draft", "is_live": ""},
    )
    assert posted.status_code == 403
    assert client.get(reverse("admin:detection_rulesetversion_add")).status_code == 403
    approve = client.post(
        reverse("admin:detection_changerequest_change", args=[change.pk]),
        {"status": "applied", "checker": maker.pk},
    )
    assert approve.status_code == 403
    assert (
        client.post(
            reverse("admin:detection_changerequest_delete", args=[change.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    for name in (
        "rule",
        "watchlist",
        "listentry",
        "alertthreshold",
        "rulesnooze",
        "shadowrun",
        "shadowoutcome",
    ):
        assert client.get(reverse(f"admin:detection_{name}_changelist")).status_code == 200, name
        assert client.get(reverse(f"admin:detection_{name}_add")).status_code == 403, name
    change.refresh_from_db()
    version.refresh_from_db()
    assert change.status == "pending" and change.checker is None and version.status == "published"
    # A senior analyst is no staff member: the admin is not theirs at all.
    senior_page = client_for(maker).get(reverse("admin:detection_rulesetversion_changelist"))
    assert senior_page.status_code == 302

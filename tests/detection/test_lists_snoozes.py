"""Lists (entries, CSV uploads, expiry) and rule snoozes, as analysts and approvers use them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert
from detection import services
from detection.models import ChangeRequest, ListEntry, RuleSnooze, WatchList
from detection.selectors import list_memberships
from tests.detection.conftest import draft_publish, rule_data, score_one, transfer_row
from tests.factories import active_model_install

pytestmark = pytest.mark.django_db


@pytest.fixture
def blocked() -> WatchList:
    return WatchList.objects.create(name="blocked-accounts", kind="account", purpose="block")


def test_a_csv_with_one_bad_row_writes_nothing_and_names_every_bad_row(seniors, client_for, blocked):
    maker, _checker = seniors
    body = (
        b"value,reason,expires_at\n"
        b"110-222-333444,mule account,\n"
        b"not-a-number,typo,\n"
        b"555666777888,old,2001-01-01\n"
        b"999888777666,fine,2099-01-01\n"
    )
    response = client_for(maker).post(
        reverse("detection:list_upload", args=[blocked.pk]),
        {"file": SimpleUploadedFile("list.csv", body, "text/csv"), "reason": "weekly feed"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "line 3" in html and "line 4" in html and "line 2" not in html
    assert not ChangeRequest.objects.exists() and not ListEntry.objects.exists()
    api = client_for(maker).post(
        f"/api/detection/lists/{blocked.pk}/upload",
        json.dumps({"csv": body.decode(), "reason": "weekly feed"}),
        content_type="application/json",
    )
    assert api.status_code == 422
    assert [e["line"] for e in api.json()["errors"]] == [3, 4]
    assert not ChangeRequest.objects.exists() and not ListEntry.objects.exists()


def test_a_good_csv_is_applied_only_after_a_second_person_approves(seniors, client_for, blocked):
    maker, checker = seniors
    body = b"110-222-333444,mule account\n999888777666,mule account,2099-01-01\n"
    response = client_for(maker).post(
        reverse("detection:list_upload", args=[blocked.pk]),
        {"file": SimpleUploadedFile("list.csv", body, "text/csv"), "reason": "weekly feed"},
    )
    assert response.status_code == 302
    change = ChangeRequest.objects.get(kind="list")
    assert not ListEntry.objects.exists()
    services.change_approve(user=checker, change_id=change.pk)
    entries = ListEntry.objects.order_by("value")
    assert [e.value for e in entries] == ["110222333444", "999888777666"]
    assert all(e.author == maker and e.reason == "mule account" for e in entries)


def test_an_expired_entry_no_longer_matches(seniors, blocked):
    maker, checker = seniors
    change = services.list_change_request(
        user=maker,
        list_id=blocked.pk,
        add=[services.EntryIn("110-222-333444", "one week", timezone.now() + timedelta(days=7))],
        reason="tip-off",
    )
    services.change_approve(user=checker, change_id=change.pk)
    assert list_memberships(values=["110222333444"]) == {("blocked-accounts", "110222333444")}
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert list_memberships(values=["110222333444"]) == set()


def test_a_rule_on_a_list_fires_until_the_entry_expires(seniors, blocked):
    maker, checker = seniors
    active_model_install()
    change = services.list_change_request(
        user=maker,
        list_id=blocked.pk,
        add=[services.EntryIn("110222333444", "mule", timezone.now() + timedelta(days=7))],
        reason="tip-off",
    )
    services.change_approve(user=checker, change_id=change.pk)
    draft_publish(
        maker, checker, rule_data("blocked_beneficiary", "in_list('blocked-accounts', beneficiary_account)")
    )
    assert (
        "blocked_beneficiary"
        in score_one("L1", customer="A", **transfer_row(account="110222333444")).rule_hits
    )
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        later = score_one("L2", customer="B", **transfer_row(account="110222333444"), history=False)
    assert "blocked_beneficiary" not in later.rule_hits


def test_a_list_matches_whichever_field_a_rule_tests(seniors):
    """A country list tested on the merchant's country (not the card's), by a column-wise rule and by
    a rule CEL evaluates row by row: both see the membership, and a rule set without lists reads none."""
    from alerts.models import Merchant

    maker, checker = seniors
    active_model_install()
    risky = WatchList.objects.create(name="risky-countries", kind="country", purpose="watch")
    change = services.list_change_request(
        user=maker, list_id=risky.pk, add=[services.EntryIn("NG", "card-not-present fraud", None)], reason="x"
    )
    services.change_approve(user=checker, change_id=change.pk)
    Merchant.objects.create(external_id="M-NG", name="Lagos store", category="overseas", country="NG")
    draft_publish(
        maker,
        checker,
        rule_data("merchant_abroad", "in_list('risky-countries', merchant_country)", effect="add", value=0.0),
        rule_data(
            "merchant_abroad_cel",
            "in_list('risky-countries', merchant_country) ? amount > 1.0 : false",
            effect="add",
            value=0.0,
        ),
    )
    hits = score_one("LC1", customer="LC", merchant="M-NG").rule_hits
    assert {"merchant_abroad", "merchant_abroad_cel"} <= set(hits)
    assert not {"merchant_abroad", "merchant_abroad_cel"} & set(
        score_one("LC2", customer="LD", merchant="M1").rule_hits
    )


def test_a_snoozed_rule_does_not_fire_for_that_customer_and_still_fires_for_others(seniors, analyst):
    maker, checker = seniors
    active_model_install()
    draft_publish(maker, checker, rule_data("landlord", "beneficiary_account == '100200300400'"))
    first = score_one("S1", customer="TENANT", **transfer_row(account="100200300400"))
    alert = Alert.objects.get(transaction=first.transaction)
    with pytest.raises(services.DetectionError, match="reviewed"):
        services.snooze_create(
            user=analyst, alert_id=alert.pk, rule_code="landlord", subject="customer", days=30, reason="rent"
        )
    Alert.objects.filter(pk=alert.pk).update(status="dismissed", decided_at=timezone.now())
    with pytest.raises(services.DetectionError, match="180"):
        services.snooze_create(
            user=analyst, alert_id=alert.pk, rule_code="landlord", subject="customer", days=181, reason="rent"
        )
    snooze = services.snooze_create(
        user=analyst,
        alert_id=alert.pk,
        rule_code="landlord",
        subject="customer",
        days=30,
        reason="monthly rent",
    )
    again = score_one("S2", customer="TENANT", **transfer_row(account="100200300400"), history=False)
    assert "landlord" not in again.rule_hits
    other = score_one("S3", customer="NEIGHBOUR", **transfer_row(account="100200300400"))
    assert "landlord" in other.rule_hits
    services.snooze_lift(user=analyst, snooze_id=snooze.pk)
    lifted = score_one("S4", customer="TENANT", **transfer_row(account="100200300400"), history=False)
    assert "landlord" in lifted.rule_hits
    assert RuleSnooze.objects.get(pk=snooze.pk).lifted_by == analyst


def test_the_snooze_list_shows_active_snoozes_and_the_alert_page_offers_the_form(
    seniors, analyst, client_for
):
    maker, checker = seniors
    active_model_install()
    draft_publish(maker, checker, rule_data("landlord", "beneficiary_account == '100200300400'"))
    score = score_one("S1", customer="TENANT", **transfer_row(account="100200300400"))
    alert = Alert.objects.get(transaction=score.transaction)
    Alert.objects.filter(pk=alert.pk).update(status="dismissed", decided_at=timezone.now())
    client = client_for(analyst)
    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert reverse("detection:snooze_create", args=[alert.pk]) in page
    response = client.post(
        reverse("detection:snooze_create", args=[alert.pk]),
        {"rule_code": "landlord", "subject": "beneficiary", "days": 10, "reason": "known landlord"},
    )
    assert response.status_code == 302
    listing = client.get(reverse("detection:snoozes")).content.decode()
    assert "landlord" in listing and "100200300400" in listing

"""An open alert queue gets alerts whose push never came (Redis away, a worker killed between its
commit and its push) from its periodic catch-up, once each."""

from __future__ import annotations

import asyncio
from unittest import mock

import pytest
from asgiref.sync import sync_to_async

from tests.alerts.test_feed_consumer import _communicator, _raise_alert, _receive_type
from tests.factories import active_model_install

pytestmark = pytest.mark.django_db(transaction=True)


async def _messages_within(communicator, seconds: float) -> list[dict]:
    """Everything the socket sends in the next `seconds` (shown by a failing assertion)."""
    messages = []
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        if await communicator.receive_nothing(timeout=min(left, 0.1)):
            continue
        message = await communicator.receive_json_from()
        messages.append({**message, "rows": [(r["id"], r["created"]) for r in message.get("rows", [])]})
    return messages


async def test_an_alert_whose_push_was_lost_still_reaches_an_open_queue(analyst, settings):
    settings.FDS_FEED_CATCHUP_SECONDS = 0.5
    await sync_to_async(active_model_install)()
    communicator = await _communicator(analyst)
    assert (await communicator.connect())[0]
    assert (await _receive_type(communicator, "snapshot"))["rows"] == []
    with mock.patch("alerts.push.alert_rows_push"):  # the push is lost
        alert_id = await sync_to_async(_raise_alert)("LOST1", customer="CL9")
    caught_up = await _receive_type(communicator, "rows", timeout=10)
    assert [row["id"] for row in caught_up["rows"]] == [alert_id]
    assert "45,000원" in caught_up["rows"][0]["html"]
    # Later rounds do not send it again.
    assert await _messages_within(communicator, 2.0) == []
    await communicator.disconnect()


async def test_a_pushed_alert_is_not_sent_again_by_the_catch_up(analyst, settings):
    settings.FDS_FEED_CATCHUP_SECONDS = 0.5
    await sync_to_async(active_model_install)()
    communicator = await _communicator(analyst)
    assert (await communicator.connect())[0]
    await _receive_type(communicator, "snapshot")
    alert_id = await sync_to_async(_raise_alert)("PUSHED1", customer="CL8")
    pushed = await _receive_type(communicator, "rows")
    assert [row["id"] for row in pushed["rows"]] == [alert_id]
    assert await _messages_within(communicator, 2.0) == []
    await communicator.disconnect()


def test_a_row_renders_the_same_whatever_time_zone_the_thread_has_active(analyst):
    """The push renders in the scoring thread and the catch-up in the socket's: a row that followed
    each thread's time zone would look changed, and be sent twice."""
    import zoneinfo

    from django.utils import timezone

    from alerts.push import alert_row_payload
    from alerts.selectors import alert_rows

    active_model_install()
    alert_id = _raise_alert("TZ1", customer="CL7")
    here = alert_row_payload(alert_rows().get(pk=alert_id))["html_by_language"]
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        elsewhere = alert_row_payload(alert_rows().get(pk=alert_id))["html_by_language"]
    assert here == elsewhere

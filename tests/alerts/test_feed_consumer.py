"""The live alert feed: who may join, what they receive, and catching up after a reconnect."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from alerts.features import KST
from alerts.models import Alert
from alerts.schemas import TransactionIn
from alerts.services import transactions_ingest, transactions_score
from fdsportal.asgi import application
from tests.factories import active_model_install, history_fold, tx_row

pytestmark = pytest.mark.django_db(transaction=True)


def _cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def _communicator(user=None, query: str = "") -> WebsocketCommunicator:
    headers = [(b"origin", b"http://localhost")]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(_cookie_for)(user)))
    return WebsocketCommunicator(application, "/ws/alerts/" + query, headers=headers)


def _raise_alert(external_id: str, *, customer: str, minutes: int = 0) -> int:
    history_fold(
        external_id, customer=customer, days=15, amount=4000, start=datetime(2026, 10, 20, 13, tzinfo=KST)
    )
    row = tx_row(
        external_id,
        customer=customer,
        amount=45_000,
        merchant="M9",
        category="online_shopping",
        when=datetime(2026, 11, 12, 2, minutes, tzinfo=KST),
    )
    [tx_id] = transactions_ingest(
        rows=[TransactionIn.model_validate(row)], source="t", enqueue=False
    ).created_ids
    result = transactions_score(transaction_ids=[tx_id])  # broadcasts on commit (autocommit here)
    assert result.alert_ids
    return result.alert_ids[0]


async def _receive_type(communicator: WebsocketCommunicator, kind: str, timeout: float = 5) -> dict:
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


async def test_an_analyst_receives_new_alerts_live(analyst):
    await sync_to_async(active_model_install)()
    communicator = await _communicator(analyst)
    connected, _ = await communicator.connect()
    assert connected
    snapshot = await _receive_type(communicator, "snapshot")
    assert snapshot["rows"] == []
    alert_id = await sync_to_async(_raise_alert)("LIVE1", customer="CL1")
    pushed = await _receive_type(communicator, "rows")
    assert [row["id"] for row in pushed["rows"]] == [alert_id]
    assert f'id="alert-{alert_id}"' in pushed["rows"][0]["html"]
    assert "45,000원" in pushed["rows"][0]["html"]
    await communicator.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "employee"])
async def test_employees_and_anonymous_users_are_refused(who, employee):
    communicator = await _communicator(None if who == "anonymous" else employee)
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4403


async def test_a_refused_client_receives_nothing_of_new_alerts(employee, analyst):
    await sync_to_async(active_model_install)()
    outsider = await _communicator(employee)
    connected, _ = await outsider.connect()
    assert not connected
    watcher = await _communicator(analyst)
    assert (await watcher.connect())[0]
    await _receive_type(watcher, "snapshot")
    await sync_to_async(_raise_alert)("LIVE2", customer="CL2")
    await _receive_type(watcher, "rows")
    assert await outsider.receive_nothing(timeout=0.3)
    await watcher.disconnect()


async def test_a_reconnecting_client_catches_up_on_missed_alerts(analyst):
    await sync_to_async(active_model_install)()
    first = await sync_to_async(_raise_alert)("SEEN", customer="CR1")
    seen_at = (await Alert.objects.aget(pk=first)).created_at
    # The browser is offline while two more alerts are raised.
    await asyncio.sleep(0.01)
    missed = [await sync_to_async(_raise_alert)(f"MISSED{i}", customer=f"CR{i + 2}") for i in range(2)]
    communicator = await _communicator(analyst, "?since=" + seen_at.isoformat().replace("+", "%2B"))
    assert (await communicator.connect())[0]
    snapshot = await _receive_type(communicator, "snapshot")
    ids = [row["id"] for row in snapshot["rows"]]
    assert set(missed) <= set(ids)
    await communicator.disconnect()


async def test_bad_websocket_messages_get_an_error_and_change_nothing(analyst):
    communicator = await _communicator(analyst)
    assert (await communicator.connect())[0]
    await _receive_type(communicator, "snapshot")
    await communicator.send_to(text_data="{not json")
    assert (await _receive_type(communicator, "error"))["error"]
    await communicator.send_json_to({"type": "dismiss", "id": 1})
    assert "read-only" in (await _receive_type(communicator, "error"))["error"]
    await communicator.send_json_to({"type": "ping"})
    assert (await communicator.receive_json_from())["type"] == "pong"
    await communicator.disconnect()

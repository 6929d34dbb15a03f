"""Pushed pages follow each viewer's language: two analysts on the live queue, one Korean and one
English, each receive the same new alert rendered in their own language."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from access.language import user_language_set
from tests.alerts.test_feed_consumer import _communicator, _raise_alert, _receive_type
from tests.factories import active_model_install

pytestmark = pytest.mark.django_db(transaction=True)


def _reasons(html: str) -> str:
    start = html.index('<ul class="reasons">')
    return html[start : html.index("</ul>", start)]


async def test_each_analyst_receives_rows_in_their_language(make_user):
    korean = await sync_to_async(make_user)("fraud_analyst", "kim")
    english = await sync_to_async(make_user)("fraud_analyst", "lee")
    await sync_to_async(user_language_set)(user=english, language="en")
    await sync_to_async(active_model_install)()
    sockets = []
    for user in (korean, english):
        communicator = await _communicator(user)
        connected, _ = await communicator.connect(timeout=30)
        assert connected
        await _receive_type(communicator, "snapshot", timeout=30)
        sockets.append(communicator)
    alert_id = await sync_to_async(_raise_alert)("LANG1", customer="CLANG")
    rows = [(await _receive_type(socket, "rows", timeout=30))["rows"][0] for socket in sockets]
    assert [row["id"] for row in rows] == [alert_id, alert_id]
    assert all("html_by_language" not in row for row in rows)  # each socket gets its one rendering
    ko_html, en_html = rows[0]["html"], rows[1]["html"]
    assert ko_html.split('data-testid="alert-status">')[1].startswith("신규")  # the status label
    assert en_html.split('data-testid="alert-status">')[1].startswith("New")
    # The reasons too, down to the category's name inside them.
    assert "온라인쇼핑" in _reasons(ko_html) and "Online shopping" in _reasons(en_html)
    assert "45,000원" in ko_html and "45,000원" in en_html
    for socket in sockets:
        await socket.disconnect()

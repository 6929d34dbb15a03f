from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings


@pytest.fixture(autouse=True)
def _media_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Evidence files written by tests go to a throw-away directory."""
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture
def broadcasts(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Records the alert ids pushed to analysts' queues instead of pushing them."""
    import alerts.push

    sent: list[list[int]] = []
    monkeypatch.setattr(alerts.push, "alert_rows_push", lambda *, alert_ids: sent.append(list(alert_ids)))
    return sent

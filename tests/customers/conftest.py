from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    """A signed-in client that asks for English, so assertions read the English msgids (and Django's
    own messages) whatever catalogue is compiled."""

    def make(user: User) -> Client:
        client = Client(headers={"Accept-Language": "en"})
        client.force_login(user)
        return client

    return make

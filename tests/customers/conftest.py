from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.conftest import english_client


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    """A signed-in client that asks for English, so assertions read the English msgids (and Django's
    own messages) whatever catalogue is compiled."""

    def make(user: User) -> Client:
        client = english_client()  # the portal ignores Accept-Language: English is chosen by cookie
        client.force_login(user)
        return client

    return make

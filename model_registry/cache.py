"""The active model, loaded once per process and reloaded when another version becomes active."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import models

T = TypeVar("T")


class ActiveModelCache(Generic[T]):
    """Holds the loaded model of the active version of `version_model`.

    Checking which version is active costs one indexed query; the artifact is read and loaded only
    when that version changes. Keyed by id and name: ids can repeat after a rolled-back transaction
    (SQLite), names cannot. `refresh` updates cheap fields (say a threshold) on the cached model.
    """

    def __init__(
        self,
        version_model: type[models.Model],
        load: Callable[[Any], T],
        *,
        fields: tuple[str, ...] = (),
        refresh: Callable[[T, dict[str, Any]], None] | None = None,
    ) -> None:
        self._version_model = version_model
        self._load = load
        self._fields = fields
        self._refresh = refresh
        self._lock = threading.Lock()
        self._key: tuple[int, str] | None = None
        self._model: T | None = None

    @property
    def version_id(self) -> int | None:
        """The id of the version whose model is loaded (None before the first load)."""
        return self._key[0] if self._key else None

    def active_row(self) -> dict[str, Any] | None:
        return (
            self._version_model._default_manager.filter(is_active=True)
            .values("id", "name", *self._fields)
            .first()
        )

    def get(self, row: dict[str, Any] | None | bool = True) -> tuple[int, str, T] | None:
        """(id, name, loaded model) of the active version, or None when no version is active.

        A caller that already read the version's row (id, name and the cached fields) passes it, or
        None for "no version", and saves the query.
        """
        if row is True:
            row = self.active_row()
        if row is None or row is False:
            return None
        with self._lock:
            key = (row["id"], row["name"])
            if self._key != key or self._model is None:
                version = self._version_model._default_manager.get(pk=row["id"])
                self._model = self._load(version)
                self._key = key
            elif self._refresh is not None:
                self._refresh(self._model, row)
            return row["id"], row["name"], self._model

    def clear(self) -> None:
        """Forget the loaded model: the next get() loads the active version again."""
        with self._lock:
            self._key = None
            self._model = None

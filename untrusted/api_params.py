"""Bounded API parameters shared by every router: path ids and list pages."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Path, Schema
from ninja.pagination import LimitOffsetPagination

from untrusted.validation import MAX_DB_ID

# Every list endpoint answers at most this many items per request.
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000
# A path id: positive and within PostgreSQL's bigint (a larger one overflowed the query: a 500).
ObjectId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]


class PortalPagination(LimitOffsetPagination):
    """`limit` (1–200, default 50) and `offset` (bounded), the same on every list endpoint."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
        offset: int = Field(0, ge=0, le=MAX_PAGE * MAX_PAGE_SIZE)

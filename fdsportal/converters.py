"""URL converters: ids in paths are held to what the database can store."""

from __future__ import annotations

from untrusted.validation import MAX_DB_ID


class DatabaseIdConverter:
    """Like Django's `int`, but 1..2^63-1: a longer id overflowed the query (a 500); now it is a 404."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_DB_ID:
            raise ValueError("not a database id")  # Django answers 404: no such page
        return number

    def to_url(self, value: int) -> str:
        return str(value)

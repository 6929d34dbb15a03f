"""Reading a labelled CSV (`text,label`) for the smishing commands."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import CommandError

from smishing.engine import LABELS
from untrusted.spreadsheets import spreadsheet_unguard
from untrusted.text import MAX_TEXT_CHARS


def labelled_rows_read(path: str) -> tuple[list[str], list[str]]:
    """Texts and labels from a CSV with a header naming `text` and `label`; every label checked."""
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"{path}: no such file")
    texts: list[str] = []
    labels: list[str] = []
    with file.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"text", "label"} <= {f.strip() for f in reader.fieldnames}:
            raise CommandError(f"{path}: the header must name the columns text and label")
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip(): v for k, v in row.items()}
            label = (row.get("label") or "").strip().lower()
            if label not in LABELS:
                raise CommandError(f"{path}:{line}: label {label!r} is not one of {', '.join(LABELS)}")
            # The project's own exports guard formula-like cells with an apostrophe: undo it.
            text = spreadsheet_unguard(row.get("text") or "")
            if not text.strip():
                raise CommandError(f"{path}:{line}: empty text")
            if len(text) > MAX_TEXT_CHARS:
                raise CommandError(f"{path}:{line}: text longer than {MAX_TEXT_CHARS} characters")
            texts.append(text)
            labels.append(label)
    if not texts:
        raise CommandError(f"{path}: no rows")
    return texts, labels

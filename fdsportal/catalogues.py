"""Message catalogues: compile `.po` into the `.mo` files Django reads, without GNU gettext.

The compiled files are build output (`.gitignore`d): `run.py` compiles them at set-up, and the test
plugin does too, so a fresh checkout shows Korean on its first run. Only `.po` files newer than their
`.mo` are recompiled. Imports nothing of Django, so `run.py` can call it before any settings load.
"""

from __future__ import annotations

from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


class CatalogueError(Exception):
    """A `.po` file that cannot be compiled (syntax error, broken placeholder)."""


def catalogues_compile(*, locale_dir: Path = LOCALE_DIR, force: bool = False) -> list[Path]:
    """Compile every `locale/*/LC_MESSAGES/*.po` whose `.mo` is missing or older; returns the `.mo`
    files written. Fuzzy entries are left out, as msgfmt does. Safe to repeat: nothing newer is
    rewritten, and each `.mo` is replaced atomically so a running server never reads half a file."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=po_path.parent.parent.name, abort_invalid=True)
        except Exception as exc:  # babel raises its own PoFileError and plain ValueErrors
            raise CatalogueError(f"{po_path}: {exc}") from exc
        errors = [
            f"{po_path}:{message.lineno}: {message.id!r}: {'; '.join(str(e) for e in errs)}"
            for message, errs in catalog.check()
            if errs
        ]
        if errors:
            raise CatalogueError("\n".join(errors))
        partial = mo_path.with_suffix(".mo.partial")
        with partial.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        partial.replace(mo_path)
        written.append(mo_path)
    return written

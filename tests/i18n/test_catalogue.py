"""The Korean catalogue is complete: every string the templates and the Python code mark for
translation has a Korean msgstr that is neither empty nor fuzzy and keeps the msgid's placeholders.

Extraction is Django's own makemessages (the command `python3 run.py messages` runs), into a copy of
the sources, so the check sees exactly what the command would add. After adding strings, run
`python3 run.py messages` and fill the new msgstr in locale/ko/LC_MESSAGES/django.po.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from fdsportal.catalogues import catalogues_compile
from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[2]
KO_PO = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po"
FIX = "run `python3 run.py messages`, then write the Korean msgstr in locale/ko/LC_MESSAGES/django.po"
COPIED_SUFFIXES = {".py", ".html", ".txt", ".toml"}
SKIPPED_DIRS = {".venv", "var", ".git", "tests", "bench", "locale", "node_modules", "__pycache__", "static"}


def placeholders(text: str) -> list[str]:
    """The placeholders of a message, sorted: %(name)s, %s/%d, {name} and Plotly's %{x}."""
    found: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%":
            following = text[i + 1 : i + 2]
            if following == "%":
                i += 2
                continue
            if following == "(":
                end = text.find(")", i)
                if end != -1:
                    # the conversion: skip flags, width and precision up to the letter
                    j = end + 1
                    while j < len(text) and not text[j].isalpha():
                        j += 1
                    found.append(text[i : j + 1])
                    i = j + 1
                    continue
            if following == "{":
                end = text.find("}", i)
                if end != -1:
                    found.append(text[i : end + 1])
                    i = end + 1
                    continue
            if following and (following.isalpha() or following in ".0123456789"):
                j = i + 1
                while j < len(text) and not text[j].isalpha():
                    j += 1
                found.append(text[i : j + 1])
                i = j + 1
                continue
        if char == "{":
            end = text.find("}", i)
            if end != -1 and (text[i + 1 : i + 2].isalpha() or text[i + 1 : i + 2] == "_"):
                found.append(text[i : end + 1])
                i = end + 1
                continue
        i += 1
    return sorted(found)


def _copy_sources(target: Path) -> None:
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRS & set(relative.parts) or not path.is_file() or path.suffix not in COPIED_SUFFIXES:
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory):
    """The template of every translatable message, as `run.py messages` would extract it now."""
    if shutil.which("xgettext") is None:
        if REQUIRE_SERVICES:
            pytest.fail("FDS_REQUIRE_SERVICES is set but GNU gettext (xgettext) is missing")
        pytest.skip("needs GNU gettext's xgettext for extraction (apt-get install gettext)")
    sys.path.insert(0, str(ROOT))
    from run import MAKEMESSAGES_ARGS

    copy = tmp_path_factory.mktemp("sources")
    _copy_sources(copy)
    (copy / "locale").mkdir()
    env = {**os.environ, "FDS_INSECURE_DEV_KEY": "true", "DJANGO_SETTINGS_MODULE": "fdsportal.settings"}
    done = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES_ARGS, "--keep-pot"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    template = (copy / "locale" / "django.pot").read_bytes()
    # A template's header says "nplurals=INTEGER", which babel cannot parse; the messages are what count.
    template = template.replace(b"nplurals=INTEGER; plural=EXPRESSION;", b"nplurals=2; plural=(n != 1);")
    return read_po(io.BytesIO(template))


@pytest.fixture(scope="module")
def korean():
    with KO_PO.open("rb") as handle:
        return read_po(handle, locale="ko")


def _where(message) -> str:
    return ", ".join(sorted({path for path, _line in message.locations})) or "?"


def _key(message) -> tuple[str | None, str]:
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def untranslated(extracted, korean) -> list[str]:
    """One line per extracted message without a usable Korean translation."""
    translated = {_key(m): m for m in korean if m.id}
    problems = []
    for message in extracted:
        if not message.id:
            continue
        ours = translated.get(_key(message))
        label = f"{_where(message)}: {_key(message)[1]!r}"
        if ours is None:
            problems.append(f"missing  {label}")
        elif ours.fuzzy:
            problems.append(f"fuzzy    {label}")
        elif not all(s.strip() for s in _strings(ours)):
            problems.append(f"empty    {label}")
    return problems


def test_every_extracted_message_has_a_korean_translation(extracted, korean) -> None:
    problems = untranslated(extracted, korean)
    assert not problems, f"{len(problems)} message(s) untranslated; {FIX}:\n" + "\n".join(problems)


def test_translations_keep_the_placeholders(korean) -> None:
    problems = []
    for message in korean:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        for text in _strings(message):
            if (
                text
                and placeholders(text) != placeholders(ids[-1])
                and placeholders(text) != placeholders(ids[0])
            ):
                problems.append(
                    f"{_where(message)}: {ids[0]!r} has {placeholders(ids[0])}, the Korean {text!r} has "
                    f"{placeholders(text)}"
                )
    assert not problems, (
        "placeholders differ; fix the msgstr in locale/ko/LC_MESSAGES/django.po:\n" + "\n".join(problems)
    )


def test_the_catalogue_compiles_without_gnu_gettext(tmp_path: Path) -> None:
    target = tmp_path / "ko" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copyfile(KO_PO, target / "django.po")
    written = catalogues_compile(locale_dir=tmp_path)
    assert written == [target / "django.mo"] and written[0].stat().st_size > 10_000
    # Not newer: nothing is rewritten.
    assert catalogues_compile(locale_dir=tmp_path) == []


def test_the_completeness_check_names_what_is_untranslated(korean) -> None:
    from babel.messages.catalog import Catalog

    extracted = Catalog()
    extracted.add("Log in", locations=[("templates/registration/login.html", 0)])
    extracted.add("A string nobody translated", locations=[("templates/new_page.html", 0)])
    extracted.add("Wrong username or password.", locations=[("templates/registration/login.html", 0)])
    korean["Wrong username or password."].flags.add("fuzzy")
    try:
        problems = untranslated(extracted, korean)
    finally:
        korean["Wrong username or password."].flags.discard("fuzzy")
    assert problems == [
        "missing  templates/new_page.html: 'A string nobody translated'",
        "fuzzy    templates/registration/login.html: 'Wrong username or password.'",
    ]


def test_the_placeholder_check_can_fail() -> None:
    assert placeholders("Alert #%(id)s: %(status)s.") == ["%(id)s", "%(status)s"]
    assert placeholders("알림 #%(id)s") != placeholders("Alert #%(id)s: %(status)s.")
    assert placeholders("{amount:,.0f} and %{x} and %d%%") == ["%d", "%{x}", "{amount:,.0f}"]

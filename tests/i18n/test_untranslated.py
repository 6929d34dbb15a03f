"""No text shown to people bypasses gettext, in the templates or in the Python code.

After wrapping a string, run `python3 run.py messages` and write its Korean in
locale/ko/LC_MESSAGES/django.po (tests/i18n/test_catalogue.py then checks it is there).
"""

from __future__ import annotations

from pathlib import Path

from tests.i18n.untranslated import (
    FIX,
    findings_in,
    python_files,
    python_findings,
    template_files,
    template_findings,
)

FIXTURES = Path(__file__).parent / "fixtures"


def test_templates_show_no_untranslated_text() -> None:
    findings = findings_in(template_files())
    assert not findings, f"untranslated template text ({FIX}):\n" + "\n".join(map(str, findings))


def test_python_gives_no_untranslated_string_to_people() -> None:
    findings = findings_in(python_files())
    assert not findings, f"untranslated Python strings ({FIX}):\n" + "\n".join(map(str, findings))


def test_the_template_check_finds_untranslated_text() -> None:
    source = (FIXTURES / "untranslated.html").read_text()
    found = [(f.line, f.text) for f in template_findings(source, "fixture.html")]
    assert found == [
        (3, "Untranslated paragraph"),
        (4, "Untranslated title"),
        (8, "{…}원"),
        (9, "Untranslated button"),
        (11, "untranslated label"),
    ]


def test_the_python_check_finds_untranslated_strings() -> None:
    source = (FIXTURES / "untranslated_py.txt").read_text()
    found = sorted(f.text for f in python_findings(source, "fixture.py"))
    assert found == sorted(
        [
            "Red untranslated",
            "Name untranslated",
            "Validation untranslated",
            "Saved untranslated",
            "Formatted  untranslated",
            "Chart title untranslated",
            "axis untranslated",
            "Refusal untranslated",
        ]
    )


def test_the_checks_cover_the_apps_and_templates() -> None:
    templates = {str(p) for p in template_files()}
    python = {str(p) for p in python_files()}
    assert any(p.endswith("templates/base.html") for p in templates)
    assert any(p.endswith("cases/triage.py") for p in python)
    assert not any("/tests/" in p or "/migrations/" in p for p in python)


def test_every_template_loads_its_tags() -> None:
    """A {% translate %} in a template that does not {% load i18n %} is a syntax error on first use."""
    from django.template.loader import get_template

    root = Path(__file__).resolve().parents[2] / "templates"
    for path in template_files():
        get_template(str(path.relative_to(root)))

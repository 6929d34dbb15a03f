"""Finds text shown to people that does not go through gettext.

Templates: each template is read with Django's own DebugLexer (the Lexer that keeps positions); translated blocks, variables and tags
become placeholders, and the rest is parsed as HTML. Text between tags and the attributes people
read (title, placeholder, aria-label, alt, the value of a button-like input) that contain letters
are reported, except inside <script>, <style>, <code>, HTML comments and {% comment %}.

Python: an AST walk reports bare string literals given to the calls whose strings are shown:
messages.<level>(request, "..."), ValidationError("..."), HttpResponse*("..."), the project's
refusals (exceptions named *Refused / *Invalid, whose text views show), and the keyword
arguments label=, help_text=, verbose_name=, verbose_name_plural=, empty_label=, model choice
labels (`X = "code", "Label"` in a TextChoices/IntegerChoices class), and Plotly chart text (title,
axis titles, trace names, hover templates in go.* calls and fig.add_*/update_* calls).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import DebugLexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
# Words that are the same in every language: the product's name, the figures' standard names and
# acronyms, and the "v" of a version number (v3).
ALLOWED_WORDS = frozenset(
    {
        "fdsportal",
        "AUC",
        "AP",
        "PSI",
        "ECE",
        "SHAP",
        "KRW",
        "API",
        "SLA",
        "QA",
        "ID",
        "CSV",
        "URL",
        "SMS",
        "KST",
    }
    | {"macro-F1", "F1", "sha256", "v"}
)
PLACEHOLDER = "\x01"
READ_ATTRIBUTES = frozenset({"title", "placeholder", "aria-label", "alt", "aria-description"})
SKIPPED_ELEMENTS = frozenset({"script", "style", "code", "pre", "kbd"})
TRANSLATING_TAGS = frozenset({"translate", "trans"})
BLOCK_TRANSLATING_TAGS = frozenset({"blocktranslate", "blocktrans"})
FIX = "wrap it in {% translate %} / {% blocktranslate %} (or gettext_lazy in Python), then run `python3 run.py messages` and fill the Korean in locale/ko/LC_MESSAGES/django.po"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def _without_markup(text: str) -> str:
    """The text less placeholders (%(name)s, {name}, Plotly's %{x}) and tags (<extra></extra>)."""
    out: list[str] = []
    closing = {"{": "}", "<": ">"}
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%" and text[i + 1 : i + 2] == "(":
            end = text.find(")", i)
            i = end + 2 if end != -1 else len(text)  # %(name)s: the name and the conversion letter
            continue
        if char in closing:
            end = text.find(closing[char], i)
            if end != -1:
                out.append(" ")
                i = end + 1
                continue
        out.append(char)
        i += 1
    return "".join(out)


def has_words(text: str) -> bool:
    """True when the text contains a word that needs translating: letters other than the allowed
    acronyms and the product's name."""
    plain = _without_markup(text.replace(PLACEHOLDER, " "))
    words = "".join(c if (c.isalnum() or c in "'-") else " " for c in plain).split()
    return any(any(c.isalpha() for c in w) and w.strip("'-") not in ALLOWED_WORDS for w in words)


def _flatten(source: str) -> str:
    """The template with every Django token replaced by a placeholder (keeping its newlines, so line
    numbers stay right) and translated or commented blocks removed."""
    out: list[str] = []
    skip_until: str | None = None
    for token in DebugLexer(source).tokenize():
        assert token.position is not None  # the DebugLexer always records it
        start, end = token.position
        newlines = "\n" * source.count("\n", start, end)
        if skip_until is not None:
            if token.token_type == TokenType.BLOCK and token.contents.split()[:1] == [skip_until]:
                skip_until = None
            out.append(newlines)
            continue
        if token.token_type == TokenType.TEXT:
            out.append(token.contents)
            continue
        if token.token_type == TokenType.BLOCK:
            name = (token.contents.split() or [""])[0]
            if name in BLOCK_TRANSLATING_TAGS:
                skip_until = "endblocktranslate" if name == "blocktranslate" else "endblocktrans"
            elif name == "comment":
                skip_until = "endcomment"
        out.append(PLACEHOLDER + newlines)
    return "".join(out)


class _TextFinder(HTMLParser):
    def __init__(self, path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.open: list[str] = []
        self.findings: list[Finding] = []

    def _report(self, text: str) -> None:
        if has_words(text):
            shown = " ".join(text.replace(PLACEHOLDER, "{…}").split())
            self.findings.append(Finding(self.path, self.getpos()[0], shown))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if value and (name in READ_ATTRIBUTES or (name == "value" and _is_button_like(tag, attributes))):
                self._report(value)
        if tag not in {"br", "hr", "img", "input", "meta", "link", "source", "wbr", "col", "area"}:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not any(tag in SKIPPED_ELEMENTS for tag in self.open):
            self._report(data)


def _is_button_like(tag: str, attributes: dict[str, str | None]) -> bool:
    return tag == "input" and (attributes.get("type") or "") in {"submit", "button", "reset"}


def template_findings(source: str, path: str) -> list[Finding]:
    finder = _TextFinder(path)
    finder.feed(_flatten(source))
    finder.close()
    return finder.findings


SHOWN_CALLS = frozenset({"success", "error", "info", "warning", "debug", "add_message"})
SHOWN_KEYWORDS = frozenset({"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label"})
# Plotly: titles, trace names and hover text are read on the chart.
CHART_KEYWORDS = frozenset({"title", "xaxis_title", "yaxis_title", "name", "hovertemplate", "text"})
CHART_DICT_KEYS = frozenset({"title", "text", "hovertemplate"})
REFUSAL_SUFFIXES = ("Refused", "Invalid", "NotAllowed")
RESPONSE_CLASSES = frozenset(
    {"HttpResponse", "HttpResponseBadRequest", "HttpResponseForbidden", "HttpResponseNotFound"}
)


def _literal_text(node: ast.AST) -> str | None:
    """The text of a bare literal (a string, an f-string, or a literal formatted with %)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _literal_text(node.left)
    return None


def _call_name(node: ast.Call) -> tuple[str | None, str | None]:
    func = node.func
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        return owner, func.attr
    if isinstance(func, ast.Name):
        return None, func.id
    return None, None


def _is_chart_call(owner: str | None, name: str | None) -> bool:
    """plotly.graph_objects constructors (go.Bar(...)) and figure methods (fig.add_bar, update_layout…)."""
    return owner == "go" or (name or "").startswith(("add_", "update_"))


def _is_choices_class(node: ast.ClassDef) -> bool:
    names = {b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases}
    return bool(names & {"TextChoices", "IntegerChoices", "Choices"})


def python_findings(source: str, path: str) -> list[Finding]:
    findings: list[Finding] = []

    def report(node: ast.AST, text: str | None) -> None:
        if text is not None and has_words(text):
            findings.append(Finding(path, getattr(node, "lineno", 0), text))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and _is_choices_class(node):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                    elements = statement.value.elts
                    if len(elements) >= 2:
                        report(statement, _literal_text(elements[-1]))
        if not isinstance(node, ast.Call):
            continue
        owner, name = _call_name(node)
        if owner == "messages" and name in SHOWN_CALLS:
            text_argument = node.args[2] if name == "add_message" and len(node.args) > 2 else None
            if name != "add_message" and len(node.args) > 1:
                text_argument = node.args[1]
            if text_argument is not None:
                report(node, _literal_text(text_argument))
        # The project's refusals (CaseActionRefused, TriageRefused, SubmissionInvalid, …) are shown to
        # the person whose action was refused.
        if name is not None and name.endswith(REFUSAL_SUFFIXES) and node.args:
            report(node, _literal_text(node.args[0]))
        if name == "ValidationError" and node.args:
            report(node, _literal_text(node.args[0]))
        if name in RESPONSE_CLASSES and node.args:
            report(node, _literal_text(node.args[0]))
        for keyword in node.keywords:
            if keyword.arg in SHOWN_KEYWORDS:
                report(keyword.value, _literal_text(keyword.value))
            if keyword.arg in CHART_KEYWORDS and _is_chart_call(owner, name):
                report(keyword.value, _literal_text(keyword.value))
        if _is_chart_call(owner, name):
            for argument in [*node.args, *(k.value for k in node.keywords)]:
                for inner in ast.walk(argument):
                    if isinstance(inner, ast.Dict):
                        for key, value in zip(inner.keys, inner.values, strict=True):
                            if isinstance(key, ast.Constant) and key.value in CHART_DICT_KEYS:
                                report(value, _literal_text(value))
    return findings


# What people see: templates, and the Python of the apps (not tests, benchmarks, migrations, or the
# management commands, whose output is for operators at a terminal).
def template_files(root: Path = ROOT) -> Iterator[Path]:
    yield from sorted((root / "templates").rglob("*.html"))
    for app_templates in sorted(root.glob("*/templates")):
        yield from sorted(app_templates.rglob("*.html"))


def python_files(root: Path = ROOT) -> Iterator[Path]:
    skipped = {"tests", "bench", ".venv", "var", "locale", "static", "templates", "migrations", "management"}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if len(relative.parts) > 1 and not skipped & set(relative.parts[:-1]):
            yield path


def findings_in(paths: Iterable[Path], root: Path = ROOT) -> list[Finding]:
    found: list[Finding] = []
    for path in paths:
        name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        source = path.read_text(encoding="utf-8")
        found += template_findings(source, name) if path.suffix == ".html" else python_findings(source, name)
    return found

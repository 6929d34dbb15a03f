"""Every pattern that runs on untrusted text runs in linear time, within a small budget.

The patterns are introspected, not listed: every module of the project is imported, and every pattern
compiled through `untrusted.text` is in its registry. A module that brought back Python's `re`
(which backtracks, and holds the GIL while it does) fails `test_no_module_uses_backtracking_re`.
"""

from __future__ import annotations

import ast
import importlib
import multiprocessing
import pkgutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from untrusted import text as textmatch

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "access",
    "alerts",
    "audit",
    "cases",
    "detection",
    "fdsportal",
    "model_registry",
    "realtime",
    "smishing",
    "untrusted",
)
N = textmatch.MAX_TEXT_CHARS
# Per pattern and input, generous for a loaded 2-core machine; a backtracking pattern on these
# inputs takes seconds to hours.
BUDGET_SECONDS = 0.5


def _import_everything() -> None:
    importlib.import_module("fdsportal.urls")  # the URLconf first: it fixes the API's import order
    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if ".migrations." in info.name or info.name.endswith(".migrations"):
                continue
            importlib.import_module(info.name)


def _pump(unit: str, length: int = N) -> str:
    return (unit * (length // max(len(unit), 1) + 1))[:length]


def _pathological_inputs(pattern: textmatch.SafePattern) -> dict[str, str]:
    """Generic pumps plus pumps built from the pattern's own literals (its keywords and separators)."""
    inputs = {
        "spaces": " " * N,
        "ideographic spaces": "\u3000" * N,
        "digits": "1" * N,
        "digit space": _pump("1 "),
        "digit dash": _pump("1-"),
        "digit dot": _pump("1."),
        "letters": "a" * N,
        "label dots": _pump("a."),
        "hangul": "가" * N,
        "at letters": _pump("@a"),
        "scheme then labels": "http://" + _pump("a.", N - 7),
        "brackets": _pump("(["),
    }
    source = pattern.pattern
    literals = sorted({char for char in source if char.isalnum() or char in "-.:@/%()[] "})
    if literals:
        inputs["pattern alphabet"] = _pump("".join(literals))
    words = {word for word in _hangul_and_latin_words(source) if len(word) >= 2}
    # The longest keywords: enough to pump every prefix shape of an alternation.
    for word in sorted(words, key=lambda w: (-len(w), w))[:4]:
        inputs[f"{word} + spaces"] = (word + " " * (N - len(word) - 1) + "!")[:N]
        inputs[f"{word} repeated"] = _pump(word + " 1 ")
    return inputs


def _hangul_and_latin_words(source: str) -> list[str]:
    words, current = [], ""
    for char in source:
        if "\uac00" <= char <= "\ud7a3" or char.isascii() and char.isalpha():
            current += char
        else:
            if current:
                words.append(current)
            current = ""
    if current:
        words.append(current)
    return words


def _exercise(pattern: textmatch.SafePattern, text: str) -> None:
    for _ in pattern.finditer(text):
        pass
    pattern.search(text)
    pattern.fullmatch(text)


def test_every_pattern_is_linear_on_pathological_inputs_of_the_maximum_length() -> None:
    _import_everything()
    assert len(textmatch.REGISTRY) >= 60, "the smishing engine's patterns should all be registered"
    slow: list[str] = []
    for name, pattern in sorted(textmatch.REGISTRY.items()):
        for label, text in _pathological_inputs(pattern).items():
            assert len(text) == N
            started = time.perf_counter()
            _exercise(pattern, text)
            elapsed = time.perf_counter() - started
            if elapsed > BUDGET_SECONDS:
                slow.append(f"{name} on {label!r}: {elapsed:.2f} s")
    assert not slow, slow


def test_longer_text_is_refused_before_any_pattern_runs() -> None:
    _import_everything()
    pattern = textmatch.REGISTRY["indicators.account"]
    with pytest.raises(textmatch.TextTooLong):
        pattern.search("1" * (N + 1))


def _python_files() -> list[Path]:
    files = [path for package in PACKAGES for path in (ROOT / package).rglob("*.py")]
    return [path for path in files if "migrations" not in path.parts]


def test_no_module_uses_backtracking_re() -> None:
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(alias.name in {"re", "regex"} for alias in node.names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module in {"re", "regex"}:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"use untrusted.text.compile_pattern instead of re: {offenders}"


# --- The two attacks found in the field, run in a child process that is killed at the deadline:
# a backtracking engine holds the GIL, so no thread of this process could even notice the timeout.

ATTACK_DEADLINE_SECONDS = 5.0
MESSAGE_LIMIT = 2000  # FDS_SMISHING_MAX_CHARS' default: what any employee may paste


def _run(function_path: str, text: str) -> None:
    module_name, name = function_path.rsplit(".", 1)
    function: Callable[[str], object] = getattr(importlib.import_module(module_name), name)
    function(text)


def _finishes_in_time(function_path: str, text: str) -> bool:
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_run, args=(function_path, text))
    child.start()
    child.join(ATTACK_DEADLINE_SECONDS)
    if child.is_alive():
        child.kill()
        child.join()
        return False
    return child.exitcode == 0


@pytest.mark.parametrize(
    "function_path",
    ["smishing.engine.masking.mask_personal_data", "smishing.engine.indicators.extract_indicators"],
)
def test_attack_cubic_account_pattern_does_not_freeze_the_web_process(function_path: str) -> None:
    # A bank name, then a long run of spaces: three adjacent optional-space quantifiers in the
    # account pattern made this cubic (700 characters took 2.3 s; 2,000 about 50 s). Masking runs
    # in the web request, so this froze the whole web process.
    attack = ("국민" + " " * MESSAGE_LIMIT)[: MESSAGE_LIMIT - 1] + "x"
    assert _finishes_in_time(function_path, attack)


def test_attack_messenger_pattern_does_not_stall_the_worker() -> None:
    attack = ("카톡" + " " * MESSAGE_LIMIT)[:MESSAGE_LIMIT]
    assert _finishes_in_time("smishing.engine.indicators.extract_indicators", attack)
    assert _finishes_in_time("smishing.engine.rules.analyse", attack)

"""Detection rules in CEL: validation, compilation and evaluation.

Pure: no ORM. A rule's condition is a CEL expression over the declared fields below (the stored
features of a score plus facts about the transaction, its customer and merchant, and smishing
reports naming the beneficiary), and may call `in_list(name, value)`. CEL has no access to Python:
no builtins, attributes, imports or files, only the values handed to it. The CEL library does no
static type-check, so validation compiles, checks every name against the declarations, then
evaluates the condition on typed probe values: an operator applied to the wrong types fails there.
"""

from __future__ import annotations

import math
import string
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import cel

from alerts.features import FEATURE_NAMES
from untrusted.text import MAX_TEXT_CHARS, compile_pattern, fold_digits

DOUBLE, INT, STRING = "double", "int", "string"

FIELDS: dict[str, str] = {
    **dict.fromkeys(FEATURE_NAMES, DOUBLE),
    "tx_channel": STRING,
    "tx_country": STRING,
    "beneficiary_account": STRING,
    "beneficiary_phone": STRING,
    "customer_id": STRING,
    "customer_segment": STRING,
    "merchant_id": STRING,
    "merchant_category": STRING,
    "merchant_country": STRING,
    # Reports naming the beneficiary account or phone that no analyst or model called normal or ad.
    "smishing_reports": INT,
    # Distinct employees who sent those reports.
    "smishing_reporters": INT,
    # Of those reports, how many an analyst confirmed as smishing.
    "smishing_confirmed": INT,
}
FIELD_DESCRIPTIONS: dict[str, str] = {
    "tx_channel": "card_present, online, mobile, atm or transfer",
    "smishing_reports": "unreviewed or confirmed smishing reports naming the beneficiary",
    "smishing_reporters": "distinct employees who reported the beneficiary",
    "smishing_confirmed": "reports an analyst confirmed as smishing",
}
SMISHING_FIELDS = frozenset({"smishing_reports", "smishing_reporters", "smishing_confirmed"})
LIST_FUNCTION = "in_list"
# CEL's standard functions a rule may call; operators (`_&&_`, `!_`, `@in`, …) are always allowed.
STANDARD_FUNCTIONS = frozenset(
    {"size", "contains", "startsWith", "endsWith", "int", "double", "string", "has", "exists", "all"}
)
# CEL's operator overloads, as `Program.functions()` names them.
OPERATORS = frozenset(
    {
        "_+_",
        "_-_",
        "_*_",
        "_/_",
        "_%_",
        "_==_",
        "_!=_",
        "_<_",
        "_<=_",
        "_>_",
        "_>=_",
        "_&&_",
        "_||_",
        "_?_:_",
        "_[_]",
        "!_",
        "-_",
        "@in",
        "@not_strictly_false",
    }
)
_POSITION = compile_pattern("engine.position", r"<input>:(\d+):(\d+):")
# `re.match` with "$" accepted a trailing newline too; kept as it was.
_FORMAT_SPEC = compile_pattern("engine.format_spec", r",?(?:\.\d)?[fd%]?\n?")
_FORMAT_SPEC_MAX = 6
MAX_CONDITION = 2000


class Effect:
    ADD = "add"  # add `value` to the model's probability
    FLOOR = "floor"  # the final score is at least `value`: strong evidence alerts on its own
    SUPPRESS = "suppress"  # never alert on this transaction (the score is still stored)


@dataclass(frozen=True)
class RuleError:
    field: str
    message: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.field} {self.line}:{self.column}: {self.message}"


class RuleInvalid(ValueError):
    def __init__(self, errors: Sequence[RuleError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = list(errors)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _position_of(name: str, source: str) -> tuple[int, int]:
    """Line and column of the first `name` not preceded by a word character, a dot or a quote and
    ending at a word boundary; (1, 1) when there is none."""
    start = source.find(name)
    while start >= 0:
        end = start + len(name)
        before_ok = start == 0 or not (_is_word(source[start - 1]) or source[start - 1] in ".'\"")
        word_before_end = end > 0 and _is_word(source[end - 1])
        word_at_end = end < len(source) and _is_word(source[end])
        if before_ok and word_before_end != word_at_end:
            break
        start = source.find(name, start + 1)
    if start < 0:
        return 1, 1
    before = source[:start]
    return before.count("\n") + 1, start - (before.rfind("\n") + 1) + 1


def _probe_values(variant: int) -> dict[str, Any]:
    typed = {DOUBLE: (0.0, 1.0, 5_000_000.0), INT: (0, 1, 10), STRING: ("", "x", "KR")}
    return {name: typed[kind][variant] for name, kind in FIELDS.items()}


def condition_validate(condition: str, *, lists: Mapping[str, str]) -> list[RuleError]:
    """Every problem of a condition, each with its position; empty when it is fit to save.

    `lists` maps list names to their kind; `in_list` must name one of them.
    """
    if not condition.strip():
        return [RuleError("condition", "the condition is empty")]
    if len(condition) > MAX_CONDITION:
        return [RuleError("condition", f"at most {MAX_CONDITION} characters")]
    try:
        program = cel.compile(condition)
    except ValueError as exc:
        text = str(exc)
        match = _POSITION.search(fold_digits(text[:MAX_TEXT_CHARS]))
        line, column = (int(match.group(1) or 1), int(match.group(2) or 1)) if match else (1, 1)
        detail = text.split("Syntax error:", 1)[-1].split("\n", 1)[0].strip()
        return [RuleError("condition", f"syntax error: {detail}", line, column)]
    errors = []
    for name in program.variables():
        if name not in FIELDS:
            errors.append(RuleError("condition", f"unknown field '{name}'", *_position_of(name, condition)))
    for name in program.functions():
        if name not in OPERATORS and name not in STANDARD_FUNCTIONS and name != LIST_FUNCTION:
            errors.append(
                RuleError("condition", f"unknown function '{name}'", *_position_of(name, condition))
            )
    if errors:
        return errors

    def probe_list(variant: int) -> Callable[..., bool]:
        def in_list(name: Any, value: Any) -> bool:
            if not isinstance(name, str) or name not in lists:
                raise LookupError(f"in_list names no list '{name}' (known: {', '.join(sorted(lists))})")
            if not isinstance(value, str):
                raise TypeError("in_list takes a list name and a string value")
            return variant == 1

        return in_list

    for variant in range(3):
        try:
            result = program.execute(
                cel.Context(_probe_values(variant), {LIST_FUNCTION: probe_list(variant)})
            )
        except ZeroDivisionError:
            continue  # a probe value of zero is not the rule's fault
        except LookupError as exc:
            return [RuleError("condition", str(exc), *_position_of(LIST_FUNCTION, condition))]
        except (TypeError, RuntimeError, ValueError) as exc:
            text = str(exc)
            if "LookupError: " in text:  # our in_list, raised through the CEL runtime
                detail = text.split("LookupError: ", 1)[1]
                return [RuleError("condition", detail, *_position_of(LIST_FUNCTION, condition))]
            return [RuleError("condition", f"type error: {text.split('. ', 1)[0]}")]
        if not isinstance(result, bool):
            return [
                RuleError("condition", f"the condition must be true or false, not {type(result).__name__}")
            ]
    return []


def reason_validate(text: str, *, field_name: str) -> list[RuleError]:
    """Placeholders are `{field}` or `{field:spec}` of declared fields; nothing else is formatted."""
    errors = []
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        return [RuleError(field_name, f"bad placeholder: {exc}")]
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in FIELDS or conversion is not None:
            errors.append(
                RuleError(field_name, f"unknown placeholder '{{{name}}}'", *_position_of(name, text))
            )
        elif spec and not (len(spec) <= _FORMAT_SPEC_MAX and _FORMAT_SPEC.fullmatch(fold_digits(spec))):
            errors.append(RuleError(field_name, f"unsupported format '{spec}' for '{name}'"))
    return errors


def reason_render(text: str, values: Mapping[str, Any]) -> str:
    """Fill placeholders with the transaction's values; a missing value shows as '—'."""
    out = []
    for literal, name, spec, _conversion in string.Formatter().parse(text):
        out.append(literal)
        if name is None:
            continue
        value = values.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append("—")
            continue
        try:
            out.append(format(value, spec or ""))
        except (ValueError, TypeError):
            out.append(str(value))
    return "".join(out)


# --- Compiled rule sets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    code: str
    condition: str
    effect: str
    value: float
    reason_ko: str
    reason_en: str


@dataclass(frozen=True)
class RuleHit:
    code: str
    effect: str
    value: float
    text_ko: str
    text_en: str


@dataclass
class CompiledRuleSet:
    version: int | None
    rules: list[tuple[RuleSpec, Any]]
    variables: frozenset[str] = field(default_factory=frozenset)
    # Column-wise evaluators by rule code (None: outside the subset, evaluated by CEL row by row),
    # built with the compiled programs and cached with them.
    vectors: dict[str, Any] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        return [spec.code for spec, _ in self.rules]

    @property
    def specs(self) -> list[RuleSpec]:
        return [spec for spec, _ in self.rules]

    def evaluate(
        self,
        values: Mapping[str, Any],
        *,
        in_list: Callable[[str, str], bool],
        snoozed: frozenset[str] | set[str] = frozenset(),
        context: Any = None,
    ) -> list[RuleHit]:
        """The rules that fire on one transaction. A rule that reads a missing value (null) or fails
        at run time does not fire. Pass `context` to reuse one built for several rule sets."""
        if not self.rules:
            return []
        if context is None:
            context = self.context(values, in_list=in_list)
        hits = []
        for spec, program in self.rules:
            if spec.code in snoozed:
                continue
            try:
                fired = program.execute(context)
            except (TypeError, RuntimeError, ValueError, ZeroDivisionError, LookupError):
                continue
            if fired is True:
                hits.append(
                    RuleHit(
                        spec.code,
                        spec.effect,
                        spec.value,
                        reason_render(spec.reason_ko, values),
                        reason_render(spec.reason_en, values),
                    )
                )
        return hits

    def context(self, values: Mapping[str, Any], *, in_list: Callable[[str, str], bool]) -> Any:
        return context_build(values, self.variables, in_list=in_list)


def context_build(
    values: Mapping[str, Any], names: frozenset[str], *, in_list: Callable[[str, str], bool]
) -> Any:
    """A CEL context holding only the fields the rules read: converting values costs more than rules."""
    return cel.Context({name: values.get(name) for name in names}, {LIST_FUNCTION: in_list})


def score_combine(model_probability: float, hits: Sequence[RuleHit]) -> tuple[float, bool]:
    """(final score, suppressed): the probability plus added weights, raised to any floor, capped at
    1; suppressed when a suppress rule fired."""
    boosted = model_probability + sum(h.value for h in hits if h.effect == Effect.ADD)
    floors = [h.value for h in hits if h.effect == Effect.FLOOR]
    final = min(1.0, max([boosted, *floors]))
    return final, any(h.effect == Effect.SUPPRESS for h in hits)


_compiled_lock = threading.Lock()
_compiled: dict[tuple[Any, ...], CompiledRuleSet] = {}


def ruleset_compile(
    load: Callable[[], Sequence[RuleSpec]], *, version: int | None, cache_key: tuple[Any, ...] | None
) -> CompiledRuleSet:
    """Compile the rules `load` returns, once per `cache_key`: a published version never changes, so
    its key is its identity, and `load` (a query) runs only on a miss. No key: compiled every time."""
    if cache_key is not None:
        with _compiled_lock:
            hit = _compiled.get(cache_key)
        if hit is not None:
            return hit
    specs = load()
    rules = [(spec, cel.compile(spec.condition)) for spec in specs]
    names: set[str] = set()
    for _spec, program in rules:
        names.update(n for n in program.variables() if n in FIELDS)
    for spec in specs:
        for text in (spec.reason_ko, spec.reason_en):
            names.update(n for _l, n, _s, _c in string.Formatter().parse(text) if n in FIELDS)
    from detection.vectorised import vector_compile  # it builds on this module's declarations

    compiled = CompiledRuleSet(
        version=version,
        rules=rules,
        variables=frozenset(names),
        vectors={spec.code: vector_compile(spec.condition) for spec in specs},
    )
    if cache_key is not None:
        with _compiled_lock:
            if len(_compiled) > 64:
                _compiled.clear()
            _compiled[cache_key] = compiled
    return compiled

"""Column-wise evaluation of rule conditions with numpy, for scoring batches, shadow runs and backtests.

A condition in the common subset of CEL (fields, number and string literals, null, true/false,
comparisons, `&&`, `||`, `!`, `+ - *`, parentheses and `in_list`) is parsed here once and then
evaluated over whole columns at a time. Everything else (ternaries, division, macros, string
functions…) returns None from `vector_compile`, and the caller evaluates that rule row by row with
CEL itself. The semantics follow CEL, including its treatment of errors: comparing a null orders
nothing and is an error; `false && error` is false and `true || error` is true; a rule whose
condition ends in an error does not fire — as in scoring. tests/detection checks both paths agree.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detection.engine import FIELDS, LIST_FUNCTION, STRING, Effect, RuleSpec
from untrusted.text import MAX_TEXT_CHARS, compile_pattern, fold_digits

# One token, after the whitespace before it (skipped with str.isspace, as Python's \s). A number must
# not run into a word character or a dot; a name continues with word characters: both are checked
# with str methods (Python's \w), as RE2 has no look-ahead and its Unicode tables differ slightly.
_TOKEN = compile_pattern(
    "vectorised.token",
    r"(?P<num>\d+\.\d*(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)"
    r"|(?P<str>'[^'\\\n]*'|\"[^\"\\\n]*\")"
    r"|(?P<name>[A-Za-z_])"
    r"|(?P<op>&&|\|\||==|!=|<=|>=|[<>!+\-*(),])",
)
_KINDS = ("num", "str", "name", "op")
NUM, STR, BOOL, NULL = "num", "str", "bool", "null"


class Unsupported(Exception):
    pass


@dataclass
class Value:
    kind: str
    data: Any  # float array (NaN for null) / object array / bool array / scalar
    null: Any = False  # numbers: which rows are null
    err: Any = False  # rows where evaluation is an error


Columns = Mapping[str, Any]
# in_list(list name, field name, columns) -> which rows' field value is on the list.
InList = Callable[[str, str, Columns], Any]
Node = Callable[[Columns, InList, int], Value]


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _tokens(source: str) -> list[tuple[str, str]]:
    source = source.rstrip()
    if len(source) > MAX_TEXT_CHARS:
        raise Unsupported("condition too long to vectorise")
    folded = fold_digits(source)  # \d is ASCII in RE2; one character for one, so offsets hold
    out, pos, n = [], 0, len(source)
    while pos < n:
        start = pos
        while pos < n and source[pos].isspace():
            pos += 1
        match = _TOKEN.search(folded, pos) if pos < n else None
        if match is None or match.start() != pos:
            raise Unsupported(source[start:])
        kind = next(k for k in _KINDS if match.group(k) is not None)
        end = match.end()
        if kind == "num" and end < n and (_is_word(source[end]) or source[end] == "."):
            raise Unsupported(source[start:])
        if kind == "name":
            while end < n and _is_word(source[end]):
                end += 1
        out.append((kind, source[pos:end]))
        pos = end
    return out


class _Parser:
    """Precedence climbing over CEL's levels: || < && < relations < + - < * < unary."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, text: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (text is not None and token[1] != text):
            raise Unsupported(f"expected {text}")
        self.i += 1
        return token

    def parse(self) -> tuple[str, Node]:
        kind, node = self.disjunction()
        if self.peek() is not None:
            raise Unsupported("trailing input")
        return kind, node

    def disjunction(self) -> tuple[str, Node]:
        kind, left = self.conjunction()
        while self.peek() == ("op", "||"):
            self.take()
            right_kind, right = self.conjunction()
            if kind != BOOL or right_kind != BOOL:
                raise Unsupported("|| needs booleans")
            left = _or(left, right)
        return kind, left

    def conjunction(self) -> tuple[str, Node]:
        kind, left = self.relation()
        while self.peek() == ("op", "&&"):
            self.take()
            right_kind, right = self.relation()
            if kind != BOOL or right_kind != BOOL:
                raise Unsupported("&& needs booleans")
            left = _and(left, right)
        return kind, left

    def relation(self) -> tuple[str, Node]:
        kind, left = self.additive()
        token = self.peek()
        if token is not None and token[1] in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            right_kind, right = self.additive()
            if self.peek() is not None and self.peek()[1] in ("==", "!=", "<", "<=", ">", ">="):  # type: ignore[index]
                raise Unsupported("chained comparison")
            return BOOL, _compare(token[1], kind, left, right_kind, right)
        return kind, left

    def additive(self) -> tuple[str, Node]:
        kind, left = self.multiplicative()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            right_kind, right = self.multiplicative()
            if kind != NUM or right_kind != NUM:
                raise Unsupported("arithmetic on numbers only")
            left = _arith(op, left, right)
        return kind, left

    def multiplicative(self) -> tuple[str, Node]:
        kind, left = self.unary()
        while self.peek() == ("op", "*"):
            self.take()
            right_kind, right = self.unary()
            if kind != NUM or right_kind != NUM:
                raise Unsupported("arithmetic on numbers only")
            left = _arith("*", left, right)
        return kind, left

    def unary(self) -> tuple[str, Node]:
        token = self.peek()
        if token == ("op", "!"):
            self.take()
            kind, inner = self.unary()
            if kind != BOOL:
                raise Unsupported("! needs a boolean")
            return BOOL, _not(inner)
        if token == ("op", "-"):
            self.take()
            kind, inner = self.unary()
            if kind != NUM:
                raise Unsupported("- needs a number")
            return NUM, _negate(inner)
        return self.primary()

    def primary(self) -> tuple[str, Node]:
        kind, text = self.take()
        if kind == "num":
            value = float(text)
            return NUM, lambda cols, in_list, n: Value(NUM, value)
        if kind == "str":
            literal = text[1:-1]
            return STR, lambda cols, in_list, n: Value(STR, literal)
        if kind == "op" and text == "(":
            inner = self.disjunction()
            self.take(")")
            return inner
        if kind != "name":
            raise Unsupported(text)
        if text in ("true", "false"):
            flag = text == "true"
            return BOOL, lambda cols, in_list, n: Value(BOOL, flag)
        if text == "null":
            return NULL, lambda cols, in_list, n: Value(NULL, None)
        if text == LIST_FUNCTION and self.peek() == ("op", "("):
            self.take("(")
            name_kind, name_text = self.take()
            self.take(",")
            field_kind, field = self.take()
            self.take(")")
            if name_kind != "str" or field_kind != "name" or FIELDS.get(field) != STRING:
                raise Unsupported("in_list('name', string_field) only")
            list_name = name_text[1:-1]
            # The caller decides membership from the field's column (or from membership it prepared
            # for that field, as of each row's time, as the backtest does).
            return BOOL, lambda cols, in_list, n: Value(BOOL, in_list(list_name, field, cols))
        if text not in FIELDS or (self.peek() is not None and self.peek()[1] in ("(", ".")):  # type: ignore[index]
            raise Unsupported(text)
        if FIELDS[text] == STRING:
            return STR, lambda cols, in_list, n: Value(STR, cols[text])

        def field_value(cols: Columns, in_list: Any, n: int, name: str = text) -> Value:
            column = cols[name]
            return Value(NUM, column, null=np.isnan(column))

        return NUM, field_value


def _errors(*values: Value) -> Any:
    out: Any = False
    for v in values:
        out = out | v.err
    return out


def _and(left: Node, right: Node) -> Node:
    def run(cols: Columns, in_list: Any, n: int) -> Value:
        a, b = left(cols, in_list, n), right(cols, in_list, n)
        false = (~np.asarray(a.data) & ~np.asarray(a.err)) | (~np.asarray(b.data) & ~np.asarray(b.err))
        err = ~false & (np.asarray(a.err) | np.asarray(b.err))
        return Value(BOOL, ~false & ~err, err=err)

    return run


def _or(left: Node, right: Node) -> Node:
    def run(cols: Columns, in_list: Any, n: int) -> Value:
        a, b = left(cols, in_list, n), right(cols, in_list, n)
        true = (np.asarray(a.data) & ~np.asarray(a.err)) | (np.asarray(b.data) & ~np.asarray(b.err))
        err = ~true & (np.asarray(a.err) | np.asarray(b.err))
        return Value(BOOL, true, err=err)

    return run


def _not(inner: Node) -> Node:
    def run(cols: Columns, in_list: Any, n: int) -> Value:
        a = inner(cols, in_list, n)
        return Value(BOOL, ~np.asarray(a.data), err=a.err)

    return run


def _negate(inner: Node) -> Node:
    def run(cols: Columns, in_list: Any, n: int) -> Value:
        a = inner(cols, in_list, n)
        return Value(NUM, -np.asarray(a.data, dtype=np.float64), null=a.null, err=a.err)

    return run


def _arith(op: str, left: Node, right: Node) -> Node:
    def run(cols: Columns, in_list: Any, n: int) -> Value:
        a, b = left(cols, in_list, n), right(cols, in_list, n)
        x, y = np.asarray(a.data, dtype=np.float64), np.asarray(b.data, dtype=np.float64)
        data = x + y if op == "+" else (x - y if op == "-" else x * y)
        return Value(NUM, data, err=_errors(a, b) | a.null | b.null)

    return run


_ORDER = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


def _compare(op: str, left_kind: str, left: Node, right_kind: str, right: Node) -> Node:
    kinds = {left_kind, right_kind}
    if op in ("==", "!="):
        if kinds - {NUM, STR, NULL} or kinds == {NULL}:
            raise Unsupported("== on these types")

        def equal(cols: Columns, in_list: Any, n: int) -> Value:
            a, b = left(cols, in_list, n), right(cols, in_list, n)
            if a.kind == NULL or b.kind == NULL:
                other = b if a.kind == NULL else a
                same = np.asarray(other.null) if other.kind == NUM else np.zeros(n, dtype=bool)
            elif a.kind != b.kind:
                same = np.zeros(n, dtype=bool)
            elif a.kind == STR:
                same = np.asarray(np.equal(a.data, b.data), dtype=bool)
            else:
                both_null = np.asarray(a.null) & np.asarray(b.null)
                same = both_null | ((a.data == b.data) & ~np.asarray(a.null) & ~np.asarray(b.null))
            same = np.broadcast_to(same, (n,))
            return Value(BOOL, same if op == "==" else ~same, err=_errors(a, b))

        return equal
    if kinds not in ({NUM}, {STR}):
        raise Unsupported("ordering of these types")
    compare = _ORDER[op]

    def order(cols: Columns, in_list: Any, n: int) -> Value:
        a, b = left(cols, in_list, n), right(cols, in_list, n)
        if a.kind == NUM:
            with np.errstate(invalid="ignore"):
                data = compare(np.asarray(a.data, dtype=np.float64), np.asarray(b.data, dtype=np.float64))
            err = _errors(a, b) | a.null | b.null
        else:
            data = np.asarray(compare(a.data, b.data), dtype=bool)
            err = _errors(a, b)
        return Value(BOOL, data, err=err)

    return order


@dataclass(frozen=True)
class VectorRule:
    node: Node

    def fired(self, columns: Columns, *, in_list: InList, rows: int) -> np.ndarray:
        """Which rows the rule fires on (an error is no hit, as in scoring)."""
        value = self.node(columns, in_list, rows)
        data = np.broadcast_to(np.asarray(value.data, dtype=bool), (rows,))
        err = np.broadcast_to(np.asarray(value.err, dtype=bool), (rows,))
        return data & ~err


def vector_compile(condition: str) -> VectorRule | None:
    """The condition as a column-wise evaluator, or None when it is outside the supported subset."""
    try:
        kind, node = _Parser(_tokens(condition)).parse()
    except (Unsupported, IndexError):
        return None
    return VectorRule(node) if kind == BOOL else None


def outcome_columns(
    specs: Sequence[RuleSpec], fired: Mapping[str, np.ndarray], probability: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """(final scores, alerted) for every row at once, combining rules as `engine.score_combine` does
    one transaction: added weights, raised to any floor, capped at 1; a suppress rule means no alert."""
    boosted = np.array(probability, dtype=np.float64, copy=True)
    floor = np.zeros_like(boosted)
    suppressed = np.zeros(len(boosted), dtype=bool)
    for spec in specs:
        hit = fired[spec.code]
        if spec.effect == Effect.ADD:
            boosted += np.where(hit, spec.value, 0.0)
        elif spec.effect == Effect.FLOOR:
            floor = np.maximum(floor, np.where(hit, spec.value, 0.0))
        else:
            suppressed |= hit
    final = np.minimum(1.0, np.maximum(boosted, floor))
    return final, (final >= threshold) & ~suppressed


def rule_list_uses(rule_sets: Sequence[Any]) -> tuple[set[tuple[str, str]], bool]:
    """What compiled rule sets read from lists: the (list name, field) pairs their column-wise rules
    test, and whether a rule CEL evaluates row by row calls `in_list` (its arguments cannot be read
    off the text, so any list may be asked about any field). Shared by scoring and the backtest."""
    uses: set[tuple[str, str]] = set()
    unread = False
    for rules in rule_sets:
        for spec, _program in rules.rules:
            if rules.vectors.get(spec.code) is not None:
                uses |= list_uses(spec.condition)
            elif LIST_FUNCTION in spec.condition:
                unread = True
    return uses, unread


@functools.lru_cache(maxsize=1024)
def list_uses(condition: str) -> frozenset[tuple[str, str]]:
    """The (list name, field) pairs a condition of the column-wise subset tests with `in_list`."""
    try:
        tokens = _tokens(condition)
    except Unsupported:
        return frozenset()
    out = set()
    for i, token in enumerate(tokens[:-5]):
        window = tokens[i : i + 6]
        if (
            token == ("name", LIST_FUNCTION)
            and window[1] == ("op", "(")
            and window[2][0] == "str"
            and window[3] == ("op", ",")
            and window[4][0] == "name"
            and window[5] == ("op", ")")
        ):
            out.add((window[2][1][1:-1], window[4][1]))
    return frozenset(out)

"""Safe arithmetic for game payoffs: numbers, parameter names, + - * / **, unary signs, brackets.

Game files are data a researcher may have downloaded, so a payoff such as ``"R_f - C_f + S"``
is parsed with :mod:`ast` and evaluated by walking a whitelist of node types. Nothing is ever
passed to ``eval``: names are looked up in the game's ``parameters`` only, and any other
construct (calls, attributes, subscripts, comparisons, other operators) is refused with a message
saying what is allowed.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping

from iei_sim.validation import suggestion

MAX_LENGTH = 500  # characters: a payoff is a short formula, not a program
MAX_EXPONENT = 64.0  # keeps ``**`` from producing astronomically large numbers

_BINARY: dict[type[ast.operator], tuple[str, Callable[[float, float], float]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.Pow: ("**", operator.pow),
}
_UNARY: dict[type[ast.unaryop], Callable[[float], float]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
_OPERATOR_TEXT = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Invert: "~",
    ast.Not: "not",
}
_CONSTRUCT_TEXT = {
    ast.Call: "a function call",
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing",
    ast.Compare: "a comparison",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.Lambda: "a lambda",
    ast.JoinedStr: "an f-string",
    ast.List: "a list",
    ast.Tuple: "a tuple (a comma)",
    ast.Dict: "a mapping",
    ast.Set: "a set",
    ast.NamedExpr: "an assignment (:=)",
    ast.Starred: "a starred expression",
}


class ExpressionError(ValueError):
    """A payoff expression that is not allowed or cannot be evaluated; the text says why."""


def allowed_text(parameters: Mapping[str, float]) -> str:
    """What a payoff may contain, for error messages."""
    names = ", ".join(parameters) if parameters else "none defined"
    return (
        "a number, or an arithmetic expression of numbers and parameter names "
        f"({names}) with + - * / ** , unary minus and parentheses"
    )


def evaluate(text: str, parameters: Mapping[str, float]) -> float:
    """Value of the arithmetic expression ``text`` with the given parameter values."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise ExpressionError("empty expression")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"not an arithmetic expression ({exc.msg}{where})") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression nested too deeply") from None
    try:
        value = _value(tree.body, parameters)
    except RecursionError:
        raise ExpressionError("expression nested too deeply") from None
    if not math.isfinite(value):
        raise ExpressionError(f"evaluates to {value}, not a finite number")
    return value


def names_in(text: str) -> set[str]:
    """Parameter names an expression uses (empty for text that does not parse)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, RecursionError, MemoryError):
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _value(node: ast.AST, parameters: Mapping[str, float]) -> float:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ExpressionError(f"the constant {value!r} is not allowed (only numbers)")
        # Floats throughout: integer ``**`` could otherwise build huge exact integers.
        try:
            return float(value)
        except OverflowError:
            raise ExpressionError(
                f"the number {str(value)[:12]}… ({len(str(value))} digits) is too large"
            ) from None
    if isinstance(node, ast.Name):
        if node.id in parameters:
            return float(parameters[node.id])
        raise ExpressionError(f"unknown name {node.id!r}{suggestion(node.id, parameters)}")
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            symbol = _OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)
            raise ExpressionError(f"operator {symbol} is not allowed")
        return _UNARY[type(node.op)](_value(node.operand, parameters))
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            symbol = _OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)
            raise ExpressionError(f"operator {symbol} is not allowed")
        symbol, apply = _BINARY[type(node.op)]
        left = _value(node.left, parameters)
        right = _value(node.right, parameters)
        if symbol == "/" and right == 0.0:
            raise ExpressionError("division by zero")
        if symbol == "**":
            return _power(left, right)
        return apply(left, right)
    construct = _CONSTRUCT_TEXT.get(type(node), type(node).__name__)
    raise ExpressionError(f"{construct} is not allowed")


def _power(base: float, exponent: float) -> float:
    if abs(exponent) > MAX_EXPONENT:
        raise ExpressionError(f"exponent {exponent:g} too large (at most {MAX_EXPONENT:g} in size)")
    if base == 0.0 and exponent < 0:
        raise ExpressionError("division by zero (zero to a negative power)")
    if base < 0 and not float(exponent).is_integer():
        raise ExpressionError("a negative number to a fractional power is not a real number")
    try:
        return float(base**exponent)
    except OverflowError:
        raise ExpressionError("result too large") from None

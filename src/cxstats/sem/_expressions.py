"""Safe evaluation of the arithmetic in ``:=`` and ``==`` statements.

Expressions use parameter labels (lavaan allows dots in them, e.g. ``a.1``), numbers,
``+ - * / ^ **`` and the functions ``exp``, ``log``, ``sqrt``, ``abs``. They are evaluated with complex numbers allowed, so that
the delta method can take exact derivatives by the complex step.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping

import numpy as np

__all__ = ["compile_expression", "ExpressionError"]

_FUNCTIONS: dict[str, Callable] = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs}
_DOTTED = re.compile(r"(?<![0-9A-Za-z_.])[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_.]*)+")
_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide, ast.Pow: np.power}


class ExpressionError(ValueError):
    """An expression uses something other than labels, numbers and arithmetic."""


def compile_expression(text: str) -> tuple[Callable[[Mapping[str, complex]], complex], tuple[str, ...]]:
    """Compile ``text``; return (evaluate(values), the names it uses)."""
    dotted: dict[str, str] = {}  # Python reads "a.1" as an attribute: such labels get stand-in names

    def stand_in(match: re.Match) -> str:
        return dotted.setdefault(match.group(0), f"_label{len(dotted)}_")

    source = _DOTTED.sub(stand_in, text)
    original = {v: k for k, v in dotted.items()}
    try:
        tree = ast.parse(source.replace("^", "**"), mode="eval")
    except SyntaxError:
        raise ExpressionError(f"'{text}' is not an arithmetic expression.") from None
    names: list[str] = []

    def check(node: ast.AST) -> None:
        if isinstance(node, ast.Expression):
            check(node.body)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            check(node.left)
            check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            check(node.operand)
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            pass
        elif isinstance(node, ast.Name):
            name = original.get(node.id, node.id)
            if name not in names:
                names.append(name)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in _FUNCTIONS and len(node.args) == 1 and not node.keywords):
            check(node.args[0])
        else:
            raise ExpressionError(
                f"'{text}' uses '{ast.unparse(node)}'; only labels, numbers, + - * / ^ and "
                f"{', '.join(_FUNCTIONS)} are allowed."
            )

    check(tree)

    def evaluate(values: Mapping[str, complex]) -> complex:
        def walk(node: ast.AST):
            if isinstance(node, ast.Expression):
                return walk(node.body)
            if isinstance(node, ast.BinOp):
                return _BINARY[type(node.op)](walk(node.left), walk(node.right))
            if isinstance(node, ast.UnaryOp):
                value = walk(node.operand)
                return -value if isinstance(node.op, ast.USub) else value
            if isinstance(node, ast.Constant):
                return node.value
            if isinstance(node, ast.Name):
                return values[original.get(node.id, node.id)]
            return _FUNCTIONS[node.func.id](walk(node.args[0]))  # type: ignore[attr-defined]

        return walk(tree)

    return evaluate, tuple(names)

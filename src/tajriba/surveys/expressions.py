"""SurveyJS's visibleIf expressions both ways: a question's condition written as an expression
("{nps} <= 6 and {reason} anyof ['price']"), and an expression read back into a condition, every error
naming the position; the question keys they refer to."""

from __future__ import annotations

import re
from typing import Any

from tajriba.errors import Invalid
from tajriba.surveys.definition import Condition

# -- export ------------------------------------------------------------------------------------------


def expression(c: Condition) -> str:
    """A condition as a SurveyJS expression."""
    if c.all is not None or c.any is not None:
        parts = c.all if c.all is not None else c.any
        joiner = " and " if c.all is not None else " or "
        return joiner.join(f"({expression(p)})" if (p.all or p.any) else expression(p) for p in parts or [])
    ref = "{" + str(c.question) + "}"
    if c.op == "answered":
        return f"{ref} notempty"
    if c.op == "not_answered":
        return f"{ref} empty"
    if c.op in ("in", "not_in"):
        word = "anyof" if c.op == "in" else "noneof"
        return f"{ref} {word} [{', '.join(_literal(v) for v in c.value)}]"
    return f"{ref} {c.op} {_literal(c.value)}"


def _literal(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"


def question_key(name: Any, path: str) -> str:
    raw = str(name or "").strip()
    if not raw:
        raise Invalid(f"{path}: the element has no name.")
    key = re.sub(r"[^a-z0-9_]+", "_", raw.lower()).strip("_")
    if not key or not key[0].isalpha():
        key = f"q_{key}" if key else "q"
    return key[:40]


_TOKEN = re.compile(
    r"\s*(?:(?P<ref>\{[^}]+\})|(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\")"
    r"|(?P<op><=|>=|!=|<>|==|=|<|>)|(?P<punct>[()\[\],])|(?P<word>[A-Za-z_]+))"
)


def parse_expression(text: str) -> dict[str, Any]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read the expression at {text[pos : pos + 15]!r}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    parser = _Parser(tokens)
    tree = parser.disjunction()
    if parser.i != len(tokens):
        raise ValueError(f"unexpected {tokens[parser.i][1]!r}")
    Condition.model_validate(tree)
    return tree


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise ValueError("the expression ends too early")
        self.i += 1
        return tok

    def _word(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "word" and tok[1].lower() in words

    def disjunction(self) -> dict[str, Any]:
        parts = [self.conjunction()]
        while self._word("or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else {"any": parts}

    def conjunction(self) -> dict[str, Any]:
        parts = [self.atom()]
        while self._word("and"):
            self.take()
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else {"all": parts}

    def atom(self) -> dict[str, Any]:
        kind, value = self.take()
        if kind == "punct" and value == "(":
            inner = self.disjunction()
            if self.take() != ("punct", ")"):
                raise ValueError("a '(' is not closed")
            return inner
        if kind != "ref":
            raise ValueError(f"expected {{question}}, got {value!r}")
        name = question_key(value[1:-1], "visibleIf")
        kind2, op = self.take()
        if kind2 == "word":
            word = op.lower()
            if word == "notempty":
                return {"question": name, "op": "answered"}
            if word == "empty":
                return {"question": name, "op": "not_answered"}
            if word in ("anyof", "noneof", "contains", "notcontains"):
                values = self.literal_list() if word in ("anyof", "noneof") else [self.literal()]
                return {
                    "question": name,
                    "op": "in" if word in ("anyof", "contains") else "not_in",
                    "value": values,
                }
            raise ValueError(f"the operator {op!r} is not supported")
        if kind2 != "op":
            raise ValueError(f"expected an operator after {value}, got {op!r}")
        op = {"==": "=", "<>": "!="}.get(op, op)
        return {"question": name, "op": op, "value": self.literal()}

    def literal(self) -> Any:
        kind, value = self.take()
        if kind == "num":
            return float(value) if "." in value else int(value)
        if kind == "str":
            return re.sub(r"\\(.)", r"\1", value[1:-1])
        if kind == "word" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if kind == "word":
            return value
        raise ValueError(f"expected a value, got {value!r}")

    def literal_list(self) -> list[Any]:
        if self.take() != ("punct", "["):
            raise ValueError("expected '[' after anyof / noneof")
        values = [self.literal()]
        while self.peek() == ("punct", ","):
            self.take()
            values.append(self.literal())
        if self.take() != ("punct", "]"):
            raise ValueError("a '[' is not closed")
        return values

"""Customer segments: rules over profile fields, traits and behaviour, evaluated in the warehouse.

A rule is a condition or a group: `{"all": [...]}` / `{"any": [...]}` / `{"not": rule}`. A condition is
`{"field": F, "op": OP, "value": V}`, or the short form `{"trait": F, "equals": V}`. F is a profile column
(country, city, language, gender, birth_year, persona_key, acquisition_channel), `traits.<name>`, or a
behaviour: `orders` (number of orders), `spend` (sum of order amounts). OP is one of eq, ne, in, not_in,
gt, gte, lt, lte, contains, exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tajriba.errors import Invalid

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from tajriba.warehouse import Warehouse

COLUMNS = ("country", "city", "language", "gender", "birth_year", "persona_key", "acquisition_channel")
BEHAVIOUR = ("orders", "spend")
OPS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "exists")
MAX_DEPTH = 5


def check(rule: Any, *, depth: int = 0) -> None:
    """Raise Invalid naming the first problem in a rule."""
    if depth > MAX_DEPTH:
        raise Invalid("segment rule nests too deeply", field="segment_rule")
    if not isinstance(rule, dict) or not rule:
        raise Invalid("a segment rule must be an object", field="segment_rule")
    if "all" in rule or "any" in rule:
        parts = rule.get("all", rule.get("any"))
        if not isinstance(parts, list) or not parts:
            raise Invalid("'all' and 'any' take a non-empty list of rules", field="segment_rule")
        for part in parts:
            check(part, depth=depth + 1)
        return
    if "not" in rule:
        check(rule["not"], depth=depth + 1)
        return
    field, op, _value = _condition(rule)
    if field not in COLUMNS and field not in BEHAVIOUR and not field.startswith("traits."):
        raise Invalid(
            f"unknown field {field!r}: use {', '.join(COLUMNS + BEHAVIOUR)} or traits.<name>",
            field="segment_rule",
        )
    if op not in OPS:
        raise Invalid(f"unknown operator {op!r}: use one of {', '.join(OPS)}", field="segment_rule")


def _condition(rule: dict[str, Any]) -> tuple[str, str, Any]:
    if "trait" in rule:
        return str(rule["trait"]), "eq", rule.get("equals")
    if "field" not in rule:
        raise Invalid("a condition needs 'field', 'op' and 'value'", field="segment_rule")
    return str(rule["field"]), str(rule.get("op", "eq")), rule.get("value")


def _expr(t: ir.Table, rule: dict[str, Any]) -> ir.BooleanValue:
    if "all" in rule:
        parts = [_expr(t, r) for r in rule["all"]]
        out = parts[0]
        for p in parts[1:]:
            out = out & p
        return out
    if "any" in rule:
        parts = [_expr(t, r) for r in rule["any"]]
        out = parts[0]
        for p in parts[1:]:
            out = out | p
        return out
    if "not" in rule:
        return ~_expr(t, rule["not"]).fill_null(False)
    field, op, value = _condition(rule)
    if field.startswith("traits."):
        col: ir.Value = t.traits.cast("json")[field.split(".", 1)[1]].unwrap_as("string")
        if isinstance(value, int | float) and not isinstance(value, bool):
            col = col.try_cast("float64")
    elif field in BEHAVIOUR:
        col = t[f"_{field}"]
    else:
        col = t[field]
    if op == "exists":
        return col.notnull() if value in (None, True) else col.isnull()
    if op == "eq":
        return col == value
    if op == "ne":
        return col != value
    if op in ("in", "not_in"):
        values = value if isinstance(value, list) else [value]
        return col.isin(values) if op == "in" else ~col.isin(values)
    if op == "contains":
        return col.cast("string").contains(str(value))
    return {"gt": col > value, "gte": col >= value, "lt": col < value, "lte": col <= value}[op]


def _uses_behaviour(rule: Any) -> bool:
    if isinstance(rule, dict):
        if rule.get("field") in BEHAVIOUR:
            return True
        return any(_uses_behaviour(v) for v in rule.values() if isinstance(v, dict | list))
    if isinstance(rule, list):
        return any(_uses_behaviour(r) for r in rule)
    return False


def matching(
    warehouse: Warehouse, *, workspace_id: int, rule: dict[str, Any] | None, persona_key: str | None = None
) -> ir.Table:
    """Customers (one `customer_id` column) matching the rule; with no rule, those with this persona key."""
    t = warehouse.table("customers", workspace_id=workspace_id)
    t = t.filter(t.merged_into.isnull())
    if not rule:
        return t.filter(t.persona_key == persona_key).select("customer_id")
    check(rule)
    if _uses_behaviour(rule):
        orders = warehouse.table("orders", workspace_id=workspace_id)
        agg = orders.group_by(o_id=orders.customer_id).aggregate(
            _orders=orders.count(), _spend=orders.amount.sum().cast("float64")
        )
        t = t.left_join(agg, t.customer_id == agg.o_id).drop("o_id")
        t = t.mutate(_orders=t._orders.fill_null(0), _spend=t._spend.fill_null(0.0))
    return t.filter(_expr(t, rule).fill_null(False)).select("customer_id")


def count(
    warehouse: Warehouse, *, workspace_id: int, rule: dict[str, Any] | None, persona_key: str | None = None
) -> int:
    return int(
        warehouse.execute(
            matching(warehouse, workspace_id=workspace_id, rule=rule, persona_key=persona_key).count()
        )
    )


# -- the rule as a form: "all/any of" up to ROWS conditions, each field, operator, value -------------------

ROWS = 5
NUMERIC = ("orders", "spend", "birth_year")


def to_rows(rule: Any) -> tuple[str, list[dict[str, str]]] | None:
    """A rule the form can show: ("all" | "any", rows of field/op/value as text); None when the rule nests
    deeper than one group (it stays editable as JSON)."""
    if not rule:
        return "all", []
    parts: list[Any]
    if isinstance(rule, dict) and ("all" in rule or "any" in rule):
        match = "all" if "all" in rule else "any"
        parts = list(rule[match])
    else:
        match, parts = "all", [rule]
    rows = []
    for part in parts:
        if not isinstance(part, dict) or any(k in part for k in ("all", "any", "not")):
            return None
        field, op, value = _condition(part)
        text = (
            ", ".join(str(v) for v in value)
            if isinstance(value, list)
            else ("" if value is None else str(value))
        )
        rows.append({"field": field, "op": op, "value": text})
    if len(rows) > ROWS:
        return None
    return match, rows


def from_rows(match: str, rows: list[tuple[str, str, str]]) -> dict[str, Any] | None:
    """The rule a form describes (rows with an empty field are skipped); None for no rule. Values of numeric
    fields and comparisons become numbers; `in` / `not_in` take a comma-separated list (Arabic comma too)."""
    conditions: list[dict[str, Any]] = []
    for i, (field, op, raw) in enumerate(rows, start=1):
        field, op, raw = field.strip(), (op.strip() or "eq"), raw.strip()
        if not field:
            continue
        if op not in OPS:
            raise Invalid(f"condition {i}: unknown operator {op!r}", field="segment_rule")
        value: Any = raw
        if op in ("in", "not_in"):
            value = [v.strip() for v in raw.replace("،", ",").split(",") if v.strip()]
        elif op == "exists":
            value = True
        elif field in NUMERIC or op in ("gt", "gte", "lt", "lte"):
            from tajriba.i18n import to_latin_digits

            try:
                value = float(to_latin_digits(raw).replace("٫", "."))
            except ValueError:
                raise Invalid(
                    f"condition {i}: {field} is compared with a number", field="segment_rule"
                ) from None
            value = int(value) if value.is_integer() else value
        conditions.append({"field": field, "op": op, "value": value})
    if not conditions:
        return None
    rule: dict[str, Any] = (
        conditions[0] if len(conditions) == 1 else {match if match in ("all", "any") else "all": conditions}
    )
    check(rule)
    return rule

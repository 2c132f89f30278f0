"""One dialect for every warehouse read: SQL is written once in DuckDB's dialect and translated here.

docs/decisions/013-one-sql-dialect.md says why (and what is allowed). `translate` parses a statement with
sqlglot and writes it for the engine, with the few rewrites sqlglot does not make itself:

- `GROUP BY ALL` becomes the positions of the selected non-aggregates (PostgreSQL has no GROUP BY ALL);
- `arg_max(x, key)` / `arg_min(x, key)` become `(array_agg(x ORDER BY key DESC|ASC))[1]` on PostgreSQL,
  keeping a FILTER clause and skipping rows whose key or value is null, as DuckDB does;
- `contains(text, part)` becomes `strpos(text, part) > 0`;
- `list_contains(list, x)` becomes `x = ANY(list)`;
- `list(x)` (DuckDB's list aggregate) becomes `array_agg(x)`;
- `unnest(from_json(col, '[{"a": "VARCHAR"}]'), recursive := true)` becomes one `json_array_elements` per field;
- a subquery in FROM without an alias gets one;
- `json_object('k', v)` becomes `json_build_object('k', v)`;
- `to_days(n)` becomes an interval of n days;
- a `%` in a string literal is doubled for psycopg's `%s` placeholders.

On Spark (`spark`), besides what sqlglot writes itself (GROUP BY ALL, FILTER, `max_by`, `array_contains`,
`:name` parameters):

- `timezone(zone, ts AT TIME ZONE 'UTC')` becomes `from_utc_timestamp(ts, zone)`;
- `arg_max/arg_min` become `max_by/min_by` skipping rows whose value or key is null, as DuckDB's;
- `list(x)` becomes `collect_list(x)`, and `list(x ORDER BY k)` a sorted list of (k, x) structs (Spark keeps
  no order in collect_list); `list[a:b]` becomes `slice(list, a, b - a + 1)`;
- `epoch(ts)` and `epoch(a - b)` become seconds with their fraction (Spark's `unix_timestamp` drops it);
- `to_days(n)` becomes `make_dt_interval(n)`, `json_object('k', v)` `to_json(named_struct('k', v))`;
- the JSON-array `unnest(from_json(...))` becomes `inline(from_json(col, 'array<struct<...>>'))`.

Anything the translation cannot keep portable raises `Unportable` (checked by the test suite on every
engine, and by tests/warehouse/test_portable.py on every statement outside this package).
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
import sqlglot.expressions as exp

from tajriba.errors import TajribaError


class Unportable(TajribaError):
    status = 500
    code = "unportable_sql"


@lru_cache(maxsize=4096)
def translate(sql: str, engine: str) -> str:
    """The statement `sql` (DuckDB dialect, `?` or `$name` placeholders) written for `engine`."""
    if engine == "duckdb":
        return sql
    if engine not in ("postgres", "spark"):
        raise Unportable(f"unknown warehouse engine {engine!r}")
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise Unportable(f"cannot read warehouse SQL: {exc}") from None
    if engine == "spark":
        return _spark(tree)
    tree = tree.transform(_portable).transform(_escape_percent)
    for select in list(tree.find_all(exp.Select)):
        _expand_json_unnest(select)
        _expand_group_by_all(select)
        _alias_subqueries(select)
    return tree.sql(dialect="postgres")


def _spark(tree: exp.Expression) -> str:
    tree = tree.transform(_spark_node)
    for select in list(tree.find_all(exp.Select)):
        _spark_json_unnest(select)
    return tree.sql(dialect="spark")


def _spark_node(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.lower() == "timezone" and len(node.expressions) == 2:
        # timezone(zone, ts AT TIME ZONE 'UTC'): the zone's wall time of a UTC timestamp
        zone, value = node.expressions
        if isinstance(value, exp.AtTimeZone) and value.args["zone"].name.upper() == "UTC":
            return exp.Anonymous(this="from_utc_timestamp", expressions=[value.this.copy(), zone.copy()])
        raise Unportable("timezone(zone, x): only of a UTC timestamp (x AT TIME ZONE 'UTC') is portable")
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.ArgMax | exp.ArgMin):
        where = node.args.get("expression")
        return _spark_arg_extreme(node.this, where.this if isinstance(where, exp.Where) else None)
    if isinstance(node, exp.ArgMax | exp.ArgMin) and not isinstance(node.parent, exp.Filter):
        return _spark_arg_extreme(node, None)
    if (
        isinstance(node, exp.Filter)
        and isinstance(node.this, exp.List)
        and len(node.this.expressions) == 1
        and isinstance(node.this.expressions[0], exp.Order)
    ):
        return _spark_ordered_list(node.this.expressions[0], node.args.get("expression"))
    if isinstance(node, exp.List) and len(node.expressions) == 1:  # DuckDB's list() aggregate
        if isinstance(node.expressions[0], exp.Order):
            return _spark_ordered_list(node.expressions[0])
        return exp.ArrayAgg(this=node.expressions[0].copy())
    if (
        isinstance(node, exp.Bracket)
        and len(node.expressions) == 1
        and isinstance(node.expressions[0], exp.Slice)
    ):
        # list[a:b] (1-based, inclusive): slice(list, a, b - a + 1)
        first, last = node.expressions[0].this, node.expressions[0].expression
        if not (isinstance(first, exp.Literal) and isinstance(last, exp.Literal)):
            raise Unportable("a list slice is portable with literal bounds only")
        length = int(last.this) - int(first.this) + 1
        return exp.Anonymous(
            this="slice",
            expressions=[node.this.copy().transform(_spark_node), first.copy(), exp.Literal.number(length)],
        )
    if isinstance(node, exp.ToDays):
        return exp.Anonymous(this="make_dt_interval", expressions=[exp.cast(node.this.copy(), "INT")])
    if isinstance(node, exp.JSONObject):
        args: list[exp.Expression] = []
        for pair in node.expressions:
            args += [pair.this.copy(), pair.expression.copy()]
        return exp.Anonymous(
            this="to_json", expressions=[exp.Anonymous(this="named_struct", expressions=args)]
        )
    if isinstance(node, exp.TimeToUnix):
        # seconds with their fraction, as DuckDB's epoch() of a timestamp or of a difference of two
        arg = node.this.unnest()
        if isinstance(arg, exp.Sub):
            micros: exp.Expression = exp.Sub(this=_micros(arg.this), expression=_micros(arg.expression))
        else:
            micros = _micros(arg)
        return exp.Paren(
            this=exp.Div(this=exp.Paren(this=micros), expression=exp.Literal.number("1000000.0"))
        )
    return node


def _spark_ordered_list(order: exp.Order, where: exp.Expression | None = None) -> exp.Expression:
    """list(x ORDER BY k1, k2): Spark's collect_list keeps no order, so the keys travel with the value in a
    struct, the array is sorted, and the values taken out again."""
    keys = order.expressions
    descending = {bool(k.args.get("desc")) for k in keys}
    if len(descending) != 1:
        raise Unportable("list(x ORDER BY ...) is portable with every key in the same direction")
    fields: list[exp.Expression] = []
    for i, key in enumerate(keys):
        fields += [exp.Literal.string(f"k{i}"), key.this.copy().transform(_spark_node)]
    fields += [exp.Literal.string("v"), order.this.copy().transform(_spark_node)]
    packed: exp.Expression = exp.ArrayAgg(this=exp.Anonymous(this="named_struct", expressions=fields))
    if where is not None:
        packed = exp.Filter(this=packed, expression=where.copy().transform(_spark_node))
    ordered = exp.Anonymous(this="sort_array", expressions=[packed, exp.Boolean(this=not descending.pop())])
    take = exp.Lambda(this=exp.column("v", table="s"), expressions=[exp.to_identifier("s")])
    return exp.Anonymous(this="transform", expressions=[ordered, take])


def _micros(value: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this="unix_micros", expressions=[exp.cast(value.copy(), "TIMESTAMP")])


def _spark_arg_extreme(node: exp.Expression, condition: exp.Expression | None) -> exp.Expression:
    """max_by/min_by skipping rows whose value or key is null, as DuckDB's arg_max/arg_min."""
    guard: exp.Expression = exp.and_(
        exp.Not(this=exp.Is(this=node.expression.copy(), expression=exp.Null())),
        exp.Not(this=exp.Is(this=node.this.copy(), expression=exp.Null())),
    )
    if condition is not None:
        guard = exp.and_(exp.Paren(this=condition.copy()), guard)
    return exp.Filter(this=node.copy(), expression=exp.Where(this=guard))


def _spark_json_unnest(select: exp.Select) -> None:
    """The JSON-array unnest as Spark's inline(): one row per element, a column per field."""
    out: list[exp.Expression] = []
    for item in select.expressions:
        fields = _json_unnest_fields(item)
        if fields is None:
            out.append(item)
            continue
        source, names = fields
        shape = "array<struct<" + ",".join(f"{n}:string" for n in names) + ">>"
        parsed = exp.Anonymous(this="from_json", expressions=[source.copy(), exp.Literal.string(shape)])
        out.append(exp.Anonymous(this="inline", expressions=[parsed]))
    select.set("expressions", out)


def _portable(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.ArgMax | exp.ArgMin):
        where = node.args.get("expression")
        return _arg_extreme(node.this, where.this if isinstance(where, exp.Where) else None)
    if isinstance(node, exp.ArgMax | exp.ArgMin):
        return _arg_extreme(node, None)
    if isinstance(node, exp.List) and len(node.expressions) == 1:  # DuckDB's list() aggregate
        agg = exp.ArrayAgg(this=node.expressions[0].copy())
        return exp.Paren(this=agg) if isinstance(node.parent, exp.Bracket) else agg
    if isinstance(node, exp.ArrayContains):
        # list_contains(list, x): x = ANY(list) (sqlglot's own version repeats x, and so its placeholder)
        return exp.EQ(this=node.expression.copy(), expression=exp.Any(this=exp.Paren(this=node.this.copy())))
    if isinstance(node, exp.JSONObject):
        # json_object('k', v, ...): json_build_object (PostgreSQL 15 has no JSON_OBJECT('k': v))
        args: list[exp.Expression] = []
        for pair in node.expressions:
            args += [pair.this.copy(), pair.expression.copy()]
        return exp.Anonymous(this="json_build_object", expressions=args)
    if isinstance(node, exp.Contains):
        substr = exp.StrPosition(this=node.this.copy(), substr=node.expression.copy())
        return exp.GT(this=substr, expression=exp.Literal.number(0))
    if isinstance(node, exp.ToDays):
        days = exp.Interval(this=exp.Literal.string("1"), unit=exp.var("DAY"))
        return exp.Paren(this=exp.Mul(this=exp.Paren(this=node.this.copy()), expression=days))
    return node


def _escape_percent(node: exp.Expression) -> exp.Expression:
    """Double a % in string literals for psycopg (a time format is rewritten into the engine's own letters
    when written out, and left alone)."""
    if isinstance(node, exp.Literal) and node.is_string and "%" in node.this and node.arg_key != "format":
        return exp.Literal.string(node.this.replace("%", "%%"))
    return node


def _arg_extreme(node: exp.Expression, condition: exp.Expression | None) -> exp.Expression:
    """(array_agg(x ORDER BY key) FILTER (WHERE key IS NOT NULL [AND condition]))[1]"""
    value, key = node.this.copy(), node.expression.copy()
    order = exp.Ordered(this=key.copy(), desc=isinstance(node, exp.ArgMax), nulls_first=False)
    agg = exp.ArrayAgg(this=exp.Order(this=value, expressions=[order]))
    # as DuckDB: rows whose value or key is null are skipped
    guard: exp.Expression = exp.and_(
        exp.Not(this=exp.Is(this=key, expression=exp.Null())),
        exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())),
    )
    if condition is not None:
        guard = exp.and_(exp.Paren(this=condition.copy()), guard)
    filtered = exp.Filter(this=agg, expression=exp.Where(this=guard))
    # sqlglot counts brackets from 0 and writes PostgreSQL's 1-based index
    return exp.Bracket(this=exp.Paren(this=filtered), expressions=[exp.Literal.number(0)])


def _expand_json_unnest(select: exp.Select) -> None:
    """`unnest(from_json(col, '[{"a": "VARCHAR", ...}]'), recursive := true)` in a select list: one row per
    element of a JSON array of objects, a column per field. On PostgreSQL, one json_array_elements per field
    (set-returning functions of one select list advance together)."""
    out: list[exp.Expression] = []
    changed = False
    for item in select.expressions:
        fields = _json_unnest_fields(item)
        if fields is None:
            out.append(item)
            continue
        changed = True
        source, names = fields
        for name in names:
            elements = exp.Anonymous(
                this="json_array_elements", expressions=[exp.cast(source.copy(), "JSON")]
            )
            value = exp.JSONExtractScalar(this=elements, expression=exp.Literal.string(name))
            out.append(exp.alias_(value, name))
    if changed:
        select.set("expressions", out)


def _json_unnest_fields(item: exp.Expression) -> tuple[exp.Expression, list[str]] | None:
    import json

    if not isinstance(item, exp.Explode) or not isinstance(item.this, exp.Anonymous):
        return None
    call = item.this
    if call.name.lower() != "from_json" or len(call.expressions) != 2:
        return None
    source, shape = call.expressions
    try:
        (fields,) = json.loads(shape.this)
    except (ValueError, TypeError):
        raise Unportable(f"from_json shape {shape.sql()}: expected a list of one object") from None
    if any(kind != "VARCHAR" for kind in fields.values()):
        raise Unportable("from_json: only VARCHAR fields are portable")
    return source, list(fields)


def _alias_subqueries(select: exp.Select) -> None:
    """PostgreSQL (before 16) wants an alias on every subquery in FROM and JOIN."""
    sources = [select.args.get("from"), *(select.args.get("joins") or [])]
    for i, source in enumerate(sources):
        if source is None:
            continue
        sub = source.this
        if isinstance(sub, exp.Subquery) and not sub.alias:
            sub.set("alias", exp.TableAlias(this=exp.to_identifier(f"_q{i}")))


def _expand_group_by_all(select: exp.Select) -> None:
    group = select.args.get("group")
    if group is None or not _is_all(group):
        return
    positions = [
        exp.Literal.number(i)
        for i, column in enumerate(select.expressions, start=1)
        if not column.find(exp.AggFunc) and not isinstance(column.unalias(), exp.Literal)
    ]
    if positions:
        select.set("group", exp.Group(expressions=positions))
    else:
        select.set("group", None)


def _is_all(group: exp.Group) -> bool:
    if group.args.get("all"):
        return True
    items = group.expressions
    return len(items) == 1 and isinstance(items[0], exp.Var | exp.Column) and items[0].name.upper() == "ALL"

"""The experience tables: columns, natural keys and merge rules, in one place.

Timestamps are UTC without a zone (`TIMESTAMP`); the zone the source used is kept in `tz`
(an IANA name such as `Asia/Riyadh`, or an offset `+03:00`). Money is `DECIMAL(18,4)` plus an
ISO 4217 `currency`. Every row carries `workspace_id`; every customer-derived row `customer_id`.
See docs/data-model.md.

Size: every experience table declared one after another (columns, keys, merge rules), declarations only, so
the whole data model reads in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    name: str
    sql: str
    arrow: pa.DataType
    required: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # How an upsert merges a column: "new" (non-null new value wins), "least", "greatest",
    # "json" (JSON merge patch: later keys win, a null value removes the key).
    merge: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow, nullable=not c.required) for c in self.columns])

    def ddl(self, engine: str = "duckdb") -> str:
        cols = ",\n  ".join(
            f"{c.name} {sql_type(c.sql, engine)}{' NOT NULL' if c.required else ''}" for c in self.columns
        )
        return (
            f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols},\n  PRIMARY KEY ({', '.join(self.key)})\n)"
        )

    def add_column(self, column: Column, engine: str = "duckdb") -> str:
        """The statement that gives an older table a column added to the spec since (always nullable: the rows
        stored before have no value)."""
        return (
            f"ALTER TABLE {self.name} ADD COLUMN IF NOT EXISTS {column.name} {sql_type(column.sql, engine)}"
        )


def sql_type(sql: str, engine: str) -> str:
    """A column type written for the engine (the specs use DuckDB's names)."""
    if engine == "postgres":
        return {"DOUBLE": "DOUBLE PRECISION", "VARCHAR": "TEXT"}.get(sql, sql)
    return sql


TS = pa.timestamp("us")
MONEY = pa.decimal128(18, 4)


def _c(name: str, sql: str, arrow: pa.DataType, required: bool = False) -> Column:
    return Column(name, sql, arrow, required)


def _ws() -> Column:
    return _c("workspace_id", "INTEGER", pa.int32(), True)


def _customer(required: bool = False) -> Column:
    return _c("customer_id", "VARCHAR", pa.string(), required)


def _text(name: str, required: bool = False) -> Column:
    return _c(name, "VARCHAR", pa.string(), required)


def _ts(name: str, required: bool = False) -> Column:
    return _c(name, "TIMESTAMP", TS, required)


def _json(name: str) -> Column:
    return _c(name, "JSON", pa.string())


def _int(name: str) -> Column:
    return _c(name, "INTEGER", pa.int32())


def _money(name: str) -> Column:
    return _c(name, "DECIMAL(18,4)", MONEY)


CUSTOMERS = TableSpec(
    "customers",
    (
        _ws(),
        _customer(True),
        _text("external_id"),
        _text("name"),
        _text("email"),
        _text("phone"),
        _text("country"),
        _text("city"),
        _text("language"),
        _text("gender"),
        _int("birth_year"),
        _text("persona_key"),
        _text("acquisition_channel"),
        _json("traits"),
        _text("merged_into"),
        _ts("first_seen_at"),
        _ts("last_seen_at"),
        _ts("created_at"),
        _ts("updated_at"),
    ),
    key=("workspace_id", "customer_id"),
    merge={
        "first_seen_at": "least",
        "last_seen_at": "greatest",
        "created_at": "least",
        "traits": "json",
        "updated_at": "greatest",
    },
)

CUSTOMER_IDENTITIES = TableSpec(
    "customer_identities",
    (
        _ws(),
        _text("kind", True),
        _text("value", True),
        _customer(True),
        _text("source"),
        _ts("first_seen_at"),
        _ts("last_seen_at"),
    ),
    key=("workspace_id", "kind", "value"),
    merge={"first_seen_at": "least", "last_seen_at": "greatest"},
)

EVENTS = TableSpec(
    "events",
    (
        _ws(),
        _text("message_id", True),
        _customer(),
        _text("anonymous_id"),
        _text("user_id"),
        _text("type", True),
        _text("event"),
        _ts("timestamp", True),
        _ts("original_timestamp"),
        _ts("sent_at"),
        _ts("received_at"),
        _text("tz"),
        _int("touchpoint_id"),
        _text("channel"),
        _text("language"),
        _text("session_id"),
        _text("page_path"),
        _json("properties"),
        _json("context"),
        _text("source"),
    ),
    key=("workspace_id", "message_id"),
)

ORDERS = TableSpec(
    "orders",
    (
        _ws(),
        _text("order_id", True),
        _customer(True),
        _ts("ordered_at", True),
        _text("tz"),
        _text("status"),
        _text("channel"),
        _int("touchpoint_id"),
        _c("currency", "VARCHAR", pa.string(), True),
        _c("amount", "DECIMAL(18,4)", MONEY, True),
        _money("discount"),
        _money("shipping"),
        _int("items"),
        _text("payment_method"),
        _text("city"),
        _ts("promised_delivery_at"),
        _ts("delivered_at"),
        _ts("cancelled_at"),
        _ts("returned_at"),
        _text("source"),
        _json("properties"),
    ),
    key=("workspace_id", "order_id"),
)

SURVEY_RESPONSES = TableSpec(
    "survey_responses",
    (
        _ws(),
        _text("response_id", True),
        _int("survey_id"),
        _customer(),
        _int("touchpoint_id"),
        _text("order_id"),
        _text("ticket_id"),
        _text("channel"),
        _text("language"),
        _text("metric", True),
        _c("score", "DOUBLE", pa.float64()),
        _int("scale_min"),
        _int("scale_max"),
        _text("comment"),
        _json("answers"),
        _ts("started_at"),
        _ts("submitted_at", True),
        _text("tz"),
        _text("notice_version"),
        _text("source"),
    ),
    key=("workspace_id", "response_id"),
)

FEEDBACK_TEXTS = TableSpec(
    "feedback_texts",
    (
        _ws(),
        _text("feedback_id", True),
        _customer(),
        _text("source", True),
        _text("text", True),
        _text("language"),
        _c("rating", "DOUBLE", pa.float64()),
        _int("touchpoint_id"),
        _text("channel"),
        _text("order_id"),
        _text("ticket_id"),
        _text("response_id"),
        _ts("created_at", True),
        _text("tz"),
        _text("url"),
        _json("properties"),
    ),
    key=("workspace_id", "feedback_id"),
)

TICKETS = TableSpec(
    "tickets",
    (
        _ws(),
        _text("ticket_id", True),
        _customer(),
        _text("channel"),
        _int("touchpoint_id"),
        _text("subject"),
        _text("category"),
        _text("priority"),
        _text("status"),
        _c("is_complaint", "BOOLEAN", pa.bool_()),
        _text("agent"),
        _text("team"),
        _ts("created_at", True),
        _ts("first_response_at"),
        _ts("resolved_at"),
        _ts("closed_at"),
        _int("reopened"),
        _text("tz"),
        _c("satisfaction", "DOUBLE", pa.float64()),
        _text("order_id"),
        _text("source"),
        _json("properties"),
    ),
    key=("workspace_id", "ticket_id"),
)

TRAIT_CHANGES = TableSpec(
    "trait_changes",
    (
        _ws(),
        _text("change_id", True),
        _customer(True),
        _text("trait", True),
        _json("old_value"),
        _json("new_value"),
        _ts("changed_at", True),
        _text("message_id"),
        _text("source"),
    ),
    key=("workspace_id", "change_id"),
)

CONSENTS = TableSpec(
    "consents",
    (
        _ws(),
        _text("consent_id", True),
        _customer(True),
        _text("purpose", True),  # e.g. email_marketing, sms, whatsapp, analytics, advertising, surveys
        _c("granted", "BOOLEAN", pa.bool_(), True),
        _ts("recorded_at", True),
        _text("source"),  # tracking library, import mapping, survey, agent
        _text("message_id"),  # the event or file row that carried it
        # added later (a column added to a spec goes at its end, nullable: `create_schema` adds it to an older
        # warehouse, and a lake's older files read it as NULL)
        _text("lawful_basis"),  # consent, contract, legal_obligation, ... (privacy.records.LAWFUL_BASES)
        _c(
            "explicit", "BOOLEAN", pa.bool_()
        ),  # an express statement (a ticked box, a signed form), not implied
        _text("channel"),  # web, app, email, sms, whatsapp, phone, in_person, import, api
        _text("notice_version"),  # the privacy notice the person was shown
        _text("language"),  # ar, fa, en: the language they were asked in
        _text("tz"),  # the zone of the moment they decided (IANA name or offset), as events keep it
        _text("actor"),  # "subject" (the person themself), "user:<id>" (an agent), "import:<id>"
    ),
    key=("workspace_id", "consent_id"),
)

IDENTITY_MERGES = TableSpec(
    "identity_merges",
    (
        _ws(),
        _text("merge_id", True),
        _c("into_customer_id", "VARCHAR", pa.string(), True),
        _json("merged_customer_ids"),
        _json("via"),
        _text("reason"),
        _json("snapshot"),
        _ts("merged_at", True),
        _ts("undone_at"),
        _text("undone_by"),
    ),
    key=("workspace_id", "merge_id"),
)

# derived, not ingested: the latest lifetime-value run per customer (tajriba.value.service); recomputed, so
# a merge or an erasure simply deletes the rows it concerns
CUSTOMER_VALUES = TableSpec(
    "customer_values",
    (
        _ws(),
        _customer(True),
        _ts("computed_at", True),
        _ts("observation_end", True),
        _text("model"),
        _int("orders"),
        _c("frequency", "INTEGER", pa.int32()),
        _c("recency_days", "DOUBLE", pa.float64()),
        _c("age_days", "DOUBLE", pa.float64()),
        _c("days_since_last", "DOUBLE", pa.float64()),
        _c("total_spend", "DOUBLE", pa.float64()),
        _c("mean_spend", "DOUBLE", pa.float64()),
        _c("p_alive", "DOUBLE", pa.float64()),
        _c("expected_purchases", "DOUBLE", pa.float64()),
        _c("expected_spend", "DOUBLE", pa.float64()),
        _c("clv", "DOUBLE", pa.float64()),
        _c("clv_low", "DOUBLE", pa.float64()),
        _c("clv_high", "DOUBLE", pa.float64()),
        _text("rfm"),
        _text("segment"),
        _text("currency"),
        _int("horizon_months"),
        _c("discount_rate", "DOUBLE", pa.float64()),
    ),
    key=("workspace_id", "customer_id"),
)

# derived: what tajriba.text found in each text (feedback, a survey comment not mirrored as feedback, a ticket
# subject), with the model and taxonomy versions that found it; an erasure deletes the rows of the texts it
# deletes, and `tajriba text reprocess` redoes the rows whose versions or text changed
TEXT_ENRICHMENTS = TableSpec(
    "text_enrichments",
    (
        _ws(),
        _text("source", True),
        _text("source_id", True),
        _text("language"),
        _c("arabizi", "BOOLEAN", pa.bool_()),
        _text("dialect"),
        _c("dialect_score", "DOUBLE", pa.float64()),
        _text("sentiment"),
        _c("p_positive", "DOUBLE", pa.float64()),
        _c("p_negative", "DOUBLE", pa.float64()),
        _c("p_neutral", "DOUBLE", pa.float64()),
        _json("topics"),
        _text("topic_keys"),
        # intents found ("|complaint|request_refund|"), the complaint probability, and each aspect with its
        # polarity ("|delivery:negative|quality:positive|"): what explorer filters and case rules match on
        _text("intent_keys"),
        _c("p_complaint", "DOUBLE", pa.float64()),
        _text("aspect_keys"),
        _json("pii"),
        _int("pii_count"),
        _text("redacted"),
        _text("normalized"),
        _text("text_hash"),
        _text("model_version"),
        _text("taxonomy_version"),
        _ts("processed_at", True),
    ),
    key=("workspace_id", "source", "source_id"),
)

# derived: which source records rules turned into cases (tajriba.cases.rules), so each run skips them inside
# the engine; the application database's case_links is the record of truth
CASE_SIGNALS = TableSpec(
    "case_signals",
    (
        _ws(),
        _text("source", True),
        _text("source_id", True),
        _customer(),
        _int("rule_id"),
        _int("case_id"),
        _ts("matched_at", True),
    ),
    key=("workspace_id", "source", "source_id"),
)

# a contact centre's interval history (its ACD or chat platform's export): contacts offered, answered and
# abandoned per team, channel and interval, with handle and wait times (tajriba.forecasting)
CONTACT_INTERVALS = TableSpec(
    "contact_intervals",
    (
        _ws(),
        _text("team", True),
        _text("channel", True),
        _ts("starts_at", True),
        _int("minutes"),
        _int("offered"),
        _int("answered"),
        _int("abandoned"),
        _int("answered_within"),
        _c("handle_seconds", "DOUBLE", pa.float64()),
        _c("wait_seconds", "DOUBLE", pa.float64()),
        _c("csat", "DOUBLE", pa.float64()),
        _int("csat_n"),
        _text("source"),
    ),
    key=("workspace_id", "team", "channel", "starts_at"),
)

# public mentions of a brand (tajriba.social): posts, comments, reviews and articles from listening providers,
# feeds and exports; `mention_id` is derived from the post's URL (else the platform's id), so the same post from
# two sources is one row. `fingerprint` (the folded words) finds near-identical copies; `query_keys` holds the
# ids of the queries that match ("|1|4|"), `touchpoint_id` the touchpoint of its first mapped topic; the text
# goes through tajriba.text like every feedback text (text_enrichments, source "mention")
SOCIAL_MENTIONS = TableSpec(
    "social_mentions",
    (
        _ws(),
        _text("mention_id", True),
        _text("platform", True),  # x, instagram, tiktok, youtube, app_store, google_play, google, news, web
        _text("external_id"),
        _text("url"),
        _text("author_handle"),
        _text("author_name"),
        _c("author_followers", "BIGINT", pa.int64()),
        _c("author_verified", "BOOLEAN", pa.bool_()),
        _text("title"),
        _text("text", True),
        _text("language"),
        _ts("created_at", True),
        _c("likes", "BIGINT", pa.int64()),
        _c("shares", "BIGINT", pa.int64()),
        _c("replies", "BIGINT", pa.int64()),
        _c("views", "BIGINT", pa.int64()),
        _c("reach", "BIGINT", pa.int64()),  # followers, else views: how many could have seen it
        _c("engagement", "BIGINT", pa.int64()),  # likes + shares + replies
        _c("rating", "DOUBLE", pa.float64()),  # a review's stars
        _text("reply_to"),
        _text("fingerprint"),
        _text("query_keys"),
        _int("touchpoint_id"),
        _int("source_id"),  # the social source (webhook, feed) it came through, if any
        _json("properties"),
        _ts("ingested_at", True),
    ),
    key=("workspace_id", "mention_id"),
)

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        CUSTOMERS,
        CUSTOMER_IDENTITIES,
        EVENTS,
        ORDERS,
        SURVEY_RESPONSES,
        FEEDBACK_TEXTS,
        TICKETS,
        TRAIT_CHANGES,
        CONSENTS,
        IDENTITY_MERGES,
        CUSTOMER_VALUES,
        TEXT_ENRICHMENTS,
        CASE_SIGNALS,
        CONTACT_INTERVALS,
        SOCIAL_MENTIONS,
    )
}

"""Which statements are prepared, how their parameters are numbered, and which values keep their
meaning as EXECUTE's arguments (shared.prepared)."""

import datetime as dt
import decimal
import uuid

import psycopg2
import psycopg2.extensions
import pytest

from shared.prepared import STATEMENTS, Preparing, Shape, means_the_same


def test_a_statement_is_numbered_in_the_order_its_parameters_first_appear():
    shape = Shape.of("SELECT a FROM t WHERE b = %(x)s AND c > %(y)s OR b = %(x)s AND d LIKE 'p%%'")
    assert shape == Shape("SELECT a FROM t WHERE b = $1 AND c > $2 OR b = $1 AND d LIKE 'p%'", ("x", "y"))
    assert shape.execute("g7") == "EXECUTE g7(%(x)s, %(y)s)"


def test_a_statement_without_parameters_is_executed_without_arguments():
    shape = Shape.of("\n  select count(*) from t")
    assert shape == Shape("\n  select count(*) from t", ()) and shape.execute("g1") == "EXECUTE g1"


@pytest.mark.parametrize("statement", [
    "SET search_path TO x", "EXPLAIN SELECT 1", "SHOW transaction_isolation", "BEGIN",
    "SELECT 1; SELECT 2",  # more than one statement
    "SELECT $$a$$",  # dollar quoting, or numbered parameters of its own
    "SELECT a FROM t WHERE b = %s",  # another placeholder style
    "LOCK TABLE t", "CREATE TABLE t (id int)",
])
def test_anything_but_one_query_or_change_is_sent_as_it_is(statement):
    assert Shape.of(statement) is None


@pytest.mark.parametrize(("value", "type_name", "same"), [
    ("text", "integer", True),  # an untyped literal either way
    (None, "numeric", True),
    (5, "bigint", True), (5, "numeric", True), (5, "text", False),  # SELECT %(x)s of a number
    (2.5, "integer", False),  # int_column / %(x)s: a fraction rounded once prepared
    (decimal.Decimal("2.5"), "numeric", True), (decimal.Decimal("2.5"), "bigint", False),
    (True, "boolean", True), (True, "integer", False),
    (dt.date(2026, 12, 5), "date", True), (dt.date(2026, 12, 5), "timestamp with time zone", True),
    (dt.datetime(2026, 12, 5, tzinfo=dt.timezone.utc), "date", False),  # a moment is not truncated to its day
    (dt.datetime(2026, 12, 5, tzinfo=dt.timezone.utc), "timestamp with time zone", True),
    (["a"], "character varying[]", True), (["a"], "text", False),
    (uuid.uuid4(), "uuid", True), (b"x", "bytea", True), (object(), "text", False),
])
def test_a_value_keeps_its_meaning_only_in_a_type_of_its_kind(value, type_name, same):
    assert means_the_same(value, type_name) is same


class _Refusing(Preparing):
    """A connection whose server refuses every PREPARE (as after a migration changed a table)."""

    def __init__(self):
        self.prepared = {}
        self.sent: list[str] = []

    def get_transaction_status(self):
        return psycopg2.extensions.TRANSACTION_STATUS_IDLE

    def execute(self, statement):
        self.sent.append(statement)
        raise psycopg2.ProgrammingError("refused")


def test_a_statement_another_connection_cannot_prepare_is_sent_as_text_from_then_on():
    statement = "SELECT a FROM refused_here WHERE b = %(b)s"
    STATEMENTS.shapes[statement] = Shape.of(statement)
    connection = _Refusing()
    assert connection.as_sent(connection, statement, {"b": 1}) == statement
    assert connection.as_sent(connection, statement, {"b": 1}) == statement
    assert len(connection.sent) == 1 and statement in STATEMENTS.refused and statement not in STATEMENTS.shapes

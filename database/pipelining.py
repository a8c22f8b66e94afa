"""Several statements in one round trip to PostgreSQL.

The ORM waits for the answer to each statement before it sends the next. Where nothing in
between needs that answer, the same statements, as the ORM writes them, can be sent together in
one pipeline (psycopg's pipeline mode) and their answers read at the end:
- `insert_together`: new rows of several models (a booking's host rows and attendees; a
  history row and its outbox events);
- `read_together`: the rows of several `values_list()` querysets (the hosts' lock and a lookup
  made under it).
Elsewhere (SQLite) the statements run one after another.
"""

from contextlib import contextmanager
from itertools import groupby

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import AutoField, BigAutoField, SmallAutoField
from django.db.models.query import FlatValuesListIterable, ValuesListIterable
from django.db.models.sql import InsertQuery

AUTO_FIELDS = (AutoField, BigAutoField, SmallAutoField)


def insert_together(objects, *, using: str = "default") -> None:
    """Insert new model instances of any models, in the order given (consecutive instances of
    one model in one statement), and set their ids (and other values the database gives) as
    `bulk_create` does. No signals are sent, as with `bulk_create`.

    A statement refused (a constraint) raises Django's database error, as `bulk_create` would;
    on PostgreSQL the statements after it in the pipeline are not run. Inside a transaction,
    the transaction is then broken, as after any failed statement.
    """
    groups = [list(rows) for _, rows in groupby(objects, key=_model_and_whether_new)]
    connection = connections[using]
    if connection.vendor != "postgresql" or not groups:
        for rows in groups:
            type(rows[0])._base_manager.using(using).bulk_create(rows)
        return
    statements = [_insert_statement(rows, connection) for rows in groups]
    with _pipelined(connection, [(sql, params) for _, sql, params in statements]) as answers:
        for rows, answer, (compiler, _, _) in zip(groups, answers, statements, strict=True):
            _take_returned_values(rows, answer, compiler, using)


def read_together(*querysets) -> list[list]:
    """The rows of each `values_list()` queryset (flat or not), in one round trip on
    PostgreSQL; elsewhere one after another. The statements run in the order given, each seeing
    what the ones before it did (a lock taken, under READ COMMITTED a fresh snapshot)."""
    for queryset in querysets:
        if queryset._iterable_class not in (ValuesListIterable, FlatValuesListIterable):
            raise TypeError("read_together reads values_list() querysets.")
    connection = connections[querysets[0].db]
    if connection.vendor != "postgresql":
        return [list(queryset) for queryset in querysets]
    compilers, statements = {}, []
    for index, queryset in enumerate(querysets):
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            statements.append(compiler.as_sql())
        except EmptyResultSet:  # empty by construction (id__in=[], none()): nothing to ask
            continue
        compilers[index] = compiler
    with _pipelined(connection, statements) as answers:
        answer_of = dict(zip(compilers, answers, strict=True))
        results = []
        for index, queryset in enumerate(querysets):
            compiler = compilers.get(index)
            if compiler is None:
                results.append([])
                continue
            answer = answer_of[index]
            if compiler.has_extra_select:
                answer = [row[: compiler.col_count] for row in answer]
            rows = compiler.results_iter(results=[answer], tuple_expected=True)
            flat = queryset._iterable_class is FlatValuesListIterable
            results.append([row[0] for row in rows] if flat else [tuple(row) for row in rows])
        return results


@contextmanager
def _pipelined(connection, statements):
    """Sends the statements ((sql, params)) in one pipeline; yields the rows each returned.
    A statement refused raises Django's database error; the ones after it are not run."""
    connection.ensure_connection()
    cursors = [connection.cursor() for _ in statements]
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            for cursor, (sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params)
        with connection.wrap_database_errors:
            answers = [cursor.fetchall() if cursor.description else [] for cursor in cursors]
        yield answers
    finally:
        for cursor in cursors:
            cursor.close()


def _model_and_whether_new(row):
    return type(row), row.pk is None


def _insert_statement(rows, connection):
    """(compiler, sql, params) of one INSERT of `rows` (one model) returning what the database
    gives them."""
    model = type(rows[0])
    opts = model._meta
    for row in rows:
        # As bulk_create: a related object saved after it was assigned gives its id now.
        row._prepare_related_fields_for_save(operation_name="insert_together")
    fields = [field for field in opts.concrete_fields if not field.generated]
    if rows[0].pk is None:
        fields = [field for field in fields if not isinstance(field, AUTO_FIELDS)]
    query = InsertQuery(model)
    query.insert_values(fields, rows)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = opts.db_returning_fields
    [(sql, params)] = compiler.as_sql()
    return compiler, sql, params


def _take_returned_values(rows, returned, compiler, using) -> None:
    fields = compiler.returning_fields
    converters = compiler.get_converters(
        [field.get_col(compiler.query.get_meta().db_table) for field in fields]
    )
    if converters:
        returned = list(compiler.apply_converters(returned, converters))
    for row, values in zip(rows, returned, strict=True):
        for field, value in zip(fields, values, strict=True):
            setattr(row, field.attname, value)
        row._state.adding = False
        row._state.db = using

"""New rows of several models written in one round trip.

A change often writes rows whose ids nothing needs before the last of them is sent: a booking's
host rows and attendees, a history row and its outbox events. `save()` and `bulk_create()` wait
for the answer to each statement. On PostgreSQL `insert_together` sends the same INSERT
statements, as the ORM writes them, in one pipeline (psycopg's pipeline mode) and reads the
answers (the new ids) at the end: one round trip instead of one per model. Elsewhere the
models are written one after another with `bulk_create`.
"""

from itertools import groupby

from django.db import connections
from django.db.models import AutoField, BigAutoField, SmallAutoField
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
    cursors = [connection.cursor() for _ in statements]
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            for cursor, (_, sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params)
        for rows, cursor, (compiler, _, _) in zip(groups, cursors, statements, strict=True):
            _take_returned_values(rows, cursor.fetchall(), compiler, using)
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

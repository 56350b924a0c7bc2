"""Inserting many rows without building a model per row: what a moment's reminders need for a whole country.

`bulk_create` prepares every value of every model through its field (a few microseconds each, a second for
100,000 rows of seven columns) and needs the models built first. `insert_rows` takes tuples of plain values, in
the order of `field_names`, and writes each batch with one statement: on PostgreSQL an INSERT … SELECT FROM
unnest(one array per column), a few parameters whatever the batch's size; on SQLite a multi-row INSERT. The
fields left out get their default: a constant once per batch, a callable (the time) once per row, a random uuid
made by PostgreSQL itself (gen_random_uuid()) or once per row on SQLite.
"""

import json
import uuid
from collections.abc import Iterable, Sequence

from django.db import connection, models

BATCH_ROWS = {"postgresql": 10_000, "sqlite": 1000}


def insert_rows(
    model: type[models.Model],
    field_names: Sequence[str],
    rows: Iterable[Sequence],
    *,
    ignore_conflicts: bool = False,
    returning_ids: bool = False,
) -> list[int]:
    """Inserts `rows` into `model`'s table; returns the new rows' ids in the order of `rows` when
    `returning_ids` (not with `ignore_conflicts`, where a skipped row has none)."""
    if ignore_conflicts and returning_ids:
        raise ValueError("The ids of rows a conflict skipped cannot be returned.")
    given = [model._meta.get_field(name) for name in field_names]
    omitted = [
        field
        for field in model._meta.concrete_fields
        if field not in given and not (field.primary_key and isinstance(field, models.AutoField))
    ]
    on_postgresql = connection.vendor == "postgresql"
    # A random uuid PostgreSQL makes itself, rather than one made and sent per row.
    made_by_database = [field for field in omitted if on_postgresql and field.default is uuid.uuid4]
    per_row = [field for field in omitted if callable(field.default) and field not in made_by_database]
    constant = [field for field in omitted if not callable(field.default)]
    fields = given + per_row + constant
    defaults = tuple(field.get_default() for field in constant)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields + made_by_database)
    # Names from the model and placeholders only: every value is a parameter.
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns})"
    tail = (" ON CONFLICT DO NOTHING" if ignore_conflicts else "") + (
        f" RETURNING {quote(model._meta.pk.column)}" if returning_ids else ""
    )
    size = BATCH_ROWS["postgresql" if on_postgresql else "sqlite"]
    ids: list[int] = []
    rows = iter(rows)
    while batch := [
        (*row, *(field.get_default() for field in per_row), *defaults)
        for _index, row in zip(range(size), rows, strict=False)
    ]:
        if on_postgresql:
            statement, parameters = _unnest(head, fields, batch, ["gen_random_uuid()"] * len(made_by_database))
        else:
            prepare = [field.get_db_prep_save for field in fields]
            one_row = f"({', '.join(['%s'] * len(fields))})"
            statement = f"{head} VALUES {', '.join([one_row] * len(batch))}"
            parameters = [
                prepared(value, connection) for row in batch for prepared, value in zip(prepare, row, strict=True)
            ]
        with connection.cursor() as cursor:
            cursor.execute(statement + tail, parameters)
            if returning_ids:
                ids += [row[0] for row in cursor.fetchall()]
    return ids


def _unnest(head: str, fields: list, batch: list[tuple], expressions: list[str]) -> tuple[str, list]:
    """One array per column, cast to the column's type; a column with one value in the whole batch (a moment's
    date, its status) is one parameter instead, which spares adapting it once per row (one column at least stays
    an array: it gives the number of rows). A JSON column travels as text, cast in the SELECT."""
    columns = list(zip(*batch, strict=True))
    constant = [
        not isinstance(field, models.JSONField) and _all_equal(column)
        for field, column in zip(fields, columns, strict=True)
    ]
    if all(constant):
        constant[0] = False
    selected, arrays, constants, parameters = [], [], [], []
    for field, column, is_constant in zip(fields, columns, constant, strict=True):
        db_type = field.db_type(connection)
        if is_constant:
            selected.append(f"%s::{db_type}")
            constants.append(column[0])
        elif isinstance(field, models.JSONField):
            selected.append(f"c{len(arrays)}::{db_type}")
            arrays.append("%s::text[]")
            parameters.append([None if value is None else json.dumps(value, cls=field.encoder) for value in column])
        else:
            selected.append(f"c{len(arrays)}")
            arrays.append(f"%s::{db_type}[]")
            parameters.append(list(column))
    names = ", ".join(f"c{index}" for index in range(len(arrays)))
    selected += expressions
    statement = f"{head} SELECT {', '.join(selected)} FROM unnest({', '.join(arrays)}) AS batch({names})"  # noqa: S608  # nosec B608  # names from the model, values as parameters
    return statement, constants + parameters


def _all_equal(column: tuple) -> bool:
    first = column[0]
    return all(value == first and type(value) is type(first) for value in column)

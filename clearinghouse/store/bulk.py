"""Bulk inserts straight to the driver: COPY on PostgreSQL, executemany elsewhere.

Statements carry up to 10,000 items; SQLAlchemy's per-row parameter handling costs more
than the database does at that size. Values go through each column type's own bind
processor (so stored forms are exactly what the ORM would write), once per value, and
then to the driver in one call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import JSON, ColumnElement, LargeBinary, Table, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

__all__ = ["CHUNK", "bulk_insert", "bulk_select", "chunks", "key_chunks", "matches_keys"]

CHUNK = 900  # below SQLite's default limit of host parameters per statement


def chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    """``items`` in slices of at most ``size``: the keys of one IN list each."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def matches_keys(column: ColumnElement, dialect: Dialect) -> ColumnElement[bool]:
    """``column`` is one of the keys bound as ``keys`` (one chunk of ``key_chunks``): one
    array parameter on PostgreSQL, an IN list elsewhere. Either way the statement is
    compiled once and the keys go to the driver without a per-key literal."""
    if dialect.name == "postgresql":
        return column == any_(bindparam("keys", type_=ARRAY(column.type)))
    return column.in_(bindparam("keys", expanding=True))


def key_chunks(keys: Sequence, dialect: Dialect) -> Iterable[Sequence]:
    """``keys`` in the chunks ``matches_keys`` takes: all at once as one PostgreSQL array
    (one round trip, one plan), IN lists of ``CHUNK`` elsewhere."""
    if dialect.name == "postgresql":
        return [list(keys)] if keys else []
    return chunks(keys)


def bulk_insert(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    # Bytes go to both drivers as they are; every other type is bound by its own processor.
    processors = [
        None
        if isinstance(table.c[name].type, LargeBinary)
        else table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in columns
    ]
    if any(processors):
        # None is NULL as it is, except in JSON columns, which bind it as JSON null.
        keep_none = [not isinstance(table.c[name].type, JSON) for name in columns]
        rows = list(zip(*_processed_columns(rows, processors, keep_none), strict=True))
    names = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    target = f"{dialect.identifier_preparer.format_table(table)} ({names})"
    if dialect.name == "postgresql":
        # COPY inside the same transaction: an order of magnitude above executemany.
        cursor = conn.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO {target} VALUES ({', '.join([marker] * len(columns))})", list(rows)
    )


def bulk_select(
    session: Session,
    table: Table,
    columns: Sequence[str],
    key: str,
    keys: Sequence,
    where: tuple[str, object] | None = None,
) -> list[tuple]:
    """The ``columns`` of the rows of ``table`` whose ``key`` is among ``keys`` (and whose
    ``where`` column, when given, equals its value), as tuples in no particular order.

    Straight to the driver, as ``bulk_insert`` writes: keys go as they are (one array on
    PostgreSQL, IN lists elsewhere), and each stored value is read by its column type's
    own result processor, once per distinct value (a statement's rows share times and
    label lists). Values read from the same stored form are the same object: callers
    treat them as read-only.
    """
    keys = list(keys)
    if not keys:
        return []
    conn = session.connection()
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    base = f"SELECT {names} FROM {dialect.identifier_preparer.format_table(table)} WHERE "
    extra: tuple = ()
    if where is not None:
        base += f"{quote(where[0])} = {'?' if dialect.paramstyle == 'qmark' else '%s'} AND "
        extra = (where[1],)
    rows: list[tuple] = []
    if dialect.name == "postgresql":
        rows.extend(conn.exec_driver_sql(f"{base}{quote(key)} = ANY(%s)", (*extra, keys)))
    else:
        for chunk in chunks(keys):
            query = f"{base}{quote(key)} IN ({', '.join(['?'] * len(chunk))})"
            rows.extend(conn.exec_driver_sql(query, (*extra, *chunk)))
    # Both drivers return bytes as they are; every other type is read by its processor.
    processors = [
        None
        if isinstance(table.c[name].type, LargeBinary)
        else table.c[name].type.dialect_impl(dialect).result_processor(dialect, None)
        for name in columns
    ]
    if not rows or not any(processors):
        return [tuple(row) for row in rows]
    values = [list(column) for column in zip(*rows, strict=True)]
    for i, process in enumerate(processors):
        if process is None:
            continue
        try:
            read = {v: process(v) for v in dict.fromkeys(values[i])}
        except TypeError:  # unhashable stored forms: read each
            values[i] = [process(v) for v in values[i]]
        else:
            values[i] = list(map(read.__getitem__, values[i]))
    return list(zip(*values, strict=True))


def _processed_columns(
    rows: Sequence[Sequence], processors: list, keep_none: list[bool]
) -> list[list]:
    """Columns of ``rows`` with each value bound; each distinct value bound once (a
    statement stamps its rows alike: one time, one label list, one status)."""
    columns = [list(col) for col in zip(*rows, strict=True)]
    for i, process in enumerate(processors):
        if process is None:
            continue
        column = columns[i]
        try:
            distinct = dict.fromkeys(column)
        except TypeError:  # unhashable values (JSON lists): bind every one
            columns[i] = [
                None if value is None and keep_none[i] else process(value) for value in column
            ]
            continue
        bound = {v: None if v is None and keep_none[i] else process(v) for v in distinct}
        columns[i] = list(map(bound.__getitem__, column))
    return columns

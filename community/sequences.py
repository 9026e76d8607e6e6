"""Identity sequences kept past the highest id after rows were written with explicit ids.

Seeding (COPY with ids) and restoring leave PostgreSQL's sequences where they were; the
next INSERT would then draw an id already taken and fail on the primary key."""

from __future__ import annotations

from sqlalchemy import Connection, Integer, false, func, select, text

from community.db import metadata


def sync_sequences(connection: Connection) -> int:
    """Move every table's id sequence past its highest id; returns how many were set.
    A no-op on SQLite, whose rowid always follows the largest id."""
    if connection.dialect.name != "postgresql":
        return 0
    count = 0
    for table in metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
        ).scalar()
        if sequence is None:
            continue
        # setval(seq, max + 1, false): nextval answers max + 1; an empty table restarts at 1.
        highest = select(func.max(pk[0])).scalar_subquery()
        connection.execute(select(func.setval(sequence, func.coalesce(highest, 0) + 1, false())))
        count += 1
    return count

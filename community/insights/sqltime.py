"""Time arithmetic in SQL that SQLite and PostgreSQL both understand.

Durations and time buckets are computed in the database, so the statistics fetch a number
per thread instead of parsing two timestamps per row in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class epoch_seconds(FunctionElement[float]):  # noqa: N801  (reads like an SQL function)
    """Seconds since 1970-01-01 UTC of a timestamp column."""

    type = Float()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # The stored text is UTC without an offset; '%s' gives whole seconds, exactly.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS REAL)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # EXTRACT gives numeric, which the driver would hand over as Decimal.
    return (
        f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION)"
    )


class whole(FunctionElement[int]):  # noqa: N801
    """The integer part of a non-negative number (CAST truncates on SQLite, rounds on
    PostgreSQL: there FLOOR first)."""

    type = Integer()
    inherit_cache = True


@compiles(whole, "sqlite")
def _whole_sqlite(element: whole, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


@compiles(whole, "postgresql")
def _whole_postgresql(element: whole, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR({compiler.process(element.clauses, **kw)}) AS INTEGER)"


def hours_between(later: Any, earlier: Any) -> ColumnElement[float]:
    """NULL when either is NULL (no reply yet, not solved)."""
    return (epoch_seconds(later) - epoch_seconds(earlier)) / 3600.0

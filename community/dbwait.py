"""A psycopg connection that stops waiting for a silent server.

PostgreSQL's statement_timeout ends slow statements, but only a server that is reached can
apply it: behind a black-holed network (packets accepted or dropped, never answered) every
read would wait for as long as the kernel keeps the socket, which is minutes to hours.

The asynchronous one (the page version's reader on the event loop, pageversion.LoopReader)
is bounded the same way rather than by cancelling its task, and a task cancelled from
outside closes it at once: psycopg answers a cancelled wait by asking the server to cancel
the query and waiting for that, up to 10 s."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from psycopg import errors, waiting


class BoundedConnection(psycopg.Connection[Any]):
    round_trip_timeout: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if timeout is not None or self.round_trip_timeout is None:
            return super().wait(gen, interval=interval, timeout=timeout)
        try:
            return super().wait(gen, interval=interval, timeout=self.round_trip_timeout)
        except errors._WaitTimeout as exc:
            # Half a conversation is left on the socket: the connection cannot be reused.
            # A closed connection makes SQLAlchemy invalidate it (and its pool's older ones).
            self.close()
            raise _no_answer(self.round_trip_timeout) from exc


class BoundedAsyncConnection(psycopg.AsyncConnection[Any]):
    round_trip_timeout: float | None = None

    async def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if timeout is not None or self.round_trip_timeout is None:
            return await super().wait(gen, interval=interval, timeout=timeout)
        try:
            # psycopg's own wait, without its answer to a cancelled task (asking the server
            # to cancel the query and waiting for that, up to 10 s).
            return await waiting.wait_async(
                gen, self.pgconn.socket, interval=interval, timeout=self.round_trip_timeout
            )
        except errors._WaitTimeout as exc:
            self.pgconn.finish()  # half a conversation on the socket: never used again
            raise _no_answer(self.round_trip_timeout) from exc
        except asyncio.CancelledError:
            self.pgconn.finish()
            raise


def _no_answer(timeout: float) -> psycopg.OperationalError:
    return psycopg.OperationalError(f"the database did not answer within {timeout:g} s")

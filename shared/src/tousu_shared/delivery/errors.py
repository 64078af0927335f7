"""Which failures are worth retrying the whole batch for, and which belong to one message."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

#: SQLSTATEs that blame the server, not the statement: a connection exception (08…), too few
#: resources (53…), the server shutting down, crashed, or still starting up (57P01–57P03:
#: "the database system is starting up" while it replays its WAL after a crash)
_SERVER_AWAY = ("08", "53", "57P01", "57P02", "57P03")


class PermanentError(Exception):
    """A handler's verdict that this message can never be applied: straight to the DLQ."""


def is_transient(exc: BaseException) -> bool:
    """Infrastructure trouble: the database or network is away. Retry the batch later;
    the message itself is not at fault and must not be dead-lettered."""
    if isinstance(
        exc, (OperationalError, DisconnectionError, PoolTimeout, ConnectionError, TimeoutError, OSError)
    ):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    # asyncpg's errors reach us as a plain DBAPIError; the server's SQLSTATE says whose fault
    state = getattr(exc.orig, "sqlstate", None) or ""
    return exc.connection_invalidated or state.startswith(_SERVER_AWAY)

"""Which failures are worth retrying the whole batch for, and which belong to one message."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


class PermanentError(Exception):
    """A handler's verdict that this message can never be applied: straight to the DLQ."""


def is_transient(exc: BaseException) -> bool:
    """Infrastructure trouble: the database or network is away. Retry the batch later;
    the message itself is not at fault and must not be dead-lettered."""
    if isinstance(
        exc, (OperationalError, DisconnectionError, PoolTimeout, ConnectionError, TimeoutError, OSError)
    ):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated

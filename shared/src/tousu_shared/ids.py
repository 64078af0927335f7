"""Identifiers: ULIDs sort by creation time, which keeps indexes and logs readable."""

from ulid import ULID


def new_id() -> str:
    return str(ULID())

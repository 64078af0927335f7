"""Text fit to store: PostgreSQL refuses NUL characters, so input carrying them is refused first."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set):
        return any(has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    return False


class CleanModel(BaseModel):
    """A request or draft model whose strings (at any depth) hold no NUL character."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if has_nul(value):
            raise ValueError("contains a NUL character")
        return value

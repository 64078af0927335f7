"""Readable validation errors: name the field, say what is wrong, never echo the value."""

from __future__ import annotations

from pydantic import ValidationError


def describe_validation_error(exc: ValidationError, limit: int = 3, whole: str = "body") -> str:
    """``"contact.phone: String should match pattern …; text: Field required"``.

    ``whole`` names the input itself when the error is not about one field.
    """
    errors = exc.errors(include_input=False)
    parts = [f"{'.'.join(str(p) for p in err['loc']) or whole}: {err['msg']}" for err in errors[:limit]]
    more = len(errors) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")

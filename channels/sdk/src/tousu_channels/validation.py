"""Readable validation errors for adapters (Tousu's shared formatter, re-exported)."""

from tousu_shared.validation import describe_validation_error

__all__ = ["describe_validation_error"]

"""Triage's reader for tests that start from a complaint text (built once: jieba loads)."""

from __future__ import annotations

from functools import cache

from tousu_triage.classifier import Reader, Reading


@cache
def reader() -> Reader:
    return Reader()


def read(text: str) -> Reading:
    return reader().read(text)

"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tousu_shared.telemetry import tracing


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for one test, its spans kept in memory (``tracing.flush()`` before reading)."""
    exporter = InMemorySpanExporter()
    tracing.setup_tracing("unit", exporter, install_global=False)
    yield exporter
    tracing.reset_tracing()

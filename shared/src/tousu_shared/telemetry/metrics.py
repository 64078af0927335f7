"""Prometheus metrics, served by every service at ``GET /metrics`` on its HTTP port.

Counted where things happen (consumer batches, dead letters, the relay) and sampled every
``TOUSU_METRICS_SAMPLE_SECONDS`` where they are state (consumer lag, outbox backlog, DLQ
size; the SLA monitor's due clocks). HTTP latency comes from Litestar's Prometheus
middleware, by route template, so a case id in a path does not make a series of its own.
"""

from __future__ import annotations

from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from prometheus_client import Counter, Gauge, Histogram

CONSUMER_BATCH_SECONDS = Histogram(
    "tousu_consumer_batch_seconds",
    "Time to apply one batch of Kafka messages, database commit included",
    ["consumer"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CONSUMER_EVENTS = Counter(
    "tousu_consumer_events_total",
    "Messages a consumer took: applied, skipped as already applied, or dead-lettered",
    ["consumer", "outcome"],
)
DEAD_LETTERED = Counter(
    "tousu_dead_lettered_total",
    "Messages sent to <topic>.dlq, by the topic they came from",
    ["consumer", "topic"],
)
CONSUMER_LAG = Gauge(
    "tousu_consumer_lag_messages",
    "Messages on a topic the consumer group has not committed yet",
    ["group", "topic"],
)
DLQ_MESSAGES = Gauge("tousu_dlq_messages", "Messages a dead-letter topic holds", ["topic"])
OUTBOX_UNSENT = Gauge("tousu_outbox_unsent", "Outbox rows committed but not yet published to Kafka")
OUTBOX_OLDEST_SECONDS = Gauge(
    "tousu_outbox_oldest_unsent_seconds", "Age of the oldest unpublished outbox row"
)
OUTBOX_PUBLISHED = Counter("tousu_outbox_published_total", "Outbox rows published and acknowledged by Kafka")
SAMPLE_FAILURES = Counter(
    "tousu_metrics_sample_failures_total", "Metric samples that failed (Kafka or the database away)", ["what"]
)


def http_metrics(service: str) -> PrometheusConfig:
    return PrometheusConfig(
        app_name=service,
        prefix="tousu_http",
        group_path=True,
        exclude=["^/health", "^/metrics"],
        buckets=[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    )


__all__ = [
    "CONSUMER_BATCH_SECONDS",
    "CONSUMER_EVENTS",
    "CONSUMER_LAG",
    "DEAD_LETTERED",
    "DLQ_MESSAGES",
    "OUTBOX_OLDEST_SECONDS",
    "OUTBOX_PUBLISHED",
    "OUTBOX_UNSENT",
    "SAMPLE_FAILURES",
    "PrometheusController",
    "http_metrics",
]

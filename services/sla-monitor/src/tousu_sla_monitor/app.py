"""The sla-monitor service process."""

from __future__ import annotations

from tousu_shared.runtime.service import ServiceSpec, Subscription, serve
from tousu_sla_monitor.handlers import on_lifecycle_event

SPEC = ServiceSpec(
    name="sla-monitor",
    title="Tousu sla-monitor",
    migrations="tousu_sla_monitor.migrations",
    writes=lambda topics, regimes: [topics.sla],
    subscriptions=[
        Subscription(
            "sla-monitor",
            lambda topics, regimes: [topics.triaged, topics.workorders, topics.callbacks],
            on_lifecycle_event,
        ),
    ],
)


def main() -> None:
    serve(SPEC)


if __name__ == "__main__":
    main()

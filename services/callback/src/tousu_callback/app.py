"""The callback service process."""

from __future__ import annotations

from tousu_callback.handlers import on_sla_event, on_workorder_event
from tousu_callback.routes import record_callback
from tousu_shared.runtime.service import ServiceSpec, Subscription, serve

SPEC = ServiceSpec(
    name="callback",
    title="Tousu callback",
    migrations="tousu_callback.migrations",
    writes=lambda topics, regimes: [topics.callbacks, topics.audit("callback")],
    routes=[record_callback],
    subscriptions=[
        Subscription("callback", lambda topics, regimes: [topics.workorders], on_workorder_event),
        Subscription("callback-sla", lambda topics, regimes: [topics.sla], on_sla_event),
    ],
)


def main() -> None:
    serve(SPEC)


if __name__ == "__main__":
    main()

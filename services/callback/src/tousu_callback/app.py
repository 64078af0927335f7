"""The callback service process."""

from __future__ import annotations

from tousu_callback.handlers import on_lifecycle_event
from tousu_shared.runtime.service import ServiceSpec, Subscription, serve

SPEC = ServiceSpec(
    name="callback",
    title="Tousu callback",
    migrations="tousu_callback.migrations",
    writes=lambda topics, regimes: [topics.callbacks],
    subscriptions=[
        Subscription("callback", lambda topics, regimes: [topics.workorders], on_lifecycle_event),
    ],
)


def main() -> None:
    serve(SPEC)


if __name__ == "__main__":
    main()

"""The dispatch service process."""

from __future__ import annotations

from tousu_dispatch.handlers import on_triaged
from tousu_shared.runtime.service import ServiceSpec, Subscription, serve

SPEC = ServiceSpec(
    name="dispatch",
    title="Tousu dispatch",
    migrations="tousu_dispatch.migrations",
    writes=lambda topics, regimes: [topics.workorders],
    subscriptions=[Subscription("dispatch", lambda topics, regimes: [topics.triaged], on_triaged)],
)


def main() -> None:
    serve(SPEC)


if __name__ == "__main__":
    main()

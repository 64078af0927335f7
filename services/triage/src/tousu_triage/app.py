"""The triage service process: one deployment per regime (``TOUSU_REGIMES``), or several."""

from __future__ import annotations

from tousu_shared.runtime.service import ServiceSpec, Subscription, serve
from tousu_triage.handlers import on_received, reader
from tousu_triage.models import TriageResult
from tousu_triage.suggest_api import suggest

SPEC = ServiceSpec(
    name="triage",
    title="Tousu triage",
    migrations="tousu_triage.migrations",
    writes=lambda topics, regimes: [topics.triaged],
    warm_up=reader,
    routes=[suggest],
    subscriptions=[
        Subscription(
            "triage",
            lambda topics, regimes: [topics.received(r) for r in regimes],
            on_received,
            group_per_regime=True,
            preloads=(TriageResult,),
        ),
    ],
)


def main() -> None:
    serve(SPEC)


if __name__ == "__main__":
    main()

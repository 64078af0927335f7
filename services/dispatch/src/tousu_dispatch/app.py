"""The dispatch service process."""

from __future__ import annotations

from tousu_dispatch.actions_api import take_action
from tousu_dispatch.approvals_api import decide, list_approvals, record_compensation
from tousu_dispatch.handlers import on_sla_event, on_triaged
from tousu_dispatch.queries_api import get_work_order, list_work_orders
from tousu_dispatch.retention import on_archive_event
from tousu_dispatch.roster_api import get_roster, put_roster, reassign
from tousu_shared.runtime.service import ServiceSpec, Subscription, serve

SPEC = ServiceSpec(
    name="dispatch",
    title="Tousu dispatch",
    migrations="tousu_dispatch.migrations",
    writes=lambda topics, regimes: [topics.workorders, topics.audit("dispatch")],
    routes=[
        take_action,
        get_work_order,
        list_work_orders,
        put_roster,
        get_roster,
        reassign,
        record_compensation,
        decide,
        list_approvals,
    ],
    subscriptions=[
        Subscription("dispatch", lambda topics, regimes: [topics.triaged], on_triaged),
        Subscription("dispatch-sla", lambda topics, regimes: [topics.sla], on_sla_event),
        Subscription("dispatch-retention", lambda topics, regimes: [topics.archive], on_archive_event),
    ],
)


def main() -> None:
    serve(SPEC)


if __name__ == "__main__":
    main()

"""The intake service process: the admin API and the channels this deployment hosts."""

from __future__ import annotations

from tousu_intake.channel_routes import channel_handshake, channel_message
from tousu_intake.clarify import on_triaged
from tousu_intake.contact_api import reveal_contact
from tousu_intake.host import setup_host
from tousu_intake.rejection import reject_complaint
from tousu_intake.retention import on_archive_event
from tousu_intake.routes import (
    list_channel_accounts,
    list_estates,
    my_estates,
    put_channel_account,
    put_estate,
)
from tousu_shared.runtime.service import ServiceSpec, Subscription, serve

SPEC = ServiceSpec(
    name="intake",
    title="Tousu intake",
    migrations="tousu_intake.migrations",
    writes=lambda topics, regimes: [*(topics.received(r) for r in regimes), topics.audit("intake")],
    routes=[
        reject_complaint,
        reveal_contact,
        put_estate,
        list_estates,
        my_estates,
        put_channel_account,
        list_channel_accounts,
        channel_message,
        channel_handshake,
    ],
    subscriptions=[
        Subscription("intake", lambda topics, _: [topics.triaged], on_triaged),
        Subscription("intake-retention", lambda topics, _: [topics.archive], on_archive_event),
    ],
    setup=setup_host,
)


def main() -> None:
    serve(SPEC)


if __name__ == "__main__":
    main()

"""The callback service process."""

from __future__ import annotations

from tousu_callback.handlers import on_sla_event, on_workorder_event
from tousu_callback.notify import ESCALATION, NotificationSender
from tousu_callback.routes import record_callback
from tousu_callback.settings import callback_settings
from tousu_notifiers import load_notifier
from tousu_shared.db.engine import is_postgres
from tousu_shared.runtime.service import Runtime, ServiceSpec, Subscription, serve


def setup(rt: Runtime) -> None:
    """With a notifier for escalations configured, deliver the notification outbox; an
    unknown or unloadable notifier stops the process at start, saying which."""
    settings = callback_settings()
    if not settings.notify_escalation:
        return
    notifier = load_notifier(settings.notify_escalation)
    sender = NotificationSender(
        rt.sessions, {ESCALATION: notifier}, rt.clock, postgres=is_postgres(rt.engine)
    )

    async def deliver_notifications(rt: Runtime) -> None:
        await sender.run(settings.notify_poll_seconds)

    rt.background.append(deliver_notifications)


SPEC = ServiceSpec(
    name="callback",
    title="Tousu callback",
    migrations="tousu_callback.migrations",
    writes=lambda topics, regimes: [topics.callbacks, topics.audit("callback")],
    routes=[record_callback],
    setup=setup,
    subscriptions=[
        Subscription("callback", lambda topics, regimes: [topics.workorders], on_workorder_event),
        Subscription("callback-sla", lambda topics, regimes: [topics.sla], on_sla_event),
    ],
)


def main() -> None:
    serve(SPEC)


if __name__ == "__main__":
    main()

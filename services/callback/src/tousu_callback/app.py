"""The callback service process."""

from __future__ import annotations

from datetime import timedelta

from tousu_callback.contacts_api import get_staff_contacts, put_staff_contacts
from tousu_callback.handlers import on_received, on_workorder_event, sla_handler
from tousu_callback.models import CallbackCase, CaseFile, IntakeFacts
from tousu_callback.notify import CALLBACK, ESCALATION, NotificationSender
from tousu_callback.retention import on_archive_event
from tousu_callback.routes import record_attempt, record_callback, send_survey
from tousu_callback.settings import callback_settings
from tousu_callback.survey import SurveyIssuer, survey_key
from tousu_callback.survey_api import answer_survey, survey_page
from tousu_callback.tasks_api import feedback_form, get_task, list_tasks, summary
from tousu_notifiers import load_notifier
from tousu_shared.db.engine import is_postgres
from tousu_shared.runtime.service import Runtime, ServiceSpec, Subscription, serve


def setup(rt: Runtime) -> None:
    """The survey links' key, the consumer of the SLA monitor's events (it opens callback
    tasks), and with a notifier for escalations configured, delivery of the notification
    outbox; an unknown or unloadable notifier stops the process at start, saying which."""
    settings = callback_settings()
    base = settings.survey_base_url or f"http://127.0.0.1:{rt.settings.port_for('callback')}"
    surveys = SurveyIssuer(
        survey_key(settings, rt.settings.data_dir),
        timedelta(hours=settings.survey_ttl_hours),
        base,
        frozenset(settings.survey_channels),
    )
    rt.state["surveys"] = surveys
    rt.state["on_sla_event"] = on_sla_event = sla_handler(surveys)
    rt.extra_subscriptions.append(
        Subscription(
            "callback-sla",
            lambda topics, regimes: [topics.sla],
            on_sla_event,
            preloads=(IntakeFacts, CaseFile, CallbackCase),
        )
    )
    wanted = {ESCALATION: settings.notify_escalation, CALLBACK: settings.notify_callback}
    notifiers = {route: load_notifier(name) for route, name in wanted.items() if name}
    if not notifiers:
        return
    sender = NotificationSender(rt.sessions, notifiers, rt.clock, postgres=is_postgres(rt.engine))

    async def deliver_notifications(rt: Runtime) -> None:
        await sender.run(settings.notify_poll_seconds)

    rt.background.append(deliver_notifications)


SPEC = ServiceSpec(
    name="callback",
    title="Tousu callback",
    migrations="tousu_callback.migrations",
    writes=lambda topics, regimes: [
        topics.callbacks,
        topics.audit("callback"),
        *(topics.outbound(channel) for channel in sorted(callback_settings().survey_channels)),
    ],
    routes=[
        record_callback,
        record_attempt,
        send_survey,
        list_tasks,
        summary,
        get_task,
        feedback_form,
        put_staff_contacts,
        get_staff_contacts,
        survey_page,
        answer_survey,
    ],
    setup=setup,
    subscriptions=[
        Subscription(
            "callback",
            lambda topics, regimes: [topics.workorders],
            on_workorder_event,
            preloads=(IntakeFacts, CaseFile, CallbackCase),
        ),
        Subscription(
            "callback-intake",
            lambda topics, regimes: [topics.received(r) for r in regimes],
            on_received,
            preloads=(IntakeFacts,),
        ),
        Subscription("callback-retention", lambda topics, regimes: [topics.archive], on_archive_event),
    ],
)


def main() -> None:
    serve(SPEC)


if __name__ == "__main__":
    main()

"""The sla-monitor service process: the lifecycle consumer, the firing loop, the live views."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tousu_shared.calendar import CalendarFileError, load_calendar
from tousu_shared.delivery.rows import Preload
from tousu_shared.runtime.service import Runtime, ServiceSpec, Subscription, serve
from tousu_sla_monitor.firing import FiringLoop
from tousu_sla_monitor.handlers import lifecycle_handler
from tousu_sla_monitor.metrics import sample_clocks
from tousu_sla_monitor.models import SlaCase
from tousu_sla_monitor.routes import case_clocks, department_queue, open_clocks


class SlaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_SLA_", extra="ignore")

    batch_size: int = Field(default=200, ge=1, description="Cases fired per transaction")
    poll_seconds: float = Field(default=0.2, gt=0, description="Pause when nothing was due")
    calendar_dir: str | None = Field(default=None, description="Holiday files instead of the shipped ones")


def setup(rt: Runtime) -> None:
    settings = SlaSettings()
    try:
        calendar = load_calendar(directory=settings.calendar_dir)
    except CalendarFileError as exc:
        raise ValueError(str(exc)) from None
    rt.state["calendar"] = calendar
    rt.state["firing"] = loop = FiringLoop(
        rt.sessions,
        calendar,
        rt.topics,
        rt.clock,
        batch_size=settings.batch_size,
        poll_seconds=settings.poll_seconds,
    )
    rt.extra_subscriptions.append(
        Subscription(
            "sla-monitor",
            lambda topics, regimes: [topics.triaged, topics.workorders, topics.callbacks],
            lifecycle_handler(calendar),
            preloads=(Preload(SlaCase, for_update=True),),  # the firing loop writes them too
        )
    )

    async def fire_due_clocks(rt: Runtime) -> None:
        await loop.run(wake_relay=rt.relay.wake if rt.relay else None)

    rt.background.append(fire_due_clocks)


SPEC = ServiceSpec(
    name="sla-monitor",
    title="Tousu sla-monitor",
    migrations="tousu_sla_monitor.migrations",
    writes=lambda topics, regimes: [topics.sla],
    routes=[case_clocks, department_queue, open_clocks],
    setup=setup,
    sample=sample_clocks,
)


def main() -> None:
    serve(SPEC)


if __name__ == "__main__":
    main()

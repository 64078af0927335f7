"""A month of realistic complaint traffic from a seed: every event the services would publish
for a few thousand cases across a group's estates, for the reports' tests, the demo and the
archive benchmark.

Each case runs through the regime engine under virtual time (the same rules the SLA monitor
runs), so its clocks meet or breach by the rulebook's own numbers: a complaint arrives in
the daytime more than at night, is dispatched, sometimes contacted, planned or visited on
site, resolved after a heavy-tailed delay, called back (mostly satisfied; a dissatisfied
answer reopens it) and closed. A few are rejected or withdrawn; some are still open at the
end. Buildings are skewed, so hot spots appear; complaints about staff are reviewed, and
about a third found true against the assignee (the staff ladder's input).

The same seed gives the same events (ids included), in the order they happened.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from tousu_shared.calendar import load_calendar
from tousu_shared.cases.classification import classify
from tousu_shared.cases.engine import CaseEngine, CaseError
from tousu_shared.contracts.case_events import (
    ACTION_EVENTS,
    ClockBreached,
    ClockCancelled,
    ClockMet,
    ClockStarted,
    ClockStoppedLate,
    EscalationRaised,
    SeverityAutoUpgraded,
)
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import (
    ComplaintReceived,
    ComplaintRejected,
    ComplaintTriaged,
    MaskedContact,
    WorkOrderAssigned,
    WorkOrderCreated,
)
from tousu_shared.regimes import REGIME_IDS, Regime, load_regime
from tousu_shared.sla.clock import ClockStateError, SlaClock
from tousu_shared.sla.durations import TargetError

LOCAL = ZoneInfo("Asia/Shanghai")
_VERB_OF = {model.__name__: verb for verb, model in ACTION_EVENTS.items()}
_CHANNELS = ("phone", "phone", "phone", "onsite", "app", "wechat", "wechat", "owner_group", "email", "letter")
#: topics residents complain about most, with weights (a regime without one uses "other")
_TOPICS = {
    "water_leak": 14, "elevator": 12, "noise": 10, "parking": 9, "cleaning": 9, "fees": 7,
    "staff_attitude": 6, "drainage": 6, "power": 5, "greening": 4, "security": 4, "pests": 3,
    "service_response": 4, "facility_equipment": 5, "other": 2,
}  # fmt: skip
_TEXTS = {
    "water_leak": "{b}号楼{r}室楼上漏水，天花板都湿了，请尽快处理",
    "elevator": "{b}号楼电梯又坏了，老人上下楼很困难",
    "noise": "{b}号楼晚上施工噪音太大，影响休息",
    "parking": "小区车位被外来车辆占用，{b}号楼门口堵车",
    "cleaning": "{b}号楼楼道垃圾好几天没人清理",
    "fees": "物业费收费标准不清楚，要求解释",
    "staff_attitude": "前台工作人员态度很差，对业主不耐烦",
    "drainage": "{b}号楼下水道堵了，污水反上来",
    "power": "{b}号楼停电了，也没有通知",
    "greening": "小区绿化带无人修剪，杂草丛生",
    "security": "小区门岗不登记，陌生人随便进出",
    "pests": "{b}号楼地下室老鼠很多",
    "service_response": "报修三天了没有人来，客服也不回复",
    "facility_equipment": "{b}号楼门禁坏了，刷卡进不去",
    "other": "对小区管理有意见",
}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"


@dataclass(frozen=True)
class MonthSpec:
    tenant_id: str
    #: estate id → regime id
    estates: dict[str, str]
    #: the month's first instant (local midnight)
    start: datetime
    cases: int = 3000
    seed: int = 7
    #: events are generated up to this long after the month ends (late resolutions, callbacks)
    tail: timedelta = timedelta(days=5)
    buildings: int = 12

    @property
    def end(self) -> datetime:
        nxt = self.start.replace(day=28) + timedelta(days=4)
        return nxt.replace(day=1)


def default_estates() -> dict[str, str]:
    """Eight estates of one group, covering every shipped regime."""
    regimes = list(REGIME_IDS)
    return {f"estate-{i + 1:02d}": regimes[i % len(regimes)] for i in range(8)}


@dataclass
class SampleMonth:
    events: list[Envelope] = field(default_factory=list)
    #: reviews of complaints about staff: (complaint_id, estate_id, substantiated, staff ids, when)
    reviews: list[tuple[str, str, bool, tuple[str, ...], datetime]] = field(default_factory=list)


def generate(spec: MonthSpec) -> SampleMonth:
    rng = random.Random(spec.seed)
    calendar = load_calendar()
    regimes = {rid: load_regime(rid) for rid in set(spec.estates.values())}
    month = SampleMonth()
    seconds = (spec.end - spec.start).total_seconds()
    for number in range(spec.cases):
        estate = rng.choice(sorted(spec.estates))
        received = _daytime(rng, spec.start + timedelta(seconds=rng.random() * seconds))
        case = _Case(spec, rng, regimes[spec.estates[estate]], estate, received, number)
        case.run(calendar, month)
    month.events.sort(key=lambda e: (e.occurred_at, e.event_id))
    return month


def _daytime(rng: random.Random, at: datetime) -> datetime:
    """Most complaints come between 8:00 and 21:00."""
    local = at.astimezone(LOCAL)
    if (local.hour < 8 or local.hour >= 21) and rng.random() < 0.8:
        local = local.replace(hour=rng.randint(8, 20))
    return local


class _Case:
    def __init__(
        self, spec: MonthSpec, rng: random.Random, regime: Regime, estate: str, received: datetime, n: int
    ) -> None:
        self.spec, self.rng, self.regime, self.estate, self.received = spec, rng, regime, estate, received
        self.complaint_id = f"{spec.tenant_id}-{spec.start:%Y%m}-{spec.seed}-{n:06d}"
        self.work_order_id = f"wo-{self.complaint_id}"
        self.events: list[Envelope] = []
        building = min(int(rng.paretovariate(1.2)), spec.buildings)
        self.room = f"{building}-{rng.randint(1, 3)}-{rng.randint(1, 30):02d}{rng.randint(1, 4):02d}"
        names = [t for t in _TOPICS if t in regime.topics]
        self.topic = rng.choices(names, weights=[_TOPICS[t] for t in names])[0]
        self.channel = rng.choice(_CHANNELS)
        self.staff = f"{estate}-staff-{rng.randint(1, 12)}"

    def emit(self, payload: BaseModel, at: datetime) -> None:
        self.events.append(
            Envelope.new(
                payload=payload,
                occurred_at=at,
                tenant_id=self.spec.tenant_id,
                estate_id=self.estate,
                complaint_id=self.complaint_id,
            ).model_copy(
                update={
                    "event_id": (event_id := f"{self.complaint_id}-{len(self.events):03d}"),
                    "correlation_id": event_id,
                }
            )
        )

    def run(self, calendar: Any, month: SampleMonth) -> None:
        building = self.room.split("-")[0]
        text = _TEXTS.get(self.topic, _TEXTS["other"]).format(b=building, r=self.room.split("-")[-1])
        if self.rng.random() < 0.03:  # 不予受理: no concrete facts, duplicates, …
            self.emit(
                ComplaintRejected(
                    regime=self.regime.id,
                    reason="no_facts_or_contact",
                    reason_name="无具体事实",
                    message="您的投诉缺少具体事实，暂不受理",
                    decided_by=self.staff,
                    channel=self.channel,
                    room=self.room,
                    received_at=self.received,
                ),
                self.received,
            )
            month.events.extend(self.events)
            return
        self.emit(
            ComplaintReceived(
                regime=self.regime.id,
                channel=self.channel,
                text=text,
                room=self.room,
                contact=MaskedContact(name=f"{self.rng.choice(_SURNAMES)}**", phone="138****0000"),
                received_at=self.received,
            ),
            self.received,
        )
        overrides = {"topic": self.topic}
        if self.regime.severity_levels and self.rng.random() < 0.06:
            overrides["severity"] = self.regime.severity_levels[-1]
        classification = classify(self.regime, channel=self.channel, overrides=overrides)
        engine = CaseEngine(self.regime, calendar, LOCAL, self.received, classification)
        self._file(classification)
        until = self.spec.end + self.spec.tail
        for verb, at, details in self._script():
            if at > until:
                break
            try:
                engine.act(verb, at, details)
            except (CaseError, ClockStateError, TargetError):
                continue
        with contextlib.suppress(CaseError, ClockStateError, TargetError):
            engine.advance(max(until, engine.now))
        self._replay(engine, classification.department)
        self._review(month, engine)
        month.events.extend(self.events)

    def _file(self, c: Any) -> None:
        at = self.received + timedelta(seconds=2)
        self.emit(
            ComplaintTriaged(
                regime=self.regime.id,
                regime_version=self.regime.version,
                topic=c.topic,
                category=c.category,
                urgency=c.urgency,
                severity=c.severity,
                department=c.department,
                confidence=0.9,
                classifier="sample",
                channel=self.channel,
                received_at=self.received,
            ),
            at,
        )
        self.emit(
            WorkOrderCreated(
                work_order_id=self.work_order_id,
                department=c.department,
                category=c.category,
                regime=self.regime.ref,
                topic=c.topic,
                level=c.urgency or c.severity,
            ),
            at + timedelta(seconds=1),
        )
        self.emit(
            WorkOrderAssigned(
                work_order_id=self.work_order_id,
                staff_id=self.staff,
                team_id=c.department,
                reason="on shift",
            ),
            at + timedelta(seconds=2),
        )

    def _script(self) -> list[tuple[str, datetime, dict[str, Any]]]:
        """What staff and the resident do, and when."""
        r, t = self.rng, self.received
        steps: list[tuple[str, datetime, dict[str, Any]]] = []

        def later(hours: float) -> datetime:
            nonlocal t
            t = t + timedelta(hours=hours)
            return t

        steps.append(("dispatch", later(r.expovariate(1 / 0.4)), {}))
        steps.append(("accept", later(r.expovariate(1 / 0.3)), {}))
        if r.random() < 0.7:
            steps.append(("contact", later(r.expovariate(1 / 5)), {}))
        if r.random() < 0.5:
            steps.append(("onsite", later(r.expovariate(1 / 0.5)), {}))
        if r.random() < 0.4:
            steps.append(("plan", later(r.expovariate(1 / 8)), {}))
        if r.random() < 0.03:
            steps.append(("withdraw", later(r.expovariate(1 / 24)), {}))
            return steps
        for round_ in range(3):
            steps.append(("resolve", later(r.lognormvariate(2.7, 1.0)), {}))
            answer = r.choices(("satisfied", "basically_satisfied", "dissatisfied"), weights=(75, 13, 12))[0]
            if round_ == 2:
                answer = "satisfied"
            details = {
                "satisfied": answer != "dissatisfied",
                "satisfaction": answer,
                "score": {"satisfied": 5, "basically_satisfied": 4, "dissatisfied": 2}[answer],
                "channel": "phone",
            }
            steps.append(("callback", later(r.uniform(2, 22)), details))
            if answer != "dissatisfied":
                break
        return steps

    def _replay(self, engine: CaseEngine, department: str) -> None:
        """The engine's story as the services' events."""
        for event in engine.events:
            kind, at = event["type"], event["at"]
            if kind == "SeverityUpgraded" and event.get("automatic"):
                self.emit(SeverityAutoUpgraded(severity=event["severity"], reason=event["reason"]), at)
            elif kind in _VERB_OF:
                self.emit(self._action(_VERB_OF[kind], event), at)
        for clock in engine.clocks:
            self._clock_events(clock, department)
        for escalation in engine.escalations:
            self.emit(
                EscalationRaised(
                    to_role=escalation.to_role,
                    reason=escalation.reason,
                    trigger=escalation.trigger,
                    clock=escalation.clock,
                    department=department,
                ),
                escalation.at,
            )

    def _action(self, verb: str, event: dict[str, Any]) -> BaseModel:
        fields: dict[str, Any] = {
            k: event[k]
            for k in ("satisfaction", "score", "satisfied", "channel", "reason", "severity")
            if k in event
        }
        if verb == "close":
            fields.pop("reason", None)
            fields["note"] = event.get("reason")
        return ACTION_EVENTS[verb](verb=verb, work_order_id=self.work_order_id, by=self.staff, **fields)

    def _clock_events(self, clock: SlaClock, department: str) -> None:
        common = {
            "clock": clock.name,
            "target": clock.span.describe(),
            "started_at": clock.started_at,
            "due_at": clock.due_at,
            "owner": clock.owner,
            "department": department,
        }
        self.emit(ClockStarted(status="running", **common), clock.started_at)
        if clock.breached_at is not None:
            self.emit(ClockBreached(status="breached", **common), clock.breached_at)
        if clock.stopped_at is not None:
            model = ClockMet if clock.status == "met" else ClockStoppedLate
            self.emit(model(status=clock.status, stopped_at=clock.stopped_at, **common), clock.stopped_at)
        elif clock.cancelled_at is not None:
            self.emit(
                ClockCancelled(status="cancelled", stopped_at=clock.cancelled_at, **common),
                clock.cancelled_at,
            )

    def _review(self, month: SampleMonth, engine: CaseEngine) -> None:
        """Complaints about staff are reviewed once closed; about a third are found true."""
        if self.topic not in ("staff_attitude", "service_response") or engine.state != "closed":
            return
        found = self.rng.random() < 0.35
        month.reviews.append(
            (self.complaint_id, self.estate, found, (self.staff,) if found else (), engine.now)
        )

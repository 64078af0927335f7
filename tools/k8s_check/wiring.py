"""What the code says a deployment reads and writes: each service's own wiring
(``ServiceSpec`` and its ``setup``, as ``Lifecycle`` starts it), run in this process under
the deployment's settings, with nothing connected. So the expected topics, consumer groups,
regimes and channels come from the code, not from a list kept beside it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tousu_channels import available_channels
from tousu_cli.services import MODULES, spec_of
from tousu_intake.settings import IntakeSettings
from tousu_shared.clock import SystemClock
from tousu_shared.contracts.topics import Topics
from tousu_shared.db.engine import make_engine, make_sessionmaker
from tousu_shared.regimes import REGIME_IDS, selected_regimes
from tousu_shared.runtime.service import Runtime
from tousu_shared.settings import ServiceSettings

#: the settings that change what a deployment reads and writes; the others (credentials,
#: file paths of mounted secrets, limits) are left out, so nothing is read from disk
TOPOLOGY_SETTINGS = ("TOUSU_REGIMES", "TOUSU_CHANNELS", "TOUSU_TOPIC_PREFIX", "TOUSU_SURVEY_CHANNELS")

SERVICES = tuple(MODULES)
#: the desk console: a Deployment of its own, but no service (no database, no topic written)
CONSOLE = "console"


@dataclass
class Wiring:
    service: str
    regimes: list[str]
    #: intake only: the channel adapters this deployment hosts
    channels: list[str]
    written: list[str]
    #: consumer group -> the topics it reads
    groups: dict[str, list[str]] = field(default_factory=dict)
    #: serves an HTTP API beside /health (triage does not)
    has_api: bool = False
    #: talks to something outside the cluster: a hosted channel that replies (WeChat's API,
    #: an SMTP relay)
    reaches_out: bool = False

    @property
    def read(self) -> list[str]:
        return [t for topics in self.groups.values() for t in topics]


#: Deployment name -> its wiring
Wirings = dict[str, Wiring]


def regime_ids() -> list[str]:
    return list(REGIME_IDS)


def channel_names() -> list[str]:
    """Every channel adapter installed under the entry point group tousu.channels."""
    return available_channels()


def wiring(service: str, env: Mapping[str, str]) -> Wiring:
    """The wiring of ``service`` under ``env`` (a deployment's TOUSU_* settings); a ValueError
    when the service would refuse those settings at start-up."""
    spec = spec_of(service)
    with _settings_only(env) as data_dir:
        settings = ServiceSettings(data_dir=data_dir)
        engine = make_engine("sqlite+aiosqlite://")  # never connected: setup only builds objects
        rt = Runtime(
            spec=spec,
            settings=settings,
            clock=SystemClock(),
            engine=engine,
            sessions=make_sessionmaker(engine),
            topics=Topics(settings.topic_prefix),
            regimes=selected_regimes(settings.regimes),
        )
        if spec.setup is not None:
            spec.setup(rt)
        channels = IntakeSettings().channel_names(available_channels()) if service == "intake" else []
        adapters = rt.state["channels"].adapters.values() if service == "intake" else []
        groups: dict[str, list[str]] = {}
        for sub in rt.all_subscriptions():
            group = settings.group_id(sub.name_for(rt.regimes))
            groups.setdefault(group, []).extend(sub.topics(rt.topics, rt.regimes))
        return Wiring(
            service=service,
            regimes=rt.regimes,
            channels=channels,
            written=[*spec.writes(rt.topics, rt.regimes), *rt.extra_writes],
            groups=groups,
            has_api=bool(spec.routes),
            reaches_out=any(adapter.can_reply for adapter in adapters),
        )


@contextmanager
def _settings_only(env: Mapping[str, str]) -> Iterator[Path]:
    """The process environment holds only the topology settings of ``env`` meanwhile (no
    TOUSU_* of the shell leaks in), and the data folder is a temporary one (local
    development keys are generated there, as on a laptop)."""
    saved = dict(os.environ)
    try:
        for name in [n for n in os.environ if n.startswith("TOUSU_")]:
            del os.environ[name]
        os.environ.update({k: v for k, v in env.items() if k in TOPOLOGY_SETTINGS})
        with tempfile.TemporaryDirectory(prefix="tousu-k8s-check-") as data_dir:
            yield Path(data_dir)
    finally:
        os.environ.clear()
        os.environ.update(saved)

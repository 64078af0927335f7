"""What the console's pages share: its settings, the people who may sign in, the calls to
the services, and the live-update hub."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request

from tousu_console.backend import Backend
from tousu_console.hub import Hub
from tousu_console.people import People
from tousu_console.settings import ConsoleSettings
from tousu_shared.settings import ServiceSettings


@dataclass
class Console:
    settings: ConsoleSettings
    people: People
    backend: Backend
    data_dir: Path
    hub: Hub
    #: the Kafka, topic prefix and data folder settings it shares with the services
    service: ServiceSettings


def console_of(request: Request[Any, Any, Any]) -> Console:
    console: Console = request.app.state.console
    return console

"""What the console's pages share: its settings, who may sign in (the people file, or the
identity provider), the calls to the services, and the live-update hub."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request

from tousu_console.backend import Backend
from tousu_console.hub import Hub
from tousu_console.oidc import OidcClient
from tousu_console.people import People
from tousu_console.settings import ConsoleSettings
from tousu_shared.settings import ServiceSettings


@dataclass
class Console:
    settings: ConsoleSettings
    #: who may sign in with a password; None when the identity provider signs people in
    people: People | None
    backend: Backend
    data_dir: Path
    hub: Hub
    #: the Kafka, topic prefix and data folder settings it shares with the services
    service: ServiceSettings
    oidc: OidcClient | None = None


def console_of(request: Request[Any, Any, Any]) -> Console:
    console: Console = request.app.state.console
    return console

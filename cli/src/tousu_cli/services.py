"""The six services by name, imported only when asked for."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # importing a service pulls in the web and Kafka stacks: only when asked
    from tousu_shared.runtime.service import ServiceSpec

MODULES = {
    "intake": "tousu_intake.app",
    "triage": "tousu_triage.app",
    "dispatch": "tousu_dispatch.app",
    "sla-monitor": "tousu_sla_monitor.app",
    "callback": "tousu_callback.app",
    "archive": "tousu_archive.app",
}


def spec_of(name: str) -> ServiceSpec:
    if name not in MODULES:
        raise typer.BadParameter(f"unknown service {name!r}; one of: {', '.join(MODULES)}")
    return importlib.import_module(MODULES[name]).SPEC

"""JSON Schema export of the envelope, every registered payload and the regime file.

``tousu contracts export DIR`` writes them; a test compares them with the snapshots in
``shared/schemas/`` so that an incompatible change cannot slip in unnoticed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import EVENT_TYPES, payload_model


def all_schemas() -> dict[str, dict[str, Any]]:
    from tousu_shared.regimes.loader import regime_json_schema  # the regimes import the contracts

    schemas = {"Envelope.v1.json": Envelope.model_json_schema()}
    for event_type, version in EVENT_TYPES:
        schemas[f"{event_type}.v{version}.json"] = payload_model(event_type, version).model_json_schema()
    schemas["Regime.v1.json"] = regime_json_schema()
    return schemas


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def export(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = directory / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written

"""The channel route's request body in intake's OpenAPI document: each JSON channel's model.

The route reads the raw body (WeChat sends XML, a mailbox nothing), so Litestar cannot
infer it; the adapters that take JSON declare ``body_model`` and it is documented here,
which also lets schemathesis fuzz the bodies the channels really parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.openapi.spec import Operation

from tousu_channels import available_channels
from tousu_channels.registry import adapter_class


def _bodies() -> list[dict[str, Any]]:
    bodies = []
    for name in available_channels():
        cls = adapter_class(name)
        if cls is not None and cls.body_model is not None:
            schema = cls.body_model.model_json_schema()
            inlined = _inline(schema, schema.pop("$defs", {}))
            bodies.append({**inlined, "title": f"{name}: {schema.get('title', name)}"})
    return bodies


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Put X in place of ``{"$ref": "#/$defs/X"}``: refs resolve against the whole document."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return _inline({**defs[ref.removeprefix("#/$defs/")], **rest}, defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


@dataclass
class ChannelMessageOperation(Operation):
    def to_schema(self) -> dict[str, Any]:
        result = super().to_schema()
        bodies = _bodies()
        if bodies:
            schema = bodies[0] if len(bodies) == 1 else {"oneOf": bodies}
            result["requestBody"] = {
                "required": True,
                "description": "The channel's message: a JSON channel's body (others take their own format)",
                "content": {"application/json": {"schema": schema}},
            }
        return result

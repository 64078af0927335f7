"""Schema validation: Kubernetes' own kinds with kubernetes-validate (strict: an unknown
field is an error, as with ``kubectl apply --validate=strict``), custom resources against
the openAPIV3Schema of their CRD, made strict the same way."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from tools.k8s_check.tools import KAFKA_TOPIC_CRD, KEDA_CRDS, KUBERNETES_VERSION

Schema = dict[str, Any]


def problems(obj: dict[str, Any]) -> list[str]:
    """What is wrong with one object against its schema; empty when it is valid."""
    if not isinstance(obj.get("apiVersion"), str) or not isinstance(obj.get("kind"), str):
        return ["no apiVersion or kind"]
    crd_schema = custom_resource_schemas().get((obj["apiVersion"], obj["kind"]))
    if crd_schema is not None:
        validator = jsonschema.Draft202012Validator(crd_schema)
        return [_say(e) for e in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        return [
            f"no schema for {obj['apiVersion']} {obj['kind']} (Kubernetes {KUBERNETES_VERSION} or the CRDs)"
        ]
    except kubernetes_validate.ValidationError as exc:
        return [_say(exc)]
    return []


def _say(error: jsonschema.ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "(top)"
    return f"{where}: {error.message}"


@cache
def custom_resource_schemas() -> dict[tuple[str, str], Schema]:
    """(apiVersion, kind) -> JSON Schema, for every served version of the CRDs we use."""
    schemas: dict[tuple[str, str], Schema] = {}
    for path in [KAFKA_TOPIC_CRD, *KEDA_CRDS]:
        for crd in _documents(path):
            spec = crd["spec"]
            for version in spec["versions"]:
                if version.get("served", True):
                    api_version = f"{spec['group']}/{version['name']}"
                    schema = strict(version["schema"]["openAPIV3Schema"])
                    schemas[(api_version, spec["names"]["kind"])] = schema
    return schemas


def _documents(path: Path) -> Iterable[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def strict(schema: Schema) -> Schema:
    """The schema with unknown fields refused wherever the CRD lists an object's fields and
    does not ask to keep unknown ones (x-kubernetes-preserve-unknown-fields)."""
    schema = copy.deepcopy(schema)
    _close(schema, top=True)
    return schema


def _close(node: Any, top: bool = False) -> None:
    if isinstance(node, list):
        for item in node:
            _close(item)
        return
    if not isinstance(node, dict):
        return
    for value in node.values():
        _close(value)
    keeps_unknown = node.get("x-kubernetes-preserve-unknown-fields") or "additionalProperties" in node
    if "properties" in node and not keeps_unknown:
        node["additionalProperties"] = False
    if top:  # metadata is the API server's to check: any ObjectMeta field is fine here
        node.setdefault("properties", {})["metadata"] = {"type": "object"}

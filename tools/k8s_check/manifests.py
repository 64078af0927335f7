"""A rendered overlay, and the questions the checks ask of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import yaml

Obj = dict[str, Any]
WORKLOAD_KINDS = ("Deployment", "Job")
#: libyaml's loader where PyYAML has it (ten times faster on a rendered overlay)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Overlay:
    name: str
    objects: list[Obj]

    @classmethod
    def parse(cls, name: str, rendered: str) -> Overlay:
        return cls(name, [d for d in yaml.load_all(rendered, Loader=YAML_LOADER) if isinstance(d, dict)])

    def of_kind(self, *kinds: str) -> list[Obj]:
        return [o for o in self.objects if o.get("kind") in kinds]

    def named(self, kind: str, name: str) -> Obj | None:
        return next((o for o in self.of_kind(kind) if name_of(o) == name), None)


def name_of(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name", "?"))


def namespace_of(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("namespace", "default"))


def pod_spec(workload: Obj) -> Obj:
    return ((workload.get("spec") or {}).get("template") or {}).get("spec") or {}


def pod_labels(workload: Obj) -> dict[str, str]:
    return (((workload.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}


def pod_annotations(workload: Obj) -> dict[str, str]:
    return (((workload.get("spec") or {}).get("template") or {}).get("metadata") or {}).get(
        "annotations"
    ) or {}


def containers(workload: Obj) -> list[Obj]:
    spec = pod_spec(workload)
    return [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]


def service_of(workload: Obj) -> str:
    return pod_labels(workload).get("app.kubernetes.io/name", "")


def plain_env(overlay: Overlay, workload: Obj, container: Obj) -> dict[str, str]:
    """The container's environment as far as the manifests spell it out: its ConfigMaps
    (envFrom), then its own literal values; values from Secrets or the downward API are
    present with an empty value."""
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef") or {}
        configmap = overlay.named("ConfigMap", ref.get("name", ""))
        if configmap is not None and namespace_of(configmap) == namespace_of(workload):
            prefix = source.get("prefix", "")
            env.update({prefix + k: str(v) for k, v in (configmap.get("data") or {}).items()})
    for var in container.get("env") or []:
        env[var["name"]] = str(var.get("value", ""))
    return env


def main_container(workload: Obj) -> Obj:
    found = (pod_spec(workload).get("containers") or [{}])[0]
    return found


def secret_mounted_at(workload: Obj, container: Obj, path: str) -> str | None:
    """The Secret whose volume holds the file ``path`` in this container, if any."""
    for mount in container.get("volumeMounts") or []:
        if PurePosixPath(path).is_relative_to(mount["mountPath"]):
            for volume in pod_spec(workload).get("volumes") or []:
                if volume["name"] == mount["name"] and "secret" in volume:
                    return str(volume["secret"].get("secretName"))
    return None


def selects(selector: Obj | None, labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels, matchExpressions) against labels; an empty
    selector selects everything."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }.get(op, False)
        if not ok:
            return False
    return True

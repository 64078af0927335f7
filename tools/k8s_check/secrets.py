"""Secrets are referenced, never inlined: no Secret with data in the manifests, no
password-like setting with a literal value, no URL that carries a password."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tools.k8s_check.manifests import WORKLOAD_KINDS, Obj, Overlay, containers
from tools.k8s_check.violations import Violation, about

#: a setting named like this holds a secret, unless it names the file (…_FILE) that holds it
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE|(^|_)KEYS?($|_)", re.IGNORECASE)
#: scheme://user:password@host
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)


def check(overlay: Overlay) -> Iterator[Violation]:
    for secret in overlay.of_kind("Secret"):
        if secret.get("data") or secret.get("stringData"):
            yield about(overlay.name, secret, "a Secret with data in the manifests: create it out of band")
    for configmap in overlay.of_kind("ConfigMap"):
        for key, value in (configmap.get("data") or {}).items():
            if problem := _inlined(key, str(value)):
                yield about(overlay.name, configmap, f"{key}: {problem}")
    for workload in overlay.of_kind(*WORKLOAD_KINDS):
        for c in containers(workload):
            for var in c.get("env") or []:
                if "value" in var and (problem := _inlined(var["name"], str(var["value"]))):
                    yield about(
                        overlay.name, workload, f"container {c.get('name')}: env {var['name']}: {problem}"
                    )


def _inlined(name: str, value: str) -> str | None:
    if URL_WITH_PASSWORD.search(value):
        return "a URL with a password inlined; mount it from a Secret (…_FILE) or use secretKeyRef"
    if value and SECRET_NAME.search(name) and not name.upper().endswith("_FILE"):
        return "looks like a secret given inline; mount it from a Secret (…_FILE) or use secretKeyRef"
    return None


def is_secret_setting(var: Obj) -> bool:
    return bool(SECRET_NAME.search(var.get("name", "")))

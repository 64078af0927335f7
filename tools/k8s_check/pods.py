"""Rules for every Tousu pod (Deployments and the migration Jobs): pinned images, resources,
a locked-down security context, a writable /tmp, probes and metrics on the http port,
OpenTelemetry's settings, migrations left to the Job."""

from __future__ import annotations

from collections.abc import Iterator

from tools.k8s_check.manifests import (
    WORKLOAD_KINDS,
    Obj,
    Overlay,
    containers,
    plain_env,
    pod_annotations,
    pod_spec,
)
from tools.k8s_check.violations import Violation, about

HTTP_PORT = 8080
PROBES = {"startupProbe": "/health/live", "livenessProbe": "/health/live", "readinessProbe": "/health/ready"}
OTEL_SETTINGS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES")
SCRAPE = {
    "prometheus.io/scrape": "true",
    "prometheus.io/port": str(HTTP_PORT),
    "prometheus.io/path": "/metrics",
}


def check(overlay: Overlay) -> Iterator[Violation]:
    for workload in overlay.of_kind(*WORKLOAD_KINDS):
        for message in _workload(overlay, workload):
            yield about(overlay.name, workload, message)


def _workload(overlay: Overlay, workload: Obj) -> Iterator[str]:
    spec = pod_spec(workload)
    pod_security = spec.get("securityContext") or {}
    for c in containers(workload):
        name = c.get("name", "?")
        yield from (f"container {name}: {m}" for m in _image(c.get("image", "")))
        yield from (f"container {name}: {m}" for m in _resources(c.get("resources") or {}))
        yield from (f"container {name}: {m}" for m in _security(pod_security, c.get("securityContext") or {}))
    if not _tmp_is_writable(spec):
        yield "no writable emptyDir mounted at /tmp (the root filesystem is read-only)"
    if workload["kind"] != "Deployment":
        return
    app = (spec.get("containers") or [{}])[0]
    yield from _probes_and_port(app)
    env = plain_env(overlay, workload, app)
    for setting in OTEL_SETTINGS:
        if setting not in env:
            yield f"{setting} is not set (OpenTelemetry)"
    if env.get("TOUSU_AUTO_MIGRATE", "true").lower() not in ("false", "0", "no"):
        yield "TOUSU_AUTO_MIGRATE is not false: the migration Job migrates, not the pods"
    annotations = pod_annotations(workload)
    for key, want in SCRAPE.items():
        if annotations.get(key) != want:
            yield f"pod annotation {key} is {annotations.get(key)!r}, not {want!r} (Prometheus scraping)"


def _image(image: str) -> Iterator[str]:
    if "@sha256:" in image:
        return
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        yield f"image {image!r} has no tag: pin a version"
    elif last.rsplit(":", 1)[1] == "latest":
        yield f"image {image!r} is pinned to :latest: pin a version"


def _resources(resources: Obj) -> Iterator[str]:
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    for what in ("cpu", "memory"):
        if what not in requests:
            yield f"no {what} request (resources.requests.{what})"
    if "memory" not in limits:
        yield "no memory limit (resources.limits.memory)"


def _security(pod: Obj, container: Obj) -> Iterator[str]:
    def setting(key: str) -> object:
        return container.get(key, pod.get(key))

    if setting("runAsNonRoot") is not True:
        yield "runAsNonRoot is not true"
    if setting("runAsUser") == 0:
        yield "runs as user 0 (root)"
    if container.get("readOnlyRootFilesystem") is not True:
        yield "readOnlyRootFilesystem is not true"
    if container.get("allowPrivilegeEscalation") is not False:
        yield "allowPrivilegeEscalation is not false"
    if "ALL" not in ((container.get("capabilities") or {}).get("drop") or []):
        yield "capabilities do not drop ALL"
    seccomp = setting("seccompProfile")
    if not isinstance(seccomp, dict) or seccomp.get("type") != "RuntimeDefault":
        yield "seccompProfile is not RuntimeDefault"


def _tmp_is_writable(spec: Obj) -> bool:
    empty_dirs = {v["name"] for v in spec.get("volumes") or [] if "emptyDir" in v}
    return all(
        any(m["mountPath"] == "/tmp" and m["name"] in empty_dirs for m in c.get("volumeMounts") or [])
        for c in spec.get("containers") or []
    )


def _probes_and_port(app: Obj) -> Iterator[str]:
    ports = {p.get("name"): p.get("containerPort") for p in app.get("ports") or []}
    if ports.get("http") != HTTP_PORT:
        yield f"no container port named http on {HTTP_PORT}"
    for probe, path in PROBES.items():
        get = (app.get(probe) or {}).get("httpGet") or {}
        if get.get("path") != path or get.get("port") not in ("http", HTTP_PORT):
            yield f"{probe} is not an HTTP GET of {path} on the http port"

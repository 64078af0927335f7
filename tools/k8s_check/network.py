"""NetworkPolicy coverage, pod by pod: behind the default deny, each pod may reach DNS, its
own database and (servers) Kafka and the OTLP collector; Prometheus may scrape every
server; only the services with an HTTP API (from the code) take traffic from elsewhere, and
only the deployments whose code talks to the outside (a channel that replies) reach it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from tools.k8s_check.manifests import (
    WORKLOAD_KINDS,
    Obj,
    Overlay,
    main_container,
    name_of,
    namespace_of,
    plain_env,
    pod_labels,
    selects,
    service_of,
)
from tools.k8s_check.violations import Violation, about
from tools.k8s_check.wiring import CONSOLE, Wirings

DNS_PORT, DATABASE_PORT, HTTP_PORT = 53, 5432, 8080
MONITORING = {"kubernetes.io/metadata.name": "monitoring"}
#: the label that names the service a database pod belongs to (deploy/k8s/README.md)
DATABASE_LABEL = "tousu.io/database"


@dataclass(frozen=True)
class Rule:
    peers: list[Obj]  # empty: any peer
    ports: list[Obj]  # empty: any port

    def allows_port(self, port: int) -> bool:
        return not self.ports or any(p.get("port") in (port, None) for p in self.ports)


def check(overlay: Overlay, wirings: Wirings) -> Iterator[Violation]:
    apis = {w.service: w.has_api for w in wirings.values()}
    for workload in overlay.of_kind(*WORKLOAD_KINDS):
        for message in _pod(overlay, workload, lambda service: apis.get(service, True)):
            yield about(overlay.name, workload, message)
        outside = [r for r in _rules(overlay, workload, "Egress") if _leaves_the_cluster(r)]
        wiring = wirings.get(name_of(workload)) if workload["kind"] == "Deployment" else None
        if outside and not (wiring and wiring.reaches_out):
            yield about(
                overlay.name,
                workload,
                "a NetworkPolicy lets it reach addresses outside the cluster, "
                "but its code talks to nothing there",
            )


def _rules(overlay: Overlay, workload: Obj, direction: str) -> list[Rule]:
    key = "egress" if direction == "Egress" else "ingress"
    side = "to" if direction == "Egress" else "from"
    rules = []
    for policy in overlay.of_kind("NetworkPolicy"):
        spec = policy.get("spec") or {}
        if namespace_of(policy) != namespace_of(workload) or direction not in (spec.get("policyTypes") or []):
            continue
        if selects(spec.get("podSelector"), pod_labels(workload)):
            rules += [Rule(r.get(side) or [], r.get("ports") or []) for r in spec.get(key) or []]
    return rules


def _pod(overlay: Overlay, workload: Obj, has_api: Callable[[str], bool]) -> Iterator[str]:
    service = service_of(workload)
    egress, ingress = _rules(overlay, workload, "Egress"), _rules(overlay, workload, "Ingress")
    if not any(r.allows_port(DNS_PORT) for r in egress):
        yield f"no NetworkPolicy lets it reach DNS (port {DNS_PORT})"
    if service == CONSOLE:
        yield from _console_reaches_the_apis(egress)
    else:
        yield from _own_database(service, egress)
    if workload["kind"] != "Deployment":
        return
    env = plain_env(overlay, workload, main_container(workload))
    kafka_port = int(env.get("TOUSU_KAFKA_BOOTSTRAP", ":9092").split(",")[0].rsplit(":", 1)[1])
    otlp_port = urlsplit(env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "http://-:4318")).port or 4318
    for what, port in (("Kafka", kafka_port), ("the OTLP collector", otlp_port)):
        if not any(r.allows_port(port) for r in egress):
            yield f"no NetworkPolicy lets it reach {what} (port {port})"
    scrape = [r for r in ingress if r.allows_port(HTTP_PORT) and any(_is_monitoring(p) for p in r.peers)]
    if not scrape:
        yield f"no NetworkPolicy lets Prometheus (namespace monitoring) scrape port {HTTP_PORT}"
    others = [r for r in ingress if not r.peers or not all(_is_monitoring(p) for p in r.peers)]
    if has_api(service) and not any(r.allows_port(HTTP_PORT) for r in others):
        yield (
            f"serves an HTTP API, but no NetworkPolicy lets the ingress or the console reach port {HTTP_PORT}"
        )
    if not has_api(service) and others:
        yield "serves no HTTP API (only /health and /metrics), yet a NetworkPolicy lets others in"


def _leaves_the_cluster(rule: Rule) -> bool:
    return not rule.peers or any("ipBlock" in peer for peer in rule.peers)


def _is_monitoring(peer: Obj) -> bool:
    selector = peer.get("namespaceSelector")
    return (
        selector is not None
        and (selector.get("matchLabels") or {}) == MONITORING
        and "podSelector" not in peer
    )


def _own_database(service: str, egress: list[Rule]) -> Iterator[str]:
    own_database = [
        r
        for r in egress
        if r.ports
        and r.allows_port(DATABASE_PORT)
        and r.peers
        and all(_peer_label(p, DATABASE_LABEL) == service for p in r.peers)
    ]
    if not own_database:
        database = f"{DATABASE_LABEL}={service}, port {DATABASE_PORT}"
        yield f"no NetworkPolicy lets it reach its own database ({database})"


def _console_reaches_the_apis(egress: list[Rule]) -> Iterator[str]:
    """The console keeps no database; it calls the services' APIs (all of them)."""
    to_servers = [
        r
        for r in egress
        if r.peers
        and r.allows_port(HTTP_PORT)
        and any(_peer_label(p, "app.kubernetes.io/component") == "server" for p in r.peers)
    ]
    if not to_servers:
        yield f"no NetworkPolicy lets the console reach the services' APIs (port {HTTP_PORT})"


def _peer_label(peer: Obj, key: str) -> str | None:
    value = ((peer.get("podSelector") or {}).get("matchLabels") or {}).get(key)
    return str(value) if value is not None else None

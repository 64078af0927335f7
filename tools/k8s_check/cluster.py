"""Rules between objects: every Deployment has its PodDisruptionBudget and one autoscaler at
most, every pod is covered by the NetworkPolicies it needs behind a default deny."""

from __future__ import annotations

from collections.abc import Iterator

from tools.k8s_check.manifests import (
    WORKLOAD_KINDS,
    Obj,
    Overlay,
    name_of,
    namespace_of,
    pod_labels,
    selects,
)
from tools.k8s_check.violations import Violation, about

AUTOSCALERS = ("ScaledObject", "HorizontalPodAutoscaler")


def check(overlay: Overlay) -> Iterator[Violation]:
    yield from _disruption_budgets(overlay)
    yield from _autoscalers(overlay)
    yield from _default_deny(overlay)


def _disruption_budgets(overlay: Overlay) -> Iterator[Violation]:
    budgets = overlay.of_kind("PodDisruptionBudget")
    for deployment in overlay.of_kind("Deployment"):
        mine = [
            b
            for b in budgets
            if namespace_of(b) == namespace_of(deployment)
            and selects(b.get("spec", {}).get("selector"), pod_labels(deployment))
        ]
        if len(mine) != 1:
            found = ", ".join(name_of(b) for b in mine) or "none"
            yield about(overlay.name, deployment, f"needs exactly one PodDisruptionBudget; found: {found}")
            continue
        spec = mine[0]["spec"]
        replicas = deployment.get("spec", {}).get("replicas", 1)
        if isinstance(spec.get("minAvailable"), int) and spec["minAvailable"] >= replicas:
            yield about(overlay.name, mine[0], f"minAvailable {spec['minAvailable']} blocks every node drain")


def autoscalers_of(overlay: Overlay, deployment: Obj) -> list[Obj]:
    return [
        a
        for a in overlay.of_kind(*AUTOSCALERS)
        if namespace_of(a) == namespace_of(deployment)
        and (a.get("spec", {}).get("scaleTargetRef") or {}).get("name") == name_of(deployment)
        and (a.get("spec", {}).get("scaleTargetRef") or {}).get("kind", "Deployment") == "Deployment"
    ]


def _autoscalers(overlay: Overlay) -> Iterator[Violation]:
    deployments = {(namespace_of(d), name_of(d)) for d in overlay.of_kind("Deployment")}
    for scaler in overlay.of_kind(*AUTOSCALERS):
        target = (scaler.get("spec", {}).get("scaleTargetRef") or {}).get("name")
        if (namespace_of(scaler), target) not in deployments:
            yield about(overlay.name, scaler, f"scales Deployment {target!r}, which is not in the overlay")
    for deployment in overlay.of_kind("Deployment"):
        scalers = autoscalers_of(overlay, deployment)
        if len(scalers) > 1:
            names = ", ".join(f"{s['kind']}/{name_of(s)}" for s in scalers)
            yield about(overlay.name, deployment, f"has {len(scalers)} autoscalers, which fight: {names}")


def _default_deny(overlay: Overlay) -> Iterator[Violation]:
    namespaces = {namespace_of(w) for w in overlay.of_kind(*WORKLOAD_KINDS)}
    for namespace in sorted(namespaces):
        denies = [
            p
            for p in overlay.of_kind("NetworkPolicy")
            if namespace_of(p) == namespace
            and not p.get("spec", {}).get("podSelector")
            and {"Ingress", "Egress"} <= set(p["spec"].get("policyTypes") or [])
            and not p["spec"].get("ingress")
            and not p["spec"].get("egress")
        ]
        if not denies:
            yield Violation(
                overlay.name, "NetworkPolicy", "-", f"no default-deny policy in namespace {namespace}"
            )

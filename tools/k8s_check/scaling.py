"""Scaling against the code: KEDA's lag triggers name the deployment's real consumer groups
and topics, intake scales on CPU, the monthly report issuer stays alone, and production runs
at least two replicas of everything else."""

from __future__ import annotations

from collections.abc import Iterator

from tools.k8s_check.cluster import autoscalers_of
from tools.k8s_check.manifests import Obj, Overlay, main_container, name_of, plain_env
from tools.k8s_check.topology import topic_names
from tools.k8s_check.violations import Violation, about
from tools.k8s_check.wiring import Wirings
from tousu_archive.settings import ArchiveSettings

#: overlays that must run every deployment (but the report issuer) on two replicas or more
HIGHLY_AVAILABLE = ("production",)


def check(overlay: Overlay, wirings: Wirings) -> Iterator[Violation]:
    issuers = []
    for deployment in overlay.of_kind("Deployment"):
        wiring = wirings.get(name_of(deployment))
        if wiring is None:
            continue
        scalers = autoscalers_of(overlay, deployment)
        env = plain_env(overlay, deployment, main_container(deployment))
        if wiring.service == "archive" and _issues_monthly_reports(env):
            issuers.append(deployment)
            yield from _alone(overlay, deployment, scalers)
            continue
        kinds = [s["kind"] for s in scalers]
        wanted = "HorizontalPodAutoscaler" if wiring.service == "intake" else "ScaledObject"
        if wiring.groups and wanted not in kinds:
            how = "on CPU" if wanted == "HorizontalPodAutoscaler" else "on its consumer lag"
            yield about(overlay.name, deployment, f"has no {wanted} (it scales {how})")
        for scaler in scalers:
            if scaler["kind"] == "ScaledObject":
                yield from _lag_triggers(overlay, scaler, wiring.groups, env)
        if overlay.name in HIGHLY_AVAILABLE and _least_replicas(deployment, scalers) < 2:
            yield about(overlay.name, deployment, "runs fewer than 2 replicas at its least")
    if len(issuers) != 1:
        names = ", ".join(name_of(d) for d in issuers) or "none"
        yield Violation(
            overlay.name,
            "Deployment",
            "archive",
            f"exactly one archive Deployment issues the monthly reports; found: {names}",
        )


def _issues_monthly_reports(env: dict[str, str]) -> bool:
    """TOUSU_MONTHLY_REPORTS as archive reads it (its default when unset)."""
    value = env.get("TOUSU_MONTHLY_REPORTS", ArchiveSettings.model_fields["monthly_reports"].default)
    return ArchiveSettings.model_validate({"monthly_reports": value}).monthly_reports


def _alone(overlay: Overlay, deployment: Obj, scalers: list[Obj]) -> Iterator[Violation]:
    if deployment.get("spec", {}).get("replicas", 1) != 1 or scalers:
        yield about(
            overlay.name,
            deployment,
            "issues the monthly reports, so it runs one replica, never autoscaled "
            "(TOUSU_MONTHLY_REPORTS=false on every other archive replica)",
        )


def _least_replicas(deployment: Obj, scalers: list[Obj]) -> int:
    for scaler in scalers:
        spec = scaler.get("spec") or {}
        return int(
            spec.get("minReplicaCount", 0) if scaler["kind"] == "ScaledObject" else spec.get("minReplicas", 1)
        )
    return int(deployment.get("spec", {}).get("replicas", 1))


def _lag_triggers(
    overlay: Overlay, scaler: Obj, groups: dict[str, list[str]], env: dict[str, str]
) -> Iterator[Violation]:
    spec = scaler.get("spec") or {}
    covered = set()
    for trigger in spec.get("triggers") or []:
        if trigger.get("type") != "kafka":
            continue
        meta = trigger.get("metadata") or {}
        group, topic = meta.get("consumerGroup"), meta.get("topic")
        if group not in groups:
            yield about(
                overlay.name,
                scaler,
                f"trigger on consumer group {group!r}, which the deployment does not use "
                f"(its groups: {', '.join(sorted(groups)) or 'none'})",
            )
            continue
        covered.add(group)
        if topic is not None and topic not in groups[group]:
            yield about(
                overlay.name, scaler, f"trigger on topic {topic!r}, which group {group} does not read"
            )
        if meta.get("bootstrapServers") != env.get("TOUSU_KAFKA_BOOTSTRAP"):
            yield about(
                overlay.name,
                scaler,
                f"trigger asks {meta.get('bootstrapServers')!r}, the deployment uses "
                f"{env.get('TOUSU_KAFKA_BOOTSTRAP')!r}",
            )
    for group in sorted(set(groups) - covered):
        yield about(overlay.name, scaler, f"no lag trigger for consumer group {group}")
    declared = topic_names(overlay)
    partitions = [
        declared[t].get("spec", {}).get("partitions", 1)
        for ts in groups.values()
        for t in ts
        if t in declared
    ]
    most = spec.get("maxReplicaCount", 100)
    if partitions and most > max(partitions):
        yield about(
            overlay.name,
            scaler,
            f"maxReplicaCount {most} is more than its topics' {max(partitions)} partitions "
            "(the extra consumers would idle)",
        )

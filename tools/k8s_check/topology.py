"""The manifests against the code: a Deployment for every service, one triage Deployment per
regime of the catalogue, one intake Deployment per installed channel, a KafkaTopic and a DLQ
KafkaTopic for every topic a deployment reads or writes (and none that nobody uses), and a
migration Job per service database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from tools.k8s_check.manifests import (
    Obj,
    Overlay,
    main_container,
    name_of,
    plain_env,
    secret_mounted_at,
    service_of,
)
from tools.k8s_check.violations import Violation, about
from tools.k8s_check.wiring import CONSOLE, SERVICES, Wirings, channel_names, regime_ids


def check(overlay: Overlay, wirings: Wirings) -> Iterator[Violation]:
    yield from _services(overlay, wirings)
    yield from _one_per("triage", "regime", "TOUSU_REGIMES", regime_ids(), overlay, wirings)
    yield from _one_per("intake", "channel", "TOUSU_CHANNELS", channel_names(), overlay, wirings)
    yield from _topics(overlay, wirings)
    yield from _migrations(overlay)


def _services(overlay: Overlay, wirings: Wirings) -> Iterator[Violation]:
    deployed = {w.service for w in wirings.values()}
    for service in SERVICES:
        if service not in deployed:
            yield Violation(overlay.name, "Deployment", service, f"no Deployment runs the {service} service")


def _one_per(
    service: str, what: str, setting: str, expected: list[str], overlay: Overlay, wirings: Wirings
) -> Iterator[Violation]:
    """One Deployment of ``service`` per item the code knows (regime, channel), each alone."""
    served: Counter[str] = Counter()
    for name, w in sorted(wirings.items()):
        if w.service != service:
            continue
        items = w.regimes if what == "regime" else w.channels
        served.update(items)
        if len(items) != 1:
            yield Violation(
                overlay.name,
                "Deployment",
                name,
                f"serves {len(items)} {what}s ({', '.join(items)}): "
                f"one {service} Deployment per {what}, {setting}=<one {what}>",
            )
    for item in expected:
        if served[item] == 0:
            yield Violation(
                overlay.name,
                "Deployment",
                f"{service}-{item}",
                f"missing: no {service} Deployment for {what} {item!r} ({setting}={item})",
            )
        elif served[item] > 1:
            yield Violation(
                overlay.name,
                "Deployment",
                f"{service}-{item}",
                f"{what} {item!r} is served by {served[item]} {service} Deployments",
            )


def topic_names(overlay: Overlay) -> dict[str, Obj]:
    return {str(t.get("spec", {}).get("topicName") or name_of(t)): t for t in overlay.of_kind("KafkaTopic")}


def _topics(overlay: Overlay, wirings: Wirings) -> Iterator[Violation]:
    declared = topic_names(overlay)
    used: dict[str, str] = {}  # topic -> a deployment that uses it
    for name, w in sorted(wirings.items()):
        for topic in [*w.written, *w.read]:
            used.setdefault(topic, name)
    for topic, user in sorted(used.items()):
        if topic not in declared:
            yield Violation(
                overlay.name,
                "KafkaTopic",
                topic,
                f"missing: {user} uses topic {topic!r}, which has no KafkaTopic",
            )
        if f"{topic}.dlq" not in declared:
            yield Violation(
                overlay.name,
                "KafkaTopic",
                f"{topic}.dlq",
                f"missing: topic {topic!r} has no DLQ KafkaTopic ({topic}.dlq)",
            )
    wanted = set(used) | {f"{t}.dlq" for t in used}
    for topic, obj in sorted(declared.items()):
        if topic not in wanted:
            yield about(overlay.name, obj, f"no deployment reads or writes topic {topic!r} (a stale topic?)")


def database_secret(workload: Obj, env: dict[str, str]) -> str | None:
    """The Secret the database URL comes from (secretKeyRef or the file of TOUSU_DATABASE_URL_FILE)."""
    container = main_container(workload)
    for var in container.get("env") or []:
        if var["name"] == "TOUSU_DATABASE_URL":
            return ((var.get("valueFrom") or {}).get("secretKeyRef") or {}).get("name")
    if path := env.get("TOUSU_DATABASE_URL_FILE"):
        return secret_mounted_at(workload, container, path)
    return None


def _migrations(overlay: Overlay) -> Iterator[Violation]:
    jobs: dict[str, list[Obj]] = {}
    for job in overlay.of_kind("Job"):
        args = main_container(job).get("args") or main_container(job).get("command") or []
        if list(args[:3]) == ["tousu", "db", "upgrade"] and len(args) == 4:
            jobs.setdefault(args[3], []).append(job)
    secrets_of: dict[str, set[str | None]] = {}
    for deployment in overlay.of_kind("Deployment"):
        service = service_of(deployment)
        if service == CONSOLE:  # keeps no database
            continue
        env = plain_env(overlay, deployment, main_container(deployment))
        secret = database_secret(deployment, env)
        if secret is None:
            yield about(overlay.name, deployment, "its database URL does not come from a Secret")
        secrets_of.setdefault(service, set()).add(secret)
    for service in SERVICES:
        found = jobs.get(service, [])
        if len(found) != 1:
            yield Violation(
                overlay.name,
                "Job",
                f"migrate-{service}",
                f"needs exactly one Job running `tousu db upgrade {service}`; found {len(found)}",
            )
            continue
        job = found[0]
        secret = database_secret(job, plain_env(overlay, job, main_container(job)))
        if secrets_of.get(service, set()) - {secret, None}:
            yield about(
                overlay.name,
                job,
                f"migrates database Secret {secret!r}, but {service} runs on "
                f"{', '.join(sorted(map(str, secrets_of[service])))}",
            )
    owners: dict[str | None, set[str]] = {}
    for service, secrets in secrets_of.items():
        for secret in secrets:
            owners.setdefault(secret, set()).add(service)
    for secret, services in owners.items():
        if secret is not None and len(services) > 1:
            yield Violation(
                overlay.name,
                "Secret",
                secret,
                f"one database for several services: {', '.join(sorted(services))}",
            )

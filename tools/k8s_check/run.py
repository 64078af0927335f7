"""Render each overlay, validate its objects, apply the policies; collect the violations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from tools.k8s_check import cluster, dockerfiles, network, pods, scaling, schemas, secrets, topology
from tools.k8s_check.manifests import Overlay, main_container, name_of, plain_env, service_of
from tools.k8s_check.tools import ROOT, RenderError, kustomize_build
from tools.k8s_check.violations import Violation, about
from tools.k8s_check.wiring import CONSOLE, SERVICES, TOPOLOGY_SETTINGS, Wiring, Wirings, wiring

OVERLAYS = ROOT / "deploy" / "k8s" / "overlays"

Say = Callable[[str], None]


def check_overlay(directory: Path, say: Say = lambda _: None, name: str | None = None) -> list[Violation]:
    name = name or directory.name
    try:
        rendered = kustomize_build(directory)
    except RenderError as exc:
        return [Violation(name, "Kustomization", directory.name, f"kustomize build failed: {exc}")]
    overlay = Overlay.parse(name, rendered)
    say(f"{name}: rendered {len(overlay.objects)} objects")
    found = [about(name, obj, problem) for obj in overlay.objects for problem in schemas.problems(obj)]
    say(f"{name}: validated them (Kubernetes {schemas.KUBERNETES_VERSION}, Strimzi and KEDA schemas)")
    wirings, wiring_problems = wirings_of(overlay)
    found += wiring_problems
    for policy in (
        pods.check(overlay),
        secrets.check(overlay),
        cluster.check(overlay),
        network.check(overlay, wirings),
        topology.check(overlay, wirings),
        scaling.check(overlay, wirings),
    ):
        found += policy
    say(f"{name}: checked the policies against the code's wiring of {len(wirings)} Deployments")
    return sorted(set(found))


def wirings_of(overlay: Overlay) -> tuple[Wirings, list[Violation]]:
    """What the code makes of each Deployment's settings."""
    wirings: Wirings = {}
    problems: list[Violation] = []
    for deployment in overlay.of_kind("Deployment"):
        service = service_of(deployment)
        app = main_container(deployment)
        if service == CONSOLE:  # web pages over the services' APIs: it writes no topic
            runs = [*(app.get("command") or []), *(app.get("args") or [])]
            if runs != ["tousu-console"]:
                problems.append(about(overlay.name, deployment, f"runs {runs}, not the console"))
            continue
        if service not in SERVICES:
            problems.append(
                about(
                    overlay.name, deployment, f"label app.kubernetes.io/name={service!r} is no Tousu service"
                )
            )
            continue
        runs = [*(app.get("command") or []), *(app.get("args") or [])]
        if runs not in (["tousu", "service", "run", service], [f"tousu-{service}"]):
            problems.append(about(overlay.name, deployment, f"runs {runs}, not the {service} service"))
        env = plain_env(overlay, deployment, app)
        try:
            wirings[name_of(deployment)] = _wiring(
                service, tuple(sorted((k, v) for k, v in env.items() if k in TOPOLOGY_SETTINGS))
            )
        except ValueError as exc:
            problems.append(about(overlay.name, deployment, f"{service} would refuse its settings: {exc}"))
    return wirings, problems


@cache
def _wiring(service: str, settings: tuple[tuple[str, str], ...]) -> Wiring:
    return wiring(service, dict(settings))


def check_dockerfiles() -> Iterator[Violation]:
    for service in (*SERVICES, CONSOLE):
        path = ROOT / "services" / service / "Dockerfile"
        yield from dockerfiles.check(path, service)
        if path.is_file():
            yield from dockerfiles.hadolint(path, service)

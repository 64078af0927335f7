"""`make k8s-check` on the real overlays (they pass) and on a broken copy of production (it
fails, saying what is wrong). The tools come from `make k8s-tools` (a prerequisite of
`make test`); without them the tests skip on a laptop and fail in CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tools.k8s_check import dockerfiles, wiring
from tools.k8s_check.run import OVERLAYS, check_dockerfiles, check_overlay
from tools.k8s_check.tools import ROOT, missing_tools
from tools.k8s_check.violations import Violation


@pytest.fixture(scope="module", autouse=True)
def _tools() -> None:
    if missing := missing_tools():
        message = f"missing {', '.join(missing)}: run make k8s-tools"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.parametrize("overlay", sorted(p.name for p in OVERLAYS.iterdir() if p.is_dir()))
def test_the_overlays_pass(overlay: str) -> None:
    assert [str(v) for v in check_overlay(OVERLAYS / overlay)] == []


def test_the_dockerfiles_pass() -> None:
    assert [str(v) for v in check_dockerfiles()] == []


BROKEN = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../production, extra.yaml]
images:
  - {name: ghcr.io/tousu/sla-monitor, newTag: latest}
patches:
  - target: {kind: Deployment, name: dispatch}
    patch: |-
      - {op: remove, path: /spec/template/spec/containers/0/resources}
  - target: {kind: Deployment, name: callback}
    patch: |-
      - {op: replace, path: /spec/replicas, value: two}
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value: {name: TOUSU_DATABASE_URL, value: "postgresql+asyncpg://callback:hunter2@db/callback"}
  - target: {kind: Deployment, name: archive}
    patch: |-
      - {op: remove, path: /spec/template/spec/containers/0/readinessProbe}
      - op: replace
        path: /spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem
        value: false
  - target: {kind: ScaledObject, name: sla-monitor}
    patch: |-
      - {op: replace, path: /spec/minReplicaCount, value: 1}
  - target: {kind: ScaledObject, name: dispatch}
    patch: |-
      - {op: replace, path: /spec/triggers/1/metadata/consumerGroup, value: tousu.dispatch-sla-typo}
      - {op: replace, path: /spec/triggers/0/metadata/lagThreshold, value: 200}
  - patch: |-
      $patch: delete
      apiVersion: kafka.strimzi.io/v1beta2
      kind: KafkaTopic
      metadata: {name: workorders.events.dlq, namespace: tousu}
  - patch: |-
      $patch: delete
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: triage-logistics-service, namespace: tousu}
  - patch: |-
      $patch: delete
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: triage-database, namespace: tousu}
  - patch: |-
      $patch: delete
      apiVersion: policy/v1
      kind: PodDisruptionBudget
      metadata: {name: intake-desk, namespace: tousu}
  - patch: |-
      $patch: delete
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: console, namespace: tousu}
  - target: {kind: Deployment, name: console}
    patch: |-
      - {op: replace, path: /spec/template/spec/containers/0/args, value: [tousu, service, run, intake]}
"""

EXTRA = """\
apiVersion: kafka.strimzi.io/v1beta2
kind: KafkaTopic
metadata: {name: complaints.received.retired-regime, labels: {strimzi.io/cluster: tousu}}
spec: {partitions: 6, replicas: 3}
---
apiVersion: v1
kind: Secret
metadata: {name: tousu-admin-token}
stringData: {token: let-me-in}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: tousu-extra-settings}
data: {TOUSU_VAULT_INDEX_KEY: c2VjcmV0}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: dispatch-anywhere, namespace: tousu}
spec:
  podSelector: {matchLabels: {app.kubernetes.io/instance: dispatch}}
  policyTypes: [Egress]
  egress: [{ports: [{protocol: TCP, port: 443}]}]
"""


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The check's lines for a copy of deploy/k8s with a broken overlay over production,
    checked as production."""
    k8s = tmp_path_factory.mktemp("deploy") / "k8s"
    shutil.copytree(ROOT / "deploy" / "k8s", k8s)
    (k8s / "overlays" / "broken").mkdir()
    (k8s / "overlays" / "broken" / "kustomization.yaml").write_text(BROKEN)
    (k8s / "overlays" / "broken" / "extra.yaml").write_text(EXTRA)
    return [str(v) for v in check_overlay(k8s / "overlays" / "broken", name="production")]


@pytest.mark.parametrize(
    "line",
    [
        # schemas: Kubernetes' and KEDA's
        "production/Deployment/callback: spec.replicas: 'two' is not of type 'integer', 'null'",
        "production/ScaledObject/dispatch: spec.triggers.0.metadata.lagThreshold: 200 is not of type "
        "'string'",
        # pods
        "production/Deployment/dispatch: container app: no cpu request (resources.requests.cpu)",
        "production/Deployment/dispatch: container app: no memory limit (resources.limits.memory)",
        "production/Deployment/sla-monitor: container app: image 'ghcr.io/tousu/sla-monitor:latest' is "
        "pinned to "
        ":latest: pin a version",
        "production/Job/migrate-sla-monitor: container app: image 'ghcr.io/tousu/sla-monitor:latest' is "
        "pinned to "
        ":latest: pin a version",
        "production/Deployment/archive: readinessProbe is not an HTTP GET of /health/ready on the http port",
        "production/Deployment/archive: container app: readOnlyRootFilesystem is not true",
        # secrets
        "production/Deployment/callback: container app: env TOUSU_DATABASE_URL: a URL with a password "
        "inlined; "
        "mount it from a Secret (…_FILE) or use secretKeyRef",
        "production/Secret/tousu-admin-token: a Secret with data in the manifests: create it out of band",
        "production/ConfigMap/tousu-extra-settings: TOUSU_VAULT_INDEX_KEY: looks like a secret given inline; "
        "mount it from a Secret (…_FILE) or use secretKeyRef",
        # against the code
        "production/KafkaTopic/workorders.events.dlq: missing: topic 'workorders.events' has no DLQ "
        "KafkaTopic "
        "(workorders.events.dlq)",
        "production/Deployment/triage-logistics-service: missing: no triage Deployment for regime "
        "'logistics-service' (TOUSU_REGIMES=logistics-service)",
        "production/ScaledObject/dispatch: trigger on consumer group 'tousu.dispatch-sla-typo', which "
        "the deployment "
        "does not use (its groups: tousu.dispatch, tousu.dispatch-retention, tousu.dispatch-sla)",
        "production/ScaledObject/dispatch: no lag trigger for consumer group tousu.dispatch-sla",
        "production/KafkaTopic/complaints.received.retired-regime: no deployment reads or writes topic "
        "'complaints.received.retired-regime' (a stale topic?)",
        "production/Deployment/intake-desk: needs exactly one PodDisruptionBudget; found: none",
        "production/Deployment/dispatch: a NetworkPolicy lets it reach addresses outside the cluster, "
        "but its code talks to nothing there",
        "production/Deployment/triage-community-standard: no NetworkPolicy lets it reach its own database "
        "(tousu.io/database=triage, port 5432)",
        "production/Job/migrate-triage: no NetworkPolicy lets it reach its own database "
        "(tousu.io/database=triage, port 5432)",
        "production/Deployment/sla-monitor: runs fewer than 2 replicas at its least",
        "production/Deployment/console: runs ['tousu', 'service', 'run', 'intake'], not the console",
        "production/Deployment/console: no NetworkPolicy lets the console reach the services' APIs "
        "(port 8080)",
        "production/Deployment/console: serves an HTTP API, but no NetworkPolicy lets the ingress or the "
        "console reach port 8080",
        # the ScaledObject of the deleted Deployment points at nothing
        "production/ScaledObject/triage-logistics-service: scales Deployment 'triage-logistics-service', "
        "which is not in the overlay",
    ],
)
def test_a_broken_overlay_fails_saying_what_is_wrong(broken: list[str], line: str) -> None:
    assert line in broken, "\n".join(broken)


def test_the_expected_deployments_come_from_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """A regime added to the catalogue or a channel installed without its Deployment fails."""
    from tools.k8s_check import topology

    monkeypatch.setattr(topology, "regime_ids", lambda: [*wiring.regime_ids(), "new-regime"])
    monkeypatch.setattr(topology, "channel_names", lambda: [*wiring.channel_names(), "hotline12345"])
    lines = [str(v) for v in check_overlay(OVERLAYS / "staging")]
    assert lines == [
        "staging/Deployment/intake-hotline12345: missing: no intake Deployment for channel 'hotline12345' "
        "(TOUSU_CHANNELS=hotline12345)",
        "staging/Deployment/triage-new-regime: missing: no triage Deployment for regime 'new-regime' "
        "(TOUSU_REGIMES=new-regime)",
    ]


def test_a_dockerfile_without_stages_or_a_user_fails(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(
        "FROM python:latest\nENV TOUSU_KAFKA_PASSWORD=hunter2\nRUN pip install tousu-dispatch\n"
        'CMD ["tousu-dispatch"]\n'
    )
    lines = [str(v) for v in dockerfiles.check(path, "dispatch")]
    assert lines == ["dockerfiles/Dockerfile/dispatch: 1 FROM stage(s): build in one stage, ship a slim one"]
    path.write_text(
        "FROM python:3.11-slim AS build\nRUN pip install uv\nFROM python:latest\n"
        "ENV TOUSU_KAFKA_PASSWORD=hunter2\nRUN apt-get install -y gcc\nUSER root\n"
    )
    assert [str(v) for v in dockerfiles.check(path, "dispatch")] == [
        "dockerfiles/Dockerfile/dispatch: base image 'python:latest' is not pinned to a version",
        "dockerfiles/Dockerfile/dispatch: ENV TOUSU_KAFKA_PASSWORD: a secret does not belong in the image",
        "dockerfiles/Dockerfile/dispatch: the final stage runs as 'root'",
        "dockerfiles/Dockerfile/dispatch: the final stage installs or runs a build tool ('gcc')",
    ]
    hadolint = [str(v) for v in dockerfiles.hadolint(path, "dispatch")]
    assert any(line.startswith("dockerfiles/Dockerfile/dispatch: hadolint: DL3007 ") for line in hadolint), (
        hadolint
    )


def test_violations_read_overlay_kind_name() -> None:
    assert (
        str(Violation("production", "Deployment", "dispatch", "no PDB"))
        == "production/Deployment/dispatch: no PDB"
    )

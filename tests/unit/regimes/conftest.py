"""Helpers: copy a shipped regime file, change it, and read back where a problem was reported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parents[3] / "shared" / "src" / "tousu_shared" / "regimes" / "data"

Edit = Callable[[str, str, str], Path]


def shipped(regime_id: str) -> Path:
    return DATA / f"{regime_id}@1.yaml"


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first occurrence of ``needle`` in the file."""
    text = path.read_text(encoding="utf-8")
    assert needle in text, needle
    return text[: text.index(needle)].count("\n") + 1


@pytest.fixture
def edited(tmp_path: Path) -> Edit:
    """edited(regime_id, old, new): a copy of the shipped file with ``old`` (found once) replaced."""

    def make(regime_id: str, old: str, new: str) -> Path:
        text = shipped(regime_id).read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {regime_id}"
        path = tmp_path / f"{regime_id}@1.yaml"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return path

    return make

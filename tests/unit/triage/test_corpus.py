"""The shipped corpus keeps the promises of its GUIDE.md: enough texts for every regime,
a fixed split by id hash, and the kinds of text residents really write."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from tousu_shared.regimes import REGIME_IDS, load_regime
from tousu_triage.classifier.normalise import to_simplified
from tousu_triage.corpus import Record, assigned_split, read_corpus

_LATIN = re.compile(r"[A-Za-z]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@cache
def corpus() -> tuple[Record, ...]:
    return tuple(read_corpus())


def is_traditional(text: str) -> bool:
    """At least two characters change when converted to simplified."""
    return sum(a != b for a, b in zip(text, to_simplified(text), strict=False)) >= 2


def is_english(text: str) -> bool:
    return len(_LATIN.findall(text)) > 3 * len(_HAN.findall(text))


def test_at_least_600_texts_and_every_regime_has_its_share() -> None:
    records = corpus()
    per_regime = Counter(r.regime for r in records)
    assert len(records) >= 600
    assert set(per_regime) == set(REGIME_IDS)
    assert min(per_regime.values()) >= 100, per_regime


def test_every_record_sits_in_the_split_its_id_hash_gives() -> None:
    wrong = [r.id for r in corpus() if r.split != assigned_split(r.id)]
    assert not wrong, f"re-run `uv run python -m tousu_triage.split`: {wrong[:5]}"
    test_share = sum(r.split == "test" for r in corpus()) / len(corpus())
    assert 0.18 < test_share < 0.32


def test_the_level_field_is_the_regimes_own() -> None:
    for r in corpus():
        regime = load_regime(r.regime)
        kind, value = r.level
        levels = regime.urgency_levels if kind == "urgency" else regime.severity_levels
        assert value in levels, (r.id, kind, value, levels)


def test_it_holds_the_hard_kinds_of_text() -> None:
    records = corpus()
    traditional = sum(is_traditional(r.text) for r in records)
    assert traditional >= len(records) // 10, traditional
    assert sum(is_english(r.text) for r in records) >= 20
    assert sum("客服" in r.text and ("业主" in r.text or "業主" in r.text) for r in records) >= 30
    assert sum(len(r.text) >= 150 for r in records) >= 30
    assert sum(r.clarify for r in records) >= 25
    assert sum(r.note is not None for r in records) >= 30
    assert sum(r.signatories is not None for r in records) >= 20
    assert len({r.topic for r in records}) >= 28

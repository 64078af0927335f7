"""Triage of one complaint under one regime: the reading of its text, filed by the regime."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tousu_shared.cases.classification import Classification, classify
from tousu_shared.regimes.model import Regime
from tousu_triage.classifier import Reader, Reading

#: bump when the lexicon, the model or the reading rules change, so every result says
#: what decided it: "blend" is the lexicon and the n-gram model read together
CLASSIFIER = "tousu-blend@5"


@dataclass(frozen=True)
class Triage:
    regime: Regime
    reading: Reading
    filed: Classification

    @property
    def reasons(self) -> list[str]:
        f = self.filed
        levels = [
            f"{kind} {value}" for kind, value in (("urgency", f.urgency), ("severity", f.severity)) if value
        ]
        filed = f"{self.regime.ref}: {f.topic} → {f.category} / {f.department}"
        return [*self.reading.reasons, ", ".join([filed, *levels])]

    def as_json(self) -> dict[str, Any]:
        """The result as `tousu triage` prints it: urgency or severity only where the regime has it."""
        f, r = self.filed, self.reading
        result: dict[str, Any] = {"regime": self.regime.ref, "topic": f.topic, "category": f.category}
        if self.regime.urgency_levels:
            result["urgency"] = f.urgency
        if self.regime.severity_levels:
            result["severity"] = f.severity
        result |= {
            "department": f.department,
            "confidence": r.confidence,
            "reasons": self.reasons,
            "signals": sorted(f.signals),
            "group": f.group,
            "signatories": r.signatories,
            "needs_clarification": r.needs_clarification,
            "questions": list(r.questions),
        }
        return result


def triage(
    reader: Reader,
    regime: Regime,
    text: str,
    *,
    channel: str = "phone",
    signatories: int = 1,
    parameters: Mapping[str, float] | None = None,
) -> Triage:
    """Read ``text`` and file it under ``regime``; ``parameters`` are the estate's values
    (a group complaint's household count, …) where it differs from the rulebook."""
    reading = reader.read(text)
    filed = classify(regime, reading=reading, channel=channel, signatories=signatories, parameters=parameters)
    return Triage(regime, reading, filed)

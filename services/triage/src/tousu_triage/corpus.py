"""The labelled triage corpus (services/triage/corpus/*.jsonl, see GUIDE.md there).

Reading it names the file and line of a bad record; ``split`` fixes train/test once by a
hash of each id, so a record never changes side and nobody picks the test set by hand.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from tousu_shared.regimes import REGIME_IDS
from tousu_shared.regimes.taxonomy import Topic

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"
TEST_SHARE = 25  # percent of records in the test split
_BATCH = re.compile(r"-(\d+)$")  # community-standard-2 → batch 2


class CorpusError(ValueError):
    pass


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z]+-\d{4}$")
    regime: str
    split: Literal["train", "test"] | None = None
    text: str = Field(min_length=1)
    topic: Topic
    urgency: str | None = None
    severity: str | None = None
    clarify: bool = False
    signatories: int | None = Field(default=None, ge=1)
    note: str | None = None
    #: which batch of writing the record came from: ``<regime>-2.jsonl`` is batch 2
    _batch: int = PrivateAttr(default=1)

    @model_validator(mode="after")
    def _known_regime(self) -> Record:
        if self.regime not in REGIME_IDS:
            raise ValueError(f"unknown regime {self.regime!r}")
        if self.urgency is None and self.severity is None:
            raise ValueError("label urgency or severity (whichever the regime has)")
        return self

    @property
    def level(self) -> tuple[str, str]:
        """The regime's level label: ("urgency", "urgent") or ("severity", "major")."""
        return ("urgency", self.urgency) if self.urgency is not None else ("severity", str(self.severity))

    @property
    def batch(self) -> int:
        return self._batch


def assigned_split(record_id: str) -> Literal["train", "test"]:
    bucket = int(hashlib.sha256(record_id.encode()).hexdigest(), 16) % 100
    return "test" if bucket < TEST_SHARE else "train"


def read_file(path: Path) -> list[Record]:
    records: list[Record] = []
    numbered = _BATCH.search(path.stem)
    batch = int(numbered.group(1)) if numbered else 1
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = Record.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}:{number}: not JSON: {exc.msg}") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "record"
            raise CorpusError(f"{path}:{number}: {where}: {first['msg']}") from None
        record._batch = batch
        records.append(record)
    return records


def read_corpus(directory: Path = CORPUS_DIR, split: str | None = None) -> list[Record]:
    records: list[Record] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.jsonl")):
        for record in read_file(path):
            if record.id in seen:
                raise CorpusError(f"{path}: id {record.id} appears twice")
            seen.add(record.id)
            records.append(record)
    if split is not None:
        unsplit = [r.id for r in records if r.split is None]
        if unsplit:
            raise CorpusError(
                f"{len(unsplit)} record(s) have no split yet (e.g. {unsplit[0]}): run the split"
            )
        records = [r for r in records if r.split == split]
    return records


def write_splits(directory: Path = CORPUS_DIR) -> dict[str, int]:
    """Give every record its split (by id hash); returns the count per split."""
    counts = {"train": 0, "test": 0}
    for path in sorted(directory.glob("*.jsonl")):
        records = read_file(path)
        for record in records:
            record.split = assigned_split(record.id)
            counts[record.split] += 1
        path.write_text(_dump(records), encoding="utf-8")
    return counts


def _dump(records: Iterable[Record]) -> str:
    """One record a line, fields in the guide's order; the level field the regime lacks left out."""
    lines = []
    for record in records:
        data = record.model_dump()
        for level in ("urgency", "severity"):
            if data[level] is None:
                del data[level]
        lines.append(json.dumps(data, ensure_ascii=False))
    return "\n".join(lines) + "\n"

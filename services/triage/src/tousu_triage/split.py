"""``python -m tousu_triage.split``: give every corpus record its train/test split (by id hash)."""

from __future__ import annotations

import sys

from tousu_triage.corpus import CorpusError, write_splits


def main() -> int:
    try:
        counts = write_splits()
    except CorpusError as exc:
        print(f"split: {exc}", file=sys.stderr)
        return 2
    print(f"split: {counts['train']} train, {counts['test']} test")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

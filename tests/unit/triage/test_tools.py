"""The corpus reader, the lexicon checks and ``tousu triage``: clear errors, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tousu_cli.main import app
from tousu_triage.classifier import LexiconError, read_lexicon
from tousu_triage.corpus import CorpusError, assigned_split, read_corpus, write_splits

GOOD = {
    "id": "cs-0001",
    "regime": "community-standard",
    "text": "电梯坏了",
    "topic": "elevator",
    "severity": "general",
}


def write_lines(path: Path, *records: object) -> Path:
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records)
    )
    return path


def test_a_bad_corpus_record_names_its_file_and_line(tmp_path: Path) -> None:
    write_lines(tmp_path / "c.jsonl", GOOD, {**GOOD, "id": "cs-0002", "topic": "lift"})
    with pytest.raises(CorpusError, match=r"c\.jsonl:2: topic: "):
        read_corpus(tmp_path)


def test_splits_come_from_the_id_and_are_kept(tmp_path: Path) -> None:
    records = [{**GOOD, "id": f"cs-{n:04d}"} for n in range(1, 201)]
    write_lines(tmp_path / "c.jsonl", *records)
    with pytest.raises(CorpusError, match="no split yet"):
        read_corpus(tmp_path, split="test")
    counts = write_splits(tmp_path)
    assert 30 <= counts["test"] <= 70 and counts["train"] + counts["test"] == 200
    test = read_corpus(tmp_path, split="test")
    assert all(assigned_split(r.id) == "test" for r in test)
    assert write_splits(tmp_path) == counts  # idempotent


def test_a_broken_lexicon_says_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text(
        "topics: {lift: {cues: {电梯: 3}}}\nsignals: {}\n"
        "markers: {negation: [], correction: [], hypothetical: [], past: [], present: [],"
        " demand: [], aside: [], filler: []}\n",
        encoding="utf-8",
    )
    with pytest.raises(LexiconError, match=r"lexicon\.yaml: topics: .*unknown topic"):
        read_lexicon(path)


def test_tousu_triage_answers_every_line_and_flags_bad_ones(tmp_path: Path) -> None:
    source = write_lines(
        tmp_path / "in.jsonl",
        {"id": "a", "text": "配电箱冒烟了"},
        "{not json",
        {"id": "c"},
        {"id": "d", "text": "去交物业费，收银员态度很差"},
    )
    result = CliRunner().invoke(app, ["triage", "--regime", "logistics-service", str(source)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("id") for line in lines] == ["a", None, "c", "d"]
    assert lines[0]["urgency"] == "urgent" and "severity" not in lines[0] and lines[0]["reasons"]
    assert lines[1]["line"] == 2 and "not JSON" in lines[1]["error"]
    assert "text" in lines[2]["error"]
    assert (lines[3]["topic"], lines[3]["category"]) == ("staff_attitude", "customer-service")


def test_tousu_triage_unknown_regime_is_a_clear_error() -> None:
    result = CliRunner().invoke(app, ["triage", "--regime", "no-such-regime", "-"], input="")
    assert result.exit_code == 2 and "no-such-regime" in result.stderr
